import type { Context } from "moleculer";
import type { Actions } from "../../platform/actions/action-properties";
import type { CallerMeta } from "../../platform/actions/access";
import { notFound } from "../../platform/actions/errors";
import { object, string } from "../../platform/actions/openapi";
import { serviceModulesOf } from "../../platform/runtime/settings-of";
import { DOCS_HEADERS, DOCS_PAGE, docsAssetType, isDocsAsset, readDocsAsset } from "./docs-page";
import type { GatewayThis } from "./gateway-this";
import { openApiDocument } from "./openapi";
import { packageVersion, publishedActions } from "./published-actions";

const DOCS_PATH = "/api/v1/docs";

/** The API description and the page that reads it. */
export const docsActions = {
  /** The OpenAPI 3.1 description, built once from the routes and the actions' rules. */
  openapi: {
    access: "public",
    async handler(this: GatewayThis) {
      const modules = serviceModulesOf(this.broker);
      this.description ??= publishedActions(this.originalSchema, modules).then((actions) =>
        openApiDocument(
          this.surface.documented,
          actions,
          packageVersion(),
          this.surface.errorTypes,
        ),
      );
      return this.description;
    },
  },

  home: {
    access: "public",
    openapi: {
      summary: "Where to read the API: sends a browser to the docs page",
      status: 302,
      response: object({ docs: string, openapi: string }),
    },
    handler(ctx: Context<unknown, CallerMeta>) {
      ctx.meta.$statusCode = 302;
      ctx.meta.$location = DOCS_PATH;
      return { docs: DOCS_PATH, openapi: "/api/v1/openapi.json" };
    },
  },

  docsPage: {
    access: "public",
    handler(ctx: Context<unknown, CallerMeta>) {
      // The page's asset URLs are relative: from `/api/v1/docs/` they would miss (a blank page).
      if (ctx.meta.trailingSlash) {
        ctx.meta.$statusCode = 308;
        ctx.meta.$location = "../docs";
        return "";
      }
      ctx.meta.$responseType = "text/html; charset=utf-8";
      ctx.meta.$responseHeaders = DOCS_HEADERS;
      return DOCS_PAGE;
    },
  },

  docsAsset: {
    access: "public",
    params: { file: { type: "string", max: 64 } },
    async handler(this: GatewayThis, ctx: Context<{ file: string }, CallerMeta>) {
      const { file } = ctx.params;
      if (!isDocsAsset(file)) throw notFound("File");
      // Read once; a failed read is not kept, so the next request tries again.
      if (!this.docsAssets.has(file))
        this.docsAssets.set(
          file,
          readDocsAsset(file).catch((err: unknown) => {
            this.docsAssets.delete(file);
            throw err;
          }),
        );
      ctx.meta.$responseType = docsAssetType(file);
      ctx.meta.$responseHeaders = { ...DOCS_HEADERS, "Cache-Control": "public, max-age=3600" };
      return this.docsAssets.get(file);
    },
  },
} satisfies Actions;
