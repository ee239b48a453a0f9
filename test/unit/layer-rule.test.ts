import { spawnSync } from "node:child_process";
import path from "node:path";

const ROOT = path.join(__dirname, "..", "..");

/** ESLint's verdict on `source` as if it were the file at `file`, as CI's lint gives it. */
function lint(file: string, source: string): string {
  const eslint = path.join(ROOT, "node_modules", ".bin", "eslint");
  const run = spawnSync(eslint, ["--stdin", "--stdin-filename", file], {
    cwd: ROOT,
    input: source,
    encoding: "utf8",
  });
  return run.stdout + run.stderr;
}

describe("the layer rule", () => {
  test.each([
    [
      "a service imports another's folder",
      "services/cart/x.ts",
      'import { a } from "../catalog/products";',
    ],
    [
      "a service reaches round through the root",
      "services/cart/x.ts",
      'import { a } from "../../services/orders/saga";',
    ],
    [
      "the platform imports a service",
      "platform/data/x.ts",
      'import { a } from "../../services/orders/model";',
    ],
    [
      "a mixin imports a service",
      "mixins/x.mixin.ts",
      'import { a } from "../services/orders/model";',
    ],
    [
      "the platform imports a mixin, a floor above it",
      "platform/runtime/x.ts",
      'import { a } from "../../mixins/health.mixin";',
    ],
    [
      "the platform imports the composition root",
      "platform/runtime/x.ts",
      'import { a } from "../../app/settings";',
    ],
    [
      "a service imports the composition root",
      "services/cart/x.ts",
      'import { a } from "../../app/settings";',
    ],
    [
      "a service imports the broker config at the top",
      "services/cart/x.ts",
      'import { a } from "../../broker.config";',
    ],
    [
      "contracts import the platform",
      "contracts/x.ts",
      'import { a } from "../platform/actions/errors";',
    ],
  ])("When %s, then lint fails", (_label, file, line) => {
    expect(lint(file, `${line}\nexport const b = a;\n`)).toContain("no-restricted-imports");
  });

  test("When a service imports its own files, contracts and the platform, then lint passes", () => {
    const source = [
      'import { a } from "./cart-view";',
      'import type { ProductView } from "../../contracts/catalog";',
      'import { b } from "../../platform/actions/errors";',
      "export const c: [unknown, unknown, ProductView?] = [a, b];",
      "",
    ].join("\n");
    expect(lint("services/cart/x.ts", source)).not.toContain("no-restricted-imports");
  });
});

describe("reads of maps keyed by names", () => {
  test("When code that serves reads a map by a name with a fallback, then lint fails and points at ownValue", () => {
    const source = [
      "export const read = (off: Record<string, string[]>, category: string) =>",
      "  off[category] ?? [];",
      "",
    ].join("\n");
    expect(lint("services/engagement/x.ts", source)).toMatch(/use ownValue/);
    const safe = source.replace("off[category] ?? []", "Object.hasOwn(off, category)");
    expect(lint("services/engagement/x.ts", safe)).not.toMatch(/use ownValue/);
  });
});
