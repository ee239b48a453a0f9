/**
 * The study path again, on PostgreSQL, as a cluster keeps it: the uploaded files are blob parts
 * in the database, and documents, quizzes and tutor sessions are its rows.
 */
import { postgresAvailable } from "../harness/postgres";

if (postgresAvailable() || process.env.CI === "true") {
  process.env.BAZAAR_TEST_STORE = "postgres";
  // The suite must load after the store is chosen, so not a static import.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  require("./study-assistant.e2e.test");
} else {
  test.skip("PostgreSQL is not running here", () => undefined);
}
