import type { ServiceBroker } from "moleculer";
import type { Settings } from "../../contracts/settings";

declare module "moleculer" {
  interface BrokerOptions {
    /** Bazaar's validated settings; read by services through `settingsOf`. */
    bazaar?: Settings;
    /**
     * Every service's schema, hosted here or not, loaded on demand: the gateway describes the
     * whole API from them. Only the composition root knows the list, so it hands this in.
     */
    serviceSchemas?: () => Promise<ServiceSchema[]>;
  }
}

export function settingsOf(broker: ServiceBroker): Settings {
  const settings = broker.options.bazaar;
  if (!settings) throw new Error("The broker was not built by createBrokerConfig()");
  return settings;
}
