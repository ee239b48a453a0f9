import type { Middleware } from "moleculer";
import { actionPropertyProblems } from "../actions/action-properties";
import { StartupError } from "../runtime/startup-error";

/**
 * Refuses to create a service whose actions carry a property value we do not know: a
 * misspelt access level must stop the node, not open the action (JavaScript callers and
 * casts get past the compiler).
 */
export function ActionPropertiesMiddleware(): Middleware {
  return {
    name: "ActionProperties",
    serviceCreating(
      _service: unknown,
      schema: { name?: string; actions?: Record<string, unknown> },
    ) {
      const problems = actionPropertyProblems(schema.name ?? "?", schema.actions);
      if (problems.length) throw new StartupError(`Actions refused: ${problems.join("; ")}`);
    },
  } as unknown as Middleware;
}
