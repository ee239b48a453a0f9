import type { ServiceSchema } from "moleculer";
import type { ServiceSettings } from "./env-settings";

/** What the API description reads of a schema (its own `this` type is the service's to know). */
export type LoadedSchema = Pick<ServiceSchema, "name"> & {
  actions?: Record<string, unknown>;
  mixins?: { actions?: Record<string, unknown> }[];
};

/** `"GET /products/:id"`: a method and a path under `/api/v1`. */
export type RestAlias = `${"GET" | "POST" | "PUT" | "PATCH" | "DELETE"} /${string}`;

/**
 * One service as the composition root sees it: everything a new service brings, declared in
 * its own folder (`services/<name>/index.ts`) and listed once in `app/services.ts`.
 */
export interface ServiceModule<Name extends string = string, Own extends object = object> {
  name: Name;
  /** Its actions' names, as its contract spells them (`Action.catalog`): a test holds the two equal. */
  actions: Readonly<Record<string, string>>;
  /**
   * The error types its clients act on, beyond the platform's and the shop's shared ones, as its
   * contract spells them: the gateway passes them through as documented types.
   */
  errors?: Readonly<Record<string, string>>;
  /**
   * The node group that hosts it in the compose and k8s layouts, named there as
   * `SERVICES=@<group>`: a new service joins a group and no layout file changes.
   */
  group: string;
  /** Its REST surface under `/api/v1`, alias → action. Only these are reachable. */
  routes?: Partial<Record<RestAlias, string>>;
  /**
   * Where what an action created lives (the 201's `Location`), by action: a path under
   * `/api/v1` where `:id` is the created id and any other `:field` a field of the answer.
   */
  createdAt?: Record<string, string>;
  /** The settings only this service reads; read and checked with all the others at start. */
  settings?: ServiceSettings<Own>;
  /** Its schema, loaded on demand: the gateway describes every service, hosted or not. */
  load(): Promise<{ default: LoadedSchema }>;
}

/** Keeps a module's literal name, so the list of names is a type. */
export function defineService<Name extends string, Own extends object = object>(
  module: ServiceModule<Name, Own>,
): ServiceModule<Name, Own> {
  return module;
}

/** The file moleculer-runner and the test harness load a service from (`--hot` watches it). */
export const serviceFile = (servicesDir: string, name: string) =>
  `${servicesDir}/${name}/${name}.service.ts`;
