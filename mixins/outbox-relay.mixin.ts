import type { Service, ServiceSchema, ServiceSettingSchema } from "moleculer";
import { BackgroundLoop } from "../platform/messaging/background-loop";
import { addStoreLoop, type DbService } from "./db.mixin";
import { relayOutbox, type OutboxDoc } from "../platform/messaging/outbox";

export type RelayService = Service & { outboxRelay: BackgroundLoop };

/**
 * Publishes the pending events of one or more collections' documents, every `intervalMs` and
 * at once when woken (`this.outboxRelay.wake()` after a write that carries events).
 */
export function OutboxRelayMixin(
  collections: string | string[],
  intervalMs = 500,
): Partial<ServiceSchema> {
  const schema: Partial<ServiceSchema<ServiceSettingSchema, RelayService>> = {
    created(this: RelayService) {
      this.outboxRelay = new BackgroundLoop(
        `${this.name} outbox relay`,
        intervalMs,
        async () => {
          const { repos } = this as unknown as DbService<Record<string, OutboxDoc>>;
          for (const collection of [collections].flat())
            await relayOutbox(repos[collection], this.broker, collection);
        },
        this.logger,
      );
      // Runs only while the store is open, whatever order the mixins start and stop in.
      addStoreLoop(this, this.outboxRelay);
    },
  };
  return schema as Partial<ServiceSchema>;
}
