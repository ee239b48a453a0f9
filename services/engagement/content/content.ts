import { ownValue } from "../../../platform/data/own-value";
import { Liquid, type LiquidOptions, type TagToken, type TopLevelToken } from "liquidjs";
import { MessageChannel } from "../../../contracts/engagement";

/** One channel's words of a template, in one locale; every field is a Liquid template. */
export interface ChannelContent {
  subject?: string;
  preheader?: string;
  title?: string;
  body: string;
}

export type RenderedMessage = ChannelContent;

interface FieldRule {
  field: keyof ChannelContent;
  required: boolean;
  max: number;
}

/**
 * What each channel carries and how long it may be once filled in: e-mail has a subject and a
 * preheader, an SMS-like webhook 160 characters, the inbox a title and a body.
 */
export const CHANNEL_RULES: Record<MessageChannel, FieldRule[]> = {
  [MessageChannel.EMAIL]: [
    { field: "subject", required: true, max: 150 },
    { field: "preheader", required: false, max: 150 },
    { field: "body", required: true, max: 50_000 },
  ],
  [MessageChannel.WEBHOOK]: [{ field: "body", required: true, max: 160 }],
  [MessageChannel.INBOX]: [
    { field: "title", required: true, max: 80 },
    { field: "body", required: true, max: 1000 },
  ],
};

export interface ContentProblem {
  field: string;
  message: string;
}

/** A template that cannot be filled in as it stands: nothing half-filled is ever sent. */
export class ContentError extends Error {
  constructor(readonly problems: ContentProblem[]) {
    super(problems.map((p) => `${p.field}: ${p.message}`).join("; "));
    this.name = "ContentError";
  }
}

/** The locale to write in: the user's own, else its language, else the template's default. */
export function pickLocale(available: string[], wanted: string | undefined, fallback: string) {
  if (wanted && available.includes(wanted)) return wanted;
  const language = wanted?.split("-")[0];
  if (language && available.includes(language)) return language;
  return fallback;
}

const engines = new Map<string, Liquid>();

/** How the links of one rendering are tracked, by the scope object that rendering was given. */
const linkers = new WeakMap<object, (url: string) => string>();
const MAX_URL = 2000;

/**
 * `{{ "https://shop.example/sale" | track }}`: the link, through the message's click counter
 * when the message is being sent; as it is in a preview. Only http(s) links are tracked, so a
 * tracked link never redirects anywhere else.
 */
function track(this: { context: { environments: object } }, url: unknown): string {
  if (typeof url !== "string" || url.length > MAX_URL)
    throw new Error("track needs a link of at most 2000 characters");
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new Error("track needs an absolute link");
  }
  if (parsed.protocol !== "https:" && parsed.protocol !== "http:")
    throw new Error("track takes only http and https links");
  const link = linkers.get(this.context.environments);
  return link ? link(parsed.href) : parsed.href;
}

/** The tags that would read another template by name: a template here stands alone. */
const PARTIAL_TAGS = ["include", "render", "layout"] as const;

/**
 * A Liquid engine that can read nothing but the text it is given. By default liquidjs reads
 * partials (`include`, `render`, `layout`) from the process's working directory, so a
 * template could print any file the server can read, the JWT secret among them. Here the
 * engine's file system is an empty in-memory map and the partial tags are refused when a
 * template is parsed, naming the tag and no path.
 */
export function sandboxedLiquid(options: LiquidOptions = {}): Liquid {
  const engine = new Liquid({ ...options, templates: {}, dynamicPartials: false });
  for (const name of PARTIAL_TAGS)
    engine.registerTag(name, {
      parse(token: TagToken, _remain: TopLevelToken[]) {
        throw new Error(`the ${token.name} tag is not available: a template stands alone`);
      },
      render() {
        return "";
      },
    });
  return engine;
}

/**
 * One engine per locale, its filters formatting for it. Strict: a variable or filter that does
 * not exist is an error, never an empty string; only a value's own properties are reachable;
 * a template's parse, render time and memory are bounded; no file is ever read.
 */
function engineFor(locale: string): Liquid {
  const held = engines.get(locale);
  if (held) return held;
  const engine = sandboxedLiquid({
    strictVariables: true,
    strictFilters: true,
    ownPropertyOnly: true,
    parseLimit: 100_000,
    renderLimit: 200,
    memoryLimit: 10_000_000,
  });
  engine.registerFilter("money", (minor: unknown, currency: unknown) =>
    money(locale, minor, currency),
  );
  engine.registerFilter("plural", (count: unknown, ...forms: unknown[]) =>
    plural(locale, count, forms),
  );
  engine.registerFilter("track", track);
  engines.set(locale, engine);
  return engine;
}

/** Minor units (cents) as the locale writes money: `4200, "EUR"` is "42,00 €" in German. */
function money(locale: string, minor: unknown, currency: unknown): string {
  if (typeof minor !== "number" || typeof currency !== "string" || !/^[A-Z]{3}$/.test(currency))
    throw new Error("money needs an amount in minor units and a currency code");
  const format = new Intl.NumberFormat(locale, { style: "currency", currency });
  const digits = format.resolvedOptions().maximumFractionDigits ?? 2;
  return format.format(minor / 10 ** digits);
}

/**
 * The count and the word in the form the locale's plural rules pick: forms in the order
 * one, other, few, many (`{{ n | plural: "item", "items" }}`); a missing form falls back to
 * `other`.
 */
function plural(locale: string, count: unknown, forms: unknown[]): string {
  if (typeof count !== "number" || forms.length < 2 || forms.some((f) => typeof f !== "string"))
    throw new Error("plural needs a number and at least the one and other forms");
  const [one, other, few, many] = forms as string[];
  const byRule: Record<string, string | undefined> = { one, other, few, many };
  const rule = new Intl.PluralRules(locale).select(count);
  return `${new Intl.NumberFormat(locale).format(count)} ${ownValue(byRule, rule) ?? other}`;
}

/**
 * Fills in one channel's content for one user. Any problem in any field (a variable not
 * given, a filter misused, a field missing or too long for the channel) fails the whole
 * message, naming every problem.
 */
export async function renderMessage(
  content: ChannelContent,
  channel: MessageChannel,
  locale: string,
  variables: Record<string, unknown>,
  /** Makes a tracked link of each `track`ed URL; without it, links stay as written. */
  trackLink?: (url: string) => string,
): Promise<RenderedMessage> {
  const engine = engineFor(locale);
  // A scope of its own for this rendering: the `track` filter finds its linker by it.
  const scope = { ...variables };
  if (trackLink) linkers.set(scope, trackLink);
  const problems: ContentProblem[] = [];
  const rendered: Partial<RenderedMessage> = {};
  for (const rule of CHANNEL_RULES[channel]) {
    const source = content[rule.field];
    if (source === undefined || source === "") {
      if (rule.required)
        problems.push({ field: rule.field, message: `is required for ${channel}` });
      continue;
    }
    try {
      const text = String(await engine.parseAndRender(source, scope)).trim();
      if (rule.required && text === "")
        problems.push({ field: rule.field, message: "is empty once filled in" });
      else if (text.length > rule.max)
        problems.push({
          field: rule.field,
          message: `is ${text.length} characters once filled in; ${channel} allows ${rule.max}`,
        });
      else rendered[rule.field] = text;
    } catch (err) {
      problems.push({ field: rule.field, message: templateProblem(err) });
    }
  }
  if (problems.length) throw new ContentError(problems);
  return rendered as RenderedMessage;
}

/** The first line of the engine's message (it names the variable or filter), no source dump. */
function templateProblem(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  return message.split("\n")[0].slice(0, 200);
}
