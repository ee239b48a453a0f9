import { LRUCache } from "lru-cache";
import {
  SearchKind,
  type ProductSearch,
  type SearchFacets,
  type SearchHit,
} from "../../contracts/search";
import { DocColumns } from "./doc-columns";
import type { SearchDoc } from "./model";
import { best, processTerm, TextIndex, tokenize, type Matches, type QueryWord } from "./text-index";

/** Field weights: a title match outranks a category or SKU match, which outranks the summary. */
const BOOST = { title: 6, sku: 3, category: 3, summary: 1 };

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
/** A query's matches that passed its filters: positions into `matches`, in the order found. */
interface Found {
  matches: Matches;
  /** A view of the index's scratch space: read before the next query. */
  kept: Int32Array;
  /** Already in the order shown (the empty query's title order), not to be ranked. */
  ordered: boolean;
}
type ProductIds = { ids: string[]; total: number };

const MAX_QUERY_TERMS = 10;

/** The in-process index: a TextIndex kept equal to the store by `upsert`. */
export class SearchIndex {
  private readonly text = new TextIndex(BOOST);

  constructor(cachedAnswers = 0) {
    if (cachedAnswers > 0) this.answers = new LRUCache({ max: cachedAnswers });
  }

  get size(): number {
    return this.text.size;
  }

  /** When each document was last taken into the store, as this index holds it. */
  private readonly held = new Map<string, string>();
  /** By slot: a document's id and what its hit shows. */
  private readonly ids: string[] = [];
  private readonly stored: Stored[] = [];
  private readonly columns = new DocColumns();
  /**
   * Where a query lists the positions it keeps, reused by every query: at 10,000 items "lamp"
   * keeps 2,000, and growing arrays for them was most of what a query allocated.
   */
  private keptScratch = new Int32Array(0);
  private everyScratch = new Int32Array(0);
  /** The empty query's matches (everything, in title order); made when first asked after a change. */
  private everything?: Matches;
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
    const { title, sku, category, summary } = doc;
    const slot = this.text.set(doc.id, { title, sku, category, summary });
    this.ids[slot] = doc.id;
    this.stored[slot] = storedOf(doc);
    this.columns.set(slot, doc);
    this.everything = undefined;
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
      const narrowed = this.columns.narrowed(undefined, query.category);
      const listed = (slot: number) => {
        const doc = this.stored[slot];
        const kind =
          doc.kind === SearchKind.PRODUCT || (doc.kind === SearchKind.COURSE && !!doc.productId);
        return kind && (!narrowed || narrowed(slot));
      };
      const found = this.find(query.q, query.includeHidden, () => true);
      const slots = found.matches.slots;
      found.kept = found.kept.filter((i) => listed(slots[i]));
      const page = this.page(found, query.offset, query.limit);
      const ids = page.map((i) => {
        const doc = this.stored[found.matches.slots[i]];
        return doc.kind === SearchKind.PRODUCT ? doc.refId : doc.productId!;
      });
      return { ids, total: found.kept.length };
    });
  }

  private cached<T extends SearchAnswer | ProductIds>(
    [what, query]: [string, { q: string }],
    answer: () => T,
  ): T {
    if (!this.answers) return answer();
    // The same question asked with its parameters in another order is the same answer.
    const rest = Object.entries(query).filter(([name]) => name !== "q");
    rest.sort(([a], [b]) => a.localeCompare(b));
    const key = JSON.stringify([what, limitTerms(query.q.toLowerCase()), rest]);
    const held = this.answers.get(key);
    if (held) return held as T;
    const fresh = answer();
    this.answers.set(key, fresh);
    return fresh;
  }

  /** Every word, where something has them all; otherwise the best of any word. */
  private find(
    q: string,
    includeHidden: boolean,
    keep: (slot: number) => boolean,
    readers: readonly string[] = [],
  ): Found {
    const mine = new Set(readers);
    const words = queryWords(limitTerms(q));
    const matches = words.length > 0 ? this.text.match(words) : this.allInTitleOrder();
    // A match holding every word scores as it would with all words required, so the all-words
    // answer is read out of the any-word pass, not searched for again.
    const all = new Set(words.map((w) => w.term)).size;
    if (this.keptScratch.length < matches.count) {
      this.keptScratch = new Int32Array(matches.count);
      this.everyScratch = new Int32Array(matches.count);
    }
    const { keptScratch: kept, everyScratch: every } = this;
    let keptCount = 0;
    let everyCount = 0;
    for (let i = 0; i < matches.count; i++) {
      const slot = matches.slots[i];
      if (!this.columns.sees(slot, includeHidden, mine) || !keep(slot)) continue;
      kept[keptCount++] = i;
      if (matches.words[i] === all) every[everyCount++] = i;
    }
    return {
      matches,
      kept: everyCount > 0 ? every.subarray(0, everyCount) : kept.subarray(0, keptCount),
      ordered: words.length === 0,
    };
  }

  /** The empty query: everything, in title order, every score 1. */
  private allInTitleOrder(): Matches {
    if (this.everything) return this.everything;
    const order = this.ids
      .map((_, slot) => slot)
      .sort((a, b) => this.stored[a].title.localeCompare(this.stored[b].title));
    return (this.everything = {
      count: order.length,
      slots: Int32Array.from(order),
      scores: new Float64Array(order.length).fill(1),
      words: new Uint8Array(order.length),
      terms: new Set(),
    });
  }

  /** Positions of the page's rows, best first (the empty query's are in order already). */
  private page(found: Found, offset: number, limit: number): number[] {
    if (found.ordered) return Array.from(found.kept.subarray(offset, offset + limit));
    return best(found.kept, found.matches.scores, offset + limit).slice(offset);
  }

  private answer(query: SearchQuery): SearchAnswer {
    const priced = this.columns.priced(query.priceMin, query.priceMax);
    const found = this.find(query.q, query.includeHidden, priced, query.readers);
    const slots = found.matches.slots;
    const facets = this.columns.facets(found.kept, slots);
    const narrowed = this.columns.narrowed(query.kind, query.category);
    const rows = narrowed ? found.kept.filter((i) => narrowed(slots[i])) : found.kept;
    const start = (query.page - 1) * query.pageSize;
    const page = this.page({ ...found, kept: rows }, start, query.pageSize);
    return {
      rows: page.map((i) => this.hit(found.matches, i)),
      total: rows.length,
      page: query.page,
      pageSize: query.pageSize,
      totalPages: Math.ceil(rows.length / query.pageSize),
      facets,
    };
  }

  private hit(matches: Matches, i: number): SearchHit {
    const slot = matches.slots[i];
    return toHit(this.ids[slot], this.stored[slot], matches.scores[i], matches.terms);
  }

  /** Words that complete what was typed, from what the caller may find. */
  suggest(prefix: string, includeHidden: boolean, limit = 8): string[] {
    const words = queryWords(limitTerms(prefix)).map((w) => ({ ...w, prefix: true }));
    if (words.length === 0) return [];
    const matches = this.text.match(words, ["title"], true);
    const all = new Set(words.map((w) => w.term)).size;
    // As MiniSearch's autoSuggest: every word matched, grouped by the title words that matched,
    // a group scored by its mean.
    const phrases = new Map<string, { score: number; count: number }>();
    for (let i = 0; i < matches.count; i++) {
      if (matches.words[i] !== all) continue;
      if (!includeHidden && !this.stored[matches.slots[i]].visible) continue;
      const phrase = matches.matchedTerms![i].join(" ");
      const group = phrases.get(phrase) ?? { score: 0, count: 0 };
      group.score += matches.scores[i];
      group.count += 1;
      phrases.set(phrase, group);
    }
    return [...phrases]
      .map(([phrase, { score, count }]) => ({ phrase, score: score / count }))
      .sort((a, b) => b.score - a.score)
      .slice(0, limit)
      .map((s) => s.phrase);
  }
}

