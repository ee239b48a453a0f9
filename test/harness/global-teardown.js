const { rmSync } = require("node:fs");

/** The run's temp directory goes, with whatever any test or node left in it. */
module.exports = async function globalTeardown() {
  const runDir = process.env.BAZAAR_TEST_RUN_DIR;
  if (runDir) rmSync(runDir, { recursive: true, force: true });
};
