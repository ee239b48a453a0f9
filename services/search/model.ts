import type { Repository } from "../../platform/data/repository";
import type { IndexSpec } from "../../platform/data/repository";
import { arrayOf, integer, number, object, oneOf, string } from "../../platform/actions/openapi";
import { SearchKind, type SearchHit } from "../../contracts/search";

/** One searchable thing, as the stream last told it: what a hit shows, and how it is kept. */
export interface SearchDoc extends Pick<
  SearchHit,
  | "id"
  | "kind"
  | "refId"
  | "title"
  | "summary"
  | "category"
  | "price"
  | "currency"
  | "courseId"
  | "productId"
  | "page"
> {
  sku?: string;
  /**
   * A course's product is found as its course: its document is kept, unindexed, so the index
   * knows how far it has followed the catalog's writes.
   */
  foundAs?: "course";
  /** On sale, or published: what anyone may find. Admins find the rest too. */
  visible: boolean;
  /**
   * Who else finds it, though hidden: `user:<id>` and `course:<id>` (its learners and teachers).
   * A study passage is found by its document's readers only.
   */
  readers?: string[];
  /** The source's own `updatedAt`: an older message never overwrites a newer one. */
  sourceUpdatedAt: string;
  /** When this node's store took the change: every search node's index follows by it. */
  syncedAt: string;
}

export type SearchDocs = Repository<SearchDoc>;

export const SEARCH_DOC_INDEXES: IndexSpec[] = [
  { fields: ["syncedAt"], range: "string" },
  // A bulk load shares one instant: the sync reads through it by id (`readInstant`).
  { fields: ["syncedAt", "id"] },
  { fields: ["courseId"] },
  { fields: ["refId"] },
];

const facet = arrayOf(object({ value: string, count: integer }, [], "FacetCount"));

export const SEARCH_HIT_SHAPE = object(
  {
    id: string,
    kind: oneOf(Object.values(SearchKind)),
    refId: string,
    title: string,
    summary: string,
    category: string,
    price: integer,
    currency: string,
    courseId: string,
    productId: string,
    page: integer,
    score: number,
    highlights: object({ title: string, summary: string }, [], "Highlights"),
  },
  ["price", "currency", "courseId", "productId", "page"],
  "SearchHit",
);

export const SEARCH_PAGE_SHAPE = object(
  {
    rows: arrayOf(SEARCH_HIT_SHAPE),
    total: integer,
    page: integer,
    pageSize: integer,
    totalPages: integer,
    facets: object({ kind: facet, category: facet, price: facet }, [], "SearchFacets"),
  },
  [],
  "SearchPage",
);

export const SUGGESTIONS_SHAPE = object({ suggestions: arrayOf(string) }, [], "Suggestions");
