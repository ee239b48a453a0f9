import type { IndexSpec } from "../../platform/data/repository";
import type { StockLine } from "../../contracts/catalog";
import type { Repository } from "../../platform/data/repository";
import { boolean, dateTime, integer, object, oneOf, string } from "../../platform/actions/openapi";
import { idRule } from "../../platform/actions/ids";
import { ProductKind, type NewProduct, type ProductView } from "../../contracts/catalog";
import { ShopError } from "../../contracts/errors";
import type { OutboxDoc } from "../../platform/messaging/outbox";
import { allOptional } from "../../platform/actions/validator";

export interface ProductDoc extends NewProduct, OutboxDoc {
  id: string;
  /** Units each order holds until it commits or releases them (`stock.ts`). */
  holds?: Record<string, number>;
  /** Orders whose units came back, until the restock marker is unset (`stock.ts`). */
  restocks?: Record<string, true>;
  createdAt: string;
  updatedAt: string;
}

export type Products = Repository<ProductDoc>;

export const PRODUCT_INDEXES = [
  {
    fields: ["sku"],
    unique: true,
    conflict: { type: ShopError.SKU_TAKEN, message: "A product with this SKU exists" },
  },
  { fields: ["category"] },
  // The newest write: how fresh a search must be to answer the catalog's listing.
  { fields: ["updatedAt"], range: "string" as const },
  // The shop's listing (active products, newest or cheapest first) reads a page, not the
  // shelf: SQLite through the pairs, PostgreSQL by walking the sort field's own index.
  { fields: ["active", "createdAt"] },
  { fields: ["active", "price"] },
  { fields: ["createdAt"], range: "string" as const },
  { fields: ["price"], range: "number" as const },
  { fields: ["outboxPending"], range: "number" as const },
];

const VIEW_FIELDS = [
  "id",
  "sku",
  "name",
  "description",
  "price",
  "currency",
  "category",
  "stock",
  "active",
  "createdAt",
  "updatedAt",
] as const;

/** What clients see: never the search terms or the hold markers. */
export function toProductView(doc: ProductDoc): ProductView {
  const view = Object.fromEntries(VIEW_FIELDS.map((f) => [f, doc[f]])) as unknown as ProductView;
  // A thing on a shelf answers as it always has; only another kind says what it is.
  if (doc.kind === undefined || doc.kind === ProductKind.PRODUCT) return view;
  return { ...view, kind: doc.kind, unlimited: doc.unlimited === true };
}

export const PRODUCT_SHAPE = object(
  {
    id: string,
    sku: string,
    name: string,
    description: string,
    price: { ...integer, description: "In minor units (cents)" },
    currency: string,
    category: string,
    stock: { ...integer, description: "Units on the shelf; not counted when `unlimited`" },
    active: boolean,
    kind: { ...oneOf(Object.values(ProductKind)), description: "A thing on a shelf, or a course" },
    unlimited: { ...boolean, description: "Sold without a count of units (a course)" },
    createdAt: dateTime,
    updatedAt: dateTime,
  },
  // Sent for courses only: a product without them is a thing on a shelf, counted.
  ["kind", "unlimited"],
  "Product",
);

const MAX_MINOR_UNITS = 100_000_000_00;

export const productFields = {
  sku: { type: "string", max: 64, pattern: /^[A-Za-z0-9._-]{1,64}$/ },
  name: { type: "string", trim: true, min: 1, max: 200 },
  description: { type: "string", trim: true, max: 5000 },
  price: { type: "number", integer: true, min: 0, max: MAX_MINOR_UNITS },
  currency: { type: "string", max: 3, pattern: /^[A-Z]{3}$/ },
  category: { type: "string", trim: true, min: 1, max: 64 },
  stock: { type: "number", integer: true, min: 0, max: 10_000_000 },
  active: { type: "boolean" },
} as const;

export const createProductParams = {
  $$strict: true,
  ...productFields,
  description: { ...productFields.description, optional: true, default: "" },
  currency: { ...productFields.currency, optional: true, default: "USD" },
  stock: { ...productFields.stock, optional: true, default: 0 },
  active: { ...productFields.active, optional: true, default: true },
};

export const updateProductParams = {
  $$strict: true,
  id: idRule,
  ...allOptional(productFields),
};

const SORTABLE = ["name", "price", "createdAt", "updatedAt", "stock", "sku", "category"];
export const listProductParams = {
  $$strict: "remove",
  q: { type: "string", trim: true, max: 200, optional: true },
  category: { type: "string", trim: true, max: 64, optional: true },
  sort: {
    type: "string",
    optional: true,
    max: 32,
    pattern: new RegExp(`^-?(${SORTABLE.join("|")})$`),
  },
} as const;

export type ReservationState = "holding" | "held" | "committed" | "released" | "restocked";

export interface ReservationDoc {
  id: string;
  lines: StockLine[];
  state: ReservationState;
  /**
   * Why it was released, when the reservation itself let go (not enough stock): a repeat of the
   * same reservation after a crash is told the same, not that it was released.
   */
  releasedFor?: "out_of_stock";
  /** Set when restocked: when its markers in the products can be cleared. */
  markersClearAfter?: string;
  createdAt: string;
  updatedAt: string;
}

/** Reservations whose restock markers wait to be cleared, found by a range, not a scan. */
export const RESERVATION_INDEXES: IndexSpec[] = [
  { fields: ["markersClearAfter"], range: "string" },
];

const { stock: _uncounted, ...listingFields } = productFields;
export const putListingParams = {
  $$strict: true,
  id: idRule,
  ...listingFields,
  kind: { type: "enum", values: Object.values(ProductKind) },
} as const;
