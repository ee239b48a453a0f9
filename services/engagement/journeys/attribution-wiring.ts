import type { ChannelMessageOf } from "../../../contracts/channels";
import { isId } from "../../../platform/actions/ids";
import type { EngagementThis } from "../engagement-this";
import { attributeOrder as attribute } from "./message-log";
import { outcomeStores } from "./journey-wiring";

/** An order confirmed within a day of a click on a journey's message counts for that message. */
export async function attributeOrder(
  self: EngagementThis,
  message: ChannelMessageOf<"orders.confirmed">,
): Promise<void> {
  const order = message.data;
  if (!isId(order.userId) || !isId(order.orderId)) return;
  const converted = await attribute(outcomeStores(self), order, new Date(message.ts));
  // The split between a template's variants moves with what it sells.
  if (converted) self.shares.delete(converted.templateId);
}
