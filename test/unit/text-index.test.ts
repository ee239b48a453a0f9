import MiniSearch from "minisearch";
import { editsAllowed, limitTerms } from "../../services/search/search-index";
import { best, TextIndex, type QueryWord } from "../../services/search/text-index";
import { SEARCH_CORPUS } from "../fixtures/search-corpus";

/**
 * The index scores as MiniSearch does (the engine the relevance tests were written against):
 * the same documents, queries of every kind, the same matches in the same order with the same
 * scores. MiniSearch is the oracle here, not a stand-in: it runs as it did in the service.
 */
const BOOST = { title: 6, sku: 3, category: 3, summary: 1 };

const words = (q: string): QueryWord[] => {
  const terms = limitTerms(q).toLowerCase().split(" ").filter(Boolean);
  return terms.map((term, i) => ({
    term,
    prefix: i === terms.length - 1,
    edits: editsAllowed(term),
  }));
};

const NOUNS = ["table", "chair", "lamp", "towel", "bowl", "vase", "blanket", "frame", "clock"];
const docs = [
  ...SEARCH_CORPUS,
  ...Array.from({ length: 2000 }, (_, i) => ({
    id: `product:t${i}`,
    title: `${["Oak", "Copper", "Linen", "Brass"][i % 4]} ${NOUNS[(i * 7) % NOUNS.length]} ${i}`,
    summary: `Pairs with a ${NOUNS[(i * 3) % NOUNS.length]}; ${i % 5 === 0 ? "lamp lamp" : "wood"}.`,
    category: ["home", "kitchen", "lighting"][i % 3],
    ...(i % 4 === 0 ? { sku: `SKU-${i}` } : {}),
  })),
];

function engines() {
  const mini = new MiniSearch<(typeof docs)[number]>({
    fields: Object.keys(BOOST),
    storeFields: [],
    searchOptions: {
      boost: BOOST,
      prefix: (_term, i, terms) => i === terms.length - 1,
      fuzzy: (term) => editsAllowed(term),
    },
  });
  const text = new TextIndex(BOOST);
  const ids: string[] = [];
  for (const doc of docs) {
    mini.add(doc);
    ids[text.set(doc.id, doc as Record<string, string | undefined>)] = doc.id;
  }
  return { mini, text, ids };
}

describe("scoring as MiniSearch scores", () => {
  const { mini, text, ids } = engines();

  test.each([
    "lamp",
    "lamb",
    "desk lamp",
    "photosynthsis",
    "photosynth",
    "copper lamp 12",
    "oak oak table",
    "sku-4",
    "blankett",
    "l",
    "pairs with",
    "zzzz",
  ])(
    "When the query is %p, then the same matches come in the same order with the same scores",
    (q) => {
      const expected = mini.search(limitTerms(q), { combineWith: "OR" });
      const found = text.match(words(q));
      const order = best(
        Array.from({ length: found.count }, (_, i) => i),
        found.scores,
        found.count,
      );
      expect(order.map((i) => ids[found.slots[i]])).toEqual(expected.map((r) => r.id));
      order.forEach((i, n) => expect(found.scores[i]).toBe(expected[n].score));
      order.forEach((i, n) => expect(found.words[i]).toBe(expected[n].queryTerms.length));
    },
  );

  test("When documents change, many of them and more than once, then each is found by its new words only, and scores stay MiniSearch's", async () => {
    const fresh = engines();
    // Every third generated document, told three times: their old entries outnumber the live
    // ones, so the postings are compacted along the way.
    for (let round = 0; round < 3; round++)
      for (let i = 20; i < docs.length; i += 3) {
        const changed = {
          ...docs[i],
          title: `Renamed beacon ${round} ${i % 7 === 0 ? "lamp" : "stool"}`,
          summary: round === 2 ? "Nothing else." : docs[i].summary,
        };
        fresh.mini.discard(changed.id);
        fresh.mini.add(changed);
        fresh.text.set(changed.id, changed as Record<string, string | undefined>);
      }
    await fresh.mini.vacuum();
    for (const q of ["beacon", "lamp", "stool 2", "renamed beacon 1", docs[20].title, "pairs"]) {
      const expected = fresh.mini.search(limitTerms(q), { combineWith: "OR" });
      const found = fresh.text.match(words(q));
      const order = best(
        Array.from({ length: found.count }, (_, i) => i),
        found.scores,
        found.count,
      );
      expect(order.map((i) => fresh.ids[found.slots[i]])).toEqual(expected.map((r) => r.id));
      order.forEach((i, n) => expect(found.scores[i]).toBe(expected[n].score));
    }
    // The words no document holds any more are gone from both vocabularies.
    expect(fresh.text.terms).toBe(fresh.mini.termCount);
  });

  test("When one document's words change a thousand times, then the vocabulary holds only its words of now, and its old words find nothing", () => {
    const text = new TextIndex(BOOST);
    text.set("other", { title: "Walnut shelf" });
    for (let i = 0; i < 1000; i++)
      text.set("churn", { title: `Lamp edition${i}`, summary: "Warm" });
    expect(text.terms).toBe(5); // walnut, shelf, lamp, edition999, warm
    expect(text.match(words("edition998")).count).toBe(1); // a typo away from edition999
    expect(text.match([{ term: "edition5", prefix: false, edits: 0 }]).count).toBe(0);
    text.set("churn", { title: "Walnut" });
    expect(text.terms).toBe(2); // walnut, shelf
    expect(text.match(words("lamp")).count).toBe(0);
    expect(text.match(words("walnut")).count).toBe(2);
  });
});

describe("the best few of many", () => {
  test("When k of n are asked for, then they are the k best, ties in the order found", () => {
    const scores = Float64Array.from([1, 5, 3, 5, 2, 4, 0, 5, 1, 3]);
    const all = Array.from({ length: scores.length }, (_, i) => i);
    expect(best(all, scores, 3)).toEqual([1, 3, 7]);
    expect(best(all, scores, 1)).toEqual([1]);
    expect(best(all, scores, 0)).toEqual([]);
    expect(best([9, 2, 4], scores, 2)).toEqual([2, 9]);
    expect(best(all, scores, 50)).toEqual([1, 3, 7, 5, 2, 9, 4, 0, 8, 6]);
  });
});
