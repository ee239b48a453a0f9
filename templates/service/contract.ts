/**
 * The example service's contract: its actions' names (the one place they are spelt), and the
 * shapes other services would call it with. Copied to `contracts/<name>.ts`.
 */
export const ExampleAction = {
  create: "example.create",
  list: "example.list",
  get: "example.get",
} as const;

/** The refusals a client acts on by `type` (the gateway keeps them, as the module lists them). */
export const ExampleError = {
  LIMIT_REACHED: "EXAMPLE_LIMIT_REACHED",
} as const;

/** An item as every caller sees it. */
export interface ExampleItemView {
  id: string;
  title: string;
  createdAt: string;
}
