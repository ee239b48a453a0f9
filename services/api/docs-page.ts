import { readFile } from "node:fs/promises";
import path from "node:path";

/**
 * `/api/v1/docs`: Swagger UI (swagger-ui-dist, served from this node, never a CDN) reading
 * `/api/v1/openapi.json`. Every URL is relative, so the page works behind a path prefix.
 */
export const DOCS_PAGE = `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <meta name="viewport" content="width=device-width, initial-scale=1" />
    <title>Bazaar API</title>
    <link rel="icon" type="image/png" href="docs/favicon-32x32.png" />
    <link rel="stylesheet" href="docs/swagger-ui.css" />
  </head>
  <body>
    <div id="docs"></div>
    <script src="docs/swagger-ui-bundle.js"></script>
    <script src="docs/init.js"></script>
  </body>
</html>
`;

/** In a file of its own, so the page's policy allows no inline script. */
const INIT_SCRIPT = `window.ui = SwaggerUIBundle({
  url: "openapi.json",
  dom_id: "#docs",
  deepLinking: true,
  docExpansion: "list",
  defaultModelsExpandDepth: 0,
});
`;

/** Swagger UI styles its parts inline; scripts come only from this origin. */
export const DOCS_HEADERS = {
  "Content-Security-Policy":
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; frame-ancestors 'none'",
  "X-Content-Type-Options": "nosniff",
};

const ASSETS: Record<string, string> = {
  "swagger-ui.css": "text/css; charset=utf-8",
  "swagger-ui-bundle.js": "text/javascript; charset=utf-8",
  "init.js": "text/javascript; charset=utf-8",
  "favicon-32x32.png": "image/png",
};

export function isDocsAsset(file: string): boolean {
  return Object.hasOwn(ASSETS, file);
}

export function docsAssetType(file: string): string {
  return ASSETS[file];
}

/** An asset's bytes; only the names above, so no path from a request reaches the disk. */
export async function readDocsAsset(file: string): Promise<Buffer> {
  if (file === "init.js") return Buffer.from(INIT_SCRIPT);
  const dir = path.dirname(require.resolve("swagger-ui-dist/package.json"));
  return readFile(path.join(dir, file));
}
