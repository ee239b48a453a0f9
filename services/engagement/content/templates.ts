import { randomBytes } from "node:crypto";
import { ownValue } from "../../../platform/data/own-value";
import { MessageChannel } from "../../../contracts/engagement";
import { invalid, notFound, type FieldProblem } from "../../../platform/actions/errors";
import type { Repository } from "../../../platform/data/repository";
import type { Profile } from "../profiles/profile-fold";
import { profileView } from "../profiles/profiles";
import {
  CHANNEL_RULES,
  ContentError,
  pickLocale,
  renderMessage,
  sandboxedLiquid,
  type ChannelContent,
  type RenderedMessage,
} from "./content";

/** A message's words, by locale and then channel; each field a strict Liquid template. */
export type TemplateLocales = Record<string, Partial<Record<MessageChannel, ChannelContent>>>;

/** Other words for the same message, tried on a share of users (`variants.ts`). */
export interface TemplateVariant {
  name: string;
  locales: TemplateLocales;
}

export interface TemplateDoc {
  id: string;
  name: string;
  defaultLocale: string;
  /** The words of the first variant, "A". */
  locales: TemplateLocales;
  /** Up to three more, "B" to "D". */
  variants?: TemplateVariant[];
  createdAt: string;
  updatedAt: string;
}

export type Templates = Repository<TemplateDoc>;

export const LOCALE_PATTERN = /^[a-z]{2,3}(-[A-Z]{2})?$/;
const MAX_LOCALES = 20;
/** Two to four variants make a test; more split users too thin to learn from. */
export const MAX_VARIANTS = 4;
const CHANNELS: readonly string[] = Object.values(MessageChannel);
const syntax = sandboxedLiquid();

/**
 * Every problem of a template's words, each by place (`locales.de.email.subject`): a field the
 * channel does not carry, one it needs and lacks, or Liquid that does not parse. Variables are
 * checked when the template is filled in, for a user or in a preview: only then are they known.
 */
export function templateProblems(
  defaultLocale: string,
  locales: unknown,
  variants: unknown = [],
): FieldProblem[] {
  const problems: FieldProblem[] = [];
  const problem = (field: string, message: string) =>
    problems.push({ field: field.slice(0, 120), message, type: "template" });
  localesProblems(defaultLocale, locales, "locales", problem);
  if (!Array.isArray(variants) || variants.length > MAX_VARIANTS - 1) {
    problem("variants", `must list at most ${MAX_VARIANTS - 1} more variants`);
    return problems;
  }
  variants.forEach((variant: unknown, i) => {
    const at = `variants[${i}]`;
    const { name, locales: words } = (variant ?? {}) as Record<string, unknown>;
    if (typeof name !== "string" || name.length === 0 || name.length > 40)
      problem(`${at}.name`, "must be a name of 1 to 40 characters");
    localesProblems(defaultLocale, words, `${at}.locales`, problem);
  });
  return problems;
}

function localesProblems(
  defaultLocale: string,
  locales: unknown,
  field: string,
  problem: (field: string, message: string) => void,
): void {
  if (typeof locales !== "object" || locales === null || Array.isArray(locales))
    return problem(field, "must map locales to channels");
  const entries = Object.entries(locales as Record<string, unknown>);
  if (entries.length === 0 || entries.length > MAX_LOCALES)
    problem(field, `must hold 1 to ${MAX_LOCALES} locales`);
  if (!(defaultLocale in (locales as object)))
    problem(field === "locales" ? "defaultLocale" : field, "must hold the default locale");
  for (const [locale, channels] of entries.slice(0, MAX_LOCALES)) {
    const at = `${field}.${locale.slice(0, 20)}`;
    if (!LOCALE_PATTERN.test(locale)) problem(at, "is not a locale such as en or pt-BR");
    if (typeof channels !== "object" || channels === null || Array.isArray(channels)) {
      problem(at, "must map channels to their words");
      continue;
    }
    for (const [channel, content] of Object.entries(channels as Record<string, unknown>)) {
      if (!CHANNELS.includes(channel)) {
        problem(`${at}.${channel.slice(0, 20)}`, `is not a channel (${CHANNELS.join(", ")})`);
        continue;
      }
      contentProblems(channel as MessageChannel, content, `${at}.${channel}`, problem);
    }
  }
}

function contentProblems(
  channel: MessageChannel,
  content: unknown,
  at: string,
  problem: (field: string, message: string) => void,
): void {
  if (typeof content !== "object" || content === null || Array.isArray(content))
    return problem(at, "must hold the channel's fields");
  const rules = CHANNEL_RULES[channel];
  const fields = content as Record<string, unknown>;
  for (const field of Object.keys(fields))
    if (!rules.some((r) => r.field === field))
      problem(`${at}.${field.slice(0, 20)}`, `is not a field ${channel} carries`);
  for (const rule of rules) {
    const source = fields[rule.field];
    if (source === undefined) {
      if (rule.required) problem(`${at}.${rule.field}`, `is required for ${channel}`);
      continue;
    }
    // The source may hold loops that write more than it: its own length is bounded generously,
    // the filled-in length by the channel's rule.
    if (typeof source !== "string" || source.length > rule.max * 4) {
      problem(`${at}.${rule.field}`, `must be text of at most ${rule.max * 4} characters`);
      continue;
    }
    try {
      syntax.parse(source);
    } catch (err) {
      problem(`${at}.${rule.field}`, firstLine(err));
    }
  }
}

