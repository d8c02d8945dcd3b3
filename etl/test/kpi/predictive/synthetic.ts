/**
 * Draws a customer population from the BG/NBD and Gamma–Gamma models themselves, with a seeded
 * generator, so a fit can be checked against the parameters that made the data.
 */
import type { BgNbdParams } from '../../../src/kpi/predictive/bgnbd';
import type { GammaGammaParams } from '../../../src/kpi/predictive/gammaGamma';

/** mulberry32: small, fast, good enough for test populations. */
export function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function normal(u: () => number): number {
  return Math.sqrt(-2 * Math.log(1 - u())) * Math.cos(2 * Math.PI * u());
}

/** Gamma(shape, rate) by Marsaglia & Tsang (boosted for shape < 1). */
export function gamma(u: () => number, shape: number, rate: number): number {
  if (shape < 1) return gamma(u, shape + 1, rate) * Math.pow(u(), 1 / shape);
  const d = shape - 1 / 3;
  const c = 1 / Math.sqrt(9 * d);
  for (;;) {
    const x = normal(u);
    const v = Math.pow(1 + c * x, 3);
    if (v <= 0) continue;
    const w = u();
    if (Math.log(w) < 0.5 * x * x + d - d * v + d * Math.log(v)) return (d * v) / rate;
  }
}

export interface SyntheticCustomer {
  /** days from the first purchase to the end of calibration */
  T: number;
  /** purchase times after the first one (days since the first), calibration and holdout together */
  repeats: number[];
  /** value of every purchase, the first one included */
  values: number[];
}

export function population(seed: number, n: number, bg: BgNbdParams, gg: GammaGammaParams, horizonDays: number): SyntheticCustomer[] {
  const u = rng(seed);
  const out: SyntheticCustomer[] = [];
  for (let i = 0; i < n; i++) {
    const T = 180 + u() * 360; // first purchases spread over a year
    const lambda = gamma(u, bg.r, bg.alpha);
    const g1 = gamma(u, bg.a, 1);
    const p = g1 / (g1 + gamma(u, bg.b, 1));
    const nu = gamma(u, gg.q, gg.gamma);
    const repeats: number[] = [];
    let t = 0;
    for (;;) {
      t += -Math.log(1 - u()) / lambda;
      if (t > T + horizonDays) break;
      repeats.push(t);
      if (u() < p) break; // drops out after this purchase
    }
    const values = Array.from({ length: repeats.length + 1 }, () => gamma(u, gg.p, nu));
    out.push({ T, repeats, values });
  }
  return out;
}
