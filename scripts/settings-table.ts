/** Writes the README's settings table from app/settings-docs.ts (`npm run docs:settings`). */
import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { settingsTable, TABLE_END, TABLE_START } from "../app/settings-docs";

const file = path.join(__dirname, "..", "README.md");
const readme = readFileSync(file, "utf8");
const start = readme.indexOf(TABLE_START);
const end = readme.indexOf(TABLE_END);
if (start < 0 || end < start)
  throw new Error(`README.md lacks the markers ${TABLE_START} … ${TABLE_END}`);
const next = `${readme.slice(0, start + TABLE_START.length)}\n\n${settingsTable()}\n\n${readme.slice(end)}`;
writeFileSync(file, next);
console.log("README.md: settings table written; run npm run format to align it.");
