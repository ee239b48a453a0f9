import { isCategory } from "./preferences";
import { createHmac, timingSafeEqual } from "node:crypto";
import { isId } from "../../../platform/actions/ids";
import { MessageChannel } from "../../../contracts/engagement";

/** What a one-click unsubscribe link turns off: a category (or `*`, all), on one channel or all. */
export interface Unsubscribe {
  userId: string;
  category: string;
  channel?: MessageChannel;
}

/** Links in old e-mails keep working this long (the law asks for at least 30 days). */
export const LINK_LIFETIME_MS = 365 * 24 * 3_600_000;
const MAX_TOKEN_LENGTH = 512;
const TOKEN = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{43}$/;

/**
 * A key of its own, derived from the shop's secret: a session token can never pass for an
 * unsubscribe link, nor the reverse.
 */
function keyOf(secret: string): Buffer {
  return createHmac("sha256", secret).update("bazaar unsubscribe link v1").digest();
}

const sign = (secret: string, payload: string) =>
  createHmac("sha256", keyOf(secret)).update(payload).digest("base64url");

export function unsubscribeToken(secret: string, what: Unsubscribe, now = new Date()): string {
  const payload = Buffer.from(
    JSON.stringify({ u: what.userId, c: what.category, ch: what.channel, iat: now.getTime() }),
  ).toString("base64url");
  return `${payload}.${sign(secret, payload)}`;
}

/** The unsubscribe a link asks for, or undefined for anything not signed by us or too old. */
export function readUnsubscribeToken(
  secret: string,
  token: unknown,
  now = new Date(),
): Unsubscribe | undefined {
  if (typeof token !== "string" || token.length > MAX_TOKEN_LENGTH || !TOKEN.test(token))
    return undefined;
  const [payload, signature] = token.split(".");
  const expected = Buffer.from(sign(secret, payload));
  if (!timingSafeEqual(Buffer.from(signature), expected)) return undefined;
  let claims: { u?: unknown; c?: unknown; ch?: unknown; iat?: unknown };
  try {
    claims = JSON.parse(Buffer.from(payload, "base64url").toString("utf8"));
  } catch {
    return undefined;
  }
  const channels: unknown[] = Object.values(MessageChannel);
  if (
    !isId(claims.u) ||
    typeof claims.c !== "string" ||
    !(claims.c === "*" || isCategory(claims.c)) ||
    (claims.ch !== undefined && !channels.includes(claims.ch)) ||
    typeof claims.iat !== "number" ||
    now.getTime() - claims.iat > LINK_LIFETIME_MS ||
    claims.iat > now.getTime() + 60_000
  )
    return undefined;
  return {
    userId: claims.u,
    category: claims.c,
    ...(claims.ch ? { channel: claims.ch as MessageChannel } : {}),
  };
}
