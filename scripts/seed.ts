/**
 * Loads the demo catalog, demo customers and the demo courses with their instructor, with a
 * progress bar.
 *   npm run seed                       embedded: writes to DATA_DIR; refused while a node runs
 *                                      on it (then use SEED_DEMO_CATALOG=true npm start)
 *   TRANSPORTER=nats://… npm run seed  cluster: the running catalog and users nodes do the work
 *   SEED_USERS=20 npm run seed         how many demo customers (default 5; 0 for none)
 * A product whose SKU is already there is left as it is, so seeding twice adds nothing. Demo
 * customers get random passwords, printed once at the end.
 */
import { randomBytes } from "node:crypto";
import path from "node:path";
import { ServiceBroker } from "moleculer";
import { createBrokerConfig } from "../broker.config";
import { asOperator } from "../platform/actions/access";
import { assertDataDirFree } from "../platform/data/data-dir-lock";
import { DEMO_CATALOG } from "../services/catalog/demo-catalog";
import { ShopError } from "../contracts/errors";
import { Action } from "../contracts/actions";

const SEED_USERS = Number(process.env.SEED_USERS ?? 5);
const OPERATOR = asOperator("seed");

/** `[#########...........]  9/20 products`, redrawn in place on a terminal. */
export function progressBar(done: number, total: number, what: string, width = 24): string {
  const filled = total ? Math.round((done / total) * width) : width;
  return `[${"#".repeat(filled)}${".".repeat(width - filled)}] ${String(done).padStart(String(total).length)}/${total} ${what}`;
}

function show(done: number, total: number, what: string) {
  const line = progressBar(done, total, what);
  if (process.stdout.isTTY) process.stdout.write(`\r${line}${done === total ? "\n" : ""}`);
  else if (done === total) console.log(line);
}

const isDuplicate = (err: unknown) =>
  ([ShopError.SKU_TAKEN, ShopError.EMAIL_TAKEN] as string[]).includes(
    (err as { type?: string }).type ?? "",
  );

/**
 * The demo instructor and the demo courses they teach, when there are no courses yet: what to
 * print (their sign-in, shown once), or nothing when the courses were there.
 */
async function demoInstructor(broker: ServiceBroker): Promise<string | undefined> {
  const email = "instructor@example.com";
  const password = randomBytes(9).toString("base64url");
  const registered = await broker
    .call(Action.users.register, { email, password, name: "Demo instructor" })
    .catch((err: unknown) => {
      if (!isDuplicate(err)) throw err;
      return undefined;
    });
  if (!registered) return undefined;
  const { user } = registered as { user: { id: string } };
  await broker.call(
    Action.users.setRoles,
    { id: user.id, roles: ["customer", "instructor"] },
    OPERATOR,
  );
  const { seeded } = (await broker.call(Action.courses.seed, { instructorId: user.id })) as {
    seeded: number;
  };
  return `Added ${seeded} demo courses, taught by (e-mail, password; shown once):\n  ${email}  ${password}`;
}

async function main() {
  const config = createBrokerConfig({ LOG_LEVEL: "warn", ...process.env, METRICS_PORT: "0" });
  // Two processes writing one embedded data directory lose each other's writes: seed a running
  // embedded node through nothing but itself (SEED_DEMO_CATALOG=true npm start).
  if (!config.transporter && !config.bazaar?.dbUri) assertDataDirFree(config.bazaar!.dataDir);
  const broker = new ServiceBroker({ ...config, metrics: false, nodeID: `seed-${process.pid}` });
  if (!config.transporter)
    for (const name of ["catalog", "users", "courses"])
      broker.loadService(path.join(__dirname, "..", "services", name, `${name}.service.ts`));
  await broker.start();
  try {
    await broker.waitForServices(["catalog", "users", "courses"], 30_000);
    let added = 0;
    for (const [i, product] of DEMO_CATALOG.entries()) {
      await broker.call(Action.catalog.create, product, OPERATOR).then(
        () => added++,
        (err: unknown) => {
          if (!isDuplicate(err)) throw err;
        },
      );
      show(i + 1, DEMO_CATALOG.length, "products");
    }
    const customers: string[] = [];
    for (let i = 1; i <= SEED_USERS; i++) {
      const email = `demo${i}@example.com`;
      const password = randomBytes(9).toString("base64url");
      await broker
        .call(Action.users.register, { email, password, name: `Demo customer ${i}` })
        .then(
          () => customers.push(`${email}  ${password}`),
          (err: unknown) => {
            if (!isDuplicate(err)) throw err;
          },
        );
      show(i, SEED_USERS, "customers");
    }
    const instructor = await demoInstructor(broker);
    console.log(`Added ${added} of ${DEMO_CATALOG.length} demo products (the rest were there).`);
    if (instructor) console.log(instructor);
    if (customers.length)
      console.log(`Demo customers (e-mail, password; shown once):\n  ${customers.join("\n  ")}`);
  } finally {
    await broker.stop();
  }
}

if (require.main === module)
  main().catch((err) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  });
