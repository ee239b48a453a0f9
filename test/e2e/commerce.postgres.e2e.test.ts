/**
 * The whole commerce suite again, on PostgreSQL instead of the embedded store: the saga's
 * guarantees rest on the store's atomic conditional updates, so they are proven on each.
 */
import { postgresAvailable } from "../harness/postgres";

if (postgresAvailable()) {
  process.env.BAZAAR_TEST_STORE = "postgres";
  // The suite must load after the store is chosen, so not a static import.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  require("./commerce.e2e.test");
} else {
  test.skip("PostgreSQL is not running here", () => undefined);
}
