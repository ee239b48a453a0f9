import { ADMIN, describeCluster, hosting, startCluster, type Cluster } from "../harness/cluster";
import { createProduct, loginToken, newAccount, untilServing, type Client } from "../harness/http";

/**
 * A change is every node's own answer within a second: three nodes, each with a gateway, decide
 * with the new policy set, evaluate the new flags, and stop giving a product read they held,
 * within 1 s of the change, without a restart.
 */
const NODES = [
  { id: "gov-1", services: hosting("@gateway,@core") },
  { id: "gov-2", services: hosting("@gateway,@catalog,@orders") },
  { id: "gov-3", services: hosting("@gateway,@consumers") },
];
const WITHIN_MS = 1000;

/** How long after `since` each gateway first answers as `arrived` says; fails past the bound. */
async function arrivalOnEvery(
  gateways: Client[],
  since: number,
  arrived: (api: Client) => Promise<boolean>,
): Promise<number[]> {
  return Promise.all(
    gateways.map(async (api) => {
      for (;;) {
        if (await arrived(api)) return Date.now() - since;
        if (Date.now() - since > WITHIN_MS)
          throw new Error(`not there ${WITHIN_MS} ms after the change`);
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
    }),
  );
}

describeCluster("a change (a policy, a flag, a product) reaches every node within a second", () => {
  let cluster: Cluster;
  let admin: { token: string };

  beforeAll(async () => {
    cluster = await startCluster(NODES, { RATE_LIMIT_AUTH: "100000", RATE_LIMIT_API: "100000" });
    for (const api of cluster.gateways) await untilServing(api);
    admin = { token: await loginToken(cluster.gateways[0], ADMIN) };
  }, 180_000);
  afterAll(() => cluster?.stop(), 60_000);

  test("When a policy is activated on one node, then every node decides with it within a second", async () => {
    const [first] = cluster.gateways;
    const probe = await newAccount(first, "policy-probe");
    for (const api of cluster.gateways)
      expect((await api.get("/api/v1/users/me", probe)).status).toBe(200);
    const written = await first.post(
      "/api/v1/policies",
      {
        id: "probe-fenced",
        text: `forbid (principal, action == Action::"request", resource == Route::"users.me") when { principal.userId == "${probe.id}" };`,
      },
      admin,
    );
    expect(written.status).toBe(201);
    const activated = await first.post("/api/v1/policies/probe-fenced/activate", {}, admin);
    const since = Date.now();
    expect(activated.status).toBe(200);
    const delays = await arrivalOnEvery(
      cluster.gateways,
      since,
      async (api) => (await api.get("/api/v1/users/me", probe)).status === 403,
    );
    expect(delays).toHaveLength(3);
    for (const api of cluster.gateways)
      expect((await api.get("/health", admin)).body.node.policies).toEqual({
        version: activated.body.version,
        ready: true,
      });
  });

  test("When a flag changes on one node, then every node evaluates its new version within a second", async () => {
    const [, second] = cluster.gateways;
    const put = await second.put(
      "/api/v1/flags/cluster-probe",
      { kind: "boolean", enabled: true, default: false, rules: [] },
      admin,
    );
    const since = Date.now();
    expect(put.status).toBe(200);
    await arrivalOnEvery(
      cluster.gateways,
      since,
      async (api) => (await api.get("/health", admin)).body.node.flags.version >= put.body.version,
    );
  });

  test("When a product changes, then no gateway gives the read it held past a second, and all give the same bytes", async () => {
    const [first, second, third] = cluster.gateways;
    const product = await createProduct(first, admin.token, { sku: "HELD-1", price: 1000 });
    const path = `/api/v1/products/${product.id}`;
    for (const api of cluster.gateways) for (let i = 0; i < 2; i++) await api.get(path);
    const held = await Promise.all(cluster.gateways.map((api) => api.get(path)));
    expect(new Set(held.map((r) => JSON.stringify(r.body))).size).toBe(1);
    expect(new Set(held.map((r) => r.headers.get("etag"))).size).toBe(1);
    const changed = await third.patch(path, { price: 1234 }, admin);
    const since = Date.now();
    expect(changed.status).toBe(200);
    await arrivalOnEvery(
      [first, second, third],
      since,
      async (api) => (await api.get(path)).body.price === 1234,
    );
    const after = await Promise.all(cluster.gateways.map((api) => api.get(path)));
    expect(new Set(after.map((r) => r.headers.get("etag"))).size).toBe(1);
    expect(after[0].headers.get("etag")).not.toBe(held[0].headers.get("etag"));
  });
});
