import { call, provide } from "../../platform/actions/typed-call";
import type { Actions } from "../../platform/actions/action-properties";
import type { Context, ServiceSchema, ServiceSettingSchema } from "moleculer";
import { callerOf, type Ctx } from "../../platform/actions/access";
import { BackgroundLoop } from "../../platform/messaging/background-loop";
import { DbMixin, type DbService } from "../../mixins/db.mixin";
import { invalid, notFound } from "../../platform/actions/errors";
import { HealthMixin } from "../../mixins/health.mixin";
import { serviceRedis } from "../../platform/runtime/redis";
import { ownSettings, settingsOf } from "../../platform/runtime/settings-of";
import { cartSettings } from "./settings";
import { cartState, shouldRemind, type CartActivity } from "./abandonment";
import { cartView } from "./cart-view";
import { CART_VIEW_SHAPE, type CartView } from "./model";
import { RedisCartStore, RepositoryCartStore, type Cart, type CartStore } from "./cart-store";
import { type CartDoc } from "./model";
import { idRule } from "../../platform/actions/ids";
import { Action } from "../../contracts/actions";
import { Channel } from "../../contracts/channels";
import { publish } from "../../platform/messaging/channels";

type CartThis = DbService<{ carts: CartDoc; cart_activity: CartActivity }> & {
  store: CartStore;
  sweeper?: BackgroundLoop;
  reminders: BackgroundLoop;
  disconnect?: () => void;
  touched(userId: string, cart: Cart): Promise<Cart>;
  viewOf(ctx: Context, cart: Cart): Promise<CartView>;
  tellAbandoned(): Promise<void>;
};

export const MAX_CART_LINES = 100;
const productId = idRule;

