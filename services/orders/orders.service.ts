import { Action } from "../../contracts/actions";
import { call, provide } from "../../platform/actions/typed-call";
import type { Actions } from "../../platform/actions/action-properties";
import type { Context, ServiceSchema, ServiceSettingSchema } from "moleculer";
import { AuditedAct } from "../../contracts/audit";
import { auditEvent } from "../../platform/audit/audit-act";
import { callerOf, type Ctx } from "../../platform/actions/access";
import type { PolicyEntity } from "../../contracts/policies";
import { PolicyClientMixin, policyAllows, policyDenied } from "../../mixins/policy-client.mixin";
import { BackgroundLoop } from "../../platform/messaging/background-loop";
import { addStoreLoop, DbMixin, type DbService } from "../../mixins/db.mixin";
import { notFound } from "../../platform/actions/errors";
import { HealthMixin } from "../../mixins/health.mixin";
import { countMetric, setGauge, PlatformMetric } from "../../platform/observability/metrics";
import { pageOf } from "../../platform/actions/openapi";
import { pendingEffects, pendingEvents, relayOutbox } from "../../platform/messaging/outbox";
import { ownPage, pageParams } from "../../platform/data/pagination";
import { ownSettings, settingsOf } from "../../platform/runtime/settings-of";
import { ordersSettings } from "./settings";
import { faultHook } from "../../platform/runtime/fault-injection";
import { createOrder } from "./saga";
import { moveOrder, type SagaDeps } from "./order-moves";
import { assertIdempotencyKey, IDEMPOTENCY_KEY } from "../../platform/actions/idempotency-key";
import { recoverLeftBehind, recoverOrdersOf, recoverStaleOrders } from "./recovery";
import { runPendingEffects } from "./order-moves";
import { findByIdOrPrefix } from "./inspect";
import {
  createOrderParams,
  ORDER_INDEXES,
  ORDER_SHAPE,
  orderIdParam,
  toOrderView,
  type CreateOrderInput,
  type OrderDoc,
} from "./model";
import { OrderStatus } from "./state";
import { idRule } from "../../platform/actions/ids";
import { ShopMetric } from "../../contracts/metrics";

type OrdersThis = DbService<{ orders: OrderDoc }> & {
  keeper: BackgroundLoop;
  /** When this process started: what was PENDING before it was left by an earlier one. */
  startedAt: string;
  leftBehindRecovered: boolean;
  sagaDeps(ctx?: Context): SagaDeps;
  visibleOrder(ctx: Ctx<{ id: string }>): Promise<OrderDoc>;
};

const KEEPER_INTERVAL_MS = 250;
const ADDRESS_EXAMPLE = {
  name: "Your Name",
  line1: "1 Market Street",
  city: "Springfield",
  postalCode: "12345",
  country: "US",
};

/** An action that moves a visible order on by a person's say: cancel, ship, deliver. */
function moveAction(to: OrderStatus, summary: string, access?: "admin") {
  return {
    ...(access ? { access } : {}),
    openapi: {
      summary,
      description: "Anything but the order's next step is 409 INVALID_STATE.",
      response: ORDER_SHAPE,
      errors: [409],
    },
    params: { $$strict: true, id: orderIdParam },
    async handler(this: OrdersThis, ctx: Ctx<{ id: string }>) {
      const order = await this.visibleOrder(ctx);
      if (to === OrderStatus.CANCELLED) assertMayCancel(this, ctx, order);
      // An admin cancelling someone else's order is a privileged act: recorded with the move.
      const byAdmin = to === OrderStatus.CANCELLED && callerOf(ctx).id !== order.userId;
      const records = byAdmin
        ? [
            auditEvent(
              ctx,
              AuditedAct.ORDER_CANCELLED_BY_ADMIN,
              { kind: "order", id: order.id },
              { before: { status: order.status }, after: { status: to } },
            ),
          ]
        : [];
      return toOrderView(await moveOrder(this.sagaDeps(ctx), order, to, {}, records));
    },
  };
}

/** An order as the policies see it. */
function orderEntity(order: OrderDoc): PolicyEntity {
  const { userId: ownerId, total, currency, status } = order;
  return { type: "Order", id: order.id, attrs: { ownerId, total, currency, status } };
}

