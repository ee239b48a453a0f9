import type { ActionCall, ActionName, AnswerOf, ParamsOf } from "../../contracts/actions";
import type { ActionDefinition } from "./action-properties";
import type { Ctx } from "./access";

/** Anything that calls actions: a context, or a broker for work that no request started. */
export interface Caller {
  call(action: string, params?: unknown): Promise<unknown>;
}

/** Calls another service's action, typed by its name from contracts/actions.ts. */
export function call<A extends ActionName>(
  caller: Caller,
  action: A,
  params: ParamsOf<A>,
): Promise<AnswerOf<A>> {
  return caller.call(action, params) as Promise<AnswerOf<A>>;
}

/** What a use case takes to call other services, so it runs with or without a broker. */
export type Call = <A extends ActionName>(action: A, params: ParamsOf<A>) => Promise<AnswerOf<A>>;

/** Makes a call kept as a value (`[name, params]`), typed as when it was made. */
export function callNamed(through: Call, [action, params]: ActionCall): Promise<unknown> {
  return (through as (a: string, p: unknown) => Promise<unknown>)(action, params);
}

/**
 * The provider's side of a contract: an action declared from its name in contracts/actions.ts,
 * so its handler is checked against the params it is given and the answer its callers expect.
 * The handler states its own `this` (the service); any other is refused.
 */
export type ProvidedAction<A extends ActionName> = Omit<ActionDefinition, "handler"> & {
  handler: (this: never, ctx: Ctx<ParamsOf<A>>) => AnswerOf<A> | Promise<AnswerOf<A>>;
};

export function provide<A extends ActionName>(
  _action: A,
  definition: ProvidedAction<A>,
): ActionDefinition {
  return definition as ActionDefinition;
}
