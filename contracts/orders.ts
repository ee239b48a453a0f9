/** Orders as other services see them. Types and constants only. */
export const OrderStatus = {
  PENDING: "PENDING",
  CONFIRMED: "CONFIRMED",
  SHIPPED: "SHIPPED",
  DELIVERED: "DELIVERED",
  REJECTED: "REJECTED",
  PAYMENT_FAILED: "PAYMENT_FAILED",
  CANCELLED: "CANCELLED",
} as const;
export type OrderStatus = (typeof OrderStatus)[keyof typeof OrderStatus];

/** One priced line of an order, as the order keeps it and its events carry it. */
export interface OrderLine {
  productId: string;
  sku: string;
  name: string;
  unitPrice: number;
  quantity: number;
  lineTotal: number;
}

/**
 * Why a settled order failed, as clients read it in `failureReason`; a declined card's own
 * reason (`PaymentFailureReason`) is kept as the processor gave it.
 */
export const FailureReason = {
  OUT_OF_STOCK: "out_of_stock",
  DECLINED: "declined",
  PROCESSING_ERROR: "processing_error",
  /** A step refused the order's own input: asking again cannot help. */
  REFUSED: "refused",
} as const;
