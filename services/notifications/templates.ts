import type { OrderMoved, PaymentSettled } from "../../contracts/channels";
import type { ChannelMessage } from "../../platform/messaging/channels";

/** What a person is told, in the inbox and by e-mail. */
export interface Message {
  type: string;
  title: string;
  body: string;
  orderId?: string;
}

type OrderData = OrderMoved;

/** `payments.failed` carries an amount, not a total. */
type PaymentData = PaymentSettled;

/** Money in minor units as a person reads it; anything but whole minor units is refused, never "$NaN". */
export function formatMoney(minor: number, currency: string): string {
  if (!Number.isInteger(minor)) throw new TypeError(`Not an amount in minor units: ${minor}`);
  const digits =
    new Intl.NumberFormat("en", { style: "currency", currency }).resolvedOptions()
      .maximumFractionDigits ?? 2;
  return new Intl.NumberFormat("en", { style: "currency", currency }).format(minor / 10 ** digits);
}

function lines(order: OrderData): string {
  return (order.items ?? [])
    .map((l) => `  ${l.quantity} × ${l.name}: ${formatMoney(l.lineTotal, order.currency)}`)
    .join("\n");
}

const shortId = (orderId: string) => orderId.slice(-8).toUpperCase();

const REASONS: Record<string, string> = {
  out_of_stock: "some items were out of stock",
  card_declined: "the card was declined",
  insufficient_funds: "the card has insufficient funds",
  processing_error: "the payment processor did not answer",
  invalid_token: "the payment details were not valid",
};

/**
 * The message for a channel event, or null when this event tells the person nothing new
 * (an order that failed for a payment reason is told by `payments.failed`, once).
 */
export function render(event: ChannelMessage): Message | null {
  const order = event.data as unknown as OrderData;
  const total = () => formatMoney(order.total, order.currency);
  switch (event.type) {
    case "users.registered":
      return {
        type: "welcome",
        title: "Welcome to the shop",
        body: `Hello ${String(event.data.name)}, your account is ready.`,
      };
    case "orders.confirmed":
      return {
        type: "order_confirmed",
        orderId: order.orderId,
        title: `Order ${shortId(order.orderId)} confirmed`,
        body: `Thank you for your order.\n${lines(order)}\nTotal: ${total()}`,
      };
    case "orders.cancelled":
      return {
        type: "order_cancelled",
        orderId: order.orderId,
        title: `Order ${shortId(order.orderId)} cancelled`,
        body: `Your order was cancelled and ${total()} is being refunded.`,
      };
    case "orders.shipped":
      return {
        type: "order_shipped",
        orderId: order.orderId,
        title: `Order ${shortId(order.orderId)} shipped`,
        body: "Your order is on its way.",
      };
    case "orders.delivered":
      return {
        type: "order_delivered",
        orderId: order.orderId,
        title: `Order ${shortId(order.orderId)} delivered`,
        body: "Your order was delivered. Enjoy!",
      };
    case "orders.failed":
      if (order.failureReason !== "out_of_stock") return null;
      return {
        type: "order_failed",
        orderId: order.orderId,
        title: `Order ${shortId(order.orderId)} could not be placed`,
        body: `We could not place your order: ${REASONS.out_of_stock}. You were not charged.`,
      };
    case "payments.failed": {
      const payment = event.data as unknown as PaymentData;
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

export function cartReminder(items: { name: string; quantity: number }[]): Message {
  return {
    type: "cart_reminder",
    title: "Your cart is waiting",
    body: `You left these in your cart:\n${items.map((i) => `  ${i.quantity} × ${i.name}`).join("\n")}`,
  };
}
