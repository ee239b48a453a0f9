/** One search over products, courses and lessons. Types and constants only. */

export const SearchKind = { PRODUCT: "product", COURSE: "course", LESSON: "lesson" } as const;
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
