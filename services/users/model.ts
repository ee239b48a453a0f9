import type { Repository } from "../../platform/data/repository";
import type { IndexSpec } from "../../platform/data/repository";
import { ShopError } from "../../contracts/errors";
import type { Role } from "../../platform/actions/jwt";
import { idRule } from "../../platform/actions/ids";
import {
  arrayOf,
  dateTime,
  object,
  oneOf,
  string,
  type JsonSchema,
} from "../../platform/actions/openapi";
import type { OutboxDoc } from "../../platform/messaging/outbox";
import { API_KEY_SCOPES } from "./key-format";
import { ROLES } from "../../contracts/users";

export interface UserDoc extends OutboxDoc {
  id: string;
  email: string;
  name: string;
  roles: Role[];
  passwordHash: string;
  createdAt: string;
  updatedAt: string;
  /** Raised to end every token issued before; tokens carry the version they were issued at. */
  sessionVersion?: number;
  sessionsEndedAt?: string;
}

export interface ApiKeyDoc extends OutboxDoc {
  id: string;
  userId: string;
  name: string;
  prefix: string;
  hash: string;
  scopes: string[];
  createdAt: string;
  revokedAt?: string;
}

export interface UserView {
  id: string;
  email: string;
  name: string;
  roles: Role[];
  createdAt: string;
}

export interface ApiKeyView {
  id: string;
  name: string;
  prefix: string;
  scopes: string[];
  createdAt: string;
}

export function toUserView(user: UserDoc): UserView {
  const { id, email, name, roles, createdAt } = user;
  return { id, email, name, roles, createdAt };
}

export function toApiKeyView(key: ApiKeyDoc): ApiKeyView {
  const { id, name, prefix, scopes, createdAt } = key;
  return { id, name, prefix, scopes, createdAt };
}

const email = { type: "email", normalize: true, max: 254 } as const;
const password = { type: "string", min: 8, max: 128 } as const;
const name = { type: "string", trim: true, min: 1, max: 100 } as const;

/** `$$strict: true`: a body that tries to set roles, ids or hashes is refused, not trimmed. */
export const registerParams = { $$strict: true, email, password, name } as const;
export const loginParams = {
  $$strict: true,
  email,
  password: { type: "string", min: 1, max: 128 },
} as const;
export const updateProfileParams = {
  $$strict: true,
  name: { ...name, optional: true },
  password: { ...password, optional: true },
  currentPassword: { type: "string", min: 1, max: 128, optional: true },
} as const;
export const createApiKeyParams = {
  $$strict: true,
  name: { type: "string", trim: true, min: 1, max: 100 },
  scopes: {
    type: "array",
    optional: true,
    min: 1,
    unique: true,
    items: { type: "enum", values: [...API_KEY_SCOPES] },
  },
} as const;

/** What the API answers (platform/actions/openapi.ts): the views above, field for field. */
export const USER_SHAPE = object(
  {
    id: string,
    email: string,
    name: string,
    roles: arrayOf(oneOf([...ROLES])),
    createdAt: dateTime,
  },
  [],
  "User",
);
const apiKeyFields = {
  id: string,
  name: string,
  prefix: string,
  scopes: arrayOf(oneOf(API_KEY_SCOPES)),
  createdAt: dateTime,
};
export const API_KEY_SHAPE = object(apiKeyFields, [], "ApiKey");
export const NEW_API_KEY_SHAPE = object({ ...apiKeyFields, key: string }, [], "NewApiKey");
export const SESSION_SHAPE = object({ user: USER_SHAPE, token: string }, [], "Session");
export const PROFILE_UPDATE_SHAPE = object(
  { ...(USER_SHAPE.properties as Record<string, JsonSchema>), token: string },
  ["token"],
  "ProfileUpdate",
);

export const setRolesParams = {
  $$strict: true,
  id: idRule,
  roles: {
    type: "array",
    min: 1,
    max: ROLES.length,
    unique: true,
    items: { type: "enum", values: [...ROLES] },
  },
} as const;

export type Users = Repository<UserDoc>;

export const USER_INDEXES: IndexSpec[] = [
  {
    fields: ["email"],
    unique: true,
    conflict: { type: ShopError.EMAIL_TAKEN, message: "An account with this e-mail exists" },
  },
  { fields: ["outboxPending"], range: "number" },
  { fields: ["sessionsEndedAt"], range: "string" },
  // "Is there an admin yet?" at every start.
  { fields: ["roles"], list: true },
];

export type ApiKeys = Repository<ApiKeyDoc>;

export const API_KEY_INDEXES = [
  { fields: ["prefix"], unique: true },
  { fields: ["userId"] },
  { fields: ["outboxPending"], range: "number" as const },
];
export const MAX_KEYS_PER_USER = 50;