/** Cancelling is the policies' to allow, and so is the refund a confirmed order's cancel makes. */
function assertMayCancel(self: OrdersThis, ctx: Ctx<unknown>, order: OrderDoc): void {
  if (!policyAllows(self.broker, ctx, "orders.cancel", orderEntity(order))) throw policyDenied();
  if (order.status !== OrderStatus.CONFIRMED) return;
  const refund = {
    type: "Refund",
    id: order.id,
    attrs: { ownerId: order.userId, amount: order.total, currency: order.currency },
  };
  if (!policyAllows(self.broker, ctx, "payments.refund", refund)) throw policyDenied();
}

const OrdersService: ServiceSchema<ServiceSettingSchema, OrdersThis> = {
  name: "orders",
  mixins: [DbMixin({ orders: ORDER_INDEXES }), PolicyClientMixin, HealthMixin],

  actions: {
    /** POST /orders: runs the saga; 201 CONFIRMED, 409 OUT_OF_STOCK, 402 PAYMENT_DECLINED. */
    create: {
      openapi: {
        summary: "Place an order: reserve stock, charge, confirm",
        description:
          "Items are given, or taken from the cart (`fromCart`). The answer is the CONFIRMED order; a declined card is 402, missing stock 409 OUT_OF_STOCK. Test cards: `tok_visa` succeeds, `tok_chargeDeclined` and `tok_insufficientFunds` decline, `tok_processingError` fails transiently. Send an `Idempotency-Key`: a retry with the same key and body gets the same order (409 STILL_PROCESSING with `Retry-After` while the first is still running), with another body 422 IDEMPOTENCY_KEY_REUSED.",
        status: 201,
        response: ORDER_SHAPE,
        errors: [402, 409],
        example: {
          items: [{ productId: "<a product id>", quantity: 1 }],
          shippingAddress: ADDRESS_EXAMPLE,
          payment: { token: "tok_visa" },
        },
        headers: [
          {
            name: "Idempotency-Key",
            required: false,
            description: "Makes retries safe: one order per key and user",
            schema: { type: "string", pattern: IDEMPOTENCY_KEY.source },
          },
        ],
      },
      params: createOrderParams,
      async handler(this: OrdersThis, ctx: Ctx<CreateOrderInput>) {
        const key = assertIdempotencyKey(ctx.meta.idempotencyKey);
        const order = await createOrder(this.sagaDeps(ctx), callerOf(ctx), ctx.params, key);
        ctx.meta.$created = order.id;
        return order;
      },
    },

    list: {
      openapi: {
        summary: "Your orders, newest first (an admin sees all)",
        response: pageOf(ORDER_SHAPE),
      },
      retryPolicy: { enabled: true },
      params: {
        $$strict: "remove",
        status: { type: "enum", values: Object.values(OrderStatus), optional: true },
        ...pageParams,
      },
      handler(this: OrdersThis, ctx: Ctx<{ status?: string; page: number; pageSize: number }>) {
        const where = ctx.params.status ? { status: ctx.params.status } : {};
        return ownPage(this.repos.orders, callerOf(ctx), ctx.params, toOrderView, {
          where,
          adminSeesAll: true,
        });
      },
    },

    get: {
      openapi: { summary: "One order", response: ORDER_SHAPE },
      retryPolicy: { enabled: true },
      params: { $$strict: true, id: orderIdParam },
      async handler(this: OrdersThis, ctx: Ctx<{ id: string }>) {
        return toOrderView(await this.visibleOrder(ctx));
      },
    },

    /** An order as an operator needs it (the REPL's `order`): its saga history and what waits. */
    /** One order for operators, by its id or a prefix of 8 or more characters of it. */
    inspect: {
      visibility: "public",
      params: { $$strict: true, id: orderIdParam },
      async handler(this: OrdersThis, ctx: Ctx<{ id: string }>) {
        const doc = await findByIdOrPrefix(this.repos.orders, ctx.params.id);
        return {
          ...toOrderView(doc),
          history: doc.history,
          pendingEffects: pendingEffects(doc),
          unsentEvents: pendingEvents(doc).map((e) => e.type),
        };
      },
    },

    /** Orders whose events or follow-up steps still wait (for operators: the REPL's `outbox`). */
    backlog: {
      visibility: "public",
      async handler(this: OrdersThis) {
        const [outbox, effects, pending] = await Promise.all([
          this.repos.orders.count({ outboxPending: { $gt: 0 } }),
          this.repos.orders.count({ effectsPending: { $gt: 0 } }),
          this.repos.orders.count({ status: OrderStatus.PENDING }),
        ]);
        return { ordersWithUnsentEvents: outbox, ordersWithPendingEffects: effects, pending };
      },
    },

    /** When a user last placed an order that went through (for the abandoned-cart rule). */
    lastOrderAt: provide(Action.orders.lastOrderAt, {
      visibility: "public",
      retryPolicy: { enabled: true },
      params: { userId: idRule },
      async handler(this: OrdersThis, ctx) {
        const [last] = await this.repos.orders.find(
          {
            userId: ctx.params.userId,
            status: { $in: ["CONFIRMED", "SHIPPED", "DELIVERED", "CANCELLED"] },
          },
          { sort: { createdAt: -1 }, limit: 1 },
        );
        return last?.createdAt ?? null;
      },
    }),

    /** Refund and restock a CONFIRMED order; anything else is 409 INVALID_STATE. */
    cancel: moveAction(OrderStatus.CANCELLED, "Cancel a CONFIRMED order: refund and restock"),
    ship: moveAction(OrderStatus.SHIPPED, "Mark a CONFIRMED order shipped", "admin"),
    deliver: moveAction(OrderStatus.DELIVERED, "Mark a SHIPPED order delivered", "admin"),
  } satisfies Actions,

  methods: {
    /** Another user's order is 404, as if it did not exist. */
    async visibleOrder(this: OrdersThis, ctx: Ctx<{ id: string }>): Promise<OrderDoc> {
      const order = await this.repos.orders.findById(ctx.params.id);
      if (!order || !policyAllows(this.broker, ctx, "orders.read", orderEntity(order)))
        throw notFound("Order");
      return order;
    },

    sagaDeps(this: OrdersThis, ctx?: Context): SagaDeps {
      const { orderStaleMs } = ownSettings(this.broker, ordersSettings);
      return {
        orders: this.repos.orders,
        call: (action, params) => call(ctx ?? this.broker, action, params),
        nodeId: this.broker.nodeID,
        staleMs: orderStaleMs,
        fault: faultHook(this.broker, this.logger),
        arrived: (order) => {
          countMetric(this.broker, ShopMetric.ORDERS, { status: order.status });
          if (order.status === OrderStatus.CONFIRMED)
            countMetric(this.broker, ShopMetric.REVENUE, { currency: order.currency }, order.total);
          this.keeper.wake();
        },
      };
    },
  },

  events: {
    /** A node gone (crashed, cut off, or stopped): its orders in flight are taken over at once. */
    async "$node.disconnected"(this: OrdersThis, ctx: Context<{ node: { id: string } }>) {
      if (!this.repos?.orders) return;
      await recoverOrdersOf(this.sagaDeps(), ctx.params.node.id).catch((err: Error) =>
        this.logger.warn(`taking over the orders of ${ctx.params.node.id} failed:`, err.message),
      );
    },
  },

  created(this: OrdersThis) {
    this.startedAt = new Date().toISOString();
    this.leftBehindRecovered = false;
    this.keeper = new BackgroundLoop(
      "orders keeper",
      KEEPER_INTERVAL_MS,
      async () => {
        const deps = this.sagaDeps();
        await relayOutbox(this.repos.orders, this.broker, "orders");
        await runPendingEffects(deps);
        if (!this.leftBehindRecovered) {
          // Alone, every older PENDING order is orphaned; in a cluster, only what this node's id
          // held (others take over a node that leaves as they see it go).
          if (settingsOf(this.broker).transporter)
            await recoverOrdersOf(deps, this.broker.nodeID, this.startedAt);
          else await recoverLeftBehind(deps, this.startedAt);
          this.leftBehindRecovered = true;
        }
        await recoverStaleOrders(deps);
        setGauge(
          this.broker,
          PlatformMetric.OUTBOX_PENDING,
          await this.repos.orders.count({ outboxPending: { $gt: 0 } }),
        );
      },
      this.logger,
    );
    // Runs while the store is open and once the channels it relays to are up.
    addStoreLoop(this, this.keeper);
  },
};

export default OrdersService;
