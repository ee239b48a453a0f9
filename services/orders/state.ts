import { OrderStatus } from "../../contracts/orders";
import { Channel } from "../../contracts/channels";
export { OrderStatus };

const { PENDING, CONFIRMED, SHIPPED, DELIVERED, REJECTED, PAYMENT_FAILED, CANCELLED } = OrderStatus;

/** architecture §5: the only moves an order can make. */
const TRANSITIONS: Record<OrderStatus, readonly OrderStatus[]> = {
  PENDING: [CONFIRMED, REJECTED, PAYMENT_FAILED],
  CONFIRMED: [SHIPPED, CANCELLED],
  SHIPPED: [DELIVERED],
  DELIVERED: [],
  REJECTED: [],
  PAYMENT_FAILED: [],
  CANCELLED: [],
};

export function canTransition(from: OrderStatus, to: OrderStatus): boolean {
  return TRANSITIONS[from].includes(to);
}

/** Where no further move happens without a person (ship, cancel): the saga is done. */
export function isSettled(status: OrderStatus): boolean {
  return status !== PENDING;
}

/** The channel each arrival announces. */
/** The channels that tell an order's moves. */
export type OrderChannel =
  | typeof Channel.ORDERS_CONFIRMED
  | typeof Channel.ORDERS_SHIPPED
  | typeof Channel.ORDERS_DELIVERED
  | typeof Channel.ORDERS_CANCELLED
  | typeof Channel.ORDERS_FAILED;

export function eventOf(status: OrderStatus): OrderChannel | null {
  switch (status) {
    case CONFIRMED:
      return Channel.ORDERS_CONFIRMED;
    case SHIPPED:
      return Channel.ORDERS_SHIPPED;
    case DELIVERED:
      return Channel.ORDERS_DELIVERED;
    case CANCELLED:
      return Channel.ORDERS_CANCELLED;
    case REJECTED:
    case PAYMENT_FAILED:
      return Channel.ORDERS_FAILED;
    default:
      return null;
  }
}
