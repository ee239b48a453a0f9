/**
 * Checked by `tsc --noEmit` (CI's typecheck), never run: a provider is held to its contract as
 * its callers are. Each `@ts-expect-error` must meet an error, or the typecheck fails.
 */
import { Action } from "../../contracts/actions";
import type { ServiceBroker } from "moleculer";
import { Channel } from "../../contracts/channels";
import { ShopError } from "../../contracts/errors";
import { publish } from "../../platform/messaging/channels";
import { hasType } from "../../platform/actions/errors";
import { provide } from "../../platform/actions/typed-call";

type Service = { reserved: Set<string> };

export const answersItsContract = provide(Action.catalog.reserve, {
  handler(this: Service, ctx) {
    this.reserved.add(ctx.params.orderId);
    return { orderId: ctx.params.orderId, reserved: true as const };
  },
});

export const answersSomethingElse = provide(Action.catalog.reserve, {
  // @ts-expect-error the answer lacks `reserved`, which every caller of catalog.reserve reads
  handler(this: Service, ctx) {
    return { orderId: ctx.params.orderId };
  },
});

export const readsAParamItIsNotGiven = provide(Action.catalog.reserve, {
  handler(this: Service, ctx) {
    // @ts-expect-error catalog.reserve is given an order and its lines, no user
    const user: string = ctx.params.userId;
    return { orderId: user, reserved: true as const };
  },
});

export const statesOtherParams = provide(Action.users.contactOf, {
  // @ts-expect-error the handler says it takes what the contract does not give
  async handler(this: Service, ctx: { params: { email: string } }) {
    return { email: ctx.params.email, name: "" };
  },
});

export const knownType = (err: unknown) => hasType(err, ShopError.OUT_OF_STOCK);
// @ts-expect-error a misspelt error type would never match, and is refused
export const misspeltType = (err: unknown) => hasType(err, "OUT_OF_STOKC");

declare const broker: ServiceBroker;
export const tellsItsPayload = () =>
  publish(broker, Channel.ANALYTICS_EVENTS, { events: [{ type: "page_view", ts: "" }] });
export const tellsAnotherPayload = () =>
  // @ts-expect-error a cart's abandonment is not what the behaviour channel carries
  publish(broker, Channel.ANALYTICS_EVENTS, { userId: "u", key: "k", items: [] });