const CartService: ServiceSchema<ServiceSettingSchema, CartThis> = {
  name: "cart",
  mixins: [
    DbMixin({
      carts: [{ fields: ["expiresAt"], range: "string" }],
      cart_activity: [{ fields: ["dueAt"], range: "string" }],
    }),
    HealthMixin,
  ],

  actions: {
    get: {
      openapi: {
        summary: "Your cart, each line at the product's current price, and its subtotal",
        response: CART_VIEW_SHAPE,
      },
      retryPolicy: { enabled: true },
      async handler(this: CartThis, ctx: Ctx) {
        return this.viewOf(ctx, await this.store.get(callerOf(ctx).id));
      },
    },

    /** Sets a line's quantity (not adds to it), so a repeated PUT changes nothing more. */
    setItem: {
      openapi: { summary: "Set how many of a product the cart holds", response: CART_VIEW_SHAPE },
      params: {
        $$strict: true,
        productId,
        quantity: { type: "number", integer: true, min: 1, max: 1000 },
      },
      async handler(this: CartThis, ctx: Ctx<{ productId: string; quantity: number }>) {
        const userId = callerOf(ctx).id;
        const [product] = await call(ctx, Action.catalog.getMany, {
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
        const updated = await this.store.setItem(userId, ctx.params.productId, ctx.params.quantity);
        return this.viewOf(ctx, await this.touched(userId, updated));
      },
    },

    removeItem: {
      openapi: { summary: "Take a product out of the cart", response: CART_VIEW_SHAPE },
      params: { $$strict: true, productId },
      async handler(this: CartThis, ctx: Ctx<{ productId: string }>) {
        const userId = callerOf(ctx).id;
        const updated = await this.store.removeItem(userId, ctx.params.productId);
        return this.viewOf(ctx, await this.touched(userId, updated));
      },
    },

    clear: {
      openapi: { summary: "Empty the cart", status: 204 },
      async handler(this: CartThis, ctx: Ctx) {
        const userId = callerOf(ctx).id;
        await this.store.clear(userId);
        await this.repos.cart_activity.deleteOne({ id: userId });
        return null;
      },
    },

    /** The cart of a user, for an order placed from it. */
    ofUser: provide(Action.cart.ofUser, {
      visibility: "public",
      retryPolicy: { enabled: true },
      params: { userId: idRule },
      handler(this: CartThis, ctx) {
        return this.store.get(ctx.params.userId);
      },
    }),

    clearOfUser: provide(Action.cart.clearOfUser, {
      visibility: "public",
      retryPolicy: { enabled: true },
      params: { userId: idRule },
      async handler(this: CartThis, ctx) {
        await this.store.clear(ctx.params.userId);
        await this.repos.cart_activity.deleteOne({ id: ctx.params.userId });
        return { cleared: true };
      },
    }),
  } satisfies Actions,

  methods: {
    async viewOf(this: CartThis, ctx: Context, cart: Cart): Promise<CartView> {
      if (cart.items.length === 0) return cartView(cart, []);
      const products = await call(ctx, Action.catalog.getMany, {
        ids: cart.items.map((i) => i.productId),
      });
      return cartView(cart, products);
    },

    /** What the abandoned-cart rule needs to know: when the cart changed, and to what. */
    async touched(this: CartThis, userId: string, cart: Cart): Promise<Cart> {
      if (cart.items.length === 0) {
        await this.repos.cart_activity.deleteOne({ id: userId });
        return cart;
      }
      const abandonMs = ownSettings(this.broker, cartSettings).cartAbandonMinutes * 60_000;
      const now = Date.now();
      await this.repos.cart_activity.upsert(
        { id: userId },
        {
          $set: {
            updatedAt: new Date(now).toISOString(),
            dueAt: new Date(now + abandonMs).toISOString(),
            state: cartState(cart.items),
            itemCount: cart.items.length,
          },
        },
      );
      return cart;
    },

    async tellAbandoned(this: CartThis) {
      const abandonMs = ownSettings(this.broker, cartSettings).cartAbandonMinutes * 60_000;
      const now = Date.now();
      const activities = this.repos.cart_activity;
      // Settled for this state (reminded, or nothing to remind of): not due again until it changes.
      const settle = (activity: CartActivity, $set: Partial<CartActivity> = {}) =>
        activities.updateOne(
          { id: activity.id, state: activity.state },
          { ...(Object.keys($set).length ? { $set } : {}), $unset: { dueAt: true } },
        );
      for (const activity of await activities.find(
        { dueAt: { $lte: new Date(now).toISOString() } },
        { sort: { dueAt: 1 }, limit: 100 },
      )) {
        const lastOrderAt = await call(this.broker, Action.orders.lastOrderAt, {
          userId: activity.id,
        });
        if (!shouldRemind(activity, lastOrderAt, now, abandonMs)) {
          await settle(activity);
          continue;
        }
        const cart = await this.store.get(activity.id);
        if (cart.items.length === 0 || cartState(cart.items) !== activity.state) {
          await settle(activity);
          continue;
        }
        const products = await call(this.broker, Action.catalog.getMany, {
          ids: cart.items.map((i) => i.productId),
        });
        const names = new Map(products.map((p) => [p.id, p.name]));
        // Told once a state: engagement's cart journey decides whether, when and how to remind.
        // Settled only once told, and told under the state's own id, so a pass cut short
        // tells it again and the journey hears it once.
        const key = `${activity.id}_${activity.state}`;
        await publish(
          this.broker,
          Channel.CART_ABANDONED,
          {
            userId: activity.id,
            key,
            items: cart.items.map((i) => ({
              productId: i.productId,
              name: names.get(i.productId) ?? "an item",
              quantity: i.quantity,
            })),
            abandonedAt: new Date(now).toISOString(),
          },
          `cart_abandoned_${key}`,
        );
        await settle(activity, { remindedState: activity.state });
      }
    },
  },

  started(this: CartThis) {
    const abandonMs = ownSettings(this.broker, cartSettings).cartAbandonMinutes * 60_000;
    this.reminders = new BackgroundLoop(
      "abandoned carts",
      Math.max(1000, Math.min(60_000, abandonMs / 3)),
      () => this.tellAbandoned(),
      this.logger,
    );
    this.reminders.start();
    const settings = settingsOf(this.broker);
    const ttlSeconds = ownSettings(this.broker, cartSettings).cartTtlDays * 86_400;
    if (settings.redisUrl) {
      const { redis, ready } = serviceRedis(this, settings.redisUrl, "bazaar-cart");
      this.store = new RedisCartStore(redis, ttlSeconds);
      this.disconnect = () => redis.disconnect();
      return ready;
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
    await this.reminders?.stop();
    await this.sweeper?.stop();
    this.disconnect?.();
  },
};

export default CartService;
