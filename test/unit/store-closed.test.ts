import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { ServiceBroker } from "moleculer";
import { instrument } from "../../platform/data/instrument";
import { SqliteStore } from "../../platform/data/sqlite.store";

describe("a call that reaches the embedded store after it closed", () => {
  test("When the node is shutting down, then the call is a 503 to retry, not a 500", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "bazaar-closed-"));
    const store = new SqliteStore(dir);
    try {
      const repo = instrument(
        await store.repository<{ id: string; n: number }>("things", []),
        "things",
        new ServiceBroker({ logger: false }),
        () => store.isOutage(),
      );
      await repo.insert({ id: "a", n: 1 });
      await store.close();
      await expect(repo.findById("a")).rejects.toMatchObject({
        code: 503,
        type: "SERVICE_UNAVAILABLE",
      });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
