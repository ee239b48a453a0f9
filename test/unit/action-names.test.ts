import { Action } from "../../contracts/actions";
import { SERVICE_MODULES } from "../../app/services";

const serviceSchemas = () =>
  Promise.all(SERVICE_MODULES.map(async (m) => (await m.load()).default));

/**
 * What the health mixin adds to every service, and moleculer-web to the gateway: the
 * platform's and the library's, not contracts of ours.
 */
const PLATFORM_ACTIONS = new Set(["health", "rest", "addRoute", "removeRoute", "listAliases"]);

describe("action names in contracts/", () => {
  test("When a service declares an action, then its module names it from contracts/, and names nothing else", async () => {
    const declared = Object.fromEntries(
      (await serviceSchemas()).map((schema) => [
        schema.name,
        [schema, ...((schema.mixins ?? []) as { actions?: object }[])]
          .flatMap((part) => Object.keys(part.actions ?? {}))
          .filter((name, i, all) => all.indexOf(name) === i)
          .filter((name) => !PLATFORM_ACTIONS.has(name))
          .map((name) => `${schema.name}.${name}`)
          .sort(),
      ]),
    );
    const named = Object.fromEntries(
      SERVICE_MODULES.map((m) => [m.name, Object.values(m.actions).sort()]),
    );
    expect(named).toEqual(declared);
  });

  test("When the shop's action list names a service, then it is that service's module's list", () => {
    for (const [service, actions] of Object.entries(Action))
      expect(SERVICE_MODULES.find((m) => m.name === service)?.actions).toBe(actions);
  });
});

describe("what a create answers", () => {
  test("When an action answers 201, then the gateway knows where the new thing lives (its Location)", async () => {
    const CREATED_AT = Object.assign({}, ...SERVICE_MODULES.map((m) => m.createdAt ?? {}));
    const creates = (await serviceSchemas()).flatMap((schema) =>
      [schema, ...((schema.mixins ?? []) as { actions?: object }[])]
        .flatMap((part) => Object.entries(part.actions ?? {}))
        .filter(
          ([, action]) => (action as { openapi?: { status?: number } }).openapi?.status === 201,
        )
        .map(([name]) => `${schema.name}.${name}`),
    );
    expect(creates.length).toBeGreaterThan(8);
    expect(creates.filter((name) => !Object.hasOwn(CREATED_AT, name))).toEqual([]);
  });
});
