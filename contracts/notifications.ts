/** What other services ask of notifications directly (the rest arrives by channels). */
export interface CartReminder {
  userId: string;
  /** The cart's state: one reminder a state, however often asked. */
  key: string;
  items: { name: string; quantity: number }[];
}
