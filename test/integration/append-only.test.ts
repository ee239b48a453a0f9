import { appendOnly, AppendOnlyError } from "../../platform/data/append-only";
import type { Doc, Store } from "../../platform/data/repository";
import { storeCases } from "../harness/store-cases";

/**
 * The audit log's collection only grows: the repository refuses every change, and the SQL
 * stores refuse them again themselves, so no other path through the store changes a record.
 */
interface Record extends Doc {
  action: string;
  at: string;
}

/** The SQL stores refuse changes themselves (a trigger), beneath the repository. */
const cases = storeCases().map((c) => ({ ...c, refusesItself: c.name !== "NeDB" }));

describe.each(cases)("an append-only collection on $name", ({ open, refusesItself }) => {
  let store: Store;
  let cleanup: () => Promise<void>;
  beforeAll(async () => ({ store, cleanup } = await open()));
  afterAll(() => cleanup());

  test("Records are added and read, and every change or removal is refused, the record unchanged", async () => {
    const raw = await store.repository<Record>("audit_like", [{ fields: ["at"], range: "string" }]);
    await store.refuseChanges?.("audit_like");
    const log = appendOnly(raw, "audit_like");
    await log.insert({ id: "r1", action: "users.roles_set", at: "2026-12-06T10:00:00.000Z" });
    await log.insert({ id: "r2", action: "catalog.price_changed", at: "2026-12-06T10:01:00.000Z" });
    expect((await log.find({}, { sort: { at: -1 } })).map((r) => r.id)).toEqual(["r2", "r1"]);

    for (const change of [
      () => log.updateOne({ id: "r1" }, { $set: { action: "nothing" } }),
      () => log.updateMany({}, { $set: { action: "nothing" } }),
      () => log.findOneAndUpdate({ id: "r1" }, { $set: { action: "nothing" } }),
      () => log.upsert({ id: "r1" }, { $set: { action: "nothing" } }),
      () => log.deleteOne({ id: "r1" }),
      () => log.deleteMany({}),
    ])
      await expect(change()).rejects.toBeInstanceOf(AppendOnlyError);

    // Beneath the repository, the store itself says no.
    if (refusesItself) {
      // Matched by message: the driver's error class is of another realm inside a jest worker.
      const refusal = { message: expect.stringMatching(/append-only/) };
      await expect(
        raw.updateOne({ id: "r1" }, { $set: { action: "nothing" } }),
      ).rejects.toMatchObject(refusal);
      await expect(raw.deleteMany({})).rejects.toMatchObject(refusal);
    }
    expect(await log.findById("r1")).toMatchObject({ action: "users.roles_set" });
    expect(await log.count({})).toBe(2);
  });
});
