import { createHash } from "node:crypto";

/** How a variant has done: messages sent, and how many of them won (a click or an order). */
export interface VariantStats {
  sent: number;
  won: number;
}

/**
 * A user's place in [0, 1) for a template: the same user and template always land on the same
 * spot, and different templates split users independently.
 */
export function stablePoint(userId: string, templateId: string): number {
  const digest = createHash("sha256").update(`${templateId}\u0000${userId}`).digest();
  return digest.readUIntBE(0, 6) / 2 ** 48;
}

/** The variant whose share of [0, 1) holds the user's point. */
export function variantFor(userId: string, templateId: string, weights: number[]): number {
  const total = weights.reduce((a, b) => a + b, 0);
  const point = stablePoint(userId, templateId) * total;
  let reached = 0;
  for (let i = 0; i < weights.length; i++) {
    reached += weights[i];
    if (point < reached) return i;
  }
  return weights.length - 1;
}

export interface SplitOptions {
  /** Samples of the posterior; more is steadier. */
  draws?: number;
  /** No variant drops below this share: the loser keeps being measured. */
  floor?: number;
  random?: () => number;
}

/**
 * Thompson sampling: each variant's share is how often it is the best in draws from its Beta
 * posterior (one success and one failure assumed before any data). A variant with no data
 * shares evenly; one that wins more gets more, never all.
 */
export function splitByResults(stats: VariantStats[], options: SplitOptions = {}): number[] {
  const { draws = 2000, floor = 0.05, random = Math.random } = options;
  const best = stats.map(() => 0);
  for (let d = 0; d < draws; d++) {
    let top = 0;
    let topValue = -1;
    stats.forEach((s, i) => {
      const value = sampleBeta(1 + s.won, 1 + Math.max(0, s.sent - s.won), random);
      if (value > topValue) [top, topValue] = [i, value];
    });
    best[top]++;
  }
  const raw = best.map((b) => b / draws);
  const floored = raw.map((share) => Math.max(share, floor));
  const sum = floored.reduce((a, b) => a + b, 0);
  return floored.map((share) => share / sum);
}

/** Beta(a, b) from two gamma draws. */
function sampleBeta(a: number, b: number, random: () => number): number {
  const x = sampleGamma(a, random);
  const y = sampleGamma(b, random);
  return x / (x + y);
}

/** Gamma(shape, 1) by Marsaglia and Tsang's method (shape >= 1 here: counts plus one). */
function sampleGamma(shape: number, random: () => number): number {
  const d = shape - 1 / 3;
  const c = 1 / Math.sqrt(9 * d);
  for (;;) {
    let x: number;
    let v: number;
    do {
      x = sampleNormal(random);
      v = 1 + c * x;
    } while (v <= 0);
    v = v * v * v;
    const u = random();
    if (u < 1 - 0.0331 * x ** 4) return d * v;
    if (Math.log(u) < 0.5 * x * x + d * (1 - v + Math.log(v))) return d * v;
  }
}

function sampleNormal(random: () => number): number {
  const u = 1 - random();
  const v = random();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
}
