/** Payments as other services see them. Types only. */
export type PaymentStatus = "pending" | "succeeded" | "declined" | "failed";

/** What an order asks to be charged; the token is the card's, and is never kept. */
export interface ChargeInput {
  orderId: string;
  userId: string;
  amount: number;
  currency: string;
  token: string;
}

export interface PaymentView {
  id: string;
  orderId: string;
  amount: number;
  refunded: number;
  currency: string;
  status: PaymentStatus;
  createdAt: string;
}

export interface RefundInput {
  orderId: string;
  /** One refund a key, however often asked. */
  refundKey: string;
  /** Part of the payment; the whole of what is left when absent. */
  amount?: number;
}

/** Why a charge failed, as the processor says it and `payments.failed` carries it. */
export const PaymentFailureReason = {
  CARD_DECLINED: "card_declined",
  INSUFFICIENT_FUNDS: "insufficient_funds",
  INVALID_TOKEN: "invalid_token",
  PROCESSING_ERROR: "processing_error",
} as const;
export type PaymentFailureReason = (typeof PaymentFailureReason)[keyof typeof PaymentFailureReason];
