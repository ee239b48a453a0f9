/** Writes the README's table of every route from the API description (`npm run docs:routes`). */
import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { ROUTES_END, ROUTES_START, routesTable } from "../app/routes-docs";

async function main() {
  const file = path.join(__dirname, "..", "README.md");
  const readme = readFileSync(file, "utf8");
  const start = readme.indexOf(ROUTES_START);
  const end = readme.indexOf(ROUTES_END);
  if (start < 0 || end < start)
    throw new Error(`README.md lacks the markers ${ROUTES_START} … ${ROUTES_END}`);
  const table = await routesTable();
  writeFileSync(
    file,
    `${readme.slice(0, start + ROUTES_START.length)}\n\n${table}\n\n${readme.slice(end)}`,
  );
  console.log("README.md: routes table written; run npm run format to align it.");
}

void main();
