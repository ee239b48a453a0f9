/** Writes the README's table of every route from the API description (`npm run docs:routes`). */
import { ROUTES_END, ROUTES_START, routesTable } from "../app/routes-docs";
import { writeReadmeSection } from "./readme-section";

void routesTable().then((table) => {
  writeReadmeSection(ROUTES_START, ROUTES_END, table);
  console.log("README.md: routes table written; run npm run format to align it.");
});
