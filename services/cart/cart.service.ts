import type { Context, ServiceSchema, ServiceSettingSchema } from "moleculer";
import { callerOf, type CallerMeta } from "../../mixins/access";
import { BackgroundLoop } from "../../mixins/background-loop";
import { DbMixin, type DbService } from "../../mixins/db/db.mixin";
import { invalid, notFound } from "../../mixins/errors";
import { addHealthCheck, HealthMixin } from "../../mixins/health.mixin";
import { createRedis, waitUntilReady } from "../../mixins/redis";
import { settingsOf } from "../../mixins/settings";
import type { ProductView } from "../catalog/products";
import { RedisCartStore, RepositoryCartStore, type CartDoc, type CartStore } from "./cart-store";

type CartThis = DbService<{ carts: CartDoc }> & {
  store: CartStore;
  sweeper?: BackgroundLoop;
  disconnect?: () => void;
};
type Ctx<P = Record<string, never>> = Context<P, CallerMeta>;

export const MAX_CART_LINES = 100;
const productId = { type: "string", min: 1, max: 64 } as const;

const CartService: ServiceSchema<ServiceSettingSchema, CartThis> = {
  name: "cart",
  mixins: [DbMixin({ carts: [{ fields: ["expiresAt"] }] }), HealthMixin],

  actions: {
    get: {
      retryPolicy: { enabled: true },
      handler(this: CartThis, ctx: Ctx) {
        return this.store.get(callerOf(ctx).id);
      },
    },

    /** Sets a line's quantity (not adds to it), so a repeated PUT changes nothing more. */
    setItem: {
      params: {
        $$strict: true,
        productId,
        quantity: { type: "number", integer: true, min: 1, max: 1000 },
      },
      async handler(this: CartThis, ctx: Ctx<{ productId: string; quantity: number }>) {
        const userId = callerOf(ctx).id;
        const [product] = await ctx.call<ProductView[], { ids: string[] }>("catalog.getMany", {
          ids: [ctx.params.productId],
        });
        if (!product || !product.active) throw notFound("Product");
        const cart = await this.store.get(userId);
        const isNewLine = !cart.items.some((i) => i.productId === ctx.params.productId);
        if (isNewLine && cart.items.length >= MAX_CART_LINES)
          throw invalid([
            {
              field: "productId",
              message: `A cart holds at most ${MAX_CART_LINES} lines`,
              type: "cartFull",
            },
          ]);
        return this.store.setItem(userId, ctx.params.productId, ctx.params.quantity);
      },
    },

    removeItem: {
      params: { $$strict: true, productId },
      handler(this: CartThis, ctx: Ctx<{ productId: string }>) {
        return this.store.removeItem(callerOf(ctx).id, ctx.params.productId);
      },
    },

    clear: {
      async handler(this: CartThis, ctx: Ctx) {
        await this.store.clear(callerOf(ctx).id);
        ctx.meta.$statusCode = 204;
        return null;
      },
    },

    /** The cart of a user, for an order placed from it. */
    ofUser: {
      visibility: "public",
      retryPolicy: { enabled: true },
      params: { userId: { type: "string", min: 1, max: 64 } },
      handler(this: CartThis, ctx: Ctx<{ userId: string }>) {
        return this.store.get(ctx.params.userId);
      },
    },

    clearOfUser: {
      visibility: "public",
      retryPolicy: { enabled: true },
      params: { userId: { type: "string", min: 1, max: 64 } },
      async handler(this: CartThis, ctx: Ctx<{ userId: string }>) {
        await this.store.clear(ctx.params.userId);
        return { cleared: true };
      },
    },
  },

  started(this: CartThis) {
    const settings = settingsOf(this.broker);
    const ttlSeconds = settings.cartTtlDays * 86_400;
    if (settings.redisUrl) {
      const redis = createRedis(settings.redisUrl, "bazaar-cart");
      this.store = new RedisCartStore(redis, ttlSeconds);
      this.disconnect = () => redis.disconnect();
      addHealthCheck(this, "redis", async () => {
        if (redis.status !== "ready") throw new Error(`redis is ${redis.status}`);
      });
      return waitUntilReady(redis, 5000);
    }
    const store = new RepositoryCartStore(this.repos.carts, ttlSeconds * 1000);
    this.store = store;
    this.sweeper = new BackgroundLoop(
      "cart sweeper",
      3_600_000,
      async () => void (await store.sweep()),
      this.logger,
    );
    this.sweeper.start();
  },

  async stopped(this: CartThis) {
    await this.sweeper?.stop();
    this.disconnect?.();
  },
};

export default CartService;
