/** Writes the README's settings table from app/settings-docs.ts (`npm run docs:settings`). */
import { settingsTable, TABLE_END, TABLE_START } from "../app/settings-docs";
import { writeReadmeSection } from "./readme-section";

writeReadmeSection(TABLE_START, TABLE_END, settingsTable());
console.log("README.md: settings table written; run npm run format to align it.");
