import MiniSearch from "minisearch";
import SearchableMap from "minisearch/SearchableMap";

/**
 * An inverted index scored as MiniSearch scores (BM25+ per field, field boosts, prefix and
 * typo expansions weighted by distance, a match's score times the query words it holds), so
 * answers and their order are MiniSearch's. What differs is the cost of a query: postings are
 * arrays of small integers, scores add up in typed arrays reused from query to query, and
 * nothing is made per match until the caller picks the few it shows. MiniSearch made a result
 * object, a terms array and a match map for every one of the thousands of documents a common
 * word matches, and sorted them all.
 */

/** How MiniSearch splits text into words, and folds a word into a term (null: not indexed). */
export const tokenize = MiniSearch.getDefault("tokenize") as (text: string) => string[];
export const processTerm = MiniSearch.getDefault("processTerm") as (term: string) => string | null;

/** MiniSearch's defaults, kept so a score means what it meant. */
const BM25 = { k: 1.2, b: 0.7, d: 0.5 };
const PREFIX_WEIGHT = 0.375;
const FUZZY_WEIGHT = 0.45;

/** One word of a query, as the index reads it. */
export interface QueryWord {
  term: string;
  prefix: boolean;
  /** Edits allowed (0: none). */
  edits: number;
}

/** A query's matches: `count` documents, each by its slot, score and the words it holds. */
export interface Matches {
  count: number;
  slots: Int32Array;
  scores: Float64Array;
  /** How many different query words each match holds. */
  words: Uint8Array;
  /** The index's words the query matched (exact, prefix or typo), for highlighting. */
  terms: Set<string>;
  /** Each match's matched index words in the order found; only when asked for. */
  matchedTerms?: string[][];
}

/**
 * The documents holding a term in a field: slot, count, generation, slot, count, generation, …
 * An entry whose generation is not its slot's current one was left by an earlier version of
 * the document and is skipped. Taking entries out at once cost a scan of the list each time a
 * document changed, so re-telling 20,000 documents took 4.4 s (and grew with the square):
 * stale entries wait until they outnumber live ones, then the list is compacted.
 */
interface Postings {
  entries: number[];
  live: number;
  stale: number;
}

export class TextIndex {
  private readonly fields: string[];
  private readonly boosts: number[];
  private readonly vocabulary = new SearchableMap<number>();
  /** By term id, then field: the documents holding the term and how often. */
  private readonly postings: (Postings | undefined)[][] = [];
  /** Ids of terms no document holds any more, to be given to new terms. */
  private readonly freeTermIds: number[] = [];
  private readonly slotById = new Map<string, number>();
  /** By field, then slot: the field's length (its distinct words). */
  private readonly lengths: number[][];
  /** By slot: the texts indexed, read again to take them out when the document changes. */
  private readonly texts: Record<string, string | undefined>[] = [];
  /** By slot: how many times the document was set (its postings' current generation). */
  private readonly generation: number[] = [];
  /** By field: the mean length, kept as MiniSearch keeps it (a running mean over documents). */
  private readonly meanLength: number[];
  private documents = 0;

  // Scratch space reused by every query: a slot's score, the query that last touched it, the
  // query words it holds as bits, and the order slots were first touched; and the same for
  // one word of the query, whose score is summed apart, as MiniSearch sums it.
  private score = new Float64Array(1024);
  private seen = new Uint32Array(1024);
  private bits = new Uint32Array(1024);
  private touched = new Int32Array(1024);
  private wordScore = new Float64Array(1024);
  private wordSeen = new Uint32Array(1024);
  private wordTouched = new Int32Array(1024);
  private epoch = 0;
  private wordEpoch = 0;

  constructor(boosts: Record<string, number>) {
    this.fields = Object.keys(boosts);
    this.boosts = this.fields.map((f) => boosts[f]);
    this.lengths = this.fields.map(() => []);
    this.meanLength = this.fields.map(() => 0);
  }

  get size(): number {
    return this.slotById.size;
  }

  /** How many distinct terms some document holds. */
  get terms(): number {
    return this.vocabulary.size;
  }

