import type { ServiceSchema, ServiceSettingSchema } from "moleculer";
import { DbMixin, type DbService } from "../../mixins/db.mixin";
import { HealthMixin } from "../../mixins/health.mixin";
import type { Actions } from "../../platform/actions/action-properties";
import { callerOf, type Ctx } from "../../platform/actions/access";
import { idRule } from "../../platform/actions/ids";
import { pageOf } from "../../platform/actions/openapi";
import { ownPage, pageParams } from "../../platform/data/pagination";
import { ownSettings } from "../../platform/runtime/settings-of";
import { addItem, ownItem } from "./items";
import {
  EXAMPLE_ITEM_INDEXES,
  EXAMPLE_ITEM_SHAPE,
  toExampleItemView,
  type ExampleItemDoc,
} from "./model";
import { exampleSettings } from "./settings";

type ExampleThis = DbService<{ example_items: ExampleItemDoc }>;

/** Wiring only: each handler hands its params to a rule beside it (items.ts). */
const ExampleService: ServiceSchema<ServiceSettingSchema, ExampleThis> = {
  name: "example",
  mixins: [DbMixin({ example_items: EXAMPLE_ITEM_INDEXES }), HealthMixin],

  actions: {
    create: {
      access: "user",
      openapi: {
        summary: "Keep an item",
        status: 201,
        response: EXAMPLE_ITEM_SHAPE,
        errors: [409],
      },
      params: { $$strict: true, title: { type: "string", min: 1, max: 200, trim: true } },
      async handler(this: ExampleThis, ctx: Ctx<{ title: string }>) {
        const { exampleItemsPerUser } = ownSettings(this.broker, exampleSettings);
        const item = await addItem(
          this.repos.example_items,
          callerOf(ctx).id,
          ctx.params.title,
          exampleItemsPerUser,
        );
        ctx.meta.$created = item.id;
        return toExampleItemView(item);
      },
    },

    list: {
      access: "user",
      openapi: { summary: "Your items, newest first", response: pageOf(EXAMPLE_ITEM_SHAPE) },
      params: { $$strict: "remove", ...pageParams },
      handler(this: ExampleThis, ctx: Ctx<{ page: number; pageSize: number }>) {
        return ownPage(this.repos.example_items, callerOf(ctx), ctx.params, toExampleItemView);
      },
    },

    get: {
      access: "user",
      openapi: { summary: "One of your items", response: EXAMPLE_ITEM_SHAPE },
      params: { id: idRule },
      async handler(this: ExampleThis, ctx: Ctx<{ id: string }>) {
        const item = await ownItem(this.repos.example_items, callerOf(ctx).id, ctx.params.id);
        return toExampleItemView(item);
      },
    },
  } satisfies Actions,
};

export default ExampleService;
