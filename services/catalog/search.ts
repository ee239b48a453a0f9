/**
 * Catalog search that every store runs the same way: each product keeps its words in
 * `searchTerms`; a query finds products sharing any word (an array-membership filter every
 * store has), then ranks them here by where the words appear.
 */
const MAX_QUERY_TERMS = 10;
const WEIGHTS = { name: 3, category: 2, sku: 2, description: 1 } as const;

export function words(text: string): string[] {
  return text
    .toLowerCase()
    .normalize("NFKD")
    .replace(/[\u0300-\u036f]/g, "")
    .split(/[^a-z0-9]+/)
    .filter((w) => w.length >= 2);
}

export interface Searchable {
  name: string;
  description: string;
  category: string;
  sku: string;
}

export function searchTerms(product: Searchable): string[] {
  return [
    ...new Set([
      ...words(product.name),
      ...words(product.description),
      ...words(product.category),
      ...words(product.sku),
    ]),
  ];
}

export function queryTerms(query: string): string[] {
  return [...new Set(words(query))].slice(0, MAX_QUERY_TERMS);
}

/** Higher is better: name words weigh most, then category and SKU, then description. */
export function relevance(product: Searchable, terms: string[]): number {
  const fields = Object.keys(WEIGHTS) as (keyof typeof WEIGHTS)[];
  const bag = Object.fromEntries(fields.map((f) => [f, new Set(words(product[f]))]));
  let score = 0;
  for (const term of terms) for (const f of fields) if (bag[f].has(term)) score += WEIGHTS[f];
  if (product.name.toLowerCase() === terms.join(" ")) score += 5;
  return score;
}

export function rankBySearch<T extends Searchable>(products: T[], terms: string[]): T[] {
  return products
    .map((product) => ({ product, score: relevance(product, terms) }))
    .sort((a, b) => b.score - a.score || a.product.name.localeCompare(b.product.name))
    .map((r) => r.product);
}