  /** Indexes (or re-indexes) a document's fields; returns its slot, which stays its own. */
  set(id: string, texts: Record<string, string | undefined>): number {
    let slot = this.slotById.get(id);
    let unheld: string[] = [];
    if (slot === undefined) {
      slot = this.slotById.size;
      this.slotById.set(id, slot);
      this.grow(slot + 1);
      this.generation[slot] = 0;
    } else {
      this.generation[slot]++;
      unheld = this.unindex(slot);
    }
    this.texts[slot] = texts;
    this.documents++;
    this.fields.forEach((field, f) => {
      const text = texts[field];
      if (text == null) return;
      const { length, counts } = termsOf(text);
      this.lengths[f][slot] = length;
      const before = this.documents - 1;
      this.meanLength[f] = (this.meanLength[f] * before + length) / (before + 1);
      for (const [term, count] of counts) {
        let termId = this.vocabulary.get(term);
        if (termId === undefined) {
          termId = this.freeTermIds.pop() ?? this.postings.length;
          this.vocabulary.set(term, termId);
          this.postings[termId] = [];
        }
        const postings = (this.postings[termId][f] ??= { entries: [], live: 0, stale: 0 });
        postings.entries.push(slot, count, this.generation[slot]);
        postings.live++;
      }
    });
    this.forgetUnheld(unheld);
    return slot;
  }

  /** Takes a document's words out; answers the terms some field of it was the last to hold. */
  private unindex(slot: number): string[] {
    const unheld: string[] = [];
    this.fields.forEach((field, f) => {
      const text = this.texts[slot][field];
      if (text == null) return;
      const { length, counts } = termsOf(text);
      const count = this.documents;
      this.meanLength[f] = count === 1 ? 0 : (this.meanLength[f] * count - length) / (count - 1);
      for (const term of counts.keys()) {
        const termId = this.vocabulary.get(term)!;
        const byField = this.postings[termId];
        const postings = byField[f]!;
        postings.live--;
        if (postings.live > 0) {
          if (++postings.stale > postings.live) this.compact(postings);
          continue;
        }
        byField[f] = undefined;
        unheld.push(term);
      }
    });
    this.documents--;
    return unheld;
  }

  /**
   * As MiniSearch does, a term no document holds leaves the vocabulary, so the words a node
   * once saw (renamed products, forgotten passages) neither grow it nor slow every prefix and
   * typo expansion. Asked after the new version is indexed, so a word it keeps stays put.
   */
  private forgetUnheld(terms: string[]): void {
    for (const term of terms) {
      const termId = this.vocabulary.get(term);
      if (termId === undefined || this.postings[termId].some((held) => held !== undefined))
        continue;
      this.vocabulary.delete(term);
      this.freeTermIds.push(termId);
    }
  }

  /** Drops the entries earlier versions of documents left. */
  private compact(postings: Postings): void {
    const { entries } = postings;
    let kept = 0;
    for (let i = 0; i < entries.length; i += 3) {
      if (entries[i + 2] !== this.generation[entries[i]]) continue;
      entries[kept++] = entries[i];
      entries[kept++] = entries[i + 1];
      entries[kept++] = entries[i + 2];
    }
    entries.length = kept;
    postings.stale = 0;
  }

  /**
   * Every document holding any of the words, scored. `fields` narrows what is searched;
   * `collectTerms` keeps each match's index words (for suggestions).
   */
  match(words: QueryWord[], fields = this.fields, collectTerms = false): Matches {
    const epoch = this.nextEpoch();
    const distinct = [...new Set(words.map((w) => w.term))];
    const terms = new Set<string>();
    const matchedTerms: string[][] = [];
    let count = 0;
    const fieldIds = fields.map((f) => this.fields.indexOf(f));
    const total = this.documents;
    const { k, b, d } = BM25;
    let wordCount = 0;
    // One word's matches: the arithmetic is MiniSearch's, operation for operation, so that
    // equal scores stay equal and ties fall as they fell.
    const add = (term: string, termId: number, weight: number) => {
      terms.add(term);
      const byField = this.postings[termId];
      const { wordSeen, wordScore, wordTouched, wordEpoch, generation } = this;
      for (const f of fieldIds) {
        const postings = byField[f];
        if (!postings || postings.live === 0) continue;
        const { entries, live: df } = postings;
        const idf = Math.log(1 + (total - df + 0.5) / (df + 0.5));
        const avg = this.meanLength[f];
        const lengths = this.lengths[f];
        const factor = weight * this.boosts[f];
        for (let i = 0; i < entries.length; i += 3) {
          const slot = entries[i];
          if (entries[i + 2] !== generation[slot]) continue;
          const tf = entries[i + 1];
          const raw = idf * (d + (tf * (k + 1)) / (tf + k * (1 - b + (b * lengths[slot]) / avg)));
          if (wordSeen[slot] !== wordEpoch) {
            wordSeen[slot] = wordEpoch;
            wordScore[slot] = factor * raw;
            wordTouched[wordCount++] = slot;
            if (collectTerms) matchedTerms[slot] ??= [];
          } else wordScore[slot] += factor * raw;
          if (collectTerms && !matchedTerms[slot].includes(term)) matchedTerms[slot].push(term);
        }
      }
    };
    for (const word of words) {
      this.nextWordEpoch();
      wordCount = 0;
      const exact = this.vocabulary.get(word.term);
      if (exact !== undefined) add(word.term, exact, 1);
      const prefixed = new Set<string>();
      if (word.prefix) {
        for (const [term, termId] of this.vocabulary.atPrefix(word.term)) {
          const distance = term.length - word.term.length;
          if (!distance) continue;
          prefixed.add(term);
          add(term, termId, (PREFIX_WEIGHT * term.length) / (term.length + 0.3 * distance));
        }
      }
      if (word.edits > 0) {
        for (const [term, [termId, distance]] of this.vocabulary.fuzzyGet(word.term, word.edits)) {
          if (!distance || prefixed.has(term)) continue;
          add(term, termId, (FUZZY_WEIGHT * term.length) / (term.length + distance));
        }
      }
      const bit = 1 << distinct.indexOf(word.term);
      const { seen, score, bits, touched, wordScore, wordTouched } = this;
      for (let i = 0; i < wordCount; i++) {
        const slot = wordTouched[i];
        if (seen[slot] !== epoch) {
          seen[slot] = epoch;
          score[slot] = wordScore[slot];
          bits[slot] = bit;
          touched[count++] = slot;
        } else {
          score[slot] += wordScore[slot];
          bits[slot] |= bit;
        }
      }
    }
    const slots = this.touched.slice(0, count);
    const scores = new Float64Array(count);
    const held = new Uint8Array(count);
    const ordered: string[][] = [];
    for (let i = 0; i < count; i++) {
      const slot = slots[i];
      held[i] = popcount(this.bits[slot]);
      scores[i] = this.score[slot] * held[i];
      if (collectTerms) ordered.push(matchedTerms[slot]);
    }
    return {
      count,
      slots,
      scores,
      words: held,
      terms,
      ...(collectTerms ? { matchedTerms: ordered } : {}),
    };
  }

