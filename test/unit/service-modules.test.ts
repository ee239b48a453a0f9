import { existsSync } from "node:fs";
import path from "node:path";
import { SERVICE_GROUPS, SERVICE_MODULES } from "../../app/services";
import { readSettings, SettingsError } from "../../app/settings";
import { serviceFile } from "../../platform/runtime/service-module";
import { actionOf, gatewayRoutes } from "../../services/api/routes";
import { SHOP_NODES } from "../harness/cluster";

const SERVICES_DIR = path.join(__dirname, "..", "..", "services");

describe("a service is one folder, listed once", () => {
  test("When a module is listed, then its folder holds the service file the runner loads, and that file is the service it names", async () => {
    for (const m of SERVICE_MODULES) {
      const file = serviceFile(SERVICES_DIR, m.name);
      expect({ file, exists: existsSync(file) }).toEqual({ file, exists: true });
      expect((await m.load()).default.name).toBe(m.name);
    }
  });

  test("When a module declares routes, then each reaches one of its own service's actions", async () => {
    for (const m of SERVICE_MODULES) {
      const schema = (await m.load()).default;
      const own = new Set(
        [schema, ...(schema.mixins ?? [])].flatMap((part) =>
          Object.keys(part.actions ?? {}).map((action) => `${m.name}.${action}`),
        ),
      );
      const foreign = Object.values(m.routes ?? {}).filter((target) => !own.has(actionOf(target!)));
      expect({ service: m.name, foreign }).toEqual({ service: m.name, foreign: [] });
    }
  });

  test("When two routes share a method, then no request path could match both (one would be unreachable)", () => {
    const aliases = SERVICE_MODULES.flatMap((m) => Object.keys(m.routes ?? {}));
    const overlaps: string[] = [];
    const segments = (alias: string) => alias.split(" ")[1].split("/").filter(Boolean);
    for (const [i, a] of aliases.entries())
      for (const b of aliases.slice(i + 1)) {
        if (a.split(" ")[0] !== b.split(" ")[0]) continue;
        const [sa, sb] = [segments(a), segments(b)];
        const same =
          sa.length === sb.length &&
          sa.every((part, k) => part === sb[k] || part.startsWith(":") || sb[k].startsWith(":"));
        if (same) overlaps.push(`${a} / ${b}`);
      }
    expect(overlaps).toEqual([]);
  });

  test("When two services claim one route, then the gateway refuses to start and says which", () => {
    const one = { name: "one", routes: { "GET /things": "one.list" } };
    const two = { name: "two", routes: { "GET /things": "two.list" } };
    expect(() => gatewayRoutes([one, two])).toThrow(
      "two and one.list both claim the route GET /things",
    );
  });

  test("When a created thing's place names a field of the answer, then its Location is built from it, encoded", () => {
    const { all } = gatewayRoutes([
      { name: "shelf", routes: {}, createdAt: { "shelf.add": "/shelves/:shelfId" } },
    ]);
    const api = all.find((r) => (r as { path: string }).path === "/api/v1") as {
      onAfterCall: (...args: unknown[]) => unknown;
    };
    const meta: Record<string, unknown> = { $created: "item-1" };
    api.onAfterCall({ meta }, {}, { $action: { name: "shelf.add" } }, {}, { shelfId: "a b/c" });
    expect(meta).toMatchObject({ $statusCode: 201, $location: "/api/v1/shelves/a%20b%2Fc" });
  });
});

describe("SERVICES names services and node groups", () => {
  test("When a node is given a group, then it hosts every service whose module names that group", () => {
    const env = { DATA_DIR: "/tmp/bazaar-groups" };
    for (const [group, members] of SERVICE_GROUPS)
      expect(readSettings({ ...env, SERVICES: `@${group}` }).services).toEqual(members);
    expect(readSettings({ ...env, SERVICES: "@orders,users" }).services).toEqual([
      ...SERVICE_GROUPS.get("orders")!,
      "users",
    ]);
  });

  test("When a node is given a group that does not exist, then it refuses to start and lists the groups", () => {
    const start = () => readSettings({ DATA_DIR: "/tmp/bazaar-groups", SERVICES: "@warehouse" });
    expect(start).toThrow(SettingsError);
    expect(start).toThrow(/unknown service "@warehouse".*groups: .*@consumers/);
  });

  test("When the test cluster is laid out, then its nodes host every service", () => {
    const hosted = new Set(SHOP_NODES.flatMap((node) => node.services.split(",")));
    expect([...hosted].sort()).toEqual(SERVICE_MODULES.map((m) => m.name).sort());
  });
});
