import { execFileSync, spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import {
  cpSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  symlinkSync,
} from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { registerBuyer, type Client } from "../harness/http";
import { ROOT, type NodeProcess } from "../harness/node-process";
import { startServingNode } from "../harness/serving-node";

/**
 * The promise of `templates/service/README.md`, kept in a copy of the repository: its steps add
 * a service touching only its folder, its contract file and one line of `app/service-list.ts`
 * (and the README's generated tables), and the result passes the compiler, lint and the checks
 * of the layouts, and serves on an embedded node.
 */
let copy: string;
let before: Map<string, string>;
let node: NodeProcess;
let api: Client;

const SKIP = new Set(["node_modules", ".git", "data", "coverage"]);

function filesOf(root: string, dir = ""): Map<string, string> {
  const files = new Map<string, string>();
  for (const entry of readdirSync(path.join(root, dir), { withFileTypes: true })) {
    const relative = path.join(dir, entry.name);
    if (SKIP.has(entry.name) && dir === "") continue;
    if (entry.isDirectory()) for (const [f, h] of filesOf(root, relative)) files.set(f, h);
    else if (entry.isFile())
      files.set(
        relative,
        createHash("sha1")
          .update(readFileSync(path.join(root, relative)))
          .digest("hex"),
      );
  }
  return files;
}

/** Runs a command in the copy, as a newcomer's shell would; fails with what it printed. */
function inCopy(command: string, args: string[]): void {
  const env: NodeJS.ProcessEnv = { ...process.env, CI: "true" };
  delete env.JEST_WORKER_ID;
  const run = spawnSync(command, args, { cwd: copy, env, encoding: "utf8", timeout: 300_000 });
  if (run.status !== 0)
    throw new Error(
      `${command} ${args.join(" ")} exited ${run.status}:\n${run.stdout}\n${run.stderr}`,
    );
}

beforeAll(() => {
  copy = mkdtempSync(path.join(tmpdir(), "bazaar-add-a-service-"));
  const tracked = execFileSync("git", ["ls-files", "-z"], { cwd: ROOT, encoding: "utf8" })
    .split("\0")
    .filter(Boolean);
  for (const file of tracked) {
    mkdirSync(path.dirname(path.join(copy, file)), { recursive: true });
    cpSync(path.join(ROOT, file), path.join(copy, file));
  }
  symlinkSync(path.join(ROOT, "node_modules"), path.join(copy, "node_modules"), "dir");
  before = filesOf(copy);
  const readme = readFileSync(path.join(copy, "templates/service/README.md"), "utf8");
  const steps = /```sh\n([\s\S]*?)```/.exec(readme)![1];
  inCopy("bash", ["-euo", "pipefail", "-c", steps]);
}, 300_000);

afterAll(async () => {
  await node?.stop();
  if (copy) rmSync(copy, { recursive: true, force: true });
});

test("When the template's steps are followed, then only the service's folder, its contract file, one line of the service list, the README's generated tables and its migration change", () => {
  const after = filesOf(copy);
  const changed = [...after.keys()].filter((f) => before.get(f) !== after.get(f)).sort();
  expect(changed).toEqual([
    "README.md",
    "app/service-list.ts",
    "contracts/shelf.ts",
    expect.stringMatching(/^migrations\/\d+_add_shelf\.sql$/),
    "migrations/schema.json",
    "services/shelf/index.ts",
    "services/shelf/items.ts",
    "services/shelf/model.ts",
    "services/shelf/settings.ts",
    "services/shelf/shelf.service.ts",
  ]);
  const listed = (root: string) =>
    readFileSync(path.join(root, "app/service-list.ts"), "utf8").split("\n");
  const added = listed(copy).filter((line) => !listed(ROOT).includes(line));
  expect(added).toEqual(['export { default as shelf } from "../services/shelf";']);
});

test("When the new service is checked, then the compiler, lint, and the checks of the action names, routes, settings, compose and k8s files and PostgreSQL's migrations pass", () => {
  inCopy(process.execPath, ["node_modules/typescript/bin/tsc", "--noEmit"]);
  inCopy(process.execPath, [
    "node_modules/eslint/bin/eslint.js",
    "services/shelf",
    "contracts/shelf.ts",
    "app",
  ]);
  inCopy(process.execPath, [
    "node_modules/jest/bin/jest.js",
    "test/unit/action-names.test.ts",
    "test/unit/service-modules.test.ts",
    "test/unit/openapi.test.ts",
    "test/unit/routes-docs.test.ts",
    "test/unit/settings-docs.test.ts",
    "test/unit/compose.test.ts",
    "test/unit/k8s.test.ts",
    "test/integration/migrations.test.ts",
  ]);
}, 300_000);

describe("the new service on an embedded node", () => {
  beforeAll(async () => {
    const serving = await startServingNode(
      { DATA_DIR: path.join(copy, "data"), SHELF_ITEMS_PER_USER: "2", LOG_LEVEL: "warn" },
      { until: "up", root: copy },
    );
    node = serving;
    api = serving.api;
    await api.followContract();
  }, 90_000);

  test("When a user keeps items there, then its routes answer as the template says: 201 with Location, own items only, its setting's limit, and 4xx for bad input", async () => {
    const health = await api.get("/health");
    expect(health.body.checks["service:shelf"]).toBe("up");
    const description = await api.get("/api/v1/openapi.json");
    expect(Object.keys(description.body.paths)).toEqual(
      expect.arrayContaining(["/api/v1/shelf/items", "/api/v1/shelf/items/{id}"]),
    );

    const owner = { token: await registerBuyer(api, "shelf-owner") };
    const other = { token: await registerBuyer(api, "shelf-other") };
    const created = await api.post("/api/v1/shelf/items", { title: "  first  " }, owner);
    expect(created.status).toBe(201);
    expect(created.body.title).toBe("first");
    expect(created.headers.get("location")).toBe(`/api/v1/shelf/items/${created.body.id}`);
    expect((await api.get(created.headers.get("location")!, owner)).body).toEqual(created.body);
    expect((await api.get(created.headers.get("location")!, other)).status).toBe(404);
    expect((await api.get("/api/v1/shelf/items", other)).body.total).toBe(0);

    expect((await api.post("/api/v1/shelf/items", { title: "x" })).status).toBe(401);
    const tooLong = await api.post("/api/v1/shelf/items", { title: "x".repeat(201) }, owner);
    expect(tooLong.status).toBe(422);
    expect(tooLong.body.type).toBe("VALIDATION_ERROR");
    expect((await api.get("/api/v1/shelf/items/..%2Fetc", owner)).status).toBe(422);

    expect((await api.post("/api/v1/shelf/items", { title: "second" }, owner)).status).toBe(201);
    const third = await api.post("/api/v1/shelf/items", { title: "third" }, owner);
    expect(third.status).toBe(409);
    expect(third.body.type).toBe("SHELF_LIMIT_REACHED");
    expect((await api.get("/api/v1/shelf/items", owner)).body.total).toBe(2);
  });
});
