-- Up Migration
CREATE TABLE IF NOT EXISTS "policy_decisions" (id text PRIMARY KEY, doc jsonb NOT NULL);

CREATE INDEX IF NOT EXISTS "policy_decisions__doc" ON "policy_decisions" USING gin (doc jsonb_path_ops);

CREATE INDEX IF NOT EXISTS "policy_decisions__at__s" ON "policy_decisions" (((CASE WHEN jsonb_typeof((doc #> '{at}')) = 'string' THEN doc #>> '{at}' END) COLLATE "C") NULLS FIRST);

CREATE INDEX IF NOT EXISTS "policy_decisions__decision__i" ON "policy_decisions" ((doc #>> '{decision}'));

CREATE INDEX IF NOT EXISTS "policy_decisions__action__i" ON "policy_decisions" ((doc #>> '{action}'));

CREATE INDEX IF NOT EXISTS "policy_decisions__principal__i" ON "policy_decisions" ((doc #>> '{principal}'));

CREATE TABLE IF NOT EXISTS "policy_state" (id text PRIMARY KEY, doc jsonb NOT NULL);

CREATE INDEX IF NOT EXISTS "policy_state__doc" ON "policy_state" USING gin (doc jsonb_path_ops);

CREATE INDEX IF NOT EXISTS "policy_state__outboxPending__n" ON "policy_state" ((CASE WHEN jsonb_typeof((doc #> '{outboxPending}')) = 'number' THEN (doc #>> '{outboxPending}')::numeric END) NULLS FIRST);

CREATE TABLE IF NOT EXISTS "policy_versions" (id text PRIMARY KEY, doc jsonb NOT NULL);

CREATE INDEX IF NOT EXISTS "policy_versions__doc" ON "policy_versions" USING gin (doc jsonb_path_ops);

CREATE INDEX IF NOT EXISTS "policy_versions__policyId__i" ON "policy_versions" ((doc #>> '{policyId}'));

-- Down Migration
DROP TABLE IF EXISTS "policy_versions";

DROP TABLE IF EXISTS "policy_state";

DROP TABLE IF EXISTS "policy_decisions";
