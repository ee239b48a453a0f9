import type { ServiceBroker } from "moleculer";
import type { Settings } from "../../contracts/settings";
import type { ServiceSettings } from "./env-settings";
import type { ServiceModule } from "./service-module";

declare module "moleculer" {
  interface BrokerOptions {
    /** Bazaar's validated settings; read by services through `settingsOf` and `ownSettings`. */
    bazaar?: Settings;
    /**
     * Every service's module, hosted here or not: the gateway routes to them and describes the
     * whole API from them. Only the composition root knows the list, so it hands this in.
     */
    serviceModules?: readonly ServiceModule[];
  }
}

export function settingsOf(broker: ServiceBroker): Settings {
  const settings = broker.options.bazaar;
  if (!settings) throw new Error("The broker was not built by createBrokerConfig()");
  return settings;
}

/**
 * A service's own settings, as its reader declared them. The composition root read every
 * service's reader into the one settings object, so they are there by construction.
 */
export function ownSettings<Own extends object>(
  broker: ServiceBroker,
  _reader: ServiceSettings<Own>,
): Own {
  return settingsOf(broker) as unknown as Own;
}

export function serviceModulesOf(broker: ServiceBroker): readonly ServiceModule[] {
  return broker.options.serviceModules ?? [];
}
