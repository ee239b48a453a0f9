import type { FacetCount, SearchFacets } from "../../contracts/search";

/** Price ranges of the price facet, in minor units: [from, below). */
const PRICE_RANGES: [string, number, number][] = [
  ["free", 0, 1],
  ["under-25", 1, 2500],
  ["25-100", 2500, 10_000],
  ["100-500", 10_000, 50_000],
  ["500-and-more", 50_000, Number.MAX_SAFE_INTEGER],
];

/** What a filter or a facet reads of a document. */
export interface Filterable {
  kind: string;
  category: string;
  price?: number;
  visible: boolean;
  readers?: string[];
}

/** Distinct values numbered in the order first seen. */
class Dictionary {
  readonly values: string[] = [];
  private readonly codes = new Map<string, number>();

  code(value: string): number {
    let code = this.codes.get(value);
    if (code === undefined) {
      code = this.values.length;
      this.codes.set(value, code);
      this.values.push(value);
    }
    return code;
  }

  find(value: string): number | undefined {
    return this.codes.get(value);
  }
}

/**
 * What filters and facets read, a column a field, by slot. A common word matches tens of
 * thousands of documents, and each is filtered and counted: reading a typed array is a fraction
 * of reading the document's object.
 */
export class DocColumns {
  private readonly kinds = new Dictionary();
  private readonly categories = new Dictionary();
  private kind = new Uint8Array(1024);
  private category = new Uint32Array(1024);
  /** NaN where a document has no price. */
  private price = new Float64Array(1024);
  private visible = new Uint8Array(1024);
  /** The price facet's range, found once when the document is set (-1: no price). */
  private priceRange = new Int8Array(1024);
  private readonly readers: (string[] | undefined)[] = [];

  set(slot: number, doc: Filterable): void {
    this.grow(slot + 1);
    this.kind[slot] = this.kinds.code(doc.kind);
    this.category[slot] = this.categories.code(doc.category);
    this.price[slot] = doc.price ?? NaN;
    this.visible[slot] = doc.visible ? 1 : 0;
    this.priceRange[slot] =
      doc.price == null
        ? -1
        : PRICE_RANGES.findIndex(([, from, below]) => doc.price! >= from && doc.price! < below);
    this.readers[slot] = doc.readers;
  }

  /** Whether a caller sees the document: visible, an admin, or one of its readers. */
  sees(slot: number, includeHidden: boolean, readers: ReadonlySet<string>): boolean {
    if (includeHidden || this.visible[slot]) return true;
    return !!this.readers[slot]?.some((r) => readers.has(r));
  }

  /** A price filter; a document without a price counts as free. */
  priced(min?: number, max?: number): (slot: number) => boolean {
    if (min === undefined && max === undefined) return () => true;
    return (slot) => {
      const price = this.price[slot] || 0;
      return (min === undefined || price >= min) && (max === undefined || price <= max);
    };
  }

  /** Kind and category filters; a value no document has matches nothing. */
  narrowed(kind?: string, category?: string): ((slot: number) => boolean) | undefined {
    if (!kind && !category) return undefined;
    const kindCode = kind ? (this.kinds.find(kind) ?? -1) : undefined;
    const categoryCode = category ? (this.categories.find(category) ?? -1) : undefined;
    return (slot) =>
      (kindCode === undefined || this.kind[slot] === kindCode) &&
      (categoryCode === undefined || this.category[slot] === categoryCode);
  }

  /** Facets of the matches at `positions` (into `slots`). */
  facets(positions: ArrayLike<number>, slots: Int32Array): SearchFacets {
    const kinds = new Array<number>(this.kinds.values.length).fill(0);
    const categories = new Array<number>(this.categories.values.length).fill(0);
    const prices = PRICE_RANGES.map(() => 0);
    for (let p = 0; p < positions.length; p++) {
      const slot = slots[positions[p]];
      kinds[this.kind[slot]]++;
      categories[this.category[slot]]++;
      const range = this.priceRange[slot];
      if (range >= 0) prices[range]++;
    }
    return {
      kind: counted(this.kinds.values, kinds),
      category: counted(this.categories.values, categories),
      price: PRICE_RANGES.map(([value], i) => ({ value, count: prices[i] })).filter(
        (f) => f.count > 0,
      ),
    };
  }

  private grow(slots: number): void {
    if (slots <= this.kind.length) return;
    const size = Math.max(slots, this.kind.length * 2);
    const kind = new Uint8Array(size);
    kind.set(this.kind);
    const category = new Uint32Array(size);
    category.set(this.category);
    const price = new Float64Array(size);
    price.set(this.price);
    const visible = new Uint8Array(size);
    visible.set(this.visible);
    const priceRange = new Int8Array(size);
    priceRange.set(this.priceRange);
    [this.kind, this.category, this.price, this.visible] = [kind, category, price, visible];
    this.priceRange = priceRange;
  }
}

/** Values found, most found first, then by name. */
function counted(values: string[], counts: number[]): FacetCount[] {
  return values
    .map((value, code) => ({ value, count: counts[code] }))
    .filter((f) => f.count > 0)
    .sort((a, b) => b.count - a.count || a.value.localeCompare(b.value));
}
