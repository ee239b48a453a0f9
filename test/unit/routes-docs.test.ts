import { readFileSync } from "node:fs";
import path from "node:path";
import { ROUTES_END, ROUTES_START, routesTable } from "../../app/routes-docs";

const rowsOf = (markdown: string) =>
  markdown
    .split("\n")
    .filter((line) => line.startsWith("| `"))
    .map((row) =>
      row
        .split(/(?<!\\)\|/)
        .slice(1, -1)
        .map((cell) => cell.trim().replace(/\s+/g, " ")),
    );

describe("the README's table of routes", () => {
  test("When the README is read, then it lists every operation the gateway serves, as npm run docs:routes writes it", async () => {
    const readme = readFileSync(path.join(__dirname, "..", "..", "README.md"), "utf8");
    const table = readme.slice(readme.indexOf(ROUTES_START), readme.indexOf(ROUTES_END));
    const generated = rowsOf(await routesTable());
    expect(generated.length).toBeGreaterThan(80);
    expect(rowsOf(table)).toEqual(generated);
  });
});
