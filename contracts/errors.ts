/**
 * The shop's own error types, beside the platform's generic ones (platform/actions/errors.ts):
 * a client acts on them by `type`, and a service tells them apart with `hasType(err, …)`.
 */
export const ShopError = {
  EMAIL_TAKEN: "EMAIL_TAKEN",
  SKU_TAKEN: "SKU_TAKEN",
  SLUG_TAKEN: "SLUG_TAKEN",
  PREREQUISITES_NOT_MET: "PREREQUISITES_NOT_MET",
  /** A course the learner already holds is not sold to them again; data `{ courses }`. */
  ALREADY_ENROLLED: "ALREADY_ENROLLED",
  LESSON_LOCKED: "LESSON_LOCKED",
  OUT_OF_STOCK: "OUT_OF_STOCK",
  PAYMENT_DECLINED: "PAYMENT_DECLINED",
} as const;
export type ShopError = (typeof ShopError)[keyof typeof ShopError];

/** A card that was declined; its data is `{ orderId, reason }`. Built by `paymentRequired`. */
export const PaymentDeclined = {
  type: ShopError.PAYMENT_DECLINED,
  message: "Payment declined",
  name: "PaymentDeclinedError",
} as const;
