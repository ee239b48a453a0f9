import type { ClientMessage } from "../../contracts/classroom";
import { isId } from "../../platform/actions/ids";

/** A frame larger than this is refused before it is parsed. */
export const MAX_FRAME_BYTES = 16 * 1024;
export const MAX_CHAT = 1000;

/**
 * `malformed`: not one JSON object of the allowed size, a broken client the socket closes on;
 * otherwise a message the room does not take (an unknown type, a field out of range), told to
 * its sender, who stays: a newer client's new type does not cost its connection.
 */
export type Parsed = { message: ClientMessage } | { error: string; malformed: boolean };

const text = (value: unknown, min: number, max: number): value is string =>
  typeof value === "string" && value.trim().length >= min && value.length <= max;

/**
 * A client's frame as one of the room's messages, or why not. Its size is checked before it is
 * parsed, and only the fields its type names are read.
 */
export function parseFrame(frame: string | Buffer): Parsed {
  const size = typeof frame === "string" ? Buffer.byteLength(frame) : frame.length;
  if (size > MAX_FRAME_BYTES)
    return { error: `A frame is at most ${MAX_FRAME_BYTES} bytes`, malformed: true };
  let data: unknown;
  try {
    data = JSON.parse(frame.toString());
  } catch {
    return { error: "A frame is one JSON object", malformed: true };
  }
  if (typeof data !== "object" || data === null || Array.isArray(data))
    return { error: "A frame is one JSON object", malformed: true };
  const m = data as Record<string, unknown>;
  const message = messageOf(m);
  return message
    ? { message }
    : { error: `Not a message the room takes: ${String(m.type).slice(0, 40)}`, malformed: false };
}

function messageOf(m: Record<string, unknown>): ClientMessage | null {
  switch (m.type) {
    case "chat":
      return text(m.text, 1, MAX_CHAT) ? { type: "chat", text: m.text.trim() } : null;
    case "hand":
      return typeof m.raised === "boolean" ? { type: "hand", raised: m.raised } : null;
    case "react":
      return text(m.emoji, 1, 16) ? { type: "react", emoji: m.emoji } : null;
    case "poll_open":
      return text(m.question, 1, 300) &&
        Array.isArray(m.options) &&
        m.options.length >= 2 &&
        m.options.length <= 10 &&
        m.options.every((o) => text(o, 1, 100))
        ? { type: "poll_open", question: m.question.trim(), options: m.options as string[] }
        : null;
    case "poll_answer":
      return isId(m.pollId) && Number.isInteger(m.option)
        ? { type: "poll_answer", pollId: m.pollId, option: m.option as number }
        : null;
    case "poll_close":
      return isId(m.pollId) ? { type: "poll_close", pollId: m.pollId } : null;
    case "mute":
      return isId(m.userId) && typeof m.muted === "boolean"
        ? { type: "mute", userId: m.userId, muted: m.muted }
        : null;
    case "remove":
      return isId(m.userId) ? { type: "remove", userId: m.userId } : null;
    case "end":
      return { type: "end" };
    default:
      return null;
  }
}
