/** What other services ask of notifications directly (the rest arrives by channels). */
export interface CartReminder {
  userId: string;
  /** The cart's state: one reminder a state, however often asked. */
  key: string;
  items: { name: string; quantity: number }[];
}

/** One message Bazaar decided to send: each channel's words, sent once for `key` on each. */
export interface Delivery {
  userId: string;
  key: string;
  messages: { channel: "inbox" | "email"; title: string; body: string }[];
  unsubscribeUrl?: string;
}
