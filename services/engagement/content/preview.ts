import type { MessageChannel } from "../../../contracts/engagement";
import { invalid, notFound } from "../../../platform/actions/errors";
import type { Profile } from "../profiles/profile-fold";
import { emptyProfile } from "../profiles/profile-fold";
import { ContentError, pickLocale } from "./content";
import { fillIn, variablesOf, variantCount, type TemplateDoc } from "./templates";

/** What a preview fills a template in with: a user's profile, and a trigger of each kind. */
const SAMPLE = {
  contact: { name: "Sam Sample", email: "sam@example.com" },
  key: "sample",
  event: {
    items: [{ name: "Sample item", quantity: 2 }],
    total: 4200,
    currency: "USD",
    courseId: "sample-course",
  },
  unsubscribeUrl: "https://example.invalid/unsubscribe",
};

export interface PreviewDeps {
  templateOf(id: string): Promise<TemplateDoc | null>;
  contactOf(userId: string): Promise<{ name: string; email: string } | null>;
  profileOf(userId: string): Promise<Profile | null>;
  shopUrl: string;
}

/**
 * Every channel the locale has words for, filled in as a journey would, for a real user or a
 * sample one; what cannot be filled in is a 422 naming each problem.
 */
export async function previewTemplate(
  deps: PreviewDeps,
  request: { id: string; locale?: string; userId?: string; variant?: number },
) {
  const { id, locale, userId, variant = 0 } = request;
  const template = await deps.templateOf(id);
  if (!template) throw notFound("Template");
  const who = userId ?? "sample";
  const contact = userId ? await deps.contactOf(userId) : SAMPLE.contact;
  if (!contact) throw notFound("User");
  const profile = (userId && (await deps.profileOf(userId))) || emptyProfile(who);
  if (variant >= variantCount(template))
    throw invalid([
      { field: "variant", message: "the template has no such variant", type: "template" },
    ]);
  const words = variant === 0 ? template.locales : template.variants![variant - 1].locales;
  const chosen = pickLocale(Object.keys(words), locale, template.defaultLocale);
  const channels = Object.keys(words[chosen]) as MessageChannel[];
  try {
    const variables = variablesOf({
      ...SAMPLE,
      contact: { name: contact.name, email: contact.email },
      userId: who,
      profile,
      shopUrl: deps.shopUrl,
    });
    return await fillIn(template, channels, chosen, variables, { variant });
  } catch (err) {
    if (!(err instanceof ContentError)) throw err;
    throw invalid(
      err.problems.map((p) => ({ ...p, type: "template" })),
      "The template cannot be filled in",
    );
  }
}
