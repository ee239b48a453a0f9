import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { ServiceBroker, type ServiceSchema } from "moleculer";
import { createBrokerConfig } from "../../broker.config";
import UsersService from "../../services/users/users.service";

interface FinishedSpan {
  id: string;
  name: string;
  parentID?: string;
  traceID: string;
  tags: Record<string, unknown>;
}

describe("tracing of repository calls", () => {
  const dataDir = mkdtempSync(path.join(tmpdir(), "bazaar-tracing-"));
  const spans: FinishedSpan[] = [];
  const config = createBrokerConfig({ DATA_DIR: dataDir, METRICS_PORT: "0", LOG_LEVEL: "error" });
  const broker = new ServiceBroker({
    ...config,
    metrics: false,
    tracing: {
      enabled: true,
      sampling: { rate: 1 },
      exporter: { type: "Event", options: { interval: 0 } },
    },
  });
  broker.createService(UsersService as unknown as ServiceSchema);
  broker.createService({
    name: "span-collector",
    events: {
      "$tracing.spans"(ctx: { params: FinishedSpan[] }) {
        spans.push(...ctx.params);
      },
    },
  });

  beforeAll(() => broker.start());
  afterAll(async () => {
    await broker.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  test("When an action reads the store, then each store call is a child span of that action", async () => {
    await broker.call("users.register", {
      email: "traced@example.com",
      password: "correct-horse",
      name: "T",
    });
    await new Promise((r) => setTimeout(r, 200));
    const action = spans.find((s) => s.name === "action 'users.register'");
    expect(action).toBeDefined();
    const db = spans.filter((s) => s.name === "db users.insert");
    expect(db).toHaveLength(1);
    expect(db[0].parentID).toBe(action!.id);
    expect(db[0].traceID).toBe(action!.traceID);
    expect(db[0].tags).toMatchObject({ "db.collection": "users", "db.operation": "insert" });
  });
});
