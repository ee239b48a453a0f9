import { randomUUID } from "node:crypto";
import type { ChannelEvent } from "../../contracts/channels";
import { withEvents, withNewEvents } from "../../platform/messaging/outbox";
import { apiKeyRoles, type Principal } from "../../platform/actions/access";
import type { Repository } from "../../platform/data/repository";
import { invalid, notFound } from "../../platform/actions/errors";
import {
  ADMIN_ONLY_SCOPES,
  apiKeyMatches,
  apiKeyPrefix,
  DEFAULT_SCOPES,
  generateApiKey,
} from "./key-format";
import type { ApiKeyDoc, UserDoc } from "./model";
import { ApiKeys, MAX_KEYS_PER_USER } from "./model";

/** An act's audit record, made by the caller that knows who acts (services/users). */
export type AuditOf = (target: string, change: { before?: object; after?: object }) => ChannelEvent;

export async function createApiKey(
  keys: ApiKeys,
  owner: Principal,
  input: { name: string; scopes?: string[] },
  audit: AuditOf,
): Promise<{ doc: ApiKeyDoc; key: string }> {
  const scopes = input.scopes ?? DEFAULT_SCOPES;
  const adminOnly = scopes.find((scope) => ADMIN_ONLY_SCOPES.includes(scope));
  if (adminOnly && !owner.roles.includes("admin"))
    throw invalid([
      { field: "scopes", message: `The ${adminOnly} scope needs an admin account`, type: "scope" },
    ]);
  if ((await keys.count({ userId: owner.id, revokedAt: { $exists: false } })) >= MAX_KEYS_PER_USER)
    throw invalid([
      {
        field: "name",
        message: `At most ${MAX_KEYS_PER_USER} keys; revoke one first`,
        type: "limit",
      },
    ]);
  const { key, prefix, hash } = generateApiKey();
  const id = randomUUID();
  const fields = { userId: owner.id, name: input.name, prefix, scopes };
  const doc = await keys.insert({
    id,
    ...fields,
    hash,
    createdAt: new Date().toISOString(),
    // The key's record is written with the key: never one without the other.
    ...withNewEvents([audit(id, { after: fields })]),
  });
  return { doc, key };
}

/** The caller a key stands for, with what its scopes leave of its owner's current roles. */
export async function resolveApiKey(
  keys: ApiKeys,
  users: Repository<UserDoc>,
  key: string,
): Promise<Principal | null> {
  const prefix = apiKeyPrefix(key);
  if (!prefix) return null;
  const record = await keys.findOne({ prefix, revokedAt: { $exists: false } });
  if (!record || !apiKeyMatches(key, record.hash)) return null;
  const owner = await users.findById(record.userId);
  if (!owner) return null;
  const roles = apiKeyRoles(owner.roles, record.scopes);
  return { id: owner.id, roles, apiKeyId: record.id, scopes: record.scopes };
}

export async function revokeApiKey(
  keys: ApiKeys,
  ownerId: string,
  id: string,
  audit: AuditOf,
): Promise<void> {
  const revokedAt = new Date().toISOString();
  const revoked = await keys.updateOne(
    { id, userId: ownerId, revokedAt: { $exists: false } },
    withEvents({ $set: { revokedAt } }, [audit(id, { after: { revokedAt } })]),
  );
  if (!revoked) throw notFound("API key");
}
