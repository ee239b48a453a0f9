/**
 * The courses suite again, on PostgreSQL: twenty completions racing for one certificate are
 * truly concurrent there, and only the store's conditional update keeps the event single.
 */
import { postgresAvailable } from "../harness/postgres";

if (postgresAvailable()) {
  process.env.BAZAAR_TEST_STORE = "postgres";
  // The suite must load after the store is chosen, so not a static import.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  require("./courses.e2e.test");
} else {
  test.skip("PostgreSQL is not running here", () => undefined);
}
