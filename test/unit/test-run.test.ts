import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";

/* eslint-disable @typescript-eslint/no-require-imports */
const globalSetup = require("../harness/global-setup.js") as () => Promise<void>;
const globalTeardown = require("../harness/global-teardown.js") as () => Promise<void>;

describe("a test run", () => {
  test("When a test makes a temp directory, then it lies under the run's own directory, which the run removes at its end", async () => {
    const runDir = process.env.BAZAAR_TEST_RUN_DIR!;
    expect(runDir).toBeTruthy();
    expect(tmpdir()).toBe(runDir);
    const left = mkdtempSync(path.join(tmpdir(), "bazaar-forgotten-"));
    expect(left.startsWith(runDir)).toBe(true);

    // The teardown, on a run directory of its own, removes everything in it.
    const scratch = mkdtempSync(path.join(runDir, "scratch-run-"));
    mkdirSync(path.join(scratch, "a-suite"));
    writeFileSync(path.join(scratch, "a-suite", "file"), "x");
    process.env.BAZAAR_TEST_RUN_DIR = scratch;
    try {
      await globalTeardown();
    } finally {
      process.env.BAZAAR_TEST_RUN_DIR = runDir;
    }
    expect(existsSync(scratch)).toBe(false);
  });

  test("When a run starts without a mongodb:// DB_URI, then it says once that the MongoDB contract is skipped", async () => {
    const saved = { ...process.env };
    const written: string[] = [];
    const write = jest
      .spyOn(process.stdout, "write")
      .mockImplementation((chunk: string | Uint8Array) => (written.push(String(chunk)), true));
    try {
      delete process.env.DB_URI;
      await globalSetup();
    } finally {
      write.mockRestore();
      // The directory it made lies inside this run's, and goes with it.
      process.env = saved;
    }
    expect(written.join("")).toMatch(
      /Skipped in this run:[\s\S]*MongoDB: no mongodb:\/\/ DB_URI given/,
    );
  });
});
