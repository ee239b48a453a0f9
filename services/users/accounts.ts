import { randomUUID } from "node:crypto";
import type { LoggerInstance } from "moleculer";
import { withEvents, withNewEvents } from "../../platform/messaging/outbox";
import {
  conflict,
  ErrorType,
  invalid,
  notFound,
  unauthorized,
  hasType,
} from "../../platform/actions/errors";
import type { Role } from "../../platform/actions/jwt";
import { hashPassword, spendPasswordCheck, verifyPassword } from "./passwords";
import type { UserDoc } from "./model";
import { ShopError } from "../../contracts/errors";
import { Channel, type ChannelEvent } from "../../contracts/channels";
import { Users } from "./model";

/**
 * Ends every session issued before now: tokens carry the user's session version (`sv`), and a
 * gateway refuses a token whose version is below the user's current one. A password change and
 * a role change do this, in the same write as the change.
 */
export function endSessions(now: string) {
  return { $inc: { sessionVersion: 1 }, $set: { sessionsEndedAt: now } };
}

export interface SessionsEnded {
  userId: string;
  sessionVersion: number;
  endedAt: string;
}

/** Users whose sessions ended after `since`: what gateways poll, a few rows at a time. */
export async function sessionsEndedSince(users: Users, since: string): Promise<SessionsEnded[]> {
  const rows = await users.find(
    { sessionsEndedAt: { $gt: since } },
    { sort: { sessionsEndedAt: 1 }, limit: 1000 },
  );
  return rows.map((u) => ({
    userId: u.id,
    sessionVersion: u.sessionVersion ?? 0,
    endedAt: u.sessionsEndedAt ?? since,
  }));
}

/** E-mails arrive normalized by the validator (trimmed, lower case); the unique index decides. */
export async function registerUser(
  users: Users,
  input: { email: string; password: string; name: string },
  roles: Role[] = ["customer"],
): Promise<UserDoc> {
  const now = new Date().toISOString();
  const passwordHash = await hashPassword(input.password);
  const id = randomUUID();
  // users.registered is born with the account, in the same write (the outbox of architecture §5.5).
  const registered = { userId: id, email: input.email, name: input.name, roles, createdAt: now };
  return users.insert({
    id,
    email: input.email,
    name: input.name,
    roles,
    passwordHash,
    createdAt: now,
    updatedAt: now,
    ...withNewEvents([{ type: Channel.USERS_REGISTERED, data: registered }]),
  });
}

const BAD_CREDENTIALS = "Invalid e-mail or password";

/** The same answer, in about the same time, for an unknown e-mail and a wrong password. */
export async function checkCredentials(
  users: Users,
  email: string,
  password: string,
): Promise<UserDoc> {
  const user = await users.findOne({ email });
  const ok = user
    ? await verifyPassword(password, user.passwordHash)
    : await spendPasswordCheck(password);
  if (!user || !ok) throw unauthorized(BAD_CREDENTIALS);
  return user;
}

export async function updateProfile(
  users: Users,
  userId: string,
  changes: { name?: string; password?: string; currentPassword?: string },
): Promise<UserDoc> {
  if (changes.name === undefined && changes.password === undefined)
    throw invalid([
      { field: "name", message: "Nothing to change: give name or password", type: "required" },
    ]);
  const user = await users.findById(userId);
  if (!user) throw notFound("User");
  const now = new Date().toISOString();
  const $set: Record<string, unknown> = { updatedAt: now };
  let $inc: Record<string, number> | undefined;
  if (changes.name !== undefined) $set.name = changes.name;
  if (changes.password !== undefined) {
    const confirmed =
      changes.currentPassword !== undefined &&
      (await verifyPassword(changes.currentPassword, user.passwordHash));
    if (!confirmed)
      throw invalid([
        {
          field: "currentPassword",
          message: "The current password is needed to set a new one, and must be right",
          type: "currentPassword",
        },
      ]);
    $set.passwordHash = await hashPassword(changes.password);
    const ended = endSessions(now);
    Object.assign($set, ended.$set);
    $inc = ended.$inc;
  }
  const updated = await users.findOneAndUpdate({ id: userId }, $inc ? { $set, $inc } : { $set });
  if (!updated) throw notFound("User");
  return updated;
}

/** An admin's change of a user's roles; it ends the sessions issued under the old roles. */
export async function setRoles(
  users: Users,
  userId: string,
  roles: Role[],
  audit: (change: { before: object; after: object }) => ChannelEvent,
): Promise<UserDoc> {
  // The record says what the roles were: the write holds only if nobody changed them since.
  for (let attempt = 0; attempt < 5; attempt++) {
    const held = await users.findById(userId);
    if (!held) throw notFound("User");
    const now = new Date().toISOString();
    const ended = endSessions(now);
    const told = audit({ before: { roles: held.roles }, after: { roles } });
    const updated = await users.findOneAndUpdate(
      { id: userId, updatedAt: held.updatedAt },
      withEvents({ $set: { roles, updatedAt: now, ...ended.$set }, $inc: ended.$inc }, [told]),
    );
    if (updated) return updated;
  }
  throw conflict(ErrorType.INVALID_STATE, "The user changed meanwhile; try again");
}

/**
 * Creates the first admin from ADMIN_EMAIL/ADMIN_PASSWORD when there is none. An existing
 * account with that e-mail is promoted, never overwritten. Two nodes starting together may
 * race: the unique e-mail index lets one win, and the other finds the admin there.
 */
export async function seedAdmin(
  users: Users,
  email: string,
  password: string,
  logger: LoggerInstance,
): Promise<void> {
  if ((await users.count({ roles: "admin" })) > 0) return;
  const normalized = email.trim().toLowerCase();
  const now = new Date().toISOString();
  const ended = endSessions(now);
  const promoted = await users.updateOne(
    { email: normalized },
    { $set: { roles: ["admin", "customer"], updatedAt: now, ...ended.$set }, $inc: ended.$inc },
  );
  if (promoted) {
    logger.info(`Promoted ${normalized} to admin (ADMIN_EMAIL).`);
    return;
  }
  try {
    await registerUser(users, { email: normalized, password, name: "Administrator" }, [
      "admin",
      "customer",
    ]);
    logger.info(`Created the first admin ${normalized} (ADMIN_EMAIL).`);
  } catch (err) {
    if (!hasType(err, ShopError.EMAIL_TAKEN)) throw err;
  }
}
