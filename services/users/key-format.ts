import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import {
  ADMIN_ONLY_SCOPES,
  API_KEY_SCOPES,
  type ApiKeyScope,
} from "../../platform/actions/action-properties";

/**
 * API keys look like `bzr_<prefix>_<secret>`. The prefix finds the record and is shown in
 * listings; only a SHA-256 of the whole key is kept (the key has 192 random bits, so a fast
 * hash is enough: there is nothing to guess).
 */
export { ADMIN_ONLY_SCOPES, API_KEY_SCOPES, type ApiKeyScope };
export const DEFAULT_SCOPES: ApiKeyScope[] = ["read", "write"];

const KEY_PATTERN = /^bzr_([A-Za-z0-9_-]{8})_([A-Za-z0-9_-]{32})$/;

export interface NewApiKey {
  key: string;
  prefix: string;
  hash: string;
}

export function hashApiKey(key: string): string {
  return createHash("sha256").update(key).digest("hex");
}

export function generateApiKey(): NewApiKey {
  const prefix = randomBytes(6).toString("base64url");
  const secret = randomBytes(24).toString("base64url");
  const key = `bzr_${prefix}_${secret}`;
  return { key, prefix, hash: hashApiKey(key) };
}

/** The lookup prefix of a well-formed key, or null: malformed keys never reach the store. */
export function apiKeyPrefix(key: string): string | null {
  return KEY_PATTERN.exec(key)?.[1] ?? null;
}

export function apiKeyMatches(key: string, storedHash: string): boolean {
  const actual = Buffer.from(hashApiKey(key), "hex");
  const expected = Buffer.from(storedHash, "hex");
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}
