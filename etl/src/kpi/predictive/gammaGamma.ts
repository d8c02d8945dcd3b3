/**
 * Gamma–Gamma spend model (Fader, Hardie & Lee 2005, "RFM and CLV"; Colombo & Jiang 1999): a
 * customer's transaction values are Gamma(p, ν), with ν ~ Gamma(q, γ) across customers, so the
 * mean spend of a customer with x repeat transactions of mean m is shrunk towards the
 * population mean p·γ / (q − 1). Fitted on customers with at least one repeat transaction.
 */
import { lnGamma } from './special';
import { nelderMead } from './nelderMead';
import type { FitResult } from './bgnbd';

export interface GammaGammaParams {
  p: number;
  q: number;
  gamma: number;
}

export interface SpendSummary {
  /** number of transactions the mean is over (repeat transactions) */
  x: number;
  /** mean transaction value (currency units) */
  m: number;
}

export function gammaGammaLogLikelihood(g: GammaGammaParams, c: SpendSummary): number {
  const { p, q, gamma } = g;
  const { x, m } = c;
  return (
    lnGamma(p * x + q) - lnGamma(p * x) - lnGamma(q) + q * Math.log(gamma) + (p * x - 1) * Math.log(m) + p * x * Math.log(x) -
    (p * x + q) * Math.log(gamma + x * m)
  );
}

/** Expected mean transaction value of a customer; for x = 0 the population mean. */
export function expectedAverageValue(g: GammaGammaParams, c: SpendSummary): number {
  const { p, q, gamma } = g;
  const population = (p * gamma) / (q - 1);
  if (c.x === 0) return population;
  const w = (p * c.x) / (p * c.x + q - 1);
  return (1 - w) * population + w * c.m;
}

export function fitGammaGamma(customers: readonly SpendSummary[], start: GammaGammaParams = { p: 2, q: 3, gamma: 10 }): FitResult<GammaGammaParams> {
  const usable = customers.filter((c) => c.x > 0 && c.m > 0);
  if (usable.length === 0) throw new Error('fitGammaGamma: no customer with a repeat purchase of positive value');
  const toP = (v: number[]): GammaGammaParams => ({ p: Math.exp(v[0]!), q: Math.exp(v[1]!), gamma: Math.exp(v[2]!) });
  const f = (v: number[]) => {
    const g = toP(v);
    let ll = 0;
    for (const c of usable) ll += gammaGammaLogLikelihood(g, c);
    return -ll;
  };
  let res = nelderMead(f, [start.p, start.q, start.gamma].map(Math.log), { step: 0.3, tolerance: 1e-10, maxIterations: 3000 });
  let iterations = res.iterations;
  for (let i = 0; i < 2; i++) {
    res = nelderMead(f, res.x, { step: 0.05, tolerance: 1e-11, maxIterations: 3000 });
    iterations += res.iterations;
  }
  return { params: toP(res.x), logLikelihood: -res.fx, iterations, converged: res.converged };
}
