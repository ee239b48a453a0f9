import { readFileSync } from "node:fs";
import path from "node:path";
import { readSettings } from "../../app/settings";
import { SETTING_DOCS, TABLE_END, TABLE_START } from "../../app/settings-docs";

/** Every variable readSettings asks for, in embedded and in cluster mode. */
function variablesRead(): Set<string> {
  const asked = new Set<string>();
  for (const given of [
    { DATA_DIR: "/tmp/bazaar-settings-docs", JWT_SECRET: "x".repeat(40) },
    {
      DATA_DIR: "/tmp/bazaar-settings-docs",
      JWT_SECRET: "x".repeat(40),
      TRANSPORTER: "nats://n:4222",
      HEALTH_PORT: "3031",
    },
  ]) {
    const env = new Proxy(given as Record<string, string | undefined>, {
      get: (target, name: string) => (asked.add(name), target[name]),
    });
    readSettings(env);
  }
  return asked;
}

const cells = (row: string) =>
  row
    .split(/(?<!\\)\|/)
    .slice(1, -1)
    .map((c) => c.trim().replace(/\s+/g, " "));

describe("the settings table", () => {
  test("When the code reads a setting, then the table documents it, and it documents nothing else", () => {
    const documented = SETTING_DOCS.flatMap((d) => d.variables).sort();
    expect(documented).toEqual([...variablesRead()].sort());
  });

  test("When the README is read, then its table is the one npm run docs:settings writes", () => {
    const readme = readFileSync(path.join(__dirname, "..", "..", "README.md"), "utf8");
    const table = readme.slice(readme.indexOf(TABLE_START), readme.indexOf(TABLE_END));
    const rows = table.split("\n").filter((l) => l.startsWith("| `"));
    expect(rows.map(cells)).toEqual(
      SETTING_DOCS.map((d) => [
        d.variables.map((v) => `\`${v}\``).join(", "),
        d.embedded,
        d.meaning,
      ]),
    );
  });
});
