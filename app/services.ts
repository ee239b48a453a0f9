import * as listed from "./service-list";

type Listed = (typeof listed)[keyof typeof listed];
export type ServiceName = Listed["name"];

/**
 * Every service's module, by name (an export's order is the compiler's to choose). The list of
 * names, `SERVICES` and its groups, the gateway's routes, the API description, the settings and
 * their table, and the layouts' checks all read it.
 */
export const SERVICE_MODULES: readonly Listed[] = Object.values(listed).sort((a, b) =>
  a.name.localeCompare(b.name),
);
export const ALL_SERVICES: readonly ServiceName[] = SERVICE_MODULES.map((m) => m.name);

/** Node groups (`SERVICES=@catalog`) and the services each holds. */
export const SERVICE_GROUPS: ReadonlyMap<string, ServiceName[]> = SERVICE_MODULES.reduce(
  (groups, m) => groups.set(m.group, [...(groups.get(m.group) ?? []), m.name]),
  new Map<string, ServiceName[]>(),
);