/** A query's words as the index reads them: the last one is being typed (a prefix). */
function queryWords(terms: string): QueryWord[] {
  const words = tokenize(terms)
    .map(processTerm)
    .filter((t): t is string => !!t);
  return words.map((term, i) => ({
    term,
    prefix: i === words.length - 1,
    edits: editsAllowed(term),
  }));
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

function storedOf(doc: SearchDoc): Stored {
  const { kind, refId, title, summary, category, price, currency, courseId, productId, visible } =
    doc;
  const stored = { kind, refId, title, summary, category, price, currency, courseId, productId };
  return { ...stored, visible, page: doc.page, readers: doc.readers };
}

function toHit(id: string, s: Stored, score: number, words: Set<string>): SearchHit {
  return {
    id,
    kind: s.kind,
    refId: s.refId,
    title: s.title,
    summary: s.summary,
    category: s.category,
    ...(s.price !== undefined ? { price: s.price, currency: s.currency } : {}),
    ...(s.courseId ? { courseId: s.courseId } : {}),
    ...(s.productId ? { productId: s.productId } : {}),
    ...(s.page !== undefined ? { page: s.page } : {}),
    score: Math.round(score * 1000) / 1000,
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
const MARKUP = /[&<>"']/;
const escape = (text: string) =>
  MARKUP.test(text) ? text.replace(/[&<>"']/g, (c) => ESCAPES[c]) : text;
const WORDS = /([\p{L}\p{N}]+)/u;

/**
 * The text, escaped, with the matched words in `<mark>`: the only markup in the answer is
 * ours. Words are split as the index splits them (on anything but letters and digits), so
 * only what lies between them can hold a character to escape.
 */
export function highlight(text: string, words: Set<string>): string {
  const parts = text.split(WORDS);
  const plain = !MARKUP.test(text);
  let marked = "";
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i];
    if (i % 2 === 0) marked += plain ? part : escape(part);
    else marked += words.has(part.toLowerCase()) ? `<mark>${part}</mark>` : part;
  }
  return marked;
}