const firstLine = (err: unknown) =>
  (err instanceof Error ? err.message : String(err)).split("\n")[0].slice(0, 200);

type TemplateInput = { defaultLocale: string; locales: unknown; variants?: unknown };

function checked(
  input: TemplateInput,
): Pick<TemplateDoc, "defaultLocale" | "locales" | "variants"> {
  const problems = templateProblems(input.defaultLocale, input.locales, input.variants);
  if (problems.length) throw invalid(problems, "The template cannot be used");
  return {
    defaultLocale: input.defaultLocale,
    locales: input.locales as TemplateLocales,
    // Only the fields a variant has, whatever else arrived: a variant is stored as built here.
    variants: ((input.variants ?? []) as TemplateVariant[]).map(({ name, locales }) => ({
      name,
      locales,
    })),
  };
}

export async function createTemplate(
  templates: Templates,
  input: TemplateInput & { name: string },
): Promise<TemplateDoc> {
  const words = checked(input);
  const now = new Date().toISOString();
  return templates.insert({
    id: `tpl_${randomBytes(8).toString("hex")}`,
    name: input.name,
    ...words,
    createdAt: now,
    updatedAt: now,
  });
}

export async function updateTemplate(
  templates: Templates,
  id: string,
  changes: Partial<TemplateInput> & { name?: string },
): Promise<TemplateDoc> {
  const current = await templates.findById(id);
  if (!current) throw notFound("Template");
  const $set: Partial<TemplateDoc> = {
    updatedAt: new Date().toISOString(),
    ...checked({
      defaultLocale: changes.defaultLocale ?? current.defaultLocale,
      locales: changes.locales ?? current.locales,
      variants: changes.variants ?? current.variants,
    }),
  };
  if (changes.name !== undefined) $set.name = changes.name;
  const updated = await templates.findOneAndUpdate({ id }, { $set });
  if (!updated) throw notFound("Template");
  return updated;
}

/** What a message is about: everything a template may name. */
export interface MessageFacts {
  userId: string;
  /** Who the user is, as the users service tells: their name and e-mail. */
  contact: { name: string; email: string };
  profile: Profile;
  /** The trigger's key (an order, a cart state), or "". */
  key: string;
  /** What the trigger told of itself (an order's total, a cart's items). */
  event: object;
  unsubscribeUrl: string;
  shopUrl: string;
}

/** A template's variables, the same for a send and for its preview. */
export const variablesOf = (facts: MessageFacts) => ({
  user: { id: facts.userId, name: facts.contact.name, email: facts.contact.email },
  profile: profileView(facts.profile),
  key: facts.key,
  event: facts.event,
  unsubscribeUrl: facts.unsubscribeUrl,
  shopUrl: facts.shopUrl,
});

/** How many variants a template has: its own words, and each alternative. */
export const variantCount = (template: TemplateDoc) => 1 + (template.variants?.length ?? 0);

/** The words of variant `index` (0 is the template's own). */
const wordsOf = (template: TemplateDoc, index: number): TemplateLocales =>
  index === 0 ? template.locales : (template.variants?.[index - 1]?.locales ?? template.locales);

/**
 * A template filled in for each of `channels` it has words for, in the locale nearest the
 * user's. Any problem in any channel fails them all, naming each (`email.subject: …`).
 */
export async function fillIn(
  template: TemplateDoc,
  channels: MessageChannel[],
  locale: string | undefined,
  variables: Record<string, unknown>,
  options: { variant?: number; trackLink?: (url: string) => string } = {},
): Promise<{ locale: string; messages: Partial<Record<MessageChannel, RenderedMessage>> }> {
  const locales = wordsOf(template, options.variant ?? 0);
  const chosen = pickLocale(Object.keys(locales), locale, template.defaultLocale);
  const words = ownValue(locales, chosen) ?? {};
  const messages: Partial<Record<MessageChannel, RenderedMessage>> = {};
  const problems: { field: string; message: string }[] = [];
  for (const channel of channels) {
    const content =
      ownValue(words, channel) ?? ownValue(locales, template.defaultLocale)?.[channel];
    if (!content) {
      problems.push({ field: channel, message: `the template has no words for ${channel}` });
      continue;
    }
    try {
      messages[channel] = await renderMessage(
        content,
        channel,
        chosen,
        variables,
        options.trackLink,
      );
    } catch (err) {
      if (!(err instanceof ContentError)) throw err;
      problems.push(...err.problems.map((p) => ({ ...p, field: `${channel}.${p.field}` })));
    }
  }
  if (problems.length) throw new ContentError(problems);
  return { locale: chosen, messages };
}
