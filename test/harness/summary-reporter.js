const { writeSync } = require("node:fs");

/**
 * Ends the run with the plain line CI reads: "N passed, N failed, N skipped". Written at exit,
 * after jest's own summary, so it is the closing line.
 */
class SummaryReporter {
  onRunComplete(_contexts, results) {
    const failed = results.numFailedTests + results.numRuntimeErrorTestSuites;
    const line = `${results.numPassedTests} passed, ${failed} failed, ${results.numPendingTests} skipped\n`;
    process.once("exit", () => writeSync(1, line));
  }
}

module.exports = SummaryReporter;
