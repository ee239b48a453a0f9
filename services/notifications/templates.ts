import { Channel, type ChannelEvent, type OrderMoved } from "../../contracts/channels";
import { FailureReason } from "../../contracts/orders";
import { PaymentFailureReason } from "../../contracts/payments";

/** What a person is told, in the inbox and by e-mail. */
export interface Message {
  type: string;
  title: string;
  body: string;
  orderId?: string;
  /** Bazaar reaching out (not news of one's own order): the link that stops this kind. */
  unsubscribeUrl?: string;
}

/** Money in minor units as a person reads it; anything but whole minor units is refused, never "$NaN". */
export function formatMoney(minor: number, currency: string): string {
  if (!Number.isInteger(minor)) throw new TypeError(`Not an amount in minor units: ${minor}`);
  const digits =
    new Intl.NumberFormat("en", { style: "currency", currency }).resolvedOptions()
      .maximumFractionDigits ?? 2;
  return new Intl.NumberFormat("en", { style: "currency", currency }).format(minor / 10 ** digits);
}

function lines(order: OrderMoved): string {
  return (order.items ?? [])
    .map((l) => `  ${l.quantity} × ${l.name}: ${formatMoney(l.lineTotal, order.currency)}`)
    .join("\n");
}

const shortId = (orderId: string) => orderId.slice(-8).toUpperCase();

const REASONS: Record<string, string> = {
  [FailureReason.OUT_OF_STOCK]: "some items were out of stock",
  [PaymentFailureReason.CARD_DECLINED]: "the card was declined",
  [PaymentFailureReason.INSUFFICIENT_FUNDS]: "the card has insufficient funds",
  [PaymentFailureReason.PROCESSING_ERROR]: "the payment processor did not answer",
  [PaymentFailureReason.INVALID_TOKEN]: "the payment details were not valid",
};

/**
 * The message for a channel event, or null when this event tells the person nothing new
 * (an order that failed for a payment reason is told by `payments.failed`, once).
 */
export function render(message: { type: string; data: unknown }): Message | null {
  // What arrives on a channel is the payload its contract names (contracts/channels.ts).
  const event = message as ChannelEvent;
  switch (event.type) {
    case Channel.USERS_REGISTERED:
      return {
        type: "welcome",
        title: "Welcome to the shop",
        body: `Hello ${event.data.name}, your account is ready.`,
      };
    case Channel.ORDERS_CONFIRMED:
      return orderMessage(
        event.data,
        "order_confirmed",
        "confirmed",
        (order) => `Thank you for your order.\n${lines(order)}\nTotal: ${totalOf(order)}`,
      );
    case Channel.ORDERS_CANCELLED:
      return orderMessage(
        event.data,
        "order_cancelled",
        "cancelled",
        (order) => `Your order was cancelled and ${totalOf(order)} is being refunded.`,
      );
    case Channel.ORDERS_SHIPPED:
      return orderMessage(
        event.data,
        "order_shipped",
        "shipped",
        () => "Your order is on its way.",
      );
    case Channel.ORDERS_DELIVERED:
      return orderMessage(
        event.data,
        "order_delivered",
        "delivered",
        () => "Your order was delivered. Enjoy!",
      );
    case Channel.ORDERS_FAILED:
      if (event.data.failureReason !== FailureReason.OUT_OF_STOCK) return null;
      return {
        type: "order_failed",
        orderId: event.data.orderId,
        title: `Order ${shortId(event.data.orderId)} could not be placed`,
        body: `We could not place your order: ${REASONS[FailureReason.OUT_OF_STOCK]}. You were not charged.`,
      };
    case Channel.PAYMENTS_FAILED: {
      const payment = event.data;
      const reason = REASONS[String(payment.reason)] ?? "the payment failed";
      const amount = formatMoney(payment.amount, payment.currency);
      return {
        type: "payment_failed",
        orderId: payment.orderId,
        title: `Payment for order ${shortId(payment.orderId)} failed`,
        body: `We could not take payment of ${amount}: ${reason}. You were not charged.`,
      };
    }
    default:
      return null;
  }
}

const totalOf = (order: OrderMoved) => formatMoney(order.total, order.currency);

function orderMessage(
  order: OrderMoved,
  type: string,
  moved: string,
  body: (order: OrderMoved) => string,
): Message {
  return {
    type,
    orderId: order.orderId,
    title: `Order ${shortId(order.orderId)} ${moved}`,
    body: body(order),
  };
}
