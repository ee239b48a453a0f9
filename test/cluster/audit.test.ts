import { ADMIN, describeCluster, hosting, startCluster, type Cluster } from "../harness/cluster";
import { loginToken, newAccount } from "../harness/http";
import { waitFor } from "../harness/node-process";

/**
 * An act is never done without its record: the node that granted a role is SIGKILLed after the
 * grant's write and before its record was told, and the record still arrives, once, told by the
 * node that takes over the users' outbox.
 */
const NODES = [
  { id: "gateway-1", services: "api" },
  { id: "core-1", services: hosting("@core"), env: { FAULT_INJECTION: "after-audited-write" } },
  { id: "rest-1", services: hosting("@catalog,@orders,@consumers") },
];

describeCluster("audit: a record survives its act's node", () => {
  let cluster: Cluster;

  beforeAll(async () => {
    cluster = await startCluster(NODES, { RATE_LIMIT_AUTH: "100000", RATE_LIMIT_API: "100000" });
  }, 180_000);
  afterAll(() => cluster?.stop(), 60_000);

  test("When the node that granted a role dies right after the write, then the grant holds and its one record arrives", async () => {
    const [api] = cluster.gateways;
    const admin = await loginToken(api, ADMIN);
    const user = await newAccount(api, "granted");
    const core = cluster.nodes.get("core-1")!;
    const died = new Promise((resolve) => core.process.process.once("exit", resolve));
    const grant = await api.put(
      `/api/v1/users/${user.id}/roles`,
      { roles: ["customer", "instructor"] },
      { token: admin },
    );
    await died;
    // The node died before it answered: the client saw an error, not a success.
    expect(grant.status).toBeGreaterThanOrEqual(500);
    await cluster.addNode({ id: "core-2", services: hosting("@core") });

    const records = async () =>
      (
        await api.get(`/api/v1/audit?action=users.roles_set&target=${user.id}`, {
          token: admin,
        })
      ).body.rows ?? [];
    await waitFor(async () => (await records()).length > 0, 30_000, "the record");
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const [record, ...more] = await records();
    expect(more).toEqual([]);
    expect(record).toMatchObject({
      before: { roles: ["customer"] },
      after: { roles: ["customer", "instructor"] },
    });
    // The grant held: it ended the sessions the user had, as every grant does.
    await waitFor(
      async () => (await api.get("/api/v1/users/me", user)).status === 401,
      20_000,
      "the old session to end",
    );
  });
});
