import { Action } from "../../contracts/actions";
import { serviceSchemas } from "../../app/service-schemas";

/** What the health mixin adds to every service: the platform's, not a contract of ours. */
const PLATFORM_ACTIONS = new Set(["health"]);

describe("action names in contracts/", () => {
  test("When a service declares an action, then contracts/actions.ts names it, and names nothing else", async () => {
    const declared = Object.fromEntries(
      (await serviceSchemas()).map((schema) => [
        schema.name,
        Object.keys(schema.actions ?? {})
          .filter((name) => !PLATFORM_ACTIONS.has(name))
          .map((name) => `${schema.name}.${name}`)
          .sort(),
      ]),
    );
    const named = Object.fromEntries(
      Object.entries(Action).map(([service, actions]) => [service, Object.values(actions).sort()]),
    );
    expect(named).toEqual(declared);
  });
});
