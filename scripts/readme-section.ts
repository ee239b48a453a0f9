import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";

/** Writes `text` into README.md between its `start` and `end` markers (the docs:* scripts). */
export function writeReadmeSection(start: string, end: string, text: string): void {
  const file = path.join(__dirname, "..", "README.md");
  const readme = readFileSync(file, "utf8");
  const from = readme.indexOf(start);
  const to = readme.indexOf(end);
  if (from < 0 || to < from) throw new Error(`README.md lacks the markers ${start} … ${end}`);
  writeFileSync(file, `${readme.slice(0, from + start.length)}\n\n${text}\n\n${readme.slice(to)}`);
}
