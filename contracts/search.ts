/** One search over products, courses, lessons and study passages. Types and constants only. */

/** A passage is a chunk of a study document, found only by those who may read the document. */
export const SearchKind = {
  PRODUCT: "product",
  COURSE: "course",
  LESSON: "lesson",
  PASSAGE: "passage",
} as const;
export type SearchKind = (typeof SearchKind)[keyof typeof SearchKind];

export interface SearchHit {
  /** `<kind>:<id>`: unique across kinds. */
  id: string;
  kind: SearchKind;
  /** The product's, course's or lesson's own id. */
  refId: string;
  title: string;
  summary: string;
  category: string;
  price?: number;
  currency?: string;
  /** A lesson's course. */
  courseId?: string;
  /** A course's product: what is bought to enrol. */
  productId?: string;
  /** A passage's page in its document (the document is `refId`). */
  page?: number;
  score: number;
  /** The matched words marked with `<mark>` in otherwise escaped text. */
  highlights: { title: string; summary: string };
}

export interface FacetCount {
  value: string;
  count: number;
}

export interface SearchFacets {
  kind: FacetCount[];
  category: FacetCount[];
  price: FacetCount[];
}

/**
 * The catalog's `GET /products?q=`: product ids ranked by the one search, a course's product
 * found through its course. `freshAsOf` is the catalog's newest write: the search waits (a
 * little) until its index holds it, so a shop reads its own writes.
 */
export interface ProductSearch {
  q: string;
  category?: string;
  includeHidden: boolean;
  freshAsOf?: string;
  offset: number;
  limit: number;
}
