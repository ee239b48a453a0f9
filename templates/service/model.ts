import type { IndexSpec, Repository } from "../../platform/data/repository";
import { dateTime, object, string } from "../../platform/actions/openapi";
import type { ExampleItemView } from "../../contracts/example";

export interface ExampleItemDoc {
  id: string;
  userId: string;
  title: string;
  createdAt: string;
}
export type ExampleItems = Repository<ExampleItemDoc>;

export const EXAMPLE_ITEM_INDEXES: IndexSpec[] = [{ fields: ["userId", "createdAt"] }];

export const EXAMPLE_ITEM_SHAPE = object(
  { id: string, title: string, createdAt: dateTime },
  [],
  "ExampleItem",
);

export const toExampleItemView = ({ id, title, createdAt }: ExampleItemDoc): ExampleItemView => ({
  id,
  title,
  createdAt,
});
