import { MemoryRateLimitStore } from "../../services/api/rate-limit";

describe("the in-memory rate-limit store", () => {
  test("When a key is hit within a window, then the count rises and another key has its own", async () => {
    const store = new MemoryRateLimitStore();
    expect((await store.hit("a", 60_000)).count).toBe(1);
    expect((await store.hit("a", 60_000)).count).toBe(2);
    expect((await store.hit("b", 60_000)).count).toBe(1);
    const { resetInMs } = await store.hit("a", 60_000);
    expect(resetInMs).toBeGreaterThan(59_000);
    expect(resetInMs).toBeLessThanOrEqual(60_000);
    store.close();
  });

  test("When the window ends, then counting starts again", async () => {
    const store = new MemoryRateLimitStore();
    await store.hit("a", 20);
    await store.hit("a", 20);
    await new Promise((r) => setTimeout(r, 30));
    expect((await store.hit("a", 20)).count).toBe(1);
    store.close();
  });
});
