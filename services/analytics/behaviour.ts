import { Errors } from "moleculer";
import Validator, { type ValidationError } from "fastest-validator";
import { ErrorType, forbidden, invalid } from "../../platform/actions/errors";
import type { Principal } from "../../contracts/users";
import { optionalIdRule } from "../../platform/actions/ids";

export const STANDARD_TYPES = [
  "page_view",
  "product_view",
  "add_to_cart",
  "remove_from_cart",
  "search",
  "checkout_started",
] as const;
export const MAX_BATCH = 500;
const MAX_PROPS_BYTES = 2048;
const FUTURE_SLACK_MS = 5 * 60_000;
const ISO_TIME = /^\d{4}-\d\d-\d\dT\d\d:\d\d(:\d\d(\.\d{1,9})?)?(Z|[+-]\d\d:\d\d)$/;

import type { BehaviourEvent } from "../../contracts/channels";
export type { BehaviourEvent };

/**
 * An anonymous visitor's id, as a storefront makes one (a UUID, a random token). It is a secret
 * of the visitor's browser: whoever sends it beside their own user takes that visitor's past,
 * so it is long enough not to be guessed (16 characters are 96 bits of base64url).
 */
export const ANONYMOUS_ID = /^[A-Za-z0-9_-]{16,48}$/;

/** Standard types and custom names share one rule (architecture §4): `^[a-z][a-z0-9_.]{0,63}$`. */
export const BEHAVIOUR_EVENT_RULE = {
  type: "object",
  strict: true,
  props: {
    type: { type: "string", max: 64, pattern: /^[a-z][a-z0-9_.]{0,63}$/ },
    ts: { type: "string", max: 40, pattern: ISO_TIME, optional: true },
    userId: optionalIdRule,
    anonymousId: { type: "string", min: 16, max: 48, pattern: ANONYMOUS_ID, optional: true },
    sessionId: { type: "string", min: 1, max: 128, optional: true },
    productId: optionalIdRule,
    props: { type: "object", optional: true },
  },
} as const;
const checkEvent = new Validator().compile({ $$root: true, ...BEHAVIOUR_EVENT_RULE });

interface Problem {
  index: number;
  field: string;
  message: string;
  type: string;
}

function tooLarge(count: number) {
  const error = new Errors.MoleculerClientError(
    `At most ${MAX_BATCH} events a batch, got ${count}`,
    413,
    ErrorType.PAYLOAD_TOO_LARGE,
  );
  error.name = "PayloadTooLarge";
  return error;
}

/**
 * A batch is accepted whole or not at all: 413 past MAX_BATCH, 422 naming every bad event
 * (by index) otherwise. Missing times become the arrival time.
 */
export function validateBatch(body: unknown, now = Date.now()): BehaviourEvent[] {
  if (!Array.isArray(body) || body.length === 0)
    throw invalid([{ field: "body", message: "A non-empty array of events", type: "array" }]);
  if (body.length > MAX_BATCH) throw tooLarge(body.length);
  const problems: Problem[] = [];
  const arrival = new Date(now).toISOString();
  const events = body.map((event, index) => {
    const result = checkEvent(event) as true | ValidationError[];
    if (result !== true) {
      for (const p of result)
        problems.push(
          p.type === "objectStrict"
            ? {
                index,
                field: String(p.actual),
                message: `Not an accepted field: ${p.actual}`,
                type: "unknownField",
              }
            : { index, field: p.field ?? "", message: p.message ?? "invalid", type: p.type },
        );
      return null;
    }
    const e = event as BehaviourEvent;
    if (e.ts !== undefined) {
      const t = Date.parse(e.ts);
      if (Number.isNaN(t) || t > now + FUTURE_SLACK_MS)
        problems.push({
          index,
          field: "ts",
          message: "Not a real time, or in the future",
          type: "ts",
        });
    }
    if (e.props !== undefined && Buffer.byteLength(JSON.stringify(e.props)) > MAX_PROPS_BYTES)
      problems.push({
        index,
        field: "props",
        message: `At most ${MAX_PROPS_BYTES} bytes`,
        type: "props",
      });
    return { ...e, ts: e.ts ? new Date(e.ts).toISOString() : arrival };
  });
  if (problems.length)
    throw invalid(
      problems.map((p) => ({ ...p, field: `[${p.index}].${p.field}` })),
      `${new Set(problems.map((p) => p.index)).size} of ${body.length} events are invalid; none was accepted`,
    );
  return events as BehaviourEvent[];
}

/**
 * A principal speaks only for itself: a session's events, and those of a key without the
 * `forward` scope, are its user's, and naming another user is refused (403, by index) before
 * anything is sent; an `anonymousId` beside it says "this anonymous visitor was me". A key with
 * `forward` (only an admin account makes one: a shop's backend relaying its visitors) names the
 * user, or an `anonymousId` for a visitor not signed in, or both when that visitor signs in, or
 * nobody (counted in analytics only).
 */
export function speakFor(caller: Principal, events: BehaviourEvent[]): BehaviourEvent[] {
  if (caller.apiKeyId !== undefined && caller.scopes?.includes("forward")) return events;
  const others = events.flatMap((event, index) =>
    event.userId !== undefined && event.userId !== caller.id ? [index] : [],
  );
  if (others.length)
    throw forbidden(
      `${others.length === 1 ? "Event" : "Events"} ${others.slice(0, 20).join(", ")}${others.length > 20 ? ", …" : ""} ${others.length === 1 ? "names" : "name"} another user: events speak for their sender only, and forwarding other users' events takes an API key with the forward scope`,
    );
  return events.map((event) => ({ ...event, userId: caller.id }));
}
