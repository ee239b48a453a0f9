import { Action } from "../../contracts/actions";
import { provide } from "../../platform/actions/typed-call";
import { hasType } from "../../platform/actions/errors";
import type { Actions } from "../../platform/actions/action-properties";
import type { ServiceSchema, ServiceSettingSchema } from "moleculer";
import { callerOf, type Ctx } from "../../platform/actions/access";
import { DbMixin, type DbService } from "../../mixins/db.mixin";
import { HealthMixin } from "../../mixins/health.mixin";
import { pageOf } from "../../platform/actions/openapi";
import { countMetric } from "../../platform/observability/metrics";
import { OutboxRelayMixin, type RelayService } from "../../mixins/outbox-relay.mixin";
import { AuditedAct } from "../../contracts/audit";
import { auditEvent } from "../../platform/audit/audit-act";
import { ownPage, pageParams } from "../../platform/data/pagination";
import { chargeOrder, refundOrder } from "./charges";
import { PAYMENT_INDEXES, PAYMENT_SHAPE, toPaymentView, type PaymentDoc } from "./model";
import { SimulatedProcessor, type PaymentProcessor } from "./processor";
import { type ProcessorChargeDoc, type ProcessorRefundDoc } from "./model";
import { idRule, optionalIdRule } from "../../platform/actions/ids";
import { ShopError } from "../../contracts/errors";
import { ShopMetric } from "../../contracts/metrics";

/** The most one charge may take, in minor units, as card processors cap a charge. */
const MAX_CHARGE = 99_999_999;

type PaymentsThis = DbService<{
  payments: PaymentDoc;
  processor_charges: ProcessorChargeDoc;
  processor_refunds: ProcessorRefundDoc;
}> &
  RelayService & { processor: PaymentProcessor };

const orderId = idRule;

const PaymentsService: ServiceSchema<ServiceSettingSchema, PaymentsThis> = {
  name: "payments",
  mixins: [
    DbMixin({ payments: PAYMENT_INDEXES, processor_charges: [], processor_refunds: [] }),
    OutboxRelayMixin("payments"),
    HealthMixin,
  ],

  actions: {
    /** Idempotent per order: asking again never charges again. Not retried by the broker. */
    /** Once per order however often asked, so a call its node died running is sent again. */
    charge: provide(Action.payments.charge, {
      visibility: "public",
      idempotent: true,
      params: {
        orderId,
        userId: idRule,
        amount: { type: "number", integer: true, min: 1, max: MAX_CHARGE },
        currency: { type: "string", max: 3, pattern: /^[A-Z]{3}$/ },
        token: { type: "string", min: 1, max: 100 },
      },
      async handler(this: PaymentsThis, ctx) {
        try {
          const payment = await chargeOrder(this.repos.payments, this.processor, ctx.params);
          countMetric(this.broker, ShopMetric.PAYMENTS, { result: "succeeded" });
          return toPaymentView(payment);
        } catch (err) {
          const result = hasType(err, ShopError.PAYMENT_DECLINED) ? "declined" : "error";
          countMetric(this.broker, ShopMetric.PAYMENTS, { result });
          throw err;
        } finally {
          this.outboxRelay.wake();
        }
      },
    }),

    refund: provide(Action.payments.refund, {
      visibility: "public",
      retryPolicy: { enabled: true },
      params: {
        orderId,
        refundKey: idRule,
        amount: { type: "number", integer: true, min: 1, optional: true },
      },
      async handler(
        this: PaymentsThis,
        ctx: Ctx<{ orderId: string; refundKey: string; amount?: number }>,
      ) {
        const { orderId: id, refundKey, amount } = ctx.params;
        const payment = await refundOrder(
          this.repos.payments,
          this.processor,
          (change) => auditEvent(ctx, AuditedAct.PAYMENT_REFUNDED, { kind: "order", id }, change),
          id,
          refundKey,
          amount,
        );
        this.outboxRelay.wake();
        return toPaymentView(payment);
      },
    }),

    /** The payment of an order, if any: how the recovery loop learns how far a charge got. */
    ofOrder: {
      visibility: "public",
      retryPolicy: { enabled: true },
      params: { orderId },
      async handler(this: PaymentsThis, ctx: Ctx<{ orderId: string }>) {
        const payment = await this.repos.payments.findOne({ orderId: ctx.params.orderId });
        return payment ? toPaymentView(payment) : null;
      },
    },

    /** GET /payments?orderId=: the caller's own payments; admins see everyone's. */
    list: {
      openapi: {
        summary: "Your payments, or an order's (an admin sees all)",
        response: pageOf(PAYMENT_SHAPE),
      },
      retryPolicy: { enabled: true },
      params: {
        $$strict: "remove",
        orderId: optionalIdRule,
        ...pageParams,
      },
      handler(this: PaymentsThis, ctx: Ctx<{ orderId?: string; page: number; pageSize: number }>) {
        const where = ctx.params.orderId ? { orderId: ctx.params.orderId } : {};
        return ownPage(this.repos.payments, callerOf(ctx), ctx.params, toPaymentView, {
          where,
          adminSeesAll: true,
        });
      },
    },
  } satisfies Actions,

  started(this: PaymentsThis) {
    this.processor = new SimulatedProcessor(
      this.repos.processor_charges,
      this.repos.processor_refunds,
    );
  },
};

export default PaymentsService;
