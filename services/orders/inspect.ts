import { invalid, notFound } from "../../platform/actions/errors";
import type { Orders } from "./order-moves";
import type { OrderDoc } from "./model";

const SHORTEST_PREFIX = 8;

/**
 * An order by its id, or by a prefix of it as operators copy ids from logs (`ord_3a7d…`): a
 * prefix of at least eight characters that only one order starts with.
 */
export async function findByIdOrPrefix(orders: Orders, idOrPrefix: string): Promise<OrderDoc> {
  const exact = await orders.findById(idOrPrefix);
  if (exact) return exact;
  if (idOrPrefix.length < SHORTEST_PREFIX) throw notFound("Order");
  const matches = await orders.find(
    { id: { $gte: idOrPrefix, $lt: `${idOrPrefix}\uffff` } },
    { sort: { id: 1 }, limit: 2 },
  );
  if (matches.length === 0) throw notFound("Order");
  if (matches.length > 1)
    throw invalid(
      [{ field: "id", message: "More than one order starts with this; give more", type: "prefix" }],
      `More than one order starts with ${idOrPrefix}`,
    );
  return matches[0];
}
