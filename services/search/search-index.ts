import MiniSearch, { type SearchResult } from "minisearch";
import type { FacetCount, SearchFacets, SearchHit, SearchKind } from "../../contracts/search";
import type { SearchDoc } from "./model";

/** Field weights: a title match outranks a category or SKU match, which outranks the summary. */
const BOOST = { title: 6, sku: 3, category: 3, summary: 1 };
const FIELDS = Object.keys(BOOST);
const STORED = [
  "kind",
  "refId",
  "title",
  "summary",
  "category",
  "price",
  "currency",
  "courseId",
  "visible",
];

/** Price ranges of the price facet, in minor units: [from, below). */
export const PRICE_RANGES: [string, number, number][] = [
  ["free", 0, 1],
  ["under-25", 1, 2500],
  ["25-100", 2500, 10_000],
  ["100-500", 10_000, 50_000],
  ["500-and-more", 50_000, Number.MAX_SAFE_INTEGER],
];

/**
 * Typo tolerance: none under four letters (a short word is too easily another word), one edit
 * from four ("lamb" finds "lamp"), two from nine ("photosynthsis" finds "photosynthesis").
 */
export function editsAllowed(term: string): number {
  if (term.length >= 9) return 2;
  if (term.length >= 4) return 1;
  return 0;
}

export interface SearchQuery {
  q: string;
  kind?: SearchKind;
  category?: string;
  priceMin?: number;
  priceMax?: number;
  /** Admins find what is hidden too. */
  includeHidden: boolean;
  page: number;
  pageSize: number;
}

export interface SearchAnswer {
  rows: SearchHit[];
  total: number;
  page: number;
  pageSize: number;
  totalPages: number;
  facets: SearchFacets;
}

type Stored = Pick<
  SearchDoc,
  | "kind"
  | "refId"
  | "title"
  | "summary"
  | "category"
  | "price"
  | "currency"
  | "courseId"
  | "visible"
>;

const MAX_QUERY_TERMS = 10;

/** The in-process index: MiniSearch, kept equal to the store by `upsert`. */
export class SearchIndex {
  private readonly mini = new MiniSearch<SearchDoc>({
    fields: FIELDS,
    storeFields: STORED,
    searchOptions: {
      boost: BOOST,
      // The word being typed is a prefix; the words before it are whole (as typed, or a typo).
      prefix: (_term, i, terms) => i === terms.length - 1,
      fuzzy: (term) => editsAllowed(term),
    },
  });

  get size(): number {
    return this.mini.documentCount;
  }

  /** When each document was last taken into the store, as this index holds it. */
  private readonly held = new Map<string, string>();

  /** Takes a document in; one it already holds as written then is left alone (a re-read). */
  upsert(doc: SearchDoc): void {
    const held = this.held.get(doc.id);
    if (held === doc.syncedAt) return;
    if (held !== undefined) this.mini.replace(doc);
    else this.mini.add(doc);
    this.held.set(doc.id, doc.syncedAt);
  }

  search(query: SearchQuery): SearchAnswer {
    const terms = query.q.trim();
    const visible = (r: Stored) => query.includeHidden || r.visible;
    const priced = (r: Stored) =>
      (query.priceMin === undefined || (r.price ?? 0) >= query.priceMin) &&
      (query.priceMax === undefined || (r.price ?? 0) <= query.priceMax);
    const base = (r: Stored) => visible(r) && priced(r);
    const run = (combineWith: "AND" | "OR") =>
      terms === ""
        ? this.mini.search(MiniSearch.wildcard, { filter: (r) => base(r as unknown as Stored) })
        : this.mini.search(limitTerms(terms), {
            combineWith,
            filter: (r) => base(r as unknown as Stored),
          });
    // Every word, where something has them all; otherwise the best of any word.
    let found = run("AND");
    if (found.length === 0 && terms.includes(" ")) found = run("OR");
    const facets = facetsOf(found as unknown as (SearchResult & Stored)[]);
    const rows = found.filter(
      (r) =>
        (!query.kind || r.kind === query.kind) &&
        (!query.category || r.category === query.category),
    );
    if (terms === "") rows.sort((a, b) => String(a.title).localeCompare(String(b.title)));
    const start = (query.page - 1) * query.pageSize;
    return {
      rows: rows.slice(start, start + query.pageSize).map((r) => toHit(r)),
      total: rows.length,
      page: query.page,
      pageSize: query.pageSize,
      totalPages: Math.ceil(rows.length / query.pageSize),
      facets,
    };
  }

  /** Words that complete what was typed, from what the caller may find. */
  suggest(prefix: string, includeHidden: boolean, limit = 8): string[] {
    return this.mini
      .autoSuggest(limitTerms(prefix), {
        fields: ["title"],
        prefix: true,
        fuzzy: (term) => editsAllowed(term),
        filter: (r) => includeHidden || (r as unknown as Stored).visible,
      })
      .slice(0, limit)
      .map((s) => s.suggestion);
  }
}

/** A query's words, at most ten: each word costs a pass over the index. */
function limitTerms(q: string): string {
  return q.split(/\s+/).filter(Boolean).slice(0, MAX_QUERY_TERMS).join(" ");
}

function counted(values: string[]): FacetCount[] {
  const counts = new Map<string, number>();
  for (const v of values) counts.set(v, (counts.get(v) ?? 0) + 1);
  return [...counts]
    .map(([value, count]) => ({ value, count }))
    .sort((a, b) => b.count - a.count || a.value.localeCompare(b.value));
}

function facetsOf(found: (SearchResult & Stored)[]): SearchFacets {
  const priced = found.filter((r) => r.price !== undefined);
  return {
    kind: counted(found.map((r) => r.kind)),
    category: counted(found.map((r) => r.category)),
    price: PRICE_RANGES.map(([value, from, below]) => ({
      value,
      count: priced.filter((r) => r.price! >= from && r.price! < below).length,
    })).filter((f) => f.count > 0),
  };
}

function toHit(r: SearchResult): SearchHit {
  const s = r as unknown as SearchResult & Stored;
  const words = new Set(r.terms.map((t) => t.toLowerCase()));
  return {
    id: String(r.id),
    kind: s.kind,
    refId: s.refId,
    title: s.title,
    summary: s.summary,
    category: s.category,
    ...(s.price !== undefined ? { price: s.price, currency: s.currency } : {}),
    ...(s.courseId ? { courseId: s.courseId } : {}),
    score: Math.round(r.score * 1000) / 1000,
    highlights: { title: highlight(s.title, words), summary: highlight(s.summary, words) },
  };
}

const ESCAPES: Record<string, string> = {
  "&": "&amp;",
  "<": "&lt;",
  ">": "&gt;",
  '"': "&quot;",
  "'": "&#39;",
};
const escape = (text: string) => text.replace(/[&<>"']/g, (c) => ESCAPES[c]);

/**
 * The text, escaped, with the matched words in `<mark>`: the only markup in the answer is
 * ours. Words are split as the index splits them (on anything but letters and digits).
 */
export function highlight(text: string, words: Set<string>): string {
  return text
    .split(/([\p{L}\p{N}]+)/u)
    .map((part) => (words.has(part.toLowerCase()) ? `<mark>${escape(part)}</mark>` : escape(part)))
    .join("");
}
