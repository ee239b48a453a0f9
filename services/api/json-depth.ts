/**
 * How deep a JSON request body may nest. No route takes more than a few levels; a body nested
 * 20,000 deep overflowed the stack in the validator (a 500, and a context left "running" that
 * held up shutdown for its whole timeout). Checked on the raw bytes, before JSON.parse, in one
 * linear pass.
 */
export const MAX_JSON_DEPTH = 32;

const OPEN_OBJECT = 0x7b;
const OPEN_LIST = 0x5b;
const CLOSE_OBJECT = 0x7d;
const CLOSE_LIST = 0x5d;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;

export class JsonTooDeepError extends Error {
  readonly type = "entity.too.deep";
  readonly status = 400;
  constructor() {
    super(`The JSON body nests deeper than ${MAX_JSON_DEPTH} levels`);
    this.name = "JsonTooDeepError";
  }
}

/** The deepest nesting of brackets outside strings (UTF-8 never reuses these bytes). */
export function jsonDepth(body: Uint8Array, stopAbove = Infinity): number {
  let depth = 0;
  let deepest = 0;
  let inString = false;
  for (let i = 0; i < body.length; i++) {
    const byte = body[i];
    if (inString) {
      if (byte === BACKSLASH) i++;
      else if (byte === QUOTE) inString = false;
    } else if (byte === QUOTE) inString = true;
    else if (byte === OPEN_OBJECT || byte === OPEN_LIST) {
      if (++depth > deepest && (deepest = depth) > stopAbove) return deepest;
    } else if (byte === CLOSE_OBJECT || byte === CLOSE_LIST) depth--;
  }
  return deepest;
}

/** body-parser's `verify` hook: runs on the raw body before it is parsed. */
export function refuseDeepJson(_req: unknown, _res: unknown, body: Uint8Array): void {
  if (jsonDepth(body, MAX_JSON_DEPTH) > MAX_JSON_DEPTH) throw new JsonTooDeepError();
}
