import { ExampleError } from "../../contracts/example";
import { conflict, notFound } from "../../platform/actions/errors";
import type { ExampleItemDoc, ExampleItems } from "./model";

/** A user's new item, refused once they keep as many as they may. */
export async function addItem(
  items: ExampleItems,
  userId: string,
  title: string,
  perUser: number,
): Promise<ExampleItemDoc> {
  if ((await items.count({ userId })) >= perUser)
    throw conflict(
      ExampleError.LIMIT_REACHED,
      `You keep ${perUser} items already; remove one first`,
    );
  return items.insert({ userId, title: title.trim(), createdAt: new Date().toISOString() });
}

/** One of the caller's own items: anyone else's is as absent as one that never was. */
export async function ownItem(
  items: ExampleItems,
  userId: string,
  id: string,
): Promise<ExampleItemDoc> {
  const item = await items.findOne({ id, userId });
  if (!item) throw notFound("Item");
  return item;
}
