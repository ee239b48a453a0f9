import type { Repository } from "../../platform/data/repository";
import { conflict, ErrorType } from "../../platform/actions/errors";
import type { ProductDoc } from "./model";
import type { StockLine } from "../../contracts/catalog";
import { ShopError } from "../../contracts/errors";
import { ReservationState, ReservationDoc } from "./model";
import { insertIfAbsent } from "../../platform/data/insert-if-absent";

export type { StockLine };

type Products = Repository<ProductDoc>;
type Reservations = Repository<ReservationDoc>;

/**
 * Stock moves exactly once per order and product, even when a call is repeated or a node dies
 * between two writes. There are no multi-document transactions here, so the proof of each
 * move lives in the product document itself, written in the same atomic update:
 * `holds.<orderId>` while an order holds units, `restocks.<orderId>` once a cancelled order's
 * units are back. The reservation document only says how far the order has come.
 */
const holdField = (orderId: string) => `holds.${orderId}`;
const restockField = (orderId: string) => `restocks.${orderId}`;

/** The hold, or an equal earlier hold by the same order: true; not enough stock: false. */
async function holdLine(products: Products, orderId: string, line: StockLine): Promise<boolean> {
  const field = holdField(orderId);
  const held = await products.updateOne(
    {
      id: line.productId,
      active: true,
      stock: { $gte: line.quantity },
      [field]: { $exists: false },
    },
    { $inc: { stock: -line.quantity }, $set: { [field]: line.quantity } },
  );
  if (held) return true;
  if ((await products.count({ id: line.productId, [field]: { $exists: true } })) === 1) return true;
  // Sold without a count (a course): nothing to hold, only that it is on sale.
  return (await products.count({ id: line.productId, active: true, unlimited: true })) === 1;
}

async function releaseLine(products: Products, orderId: string, productId: string): Promise<void> {
  const field = holdField(orderId);
  const product = await products.findOne({ id: productId, [field]: { $exists: true } });
  const quantity = product?.holds?.[orderId];
  if (quantity === undefined) return;
  await products.updateOne(
    { id: productId, [field]: quantity },
    { $inc: { stock: quantity }, $unset: { [field]: true } },
  );
}

async function setState(
  reservations: Reservations,
  orderId: string,
  from: ReservationState[],
  to: ReservationState,
  also: Record<string, unknown> = {},
): Promise<void> {
  await reservations.updateOne(
    { id: orderId, state: { $in: from } },
    { $set: { state: to, updatedAt: new Date().toISOString(), ...also } },
  );
}

/**
 * How long a restock's markers outlive it. A second restock that read the reservation before
 * it said "restocked" is stopped only by the markers; it is a call of seconds, so after this
 * no such call can still be running, and the markers can go.
 */
export const RESTOCK_MARKERS_KEPT_MS = 10 * 60_000;

/** Reservations a sweep clears at a time; a full batch means more wait. */
export const RESTOCK_MARKER_BATCH = 100;

/** Clears the restock markers whose time has come; returns how many reservations it cleared. */
export async function clearRestockMarkers(
  products: Products,
  reservations: Reservations,
  now = Date.now(),
): Promise<number> {
  const due = await reservations.find(
    { markersClearAfter: { $lt: new Date(now).toISOString() } },
    { limit: RESTOCK_MARKER_BATCH },
  );
  for (const reservation of due) {
    for (const line of reservation.lines)
      await products.updateOne(
        { id: line.productId, [restockField(reservation.id)]: { $exists: true } },
        { $unset: { [restockField(reservation.id)]: true } },
      );
    await reservations.updateOne({ id: reservation.id }, { $unset: { markersClearAfter: true } });
  }
  return due.length;
}

async function openReservation(
  reservations: Reservations,
  orderId: string,
  lines: StockLine[],
): Promise<ReservationDoc> {
  const now = new Date().toISOString();
  const inserted = await insertIfAbsent(reservations, {
    id: orderId,
    lines,
    state: "holding",
    createdAt: now,
    updatedAt: now,
  });
  if (inserted) return inserted;
  // A twin call opened it first; carry on from what it wrote.
  return (await reservations.findById(orderId)) as ReservationDoc;
}

