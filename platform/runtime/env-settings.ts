import { isIP } from "node:net";
import { StartupError } from "./startup-error";

/**
 * How a setting is read from the environment, for the composition root and for each service's
 * own `settings.ts`: every reader says which variable was wrong and why, and nothing else.
 */
export type Env = Record<string, string | undefined>;

export class SettingsError extends StartupError {
  constructor(
    readonly variable: string,
    reason: string,
  ) {
    super(`${variable}: ${reason}`);
    this.name = "SettingsError";
  }
}

/** A row of the README's settings table (`npm run docs:settings`). */
export interface SettingDoc {
  variables: string[];
  embedded: string;
  meaning: string;
}

/** What a service may be told by the environment: its own reader and the rows documenting it. */
export interface ServiceSettings<T extends object> {
  read(env: Env): T;
  docs: SettingDoc[];
}

export function text(env: Env, name: string): string | undefined {
  const value = env[name]?.trim();
  return value ? value : undefined;
}

export function integer(
  env: Env,
  name: string,
  fallback: number,
  min: number,
  max: number,
): number {
  const raw = text(env, name);
  if (raw === undefined) return fallback;
  if (!/^\d+$/.test(raw)) throw new SettingsError(name, `expected a whole number, got "${raw}"`);
  const value = Number(raw);
  if (value < min || value > max)
    throw new SettingsError(name, `expected a number from ${min} to ${max}, got ${value}`);
  return value;
}

export function fraction(env: Env, name: string, fallback: number): number {
  const raw = text(env, name);
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < 0 || value > 1)
    throw new SettingsError(name, `expected a number from 0 to 1, got "${raw}"`);
  return value;
}

export function positive(env: Env, name: string, fallback: number): number {
  const raw = text(env, name);
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value <= 0 || value > 525_600)
    throw new SettingsError(name, `expected a positive number, got "${raw}"`);
  return value;
}

export function flag(env: Env, name: string, fallback: boolean): boolean {
  const raw = text(env, name)?.toLowerCase();
  if (raw === undefined) return fallback;
  if (["true", "1", "yes"].includes(raw)) return true;
  if (["false", "0", "no"].includes(raw)) return false;
  throw new SettingsError(name, `expected true or false, got "${raw}"`);
}

/** An IP address to listen on. */
export function address(env: Env, name: string, fallback: string): string {
  const value = text(env, name);
  if (value === undefined) return fallback;
  if (isIP(value) === 0) throw new SettingsError(name, "must be an IP address, such as 127.0.0.1");
  return value;
}

export function url(env: Env, name: string, schemes: string[]): string | undefined {
  const raw = text(env, name);
  if (raw === undefined) return undefined;
  let parsed: URL;
  try {
    parsed = new URL(raw);
  } catch {
    throw new SettingsError(name, "is not a valid URL");
  }
  const scheme = parsed.protocol.replace(/:$/, "");
  if (!schemes.includes(scheme))
    throw new SettingsError(name, `expected a ${schemes.map((s) => s + "://").join(" or ")} URL`);
  return raw;
}
