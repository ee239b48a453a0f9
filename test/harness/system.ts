import { mkdtempSync, rmSync } from "node:fs";
import type { Server } from "node:http";
import { tmpdir } from "node:os";
import path from "node:path";
import { ServiceBroker, type BrokerOptions } from "moleculer";
import { createBrokerConfig } from "../../broker.config";
import { ALL_SERVICES, type ServiceName } from "../../app/settings";
import { createDatabase } from "./postgres";
import { serviceFile } from "../../platform/runtime/service-module";
import { client, loginToken, type Client } from "./http";

export interface TestSystem {
  broker: ServiceBroker;
  /** `http://127.0.0.1:<port>` of the gateway, when this node hosts it. */
  baseUrl: string;
  dataDir: string;
  stop(): Promise<void>;
}

const SERVICES_DIR = path.join(__dirname, "..", "..", "services");

/**
 * A Bazaar node in this process, built exactly as `npm start` builds it (same config
 * function, same service files), on free ports and a fresh data dir. Tests talk to it over
 * real HTTP only.
 */
export async function startSystem(
  env: Record<string, string> = {},
  overrides: Partial<BrokerOptions> = {},
): Promise<TestSystem> {
  const dataDir = env.DATA_DIR ?? mkdtempSync(path.join(tmpdir(), "bazaar-data-"));
  // BAZAAR_TEST_STORE=postgres runs a suite against a fresh PostgreSQL database instead.
  const database =
    process.env.BAZAAR_TEST_STORE === "postgres" && !env.DB_URI
      ? await createDatabase()
      : undefined;
  const config = createBrokerConfig({
    LOG_LEVEL: process.env.LOG_LEVEL,
    PORT: "0",
    METRICS_PORT: "0",
    // One process, no peers and no load balancer to warn before it stops.
    SHUTDOWN_DELAY_MS: "0",
    ...(database ? { DB_URI: database.uri } : {}),
    ...env,
    DATA_DIR: dataDir,
  });
  const broker = new ServiceBroker({ ...config, ...overrides });
  const services = (config.bazaar?.services ?? ALL_SERVICES) as ServiceName[];
  for (const name of services) broker.loadService(serviceFile(SERVICES_DIR, name));
  await broker.start();
  let baseUrl = "";
  if (services.includes("api")) {
    const gateway = broker.getLocalService("api") as unknown as { server: Server };
    const { port } = gateway.server.address() as { port: number };
    baseUrl = `http://127.0.0.1:${port}`;
  }
  return {
    broker,
    baseUrl,
    dataDir,
    async stop() {
      await broker.stop();
      await database?.drop();
      if (!env.DATA_DIR) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/**
 * One process with every service, its first admin signed in, and a client that checks every
 * answer against the OpenAPI contract: the start of most e2e suites. Rate limits are lifted, as
 * a suite signs up many users from one address.
 */
export async function startWithAdmin(
  admin: { email: string; password: string },
  env: Record<string, string> = {},
): Promise<{ system: TestSystem; api: Client; adminToken: string }> {
  const system = await startSystem({
    RATE_LIMIT_AUTH: "100000",
    RATE_LIMIT_API: "100000",
    ADMIN_EMAIL: admin.email,
    ADMIN_PASSWORD: admin.password,
    ...env,
  });
  const api = client(system.baseUrl);
  await api.followContract();
  return { system, api, adminToken: await loginToken(api, admin) };
}
