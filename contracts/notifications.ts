/** One message Bazaar decided to send: each channel's words, sent once for `key` on each. */
export interface Delivery {
  userId: string;
  /** What kind of message it is, as the inbox shows it: the template it was written from. */
  type: string;
  key: string;
  messages: { channel: "inbox" | "email" | "webhook"; title?: string; body: string }[];
  unsubscribeUrl?: string;
}