  private nextWordEpoch(): void {
    this.wordEpoch = (this.wordEpoch + 1) >>> 0;
    if (this.wordEpoch === 0) {
      this.wordSeen.fill(0);
      this.wordEpoch = 1;
    }
  }

  private nextEpoch(): number {
    this.epoch = (this.epoch + 1) >>> 0;
    if (this.epoch === 0) {
      this.seen.fill(0);
      this.epoch = 1;
    }
    return this.epoch;
  }

  private grow(slots: number): void {
    if (slots <= this.score.length) return;
    const size = Math.max(slots, this.score.length * 2);
    const bigger = <T extends Float64Array | Uint32Array | Int32Array>(
      old: T,
      make: (n: number) => T,
    ) => {
      const next = make(size);
      next.set(old);
      return next;
    };
    this.score = bigger(this.score, (n) => new Float64Array(n));
    this.seen = bigger(this.seen, (n) => new Uint32Array(n));
    this.bits = bigger(this.bits, (n) => new Uint32Array(n));
    this.touched = bigger(this.touched, (n) => new Int32Array(n));
    this.wordScore = bigger(this.wordScore, (n) => new Float64Array(n));
    this.wordSeen = bigger(this.wordSeen, (n) => new Uint32Array(n));
    this.wordTouched = bigger(this.wordTouched, (n) => new Int32Array(n));
  }
}

/** A text's length in distinct words, as MiniSearch counts it, and each term's count. */
function termsOf(text: string): { length: number; counts: Map<string, number> } {
  const tokens = tokenize(text);
  const counts = new Map<string, number>();
  for (const token of tokens) {
    const term = processTerm(token);
    if (term) counts.set(term, (counts.get(term) ?? 0) + 1);
  }
  return { length: new Set(tokens).size, counts };
}

function popcount(bits: number): number {
  let n = 0;
  for (let b = bits; b; b &= b - 1) n++;
  return n;
}

/**
 * The positions of the `k` best matches among `candidates` (positions into `scores`), best
 * first; ties keep the order matches were found, as MiniSearch's stable sort does. Only `k` are
 * kept while scanning, so a page of a common word's thousands of matches sorts twenty.
 */
export function best(
  candidates: ArrayLike<number> & Iterable<number>,
  scores: Float64Array,
  k: number,
): number[] {
  const before = (a: number, b: number) =>
    scores[a] > scores[b] || (scores[a] === scores[b] && a < b);
  if (k <= 0) return [];
  if (k * 4 >= candidates.length)
    return Array.from(candidates)
      .sort((a, b) => (before(a, b) ? -1 : 1))
      .slice(0, k);
  const top: number[] = [];
  for (const c of candidates) {
    if (top.length === k && !before(c, top[k - 1])) continue;
    let at = top.length < k ? top.length : k - 1;
    while (at > 0 && before(c, top[at - 1])) {
      if (at < k) top[at] = top[at - 1];
      at--;
    }
    top[at] = c;
  }
  return top;
}
