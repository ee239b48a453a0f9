import type { Client } from "@openfeature/server-sdk";
import type { Service, ServiceBroker, ServiceSchema } from "moleculer";
import { FLAG_CHANGED, FlagsAction, type FlagDefinition } from "../contracts/flags";
import { FlagSet, flagClient } from "../platform/flags/flag-provider";
import { joinNodeLoop, leaveNodeLoop } from "../platform/runtime/node-loop";
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

const FLAG_CHECK = "flag version check";

/** Reloads this node's flags when the flags service holds a newer set. */
async function checkFlags(broker: ServiceBroker): Promise<void> {
  const registry = broker.registry as unknown as { hasService(n: string): boolean };
  if (!registry.hasService("flags")) return;
  const { set } = nodeFlags(broker);
  const answer = (await broker.call(FlagsAction.all, { known: set.version }, untraced())) as {
    version: number;
    flags?: FlagDefinition[];
  };
  if (answer.flags) set.replace(answer.flags, answer.version);
}

/**
 * Keeps this node's flags current: each change as its broadcast tells it, and a version check
 * every second (one a node, whichever of its services follow the flags) that reloads the set
 * when the flags service has a newer one. Evaluation never leaves the node.
 */
const schema: Partial<ServiceSchema<Record<string, never>, Service>> = {
  events: {
    [FLAG_CHANGED](this: Service, ctx: { params: { flag: FlagDefinition } }) {
      nodeFlags(this.broker).set.put(ctx.params.flag);
    },
  },

  started(this: Service) {
    joinNodeLoop(
      this.broker,
      FLAG_CHECK,
      VERSION_CHECK_MS,
      () => checkFlags(this.broker),
      this.logger,
    );
  },

  stopped(this: Service) {
    return leaveNodeLoop(this.broker, FLAG_CHECK);
  },
};

export const FlagsClientMixin = schema as Partial<ServiceSchema>;
