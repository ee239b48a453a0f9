import type { ChatLine, SequencedEvent } from "../../contracts/classroom";
import type { IndexSpec, Repository } from "../../platform/data/repository";
import { dateTime, integer, object, string } from "../../platform/actions/openapi";

/** One chat message of a session, kept after it. Id `<sessionId>:<seq>`: a retried write is one. */
export interface ChatDoc extends ChatLine {
  id: string;
  sessionId: string;
}
export type Chats = Repository<ChatDoc>;

/** `seq` is a number range, so PostgreSQL orders 10 after 9. */
export const CHAT_INDEXES: IndexSpec[] = [
  { fields: ["sessionId"] },
  { fields: ["seq"], range: "number" },
];

export const CHAT_SHAPE = object(
  { seq: integer, from: string, name: string, text: string, at: dateTime },
  [],
  "ChatLine",
);

export const MAX_CHAT_PAGE = 200;

/** The room's chat messages among these events, kept in its order with their speakers' names. */
export async function recordChat(
  chats: Chats,
  sessionId: string,
  events: SequencedEvent[],
  nameOf: (userId: string) => string,
): Promise<void> {
  for (const event of events)
    if (event.type === "chat")
      await chats.insert({
        id: `${sessionId}:${event.seq}`,
        sessionId,
        seq: event.seq,
        from: event.from,
        name: nameOf(event.from),
        text: event.text,
        at: event.at,
      });
}

/** A page of a session's chat in the room's order, after the message numbered `after`. */
export async function chatAfter(
  chats: Chats,
  sessionId: string,
  after: number,
  limit: number,
): Promise<ChatLine[]> {
  const rows = await chats.find(
    { sessionId, seq: { $gt: after } },
    { sort: { seq: 1 }, limit: Math.min(limit, MAX_CHAT_PAGE) },
  );
  return rows.map(({ seq, from, name, text, at }) => ({ seq, from, name, text, at }));
}
