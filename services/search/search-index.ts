import { LRUCache } from "lru-cache";
import MiniSearch, { type SearchResult } from "minisearch";
import {
  SearchKind,
  type FacetCount,
  type ProductSearch,
  type SearchFacets,
  type SearchHit,
} from "../../contracts/search";
import type { SearchDoc } from "./model";

/** Field weights: a title match outranks a category or SKU match, which outranks the summary. */
const BOOST = { title: 6, sku: 3, category: 3, summary: 1 };
const FIELDS = Object.keys(BOOST);

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
  /** The caller's reader marks (`user:<id>`, `course:<id>`): hidden passages they may read. */
  readers?: string[];
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

/** What a hit shows and a filter reads: the document without what only the index and sync use. */
type Stored = Omit<SearchDoc, "id" | "sku" | "foundAs" | "sourceUpdatedAt" | "syncedAt">;
type Found = SearchResult & { doc: Stored };
type ProductIds = { ids: string[]; total: number };

const MAX_QUERY_TERMS = 10;

/** The in-process index: MiniSearch, kept equal to the store by `upsert`. */
export class SearchIndex {
  private readonly mini = new MiniSearch<SearchDoc>({
    fields: FIELDS,
    // What a hit shows is kept beside the index, not copied into every match it scores.
    storeFields: [],
    searchOptions: {
      boost: BOOST,
      // The word being typed is a prefix; the words before it are whole (as typed, or a typo).
      prefix: (_term, i, terms) => i === terms.length - 1,
      fuzzy: (term) => editsAllowed(term),
    },
  });

  constructor(cachedAnswers = 0) {
    if (cachedAnswers > 0) this.answers = new LRUCache({ max: cachedAnswers });
  }

  get size(): number {
    return this.mini.documentCount;
  }

  /** When each document was last taken into the store, as this index holds it. */
  private readonly held = new Map<string, string>();
  /** What each hit shows, by document id. */
  private readonly stored = new Map<string, Stored>();
  /**
   * Answers kept: shoppers ask the same few queries most of the time. Any change to the index
   * empties it, so an answer is never older than the index.
   */
  private readonly answers?: LRUCache<string, SearchAnswer | ProductIds>;
  /** The newest product change this index holds (`sourceUpdatedAt`, the catalog's clock). */
  private productsAsOf = "";

  /** Takes a document in; one it already holds as written then is left alone (a re-read). */
  upsert(doc: SearchDoc): void {
    const held = this.held.get(doc.id);
    if (held === doc.syncedAt) return;
    if (doc.kind === SearchKind.PRODUCT && doc.sourceUpdatedAt > this.productsAsOf)
      this.productsAsOf = doc.sourceUpdatedAt;
    this.held.set(doc.id, doc.syncedAt);
    if (doc.foundAs) return;
    if (held !== undefined) this.mini.replace(doc);
    else this.mini.add(doc);
    this.stored.set(doc.id, storedOf(doc));
    this.answers?.clear();
  }

  /** Whether the index holds the catalog's writes up to `at`. */
  holdsProductsAsOf(at: string): boolean {
    return this.productsAsOf >= at;
  }

  search(query: SearchQuery): SearchAnswer {
    return this.cached(["query", query], () => this.answer(query));
  }

  /**
   * Product ids, best first, for the catalog's listing: products, and courses as their
   * products. A course's visibility is its product's too (published is on sale).
   */
  productIds(query: Omit<ProductSearch, "freshAsOf">): ProductIds {
    return this.cached(["products", query], () => {
      const ids = this.find(query.q, query.includeHidden, () => true)
        .filter(
          ({ doc }) =>
            (doc.kind === SearchKind.PRODUCT ||
              (doc.kind === SearchKind.COURSE && doc.productId)) &&
            (!query.category || doc.category === query.category),
        )
        .map(({ doc }) => (doc.kind === SearchKind.PRODUCT ? doc.refId : doc.productId!));
      return { ids: ids.slice(query.offset, query.offset + query.limit), total: ids.length };
    });
  }

