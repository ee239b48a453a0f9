import {
  ErrorCode,
  OpenFeature,
  type Client,
  type EvaluationContext,
  type JsonValue,
  type Provider,
  type ResolutionDetails,
} from "@openfeature/server-sdk";
import {
  evaluate,
  kindOf,
  type FlagDefinition,
  type FlagKind,
  type FlagValue,
} from "./flag-engine";

/**
 * The flags one node knows, replaced whole by its owner's broadcasts (and a version check), read
 * with no network hop.
 */
export class FlagSet {
  private flags = new Map<string, FlagDefinition>();
  /**
   * The set's version: every change numbers the whole set on. A change told out of turn is
   * taken but leaves the version, so the next check finds the set behind and reloads it.
   */
  version = 0;

  replace(flags: FlagDefinition[], version = Math.max(0, ...flags.map((flag) => flag.version))) {
    this.flags = new Map(flags.map((flag) => [flag.key, flag]));
    this.version = version;
  }

  put(flag: FlagDefinition): void {
    const held = this.flags.get(flag.key);
    if (held && held.version >= flag.version) return;
    this.flags.set(flag.key, flag);
    if (flag.version === this.version + 1) this.version = flag.version;
  }

  get(key: string): FlagDefinition | undefined {
    return this.flags.get(key);
  }

  all(): FlagDefinition[] {
    return [...this.flags.values()];
  }
}

/** An OpenFeature evaluation context as the engine's subject: the user, their roles, country. */
function subjectOf(context: EvaluationContext) {
  const roles = context.roles;
  return {
    ...(typeof context.targetingKey === "string" ? { userId: context.targetingKey } : {}),
    ...(Array.isArray(roles)
      ? { roles: roles.filter((r): r is string => typeof r === "string") }
      : {}),
    ...(typeof context.country === "string" ? { country: context.country } : {}),
  };
}

/** Bazaar's flags behind the OpenFeature server API: evaluated locally from the node's set. */
export class BazaarFlagProvider implements Provider {
  readonly metadata = { name: "bazaar" } as const;
  readonly runsOn = "server" as const;

  constructor(private readonly flags: FlagSet) {}

  private resolve<T extends FlagValue>(
    key: string,
    fallback: T,
    kind: FlagKind,
    context: EvaluationContext,
  ): Promise<ResolutionDetails<T>> {
    const flag = this.flags.get(key);
    if (!flag)
      return Promise.resolve({
        value: fallback,
        reason: "ERROR",
        errorCode: ErrorCode.FLAG_NOT_FOUND,
      });
    if (flag.kind !== kind)
      return Promise.resolve({
        value: fallback,
        reason: "ERROR",
        errorCode: ErrorCode.TYPE_MISMATCH,
      });
    const { value, reason, rule } = evaluate(flag, subjectOf(context));
    if (kindOf(value) !== kind)
      return Promise.resolve({
        value: fallback,
        reason: "ERROR",
        errorCode: ErrorCode.TYPE_MISMATCH,
      });
    return Promise.resolve({
      value: value as T,
      reason,
      flagMetadata: { version: flag.version, ...(rule !== undefined ? { rule } : {}) },
    });
  }

  resolveBooleanEvaluation(key: string, fallback: boolean, context: EvaluationContext) {
    return this.resolve(key, fallback, "boolean", context);
  }

  resolveStringEvaluation(key: string, fallback: string, context: EvaluationContext) {
    return this.resolve(key, fallback, "string", context);
  }

  resolveNumberEvaluation(key: string, fallback: number, context: EvaluationContext) {
    return this.resolve(key, fallback, "number", context);
  }

  resolveObjectEvaluation<T extends JsonValue>(
    key: string,
    fallback: T,
    context: EvaluationContext,
  ): Promise<ResolutionDetails<T>> {
    return this.resolve(key, fallback as never, "object", context) as Promise<ResolutionDetails<T>>;
  }
}

/**
 * An OpenFeature client of this node's flags, under its own domain, so several brokers in one
 * process (tests, the embedded mode) each read their own set.
 */
export function flagClient(domain: string, flags: FlagSet): Client {
  OpenFeature.setProvider(domain, new BazaarFlagProvider(flags));
  return OpenFeature.getClient(domain);
}
