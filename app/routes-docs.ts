import ApiService from "../services/api/api.service";
import { openApiDocument } from "../services/api/openapi";
import { publishedActions } from "../services/api/published-actions";
import { gatewayRoutes } from "../services/api/routes";
import { SERVICE_MODULES } from "./services";

export const ROUTES_START = "<!-- routes table: written by npm run docs:routes -->";
export const ROUTES_END = "<!-- end of routes table -->";

/** Who may call an operation: the first sentence of the line the description ends with. */
function who(description: string | undefined): string {
  const last = (description ?? "").split("\n\n").pop() ?? "";
  const first = last.split(". ")[0].replace(/\.$/, "");
  const key = /An API key[^.]*`([a-z]+)` scope/.exec(last)?.[1];
  const sessionOnly = /not an API key/.test(last);
  if (first === "Anyone") return first;
  if (sessionOnly) return `${first}, session only`;
  return key ? `${first}; key: \`${key}\`` : first;
}

const cell = (text: string) => text.replace(/\|/g, "\\|");

/**
 * The README's table of every operation, from the API description itself (routes, the actions'
 * summaries and access), so it cannot fall behind what the gateway serves.
 */
export async function routesTable(): Promise<string> {
  const actions = await publishedActions(ApiService, SERVICE_MODULES);
  const doc = openApiDocument(gatewayRoutes(SERVICE_MODULES).documented, actions, "docs");
  const rows = Object.entries(doc.paths).flatMap(([path, operations]) =>
    Object.entries(operations as Record<string, { summary?: string; description?: string }>).map(
      ([method, op]) =>
        `| \`${method.toUpperCase()} ${path}\` | ${cell(who(op.description))} | ${cell(op.summary ?? "")} |`,
    ),
  );
  return ["| route | who | does |", "| --- | --- | --- |", ...rows].join("\n");
}
