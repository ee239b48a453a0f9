/**
 * Applies the pending PostgreSQL migrations to `DB_URI` and exits (`npm run migrate`): the
 * Kubernetes Job and the compose one-shot service run it before the nodes, which then only
 * check (DB_MIGRATE=false). Nodes with DB_MIGRATE=true (the default) run the same themselves.
 */
import { migrate } from "../platform/data/migrate";

const uri = process.env.DB_URI;
if (!uri?.startsWith("postgres")) {
  process.stderr.write("DB_URI must be a postgres:// URI\n");
  process.exit(2);
}
migrate(uri, { log: (line) => process.stdout.write(`${line}\n`) }).then(
  (applied) => {
    process.stdout.write(applied.length ? `applied ${applied.join(", ")}\n` : "up to date\n");
    process.exit(0);
  },
  (err: unknown) => {
    process.stderr.write(`migration failed: ${(err as Error).message}\n`);
    process.exit(1);
  },
);
