import { createHmac, timingSafeEqual } from "node:crypto";

/**
 * A tracked link: `<messageId>.<link index>.<signature>`. The address it leads to is kept
 * with the message, never in the link, so a link is short and cannot be pointed elsewhere.
 */
const TOKEN = /^([A-Za-z0-9][A-Za-z0-9_-]{0,79})\.(\d{1,2})\.([A-Za-z0-9_-]{43})$/;
const MAX_TOKEN_LENGTH = 140;

/** A key of its own, derived from the shop's secret, as the unsubscribe link's is. */
function keyOf(secret: string): Buffer {
  return createHmac("sha256", secret).update("bazaar tracked link v1").digest();
}

const sign = (secret: string, payload: string) =>
  createHmac("sha256", keyOf(secret)).update(payload).digest("base64url");

export function linkToken(secret: string, messageId: string, index: number): string {
  const payload = `${messageId}.${index}`;
  return `${payload}.${sign(secret, payload)}`;
}

/** The message and link a token names, or undefined for anything we did not sign. */
export function readLinkToken(
  secret: string,
  token: unknown,
): { messageId: string; index: number } | undefined {
  if (typeof token !== "string" || token.length > MAX_TOKEN_LENGTH) return undefined;
  const match = TOKEN.exec(token);
  if (!match) return undefined;
  const [, messageId, index, signature] = match;
  const expected = Buffer.from(sign(secret, `${messageId}.${index}`));
  if (!timingSafeEqual(Buffer.from(signature), expected)) return undefined;
  return { messageId, index: Number(index) };
}