/** All lines or none. Reserving the same order again changes nothing. */
export async function reserveStock(
  products: Products,
  reservations: Reservations,
  orderId: string,
  lines: StockLine[],
): Promise<ReservationDoc> {
  const existing =
    (await reservations.findById(orderId)) ?? (await openReservation(reservations, orderId, lines));
  if (existing.state === "held" || existing.state === "committed") return existing;
  if (existing.releasedFor === "out_of_stock") throw outOfStock();
  if (existing.state !== "holding")
    throw conflict(ErrorType.INVALID_STATE, `The reservation of order ${orderId} was released`);
  for (const line of existing.lines) {
    if (await holdLine(products, orderId, line)) continue;
    await releaseStock(products, reservations, orderId, "out_of_stock");
    throw outOfStock();
  }
  await setState(reservations, orderId, ["holding"], "held");
  return { ...existing, state: "held" };
}

const outOfStock = () => conflict(ShopError.OUT_OF_STOCK, "Not enough stock for every line");

/**
 * Gives back whatever the order holds. Releasing an order never reserved leaves a tombstone,
 * so a reservation arriving late (a slow twin call) cannot take stock afterwards.
 */
export async function releaseStock(
  products: Products,
  reservations: Reservations,
  orderId: string,
  because?: ReservationDoc["releasedFor"],
): Promise<void> {
  const reservation = await reservations.findById(orderId);
  if (!reservation) {
    await openReservation(reservations, orderId, []);
    await setState(reservations, orderId, ["holding"], "released");
    return;
  }
  if (reservation.state === "released") return;
  if (reservation.state === "committed" || reservation.state === "restocked")
    throw conflict(ErrorType.INVALID_STATE, `Order ${orderId} is confirmed: restock it instead`);
  for (const line of reservation.lines) await releaseLine(products, orderId, line.productId);
  await setState(reservations, orderId, ["holding", "held"], "released", {
    ...(because ? { releasedFor: because } : {}),
  });
}

/** The order is confirmed: its units are sold, and the hold markers can go. */
export async function commitStock(
  products: Products,
  reservations: Reservations,
  orderId: string,
): Promise<void> {
  const reservation = await reservations.findById(orderId);
  if (!reservation || !["held", "committed"].includes(reservation.state))
    throw conflict(ErrorType.INVALID_STATE, `Order ${orderId} holds no stock to commit`);
  await setState(reservations, orderId, ["held"], "committed");
  for (const line of reservation.lines)
    await products.updateOne(
      { id: line.productId, [holdField(orderId)]: { $exists: true } },
      { $unset: { [holdField(orderId)]: true } },
    );
}

/** A confirmed order was cancelled: its units go back on the shelf, once. */
export async function restockOrder(
  products: Products,
  reservations: Reservations,
  orderId: string,
): Promise<void> {
  const reservation = await reservations.findById(orderId);
  if (reservation?.state === "restocked") return;
  if (reservation?.state !== "committed")
    throw conflict(ErrorType.INVALID_STATE, `Order ${orderId} has no sold units to restock`);
  for (const line of reservation.lines) {
    const field = restockField(orderId);
    await products.updateOne(
      { id: line.productId, [field]: { $exists: false }, unlimited: { $ne: true } },
      { $inc: { stock: line.quantity }, $set: { [field]: line.quantity } },
    );
  }
  // The markers stay while a twin restock may still be running (it read "committed" too, and
  // only a marker stops its increment); they go later, so a product's document does not grow
  // with every cancellation. Clearing them here let a twin restock the units twice.
  const clearAfter = new Date(Date.now() + RESTOCK_MARKERS_KEPT_MS).toISOString();
  await setState(reservations, orderId, ["committed"], "restocked", {
    markersClearAfter: clearAfter,
  });
}
