import type { Client } from "@openfeature/server-sdk";
import type { Service, ServiceBroker, ServiceSchema } from "moleculer";
import { FLAG_CHANGED, FlagsAction, type FlagDefinition } from "../contracts/flags";
import { FlagSet, flagClient } from "../platform/flags/flag-provider";
import { BackgroundLoop } from "../platform/messaging/background-loop";
import { untraced } from "../platform/observability/untraced";

interface NodeFlags {
  set: FlagSet;
  client: Client;
}

const byBroker = new WeakMap<ServiceBroker, NodeFlags>();
let brokers = 0;

/** This node's flags and their OpenFeature client: one set a node, shared by its services. */
export function nodeFlags(broker: ServiceBroker): NodeFlags {
  let held = byBroker.get(broker);
  if (!held) {
    const set = new FlagSet();
    // A domain a broker: several brokers in one process (tests) each read their own flags.
    held = { set, client: flagClient(`bazaar:${broker.nodeID}:${brokers++}`, set) };
    byBroker.set(broker, held);
  }
  return held;
}

/** How often a node asks whether it missed a change (a lost broadcast, a node that came late). */
const VERSION_CHECK_MS = 1000;

type FlagsClientService = Service & { flagCheck: BackgroundLoop };

/**
 * Keeps this node's flags current: each change as its broadcast tells it, and a version check
 * every second that reloads the set when the flags service has a newer one. Evaluation never
 * leaves the node.
 */
const schema: Partial<ServiceSchema<Record<string, never>, FlagsClientService>> = {
  events: {
    [FLAG_CHANGED](this: Service, ctx: { params: { flag: FlagDefinition } }) {
      nodeFlags(this.broker).set.put(ctx.params.flag);
    },
  },

  created(this: FlagsClientService) {
    this.flagCheck = new BackgroundLoop(
      "flag version check",
      VERSION_CHECK_MS,
      async () => {
        const registry = this.broker.registry as unknown as { hasService(n: string): boolean };
        if (!registry.hasService("flags")) return;
        const { set } = nodeFlags(this.broker);
        const answer = (await this.broker.call(
          FlagsAction.all,
          { known: set.version },
          untraced(),
        )) as {
          version: number;
          flags?: FlagDefinition[];
        };
        if (answer.flags) set.replace(answer.flags, answer.version);
      },
      this.logger,
    );
  },

  started(this: FlagsClientService) {
    this.flagCheck.start();
    this.flagCheck.wake();
  },

  async stopped(this: FlagsClientService) {
    await this.flagCheck.stop();
  },
};

export const FlagsClientMixin = schema as Partial<ServiceSchema>;
