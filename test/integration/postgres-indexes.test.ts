import pg from "pg";
import { PostgresStore } from "../../platform/data/postgres.store";
import { SqlParams, whereOf } from "../../platform/data/postgres-sql";
import { createDatabase, postgresAvailable, type TestDatabase } from "../harness/postgres";

/**
 * Background loops look for work with range filters (`outboxPending > 0`, `nextAttemptAt <=
 * now`). On a table that only grows, a filter that reads every row makes each pass slower than
 * the last: the plain indexes a service declares must serve those filters.
 */
(postgresAvailable() ? describe : describe.skip)("PostgreSQL indexes for range filters", () => {
  let database: TestDatabase;
  let store: PostgresStore;
  let client: pg.Client;

  beforeAll(async () => {
    database = await createDatabase();
    store = new PostgresStore(database.uri);
    client = new pg.Client({ connectionString: database.uri });
    await client.connect();
  });
  afterAll(async () => {
    await client?.end();
    await store?.close();
    await database?.drop();
  });

  async function plan(table: string, filter: Record<string, unknown>): Promise<string> {
    const p = new SqlParams();
    const sql = `EXPLAIN (FORMAT JSON) SELECT id FROM "${table}" WHERE ${whereOf(filter, p)}`;
    const { rows } = await client.query(sql, p.values);
    return JSON.stringify(rows[0]["QUERY PLAN"]);
  }

  test("When a loop looks for pending work among many done rows, then the index is read, not every row", async () => {
    const orders = await store.repository<{ id: string; outboxPending: number; nextAt: string }>(
      "orders_ranges",
      [
        { fields: ["outboxPending"], range: "number" },
        { fields: ["nextAt"], range: "string" },
      ],
    );
    const done = Array.from({ length: 5000 }, (_, i) => ({
      id: `o${i}`,
      outboxPending: 0,
      nextAt: `2026-01-01T00:00:${String(i % 60).padStart(2, "0")}.000Z`,
    }));
    await client.query(
      `INSERT INTO orders_ranges (id, doc) SELECT d->>'id', d - 'id' FROM jsonb_array_elements($1::jsonb) d`,
      [JSON.stringify(done)],
    );
    await orders.insert({ id: "waiting", outboxPending: 2, nextAt: "2026-02-01T00:00:00.000Z" });
    await client.query("ANALYZE orders_ranges");

    expect(await orders.find({ outboxPending: { $gt: 0 } })).toEqual([
      { id: "waiting", outboxPending: 2, nextAt: "2026-02-01T00:00:00.000Z" },
    ]);
    expect(await plan("orders_ranges", { outboxPending: { $gt: 0 } })).toContain(
      "orders_ranges__outboxPending__n",
    );
    expect(await plan("orders_ranges", { nextAt: { $gte: "2026-01-15" } })).toContain(
      "orders_ranges__nextAt__s",
    );
    expect(await plan("orders_ranges", { outboxPending: { $gt: 0 } })).not.toContain("Seq Scan");
  });

  test("When an order is looked up by its idempotency key among many, then the unique index answers, not a scan", async () => {
    const orders = await store.repository<{ id: string; idempotencyRef?: string; userId: string }>(
      "orders_by_key",
      [{ fields: ["idempotencyRef"], unique: true }, { fields: ["userId"] }],
    );
    const many = Array.from({ length: 20_000 }, (_, i) => ({
      id: `o${i}`,
      idempotencyRef: `u${i % 500}:key-${i}`,
      userId: `u${i % 500}`,
    }));
    await client.query(
      `INSERT INTO orders_by_key (id, doc) SELECT d->>'id', d - 'id' FROM jsonb_array_elements($1::jsonb) d`,
      [JSON.stringify(many)],
    );
    await client.query("ANALYZE orders_by_key");

    expect(await orders.findOne({ idempotencyRef: "u7:key-7" })).toMatchObject({ id: "o7" });
    expect(await orders.findOne({ idempotencyRef: "u7:never-used" })).toBeNull();
    const p = new SqlParams(new Set(["idempotencyRef"]));
    const sql = `EXPLAIN (FORMAT JSON) SELECT id, doc FROM orders_by_key WHERE ${whereOf({ idempotencyRef: "u7:never-used" }, p)} LIMIT 1`;
    const found = JSON.stringify((await client.query(sql, p.values)).rows[0]["QUERY PLAN"]);
    expect(found).toContain("orders_by_key__idempotencyRef");
    expect(found).not.toContain("Seq Scan");
  });
});
