/**
 * Checked by `tsc --noEmit` (CI's typecheck), never run: each `@ts-expect-error` must meet an
 * error, or the typecheck fails. A misspelt action property or value must not compile.
 */
import type { Actions } from "../../platform/actions/action-properties";

export const misspeltValue = {
  list: {
    // @ts-expect-error an access level that does not exist
    access: "admni",
    handler: () => [],
  },
} satisfies Actions;

export const misspeltProperty = {
  list: {
    // @ts-expect-error a property that does not exist (it would leave the action open to all)
    acess: "admin",
    handler: () => [],
  },
} satisfies Actions;

export const misspeltIdempotent = {
  reserve: {
    // @ts-expect-error a misspelt `idempotent` would silently turn rerouting off
    idempotant: true,
    handler: () => null,
  },
} satisfies Actions;

export const wrongScope = {
  ingest: {
    // @ts-expect-error a scope no API key can hold
    scope: "event",
    handler: () => null,
  },
} satisfies Actions;

export const fine = {
  list: { access: "admin", scope: "read", idempotent: true, handler: () => [] },
} satisfies Actions;
