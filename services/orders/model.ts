import type { IndexSpec } from "../../platform/data/repository";
import { arrayOf, dateTime, integer, object, oneOf, string } from "../../platform/actions/openapi";
import type { OutboxDoc } from "../../platform/messaging/outbox";
import type { OrderLine } from "./pricing";
import { OrderStatus } from "./state";
import { idRule } from "../../platform/actions/ids";

export interface ShippingAddress {
  name: string;
  line1: string;
  line2?: string;
  city: string;
  region?: string;
  postalCode: string;
  country: string;
}

export interface OrderView {
  id: string;
  userId: string;
  status: OrderStatus;
  items: OrderLine[];
  total: number;
  currency: string;
  shippingAddress: ShippingAddress;
  paymentId?: string;
  failureReason?: string;
  createdAt: string;
  updatedAt: string;
}

export interface OrderDoc extends OrderView, OutboxDoc {
  fromCart: boolean;
  /** Kept only while PENDING, so the recovery loop can finish the charge. */
  paymentToken?: string;
  /** `<userId>:<Idempotency-Key>`, unique. */
  idempotencyRef?: string;
  requestHash?: string;
  /** Who is working the saga, until when; the recovery loop takes over after that. */
  lease?: { owner: string; until: string };
  history: { status: OrderStatus; at: string }[];
}

const ORDER_LINE_SHAPE = object(
  {
    productId: string,
    sku: string,
    name: string,
    unitPrice: integer,
    quantity: integer,
    lineTotal: integer,
  },
  [],
  "OrderLine",
);

const ADDRESS_SHAPE = object(
  {
    name: string,
    line1: string,
    line2: string,
    city: string,
    region: string,
    postalCode: string,
    country: string,
  },
  ["line2", "region"],
  "ShippingAddress",
);

export const ORDER_SHAPE = object(
  {
    id: string,
    userId: string,
    status: oneOf(Object.values(OrderStatus)),
    items: arrayOf(ORDER_LINE_SHAPE),
    total: { ...integer, description: "In minor units (cents)" },
    currency: string,
    shippingAddress: ADDRESS_SHAPE,
    paymentId: string,
    failureReason: string,
    createdAt: dateTime,
    updatedAt: dateTime,
  },
  ["paymentId", "failureReason"],
  "Order",
);

export function toOrderView(doc: OrderDoc): OrderView {
  const { id, userId, status, items, total, currency, shippingAddress, paymentId, failureReason } =
    doc;
  const view: OrderView = {
    id,
    userId,
    status,
    items,
    total,
    currency,
    shippingAddress,
    createdAt: doc.createdAt,
    updatedAt: doc.updatedAt,
  };
  if (paymentId) view.paymentId = paymentId;
  if (failureReason) view.failureReason = failureReason;
  return view;
}

export const ORDER_INDEXES: IndexSpec[] = [
  { fields: ["idempotencyRef"], unique: true },
  { fields: ["userId"] },
  { fields: ["status"] },
  { fields: ["outboxPending"], range: "number" },
  { fields: ["effectsPending"], range: "number" },
  // Listings are newest first: a page is read from this index, not sorted from the table.
  { fields: ["createdAt"], range: "string" },
];

/** ISO 3166-1 alpha-2. */
export const COUNTRIES = (
  "AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ BR BS " +
  "BT BV BW BY BZ CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM DO DZ EC EE " +
  "EG EH ER ES ET FI FJ FK FM FO FR GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW GY HK HM " +
  "HN HR HT HU ID IE IL IM IN IO IQ IR IS IT JE JM JO JP KE KG KH KI KM KN KP KR KW KY KZ LA LB LC " +
  "LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK ML MM MN MO MP MQ MR MS MT MU MV MW MX MY MZ NA " +
  "NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM PN PR PS PT PW PY QA RE RO RS RU RW " +
  "SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV SX SY SZ TC TD TF TG TH TJ TK TL TM TN TO " +
  "TR TT TV TW TZ UA UG UM US UY UZ VA VC VE VG VI VN VU WF WS YE YT ZA ZM ZW"
).split(" ");

const text = (max: number, optional = false) =>
  ({ type: "string", trim: true, min: optional ? 0 : 1, max, optional }) as const;

export const createOrderParams = {
  $$strict: true,
  items: {
    type: "array",
    optional: true,
    min: 1,
    max: 50,
    items: {
      type: "object",
      strict: true,
      props: {
        productId: idRule,
        quantity: { type: "number", integer: true, min: 1, max: 1000 },
      },
    },
  },
  fromCart: { type: "boolean", optional: true },
  shippingAddress: {
    type: "object",
    strict: true,
    props: {
      name: text(100),
      line1: text(200),
      line2: text(200, true),
      city: text(100),
      region: text(100, true),
      postalCode: text(20),
      country: { type: "enum", values: COUNTRIES },
    },
  },
  payment: {
    type: "object",
    strict: true,
    props: { token: { type: "string", min: 1, max: 100 } },
  },
};

export interface CreateOrderInput {
  items?: { productId: string; quantity: number }[];
  fromCart?: boolean;
  shippingAddress: ShippingAddress;
  payment: { token: string };
}

export const orderIdParam = idRule;
