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

export async function createApiKey(
  keys: ApiKeys,
  owner: Principal,
  input: { name: string; scopes?: string[] },
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
  const doc = await keys.insert({
    userId: owner.id,
    name: input.name,
    prefix,
    hash,
    scopes,
    createdAt: new Date().toISOString(),
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

export async function revokeApiKey(keys: ApiKeys, ownerId: string, id: string): Promise<void> {
  const revoked = await keys.updateOne(
    { id, userId: ownerId, revokedAt: { $exists: false } },
    { $set: { revokedAt: new Date().toISOString() } },
  );
  if (!revoked) throw notFound("API key");
}
