import { MessageChannel, type Preferences } from "../../../contracts/engagement";
import { ownValue } from "../../../platform/data/own-value";
import { insertIfAbsent } from "../../../platform/data/insert-if-absent";
import { conflict, ErrorType, invalid } from "../../../platform/actions/errors";
import { zoneOrDefault } from "./quiet-hours";
import type { PreferencesDoc, PreferencesRepo } from "../model";

/** Names a store refuses as a key (platform/data/repository.ts): no category may take one. */
const RESERVED_NAMES = new Set(["constructor", "prototype"]);

/**
 * A category of messages, as journeys name it and preferences keep it: a key in the user's
 * preferences, so never a name the store refuses (a link to turn `constructor` off could
 * never be kept, whoever signed it).
 */
export function isCategory(name: unknown): name is string {
  return (
    typeof name === "string" && /^[a-z0-9][a-z0-9_-]{0,63}$/.test(name) && !RESERVED_NAMES.has(name)
  );
}

/** Categories with nothing turned off are left out: absent is on. */
function tidy(off: Preferences): Preferences {
  return Object.fromEntries(Object.entries(off).filter(([, channels]) => channels.length > 0));
}

export async function preferencesOf(repo: PreferencesRepo, userId: string) {
  return (await repo.findById(userId)) ?? undefined;
}

/** Replaces what the user turned off, their zone and their language; absent is none. */
export async function setPreferences(
  repo: PreferencesRepo,
  userId: string,
  chosen: { off: Preferences; timeZone?: string; locale?: string },
): Promise<PreferencesDoc> {
  const { off, timeZone, locale } = chosen;
  if (timeZone !== undefined && zoneOrDefault(timeZone, "") !== timeZone)
    throw invalid([{ field: "timeZone", message: "is not an IANA time zone", type: "timeZone" }]);
  const doc: PreferencesDoc = {
    id: userId,
    off: tidy(off),
    ...(timeZone ? { timeZone } : {}),
    ...(locale ? { locale } : {}),
    updatedAt: new Date().toISOString(),
  };
  if (await insertIfAbsent(repo, doc)) return doc;
  const { id: _id, ...fields } = doc;
  void _id;
  const gone = (["timeZone", "locale"] as const).filter((field) => doc[field] === undefined);
  await repo.updateOne(
    { id: userId },
    gone.length
      ? { $set: fields, $unset: Object.fromEntries(gone.map((f) => [f, true as const])) }
      : { $set: fields },
  );
  return doc;
}

const TURN_OFF_ATTEMPTS = 5;

/**
 * Adds channels to what a category has off, keeping everything else the user chose: an
 * unsubscribe link clicked twice, or beside an edit in the preference centre, loses nothing.
 */
export async function turnOff(
  repo: PreferencesRepo,
  userId: string,
  category: string,
  channels: MessageChannel[],
): Promise<PreferencesDoc> {
  for (let attempt = 0; attempt < TURN_OFF_ATTEMPTS; attempt++) {
    const current = await repo.findById(userId);
    const off: Preferences = Object.assign(Object.create(null), current?.off);
    off[category] = [...new Set([...(ownValue(off, category) ?? []), ...channels])];
    const doc = { id: userId, off, updatedAt: new Date().toISOString() };
    if (!current) {
      if (await insertIfAbsent(repo, doc)) return doc;
      continue;
    }
    const written = await repo.findOneAndUpdate(
      { id: userId, updatedAt: current.updatedAt },
      { $set: { off, updatedAt: doc.updatedAt } },
    );
    if (written) return written;
  }
  throw conflict(ErrorType.INVALID_STATE, "Your preferences are being changed; try again");
}