  private cached<T extends SearchAnswer | ProductIds>(
    [what, query]: [string, { q: string }],
    answer: () => T,
  ): T {
    // The same question asked with its parameters in another order is the same answer.
    const rest = Object.entries(query).filter(([name]) => name !== "q");
    rest.sort(([a], [b]) => a.localeCompare(b));
    const key = JSON.stringify([what, limitTerms(query.q.toLowerCase()), rest]);
    const held = this.answers?.get(key);
    if (held) return held as T;
    const fresh = answer();
    this.answers?.set(key, fresh);
    return fresh;
  }

  /** Every word, where something has them all; otherwise the best of any word. */
  private find(
    q: string,
    includeHidden: boolean,
    keep: (doc: Stored) => boolean,
    readers: readonly string[] = [],
  ): Found[] {
    const terms = limitTerms(q);
    const mine = new Set(readers);
    const reads = (doc: Stored) => !!doc.readers?.some((r) => mine.has(r));
    const filter = (r: SearchResult) => {
      const doc = this.stored.get(r.id as string)!;
      if (!(includeHidden || doc.visible || reads(doc)) || !keep(doc)) return false;
      (r as Found).doc = doc;
      return true;
    };
    if (terms === "") return this.mini.search(MiniSearch.wildcard, { filter }) as Found[];
    // One pass with any word: a match holding every word scores as it would with all words
    // required, so the all-words answer is read out of it, not searched for again.
    const any = this.mini.search(terms, { combineWith: "OR", filter }) as Found[];
    const words = distinctWords(terms);
    const every = any.filter((r) => r.queryTerms.length === words);
    return every.length > 0 ? every : any;
  }

  private answer(query: SearchQuery): SearchAnswer {
    const terms = limitTerms(query.q);
    const priced = (r: Stored) =>
      (query.priceMin === undefined || (r.price ?? 0) >= query.priceMin) &&
      (query.priceMax === undefined || (r.price ?? 0) <= query.priceMax);
    const found = this.find(query.q, query.includeHidden, priced, query.readers);
    const facets = facetsOf(found.map((r) => r.doc));
    const rows = found.filter(
      ({ doc }) =>
        (!query.kind || doc.kind === query.kind) &&
        (!query.category || doc.category === query.category),
    );
    if (terms === "") rows.sort((a, b) => a.doc.title.localeCompare(b.doc.title));
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
        filter: (r) => includeHidden || this.stored.get(r.id as string)!.visible,
      })
      .slice(0, limit)
      .map((s) => s.suggestion);
  }
}

const tokenize = MiniSearch.getDefault("tokenize") as (text: string) => string[];
const processTerm = MiniSearch.getDefault("processTerm") as (term: string) => string | null;

/** How many different words the index reads in a query, as it splits and folds them. */
function distinctWords(q: string): number {
  return new Set(tokenize(q).map(processTerm).filter(Boolean)).size;
}

/**
 * A query's words, at most ten, counted as the index splits them (on punctuation too, so
 * `a-b-c` is three): each word costs a pass over the index. Written back with spaces, the
 * index reads the same words.
 */
export function limitTerms(q: string): string {
  return tokenize(q)
    .filter((word) => processTerm(word))
    .slice(0, MAX_QUERY_TERMS)
    .join(" ");
}

function counted(values: string[]): FacetCount[] {
  const counts = new Map<string, number>();
  for (const v of values) counts.set(v, (counts.get(v) ?? 0) + 1);
  return [...counts]
    .map(([value, count]) => ({ value, count }))
    .sort((a, b) => b.count - a.count || a.value.localeCompare(b.value));
}

function storedOf(doc: SearchDoc): Stored {
  const { kind, refId, title, summary, category, price, currency, courseId, productId, visible } =
    doc;
  const stored = { kind, refId, title, summary, category, price, currency, courseId, productId };
  return { ...stored, visible, page: doc.page, readers: doc.readers };
}

function facetsOf(found: Stored[]): SearchFacets {
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

function toHit(r: Found): SearchHit {
  const s = r.doc;
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
    ...(s.productId ? { productId: s.productId } : {}),
    ...(s.page !== undefined ? { page: s.page } : {}),
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
