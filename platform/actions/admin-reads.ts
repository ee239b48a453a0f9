import type { Doc, Repository } from "../data/repository";
import { findPage, pageParams } from "../data/pagination";
import type { Ctx } from "./access";
import { notFound } from "./errors";
import { idRule } from "./ids";
import { pageOf, type JsonSchema } from "./openapi";

type WithRepos = { repos: Record<string, Repository<Doc>> };

/** An admin's list of a collection, newest first, a page at a time. */
export function adminList(collection: string, summary: string, row: JsonSchema) {
  return {
    openapi: { summary, response: pageOf(row) },
    access: "admin" as const,
    params: { $$strict: "remove" as const, ...pageParams },
    handler(this: WithRepos, ctx: Ctx<{ page: number; pageSize: number }>) {
      const { page, pageSize } = ctx.params;
      return findPage(
        this.repos[collection],
        {},
        { page, pageSize, sort: { createdAt: -1 } },
        (doc) => doc,
      );
    },
  };
}

/** One document of a collection by id, for an admin; 404 names what is missing. */
export function adminGet(collection: string, what: string, summary: string, shape: JsonSchema) {
  return {
    openapi: { summary, response: shape, errors: [404] },
    access: "admin" as const,
    params: { $$strict: true as const, id: idRule },
    async handler(this: WithRepos, ctx: Ctx<{ id: string }>) {
      const doc = await this.repos[collection].findById(ctx.params.id);
      if (!doc) throw notFound(what);
      return doc;
    },
  };
}
