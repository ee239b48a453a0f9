import {
  splitByResults,
  stablePoint,
  variantFor,
} from "../../services/engagement/content/variants";

/** A seeded generator (mulberry32), so a split is the same on every run. */
function seeded(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const users = Array.from({ length: 4000 }, (_, i) => `user-${i}`);

describe("variants of a template", () => {
  test("When a user meets a template again, then they get the same variant; another template splits them anew", () => {
    const even = [1, 1, 1];
    for (const user of users.slice(0, 50))
      expect(variantFor(user, "cart-reminder", even)).toBe(variantFor(user, "cart-reminder", even));
    const here = users.map((u) => variantFor(u, "cart-reminder", even));
    const there = users.map((u) => variantFor(u, "win-back", even));
    const same = here.filter((v, i) => v === there[i]).length / users.length;
    expect(same).toBeGreaterThan(0.28);
    expect(same).toBeLessThan(0.39);
  });

  test("When the split is even, then each variant gets about its share; when weighted, then the weights", () => {
    const count = (weights: number[]) => {
      const counts = weights.map(() => 0);
      for (const user of users) counts[variantFor(user, "t", weights)]++;
      return counts.map((c) => c / users.length);
    };
    for (const share of count([1, 1])) expect(share).toBeCloseTo(0.5, 1);
    const [small, large] = count([0.2, 0.8]);
    expect(small).toBeCloseTo(0.2, 1);
    expect(large).toBeCloseTo(0.8, 1);
    expect(stablePoint("u", "t")).toBeGreaterThanOrEqual(0);
    expect(stablePoint("u", "t")).toBeLessThan(1);
  });

  test("When nothing is measured yet, then the variants share evenly", () => {
    const split = splitByResults(
      [
        { sent: 0, won: 0 },
        { sent: 0, won: 0 },
        { sent: 0, won: 0 },
      ],
      { random: seeded(1) },
    );
    for (const share of split) expect(share).toBeCloseTo(1 / 3, 1);
  });

  test("When one variant wins more, then it gets more traffic, and the other keeps its floor", () => {
    const split = splitByResults(
      [
        { sent: 1000, won: 30 },
        { sent: 1000, won: 60 },
      ],
      { random: seeded(2) },
    );
    expect(split[1]).toBeGreaterThan(0.9);
    expect(split[0]).toBeGreaterThanOrEqual(0.045);
    expect(split[0] + split[1]).toBeCloseTo(1, 10);
  });

  test("When the evidence is thin, then the split leans only a little", () => {
    const split = splitByResults(
      [
        { sent: 10, won: 1 },
        { sent: 10, won: 2 },
      ],
      { random: seeded(3) },
    );
    expect(split[1]).toBeGreaterThan(0.5);
    expect(split[1]).toBeLessThan(0.85);
  });
});
