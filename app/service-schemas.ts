import type { ServiceSchema } from "moleculer";
import { ALL_SERVICES } from "./settings";

/** Every service's schema, loaded on first use (the gateway's API description reads them). */
export async function serviceSchemas(): Promise<ServiceSchema[]> {
  return Promise.all(
    ALL_SERVICES.map(
      async (name) =>
        (await import(`../services/${name}/${name}.service`)).default as ServiceSchema,
    ),
  );
}
