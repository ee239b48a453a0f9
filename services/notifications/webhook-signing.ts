import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";

/**
 * architecture §4: `X-Bazaar-Signature: sha256=<hex HMAC-SHA256 of "<timestamp>.<raw body>">`
 * keyed by the webhook's secret, with `X-Bazaar-Timestamp` in unix seconds, so a receiver can
 * verify the body and refuse an old (replayed) delivery.
 */
export function signatureOf(secret: string, timestamp: number, rawBody: string): string {
  return "sha256=" + createHmac("sha256", secret).update(`${timestamp}.${rawBody}`).digest("hex");
}

export function signedHeaders(
  secret: string,
  eventType: string,
  rawBody: string,
  now = Date.now(),
) {
  const timestamp = Math.floor(now / 1000);
  return {
    "content-type": "application/json",
    "user-agent": "Bazaar-Webhooks/1",
    "x-bazaar-event": eventType,
    "x-bazaar-timestamp": String(timestamp),
    "x-bazaar-signature": signatureOf(secret, timestamp, rawBody),
  };
}

/** What a receiver does: a valid signature over a recent timestamp (default: 5 minutes). */
export function verifySignature(
  secret: string,
  headers: { timestamp: string; signature: string },
  rawBody: string,
  toleranceSeconds = 300,
  now = Date.now(),
): boolean {
  const timestamp = Number(headers.timestamp);
  if (!Number.isInteger(timestamp) || Math.abs(now / 1000 - timestamp) > toleranceSeconds)
    return false;
  const expected = Buffer.from(signatureOf(secret, timestamp, rawBody));
  const given = Buffer.from(headers.signature);
  return expected.length === given.length && timingSafeEqual(expected, given);
}

export function newWebhookSecret(): string {
  return `whsec_${randomBytes(24).toString("base64url")}`;
}

const MAX_DELAY_MS = 3_600_000;

/** Exponential back-off with full jitter: a random wait up to base × 2^(attempt-1). */
export function retryDelayMs(attempt: number, baseMs: number, random = Math.random): number {
  const ceiling = Math.min(MAX_DELAY_MS, baseMs * 2 ** (attempt - 1));
  return Math.round(ceiling / 2 + random() * (ceiling / 2));
}

export type AttemptVerdict = "delivered" | "retry" | "failed";

/** 2xx delivered; network errors, timeouts, 408, 429 and 5xx are worth another try; other 4xx are final. */
export function verdictOf(status: number | undefined): AttemptVerdict {
  if (status === undefined) return "retry";
  if (status >= 200 && status < 300) return "delivered";
  if (status === 408 || status === 429 || status >= 500) return "retry";
  return "failed";
}
