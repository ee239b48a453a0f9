import type { Service, ServiceSchema } from "moleculer";
import type { BackgroundLoop } from "../platform/messaging/background-loop";
import { addHealthCheck } from "../platform/runtime/health";
import { settingsOf } from "../platform/runtime/settings-of";
import { appendOnly } from "../platform/data/append-only";
import { instrument } from "../platform/data/instrument";
import { closeStore, openStore } from "../platform/data/open-store";
import type { Doc, IndexSpec, Repository } from "../platform/data/repository";
import { channelsReady } from "../platform/messaging/channels";

type LoopingService = Service & {
  $storeLoops?: BackgroundLoop[];
  /** This service's DbMixins (its own, a consumer's) whose repositories are not open yet. */
  $storesOpening?: number;
};

/**
 * A background loop that reads or writes this service's store: it is started once the
 * repositories exist (all of them, when the service takes the mixin more than once) and
 * stopped before the store closes. Mixins start in reverse order and stop
 * in order, so a loop a mixin started itself ran before the store was open (a relay pass failed on
 * `this.repos` at every slow start) and after it had closed ("pool after calling end").
 */
export function addStoreLoop(service: object, loop: BackgroundLoop): void {
  const self = service as LoopingService;
  (self.$storeLoops ??= []).push(loop);
}

export type DbService<R extends Record<string, Doc>> = Service & {
  repos: { [K in keyof R]: Repository<R[K]> };
};

/** Where a DbMixin keeps what it declares, for the migrations to read (app/store-schema.ts). */
export const DECLARED_COLLECTIONS = Symbol("bazaar.collections");
export interface DeclaredCollections {
  collections: Record<string, IndexSpec[]>;
  appendOnly: string[];
}

/**
 * Gives a service `this.repos`, one repository a collection it names, with the indexes it
 * declares, and reports the store in its `health` action.
 */
export function DbMixin(
  collections: Record<string, IndexSpec[]>,
  options: { appendOnly?: string[] } = {},
): Partial<ServiceSchema> {
  const declared: DeclaredCollections = { collections, appendOnly: options.appendOnly ?? [] };
  return {
    [DECLARED_COLLECTIONS]: declared,
    created(this: Service) {
      const self = this as LoopingService;
      self.$storesOpening = (self.$storesOpening ?? 0) + 1;
    },
    async started(this: Service) {
      const settings = settingsOf(this.broker);
      const store = openStore(settings);
      const repos: Record<string, Repository<Doc>> = {};
      for (const [collection, indexes] of Object.entries(collections)) {
        let repo = await store.repository<Doc>(collection, indexes);
        if (options.appendOnly?.includes(collection)) {
          await store.refuseChanges?.(collection);
          repo = appendOnly(repo, collection);
        }
        repos[collection] = instrument(repo, collection, this.broker, (err) => store.isOutage(err));
      }
      // A service may take the mixin more than once (its own collections, a consumer's).
      const self = this as DbService<Record<string, Doc>>;
      self.repos = { ...self.repos, ...repos };
      addHealthCheck(this, "db", () => store.ping());
      // A loop may read any of the service's collections: it starts when the last mixin opened.
      const looping = this as LoopingService;
      looping.$storesOpening = (looping.$storesOpening ?? 1) - 1;
      // And after the node's channels are up (they connect once every service has started).
      if (looping.$storesOpening === 0)
        for (const loop of looping.$storeLoops ?? []) loop.startWhen(channelsReady(this.broker));
    },
    async stopped(this: Service) {
      await Promise.all(((this as LoopingService).$storeLoops ?? []).map((loop) => loop.stop()));
      await closeStore(settingsOf(this.broker));
    },
  };
}
