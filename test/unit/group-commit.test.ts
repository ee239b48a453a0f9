import { GroupCommit } from "../../platform/messaging/group-commit";

describe("a group commit", () => {
  test("When items arrive while a batch is being done, then they are done together in the next one, and each caller hears when theirs is", async () => {
    const batches: number[][] = [];
    let release!: () => void;
    const first = new Promise<void>((r) => (release = r));
    const commit = new GroupCommit<number>(async (items) => {
      batches.push(items);
      if (items[0] === 1) await first;
    }, 3);
    const done: number[] = [];
    const all = [1, 2, 3, 4, 5, 6].map((n) => commit.add(n).then(() => done.push(n)));
    await new Promise((r) => setImmediate(r));
    // The first went alone and at once; the others wait for it.
    expect(batches).toEqual([[1]]);
    expect(done).toEqual([]);
    release();
    await Promise.all(all);
    expect(batches).toEqual([[1], [2, 3, 4], [5, 6]]);
    expect(done).toEqual([1, 2, 3, 4, 5, 6]);
  });

  test("When a batch fails, then its items are done again one at a time, and only the bad one fails", async () => {
    const seen: number[][] = [];
    const commit = new GroupCommit<number>(async (items) => {
      seen.push(items);
      if (items.includes(13)) throw new Error("unlucky");
    }, 10);
    const outcomes = await Promise.allSettled([12, 13, 14].map((n) => commit.add(n)));
    expect(outcomes.map((o) => o.status)).toEqual(["fulfilled", "rejected", "fulfilled"]);
    expect((outcomes[1] as PromiseRejectedResult).reason.message).toBe("unlucky");
    expect(seen).toEqual([[12], [13, 14], [13], [14]]);
    // It keeps working after a failure.
    await expect(commit.add(15)).resolves.toBeUndefined();
  });
});
