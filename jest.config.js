/** Type checking stays in `tsc --noEmit`; jest only strips types (swc, ~1 s a file). */
module.exports = {
  testEnvironment: "node",
  transform: { "^.+\\.ts$": ["@swc/jest"] },
  testMatch: ["<rootDir>/test/**/*.test.ts"],
  setupFiles: ["<rootDir>/test/harness/setup-env.ts"],
  globalSetup: "<rootDir>/test/harness/global-setup.js",
  globalTeardown: "<rootDir>/test/harness/global-teardown.js",
  testTimeout: 30000,
  reporters: ["default", "<rootDir>/test/harness/summary-reporter.js"],
  // Broker and server tests share ports and CPU on 2-core machines. Under CI one suite runs at a
  // time: the cluster suites start up to eleven node processes, and beside them another suite's
  // 40 concurrent scrypt hashes went past the request timeout (seen twice).
  maxWorkers: process.env.CI === "true" ? 1 : 2,
};
