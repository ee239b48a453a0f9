/**
 * The long restart run: the one-process node under a steady order stream, stopped again and
 * again (SIGTERM and SIGKILL in turn, at random moments), on the embedded store and on
 * PostgreSQL. Each confirmed order must be told, counted and sent to a webhook exactly once.
 *
 *   npm run bench:restart                 # 6 restarts a store
 *   RESTARTS=20 SHOPPERS=6 npm run bench:restart
 */
import { createDatabase } from "../test/harness/postgres";
import { runRestarts } from "../test/harness/restart-run";
import { tally } from "../test/harness/shoppers";

const RESTARTS = Number(process.env.RESTARTS ?? 6);
const SHOPPERS = Number(process.env.SHOPPERS ?? 4);

async function main() {
  const signals = Array.from({ length: RESTARTS }, (_, i) =>
    i % 2 ? "SIGKILL" : "SIGTERM",
  ) as NodeJS.Signals[];
  let failed = false;
  for (const store of ["embedded", "postgres"] as const) {
    const database = store === "postgres" ? await createDatabase() : undefined;
    try {
      const run = await runRestarts({
        storeEnv: database ? { DB_URI: database.uri } : {},
        signals,
        pauseMs: [1000, 6000],
        shoppers: SHOPPERS,
        log: (line) => process.stdout.write(`  ${store}: ${line}\n`),
      });
      const lost = {
        told: run.confirmed.length - run.told,
        counted: run.confirmed.length - run.counted,
        hooked: run.confirmed.length - run.hooked.length,
      };
      console.log(
        `${store}: ${RESTARTS} restarts, checkouts ${JSON.stringify(tally(run.checkouts))}, ` +
          `confirmed ${run.confirmed.length}, told ${run.told}, counted ${run.counted}, ` +
          `webhook ${run.hooked.length} (${run.deliveries} deliveries), ` +
          `outboxes empty ${(run.drainedMs / 1000).toFixed(1)} s after the load, ` +
          `violations ${run.violations.length}`,
      );
      if (run.violations.length || Object.values(lost).some((n) => n !== 0)) {
        failed = true;
        console.log(`  lost or extra: ${JSON.stringify(lost)} ${run.violations.join("; ")}`);
      }
    } finally {
      await database?.drop();
    }
  }
  process.exit(failed ? 1 : 0);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
