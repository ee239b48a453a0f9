import { randomBytes } from "node:crypto";
import { Liquid } from "liquidjs";
import { MessageChannel } from "../../contracts/engagement";
import { invalid, notFound, type FieldProblem } from "../../platform/actions/errors";
import type { Repository } from "../../mixins/db.mixin";
import {
  CHANNEL_RULES,
  ContentError,
  pickLocale,
  renderMessage,
  type ChannelContent,
  type RenderedMessage,
} from "./content";

/** A message's words, by locale and then channel; each field a strict Liquid template. */
export type TemplateLocales = Record<string, Partial<Record<MessageChannel, ChannelContent>>>;

export interface TemplateDoc {
  id: string;
  name: string;
  defaultLocale: string;
  locales: TemplateLocales;
  createdAt: string;
  updatedAt: string;
}

export type Templates = Repository<TemplateDoc>;

export const LOCALE_PATTERN = /^[a-z]{2,3}(-[A-Z]{2})?$/;
const MAX_LOCALES = 20;
const CHANNELS: readonly string[] = Object.values(MessageChannel);
const syntax = new Liquid();

/**
 * Every problem of a template's words, each by place (`locales.de.email.subject`): a field the
 * channel does not carry, one it needs and lacks, or Liquid that does not parse. Variables are
 * checked when the template is filled in, for a user or in a preview: only then are they known.
 */
export function templateProblems(defaultLocale: string, locales: unknown): FieldProblem[] {
  const problems: FieldProblem[] = [];
  const problem = (field: string, message: string) =>
    problems.push({ field: field.slice(0, 120), message, type: "template" });
  if (typeof locales !== "object" || locales === null || Array.isArray(locales)) {
    problem("locales", "must map locales to channels");
    return problems;
  }
  const entries = Object.entries(locales as Record<string, unknown>);
  if (entries.length === 0 || entries.length > MAX_LOCALES)
    problem("locales", `must hold 1 to ${MAX_LOCALES} locales`);
  if (!(defaultLocale in (locales as object)))
    problem("defaultLocale", "must be one of the template's locales");
  for (const [locale, channels] of entries.slice(0, MAX_LOCALES)) {
    const at = `locales.${locale.slice(0, 20)}`;
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
  return problems;
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

function checked(defaultLocale: string, locales: unknown): TemplateLocales {
  const problems = templateProblems(defaultLocale, locales);
  if (problems.length) throw invalid(problems, "The template cannot be used");
  return locales as TemplateLocales;
}

export async function createTemplate(
  templates: Templates,
  input: { name: string; defaultLocale: string; locales: unknown },
): Promise<TemplateDoc> {
  const locales = checked(input.defaultLocale, input.locales);
  const now = new Date().toISOString();
  return templates.insert({
    id: `tpl_${randomBytes(8).toString("hex")}`,
    name: input.name,
    defaultLocale: input.defaultLocale,
    locales,
    createdAt: now,
    updatedAt: now,
  });
}

export async function updateTemplate(
  templates: Templates,
  id: string,
  changes: { name?: string; defaultLocale?: string; locales?: unknown },
): Promise<TemplateDoc> {
  const current = await templates.findById(id);
  if (!current) throw notFound("Template");
  const defaultLocale = changes.defaultLocale ?? current.defaultLocale;
  const $set: Partial<TemplateDoc> = {
    updatedAt: new Date().toISOString(),
    defaultLocale,
    locales: checked(defaultLocale, changes.locales ?? current.locales),
  };
  if (changes.name !== undefined) $set.name = changes.name;
  const updated = await templates.findOneAndUpdate({ id }, { $set });
  if (!updated) throw notFound("Template");
  return updated;
}

/**
 * A template filled in for each of `channels` it has words for, in the locale nearest the
 * user's. Any problem in any channel fails them all, naming each (`email.subject: …`).
 */
export async function fillIn(
  template: TemplateDoc,
  channels: MessageChannel[],
  locale: string | undefined,
  variables: Record<string, unknown>,
): Promise<{ locale: string; messages: Partial<Record<MessageChannel, RenderedMessage>> }> {
  const chosen = pickLocale(Object.keys(template.locales), locale, template.defaultLocale);
  const words = template.locales[chosen] ?? {};
  const messages: Partial<Record<MessageChannel, RenderedMessage>> = {};
  const problems: { field: string; message: string }[] = [];
  for (const channel of channels) {
    const content = words[channel] ?? template.locales[template.defaultLocale]?.[channel];
    if (!content) {
      problems.push({ field: channel, message: `the template has no words for ${channel}` });
      continue;
    }
    try {
      messages[channel] = await renderMessage(content, channel, chosen, variables);
    } catch (err) {
      if (!(err instanceof ContentError)) throw err;
      problems.push(...err.problems.map((p) => ({ ...p, field: `${channel}.${p.field}` })));
    }
  }
  if (problems.length) throw new ContentError(problems);
  return { locale: chosen, messages };
}
