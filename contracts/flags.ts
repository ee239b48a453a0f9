/**
 * The flags' contract: boolean, variant, number and configuration flags with targeting rules
 * and a sticky rollout, owned by `flags` and evaluated on every node (platform/flags).
 */
export const FlagsAction = {
  list: "flags.list",
  get: "flags.get",
  put: "flags.put",
  evaluate: "flags.evaluate",
  all: "flags.all",
} as const;

export const FlagsError = {
  FLAG_INVALID: "FLAG_INVALID",
} as const;

/** Told to every node when a flag changes, with the flag as written. */
export const FLAG_CHANGED = "flags.changed";

/** What a flag serves: on or off, a variant's name, a number, or a JSON object (configuration). */
export type FlagValue = boolean | string | number | { [key: string]: unknown };
export type FlagKind = "boolean" | "string" | "number" | "object";

/** Serves `serve` to a subject whose attribute is one of `in`. */
export interface FlagRule {
  attribute: "role" | "country" | "userId";
  in: string[];
  serve: FlagValue;
}

export interface FlagDefinition {
  key: string;
  kind: FlagKind;
  description?: string;
  /** Off, every subject gets the default. */
  enabled: boolean;
  default: FlagValue;
  /** The first rule that matches decides. */
  rules: FlagRule[];
  /** After the rules: this share of users, the same ones every time, get `serve`. */
  rollout?: { percent: number; serve: FlagValue };
  version: number;
  updatedAt: string;
}
