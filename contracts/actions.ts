import type { Cart } from "./cart";
import type { ProductView, StockLine } from "./catalog";
import type { CartReminder } from "./notifications";
import type { ChargeInput, PaymentView, RefundInput } from "./payments";
import type { Principal, SessionsEnded } from "./users";

/**
 * The actions one service calls on another: each name selects its params and its answer, so
 * a call with a wrong name, a missing field or a misread answer fails the type check.
 */
export interface ActionContracts {
  "catalog.getMany": { params: { ids: string[] }; answer: ProductView[] };
  "catalog.reserve": {
    params: { orderId: string; items: StockLine[] };
    answer: { orderId: string; reserved: true };
  };
  "catalog.commit": { params: { orderId: string }; answer: { orderId: string; committed: true } };
  "catalog.release": { params: { orderId: string }; answer: { orderId: string; released: true } };
  "catalog.restock": { params: { orderId: string }; answer: { orderId: string; restocked: true } };
  "payments.charge": { params: ChargeInput; answer: PaymentView };
  "payments.refund": { params: RefundInput; answer: PaymentView };
  "cart.ofUser": { params: { userId: string }; answer: Cart };
  "cart.clearOfUser": { params: { userId: string }; answer: { cleared: true } };
  "notifications.remindCart": { params: CartReminder; answer: { reminded: boolean } };
  "orders.lastOrderAt": { params: { userId: string }; answer: string | null };
  "users.contactOf": { params: { userId: string }; answer: { email: string } | null };
  "users.resolveApiKey": { params: { key: string }; answer: Principal | null };
  "users.sessionsEnded": { params: { since: string }; answer: SessionsEnded[] };
}

export type ActionName = keyof ActionContracts;
export type ParamsOf<A extends ActionName> = ActionContracts[A]["params"];
export type AnswerOf<A extends ActionName> = ActionContracts[A]["answer"];

/** A call by name with its own params: a value that can wait in a list (the saga's effects). */
export type ActionCall = { [A in ActionName]: [A, ParamsOf<A>] }[ActionName];
