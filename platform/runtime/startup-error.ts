import { inspect } from "node:util";

/**
 * An error an operator fixes by changing how the node is started. Printed as its message alone:
 * moleculer-runner prints an error's message and then the error, and the stack trace of a
 * mistyped setting tells an operator nothing.
 */
export class StartupError extends Error {
  [inspect.custom](): string {
    return "";
  }
}
