import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import pg from "pg";
import { storeSchema } from "../../app/store-schema";
import { migrate, MIGRATIONS_DIR, MIGRATIONS_TABLE } from "../../platform/data/migrate";
import { PostgresStore } from "../../platform/data/postgres.store";
import { createDatabase, postgresAvailable, type TestDatabase } from "../harness/postgres";

/**
 * PostgreSQL's schema comes from versioned migrations: an empty database migrated up is the
 * schema every service's store expects, a database of the previous version keeps its data
 * through the next, and nodes starting together apply each migration once.
 */
const MIGRATIONS = readdirSync(MIGRATIONS_DIR)
  .filter((f) => f.endsWith(".sql"))
  .sort()
  .map((f) => f.replace(/\.sql$/, ""));
/** A table the newest migration makes: absent in a database of the version before. */
const NEWEST_TABLE = /CREATE TABLE IF NOT EXISTS "(\w+)"/.exec(
  readFileSync(path.join(MIGRATIONS_DIR, `${MIGRATIONS[MIGRATIONS.length - 1]}.sql`), "utf8"),
)![1];

(postgresAvailable() ? describe : describe.skip)("PostgreSQL migrations", () => {
  const databases: TestDatabase[] = [];
  const fresh = async () => {
    const database = await createDatabase();
    databases.push(database);
    return database.uri;
  };
  afterAll(async () => {
    for (const database of databases) await database.drop();
  });

  test("When an empty database is migrated up, then every service's collection opens with its indexes and triggers, and nothing is left to apply", async () => {
    const uri = await fresh();
    expect(await migrate(uri)).toEqual(MIGRATIONS);
    const store = new PostgresStore(uri, "verify");
    try {
      const { collections } = await storeSchema();
      for (const [collection, { indexes, appendOnly }] of Object.entries(collections)) {
        await store.repository(collection, indexes);
        if (appendOnly) await store.refuseChanges(collection);
      }
      expect(Object.keys(collections)).toEqual(
        expect.arrayContaining([
          "orders",
          "audit_records",
          "policy_versions",
          "processed_messages",
        ]),
      );
      // The shared update function is there: a write that needs it works.
      const orders = await store.repository<{ id: string; n: number }>(
        "orders",
        collections.orders.indexes,
      );
      await orders.insert({ id: "ord_fn", n: 1 });
      await orders.updateOne({ id: "ord_fn" }, { $inc: { n: 2 } });
      expect((await orders.findById("ord_fn"))?.n).toBe(3);
    } finally {
      await store.close();
    }
    expect(await migrate(uri)).toEqual([]);
  });

  test("When a database of the previous version holds data, then migrating up keeps it and adds what the new version needs", async () => {
    const uri = await fresh();
    expect(await migrate(uri, { count: MIGRATIONS.length - 1 })).toEqual(MIGRATIONS.slice(0, -1));
    const { collections } = await storeSchema();
    const before = new PostgresStore(uri, "verify");
    await expect(
      before.repository(NEWEST_TABLE, collections[NEWEST_TABLE].indexes),
    ).rejects.toThrow(
      `The database lacks the table ${NEWEST_TABLE}: its migrations are behind this code`,
    );
    const audit = await before.repository<{ id: string; action: string }>(
      "audit_records",
      collections.audit_records.indexes,
    );
    await audit.insert({ id: "rec_1", action: "users.roles_set" });
    await before.close();

    expect(await migrate(uri)).toEqual(MIGRATIONS.slice(-1));
    const after = new PostgresStore(uri, "verify");
    try {
      const kept = await after.repository<{ id: string; action: string }>(
        "audit_records",
        collections.audit_records.indexes,
      );
      expect(await kept.findById("rec_1")).toEqual({ id: "rec_1", action: "users.roles_set" });
      await after.refuseChanges("audit_records");
      await expect(kept.deleteOne({ id: "rec_1" })).rejects.toMatchObject({
        message: expect.stringMatching(/append-only/),
      });
      const added = await after.repository(NEWEST_TABLE, collections[NEWEST_TABLE].indexes);
      expect(await added.count({})).toBe(0);
    } finally {
      await after.close();
    }
  });

  test("When several nodes migrate one database at once, then each migration is applied once", async () => {
    const uri = await fresh();
    const applied = await Promise.all([migrate(uri), migrate(uri), migrate(uri)]);
    expect(applied.flat().sort()).toEqual([...MIGRATIONS].sort());
    const client = new pg.Client({ connectionString: uri });
    await client.connect();
    try {
      const { rows } = await client.query(`SELECT name FROM ${MIGRATIONS_TABLE} ORDER BY id`);
      expect(rows.map((r) => r.name)).toEqual(MIGRATIONS);
    } finally {
      await client.end();
    }
  });
});
