/**
 * The search suite again, on PostgreSQL: the search documents every search node follows live
 * in the shared store in a cluster.
 */
import { postgresAvailable } from "../harness/postgres";

if (postgresAvailable()) {
  process.env.BAZAAR_TEST_STORE = "postgres";
  // The suite must load after the store is chosen, so not a static import.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  require("./search.e2e.test");
} else {
  test.skip("PostgreSQL is not running here", () => undefined);
}
