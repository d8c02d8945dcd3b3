/**
 * BG/NBD (Fader, Hardie & Lee 2005, "Counting your customers the easy way"): while alive a
 * customer buys at Poisson rate λ ~ Gamma(r, α); after each purchase they drop out with
 * probability p ~ Beta(a, b). A customer is summarised by x (repeat purchases), tx (time of the
 * last purchase since the first) and T (time since the first purchase), all in days here.
 */
import { hyp2f1, lnBeta, lnGamma, logSumExp } from './special';
import { nelderMead } from './nelderMead';

export interface BgNbdParams {
  r: number;
  alpha: number;
  a: number;
  b: number;
}

export interface RfmSummary {
  /** repeat purchases (purchases after the first) */
  x: number;
  /** days from the first to the last purchase */
  tx: number;
  /** days from the first purchase to the end of the calibration period */
  T: number;
}

/** Log-likelihood of one customer (equation 6 of the paper, in logs). */
export function bgNbdLogLikelihood(p: BgNbdParams, c: RfmSummary): number {
  const { r, alpha, a, b } = p;
  const { x, tx, T } = c;
  const common = lnGamma(r + x) - lnGamma(r) + r * Math.log(alpha) + lnBeta(a, b + x) - lnBeta(a, b);
  const stillAlive = -(r + x) * Math.log(alpha + T);
  const droppedAtTx = x > 0 ? Math.log(a) - Math.log(b + x - 1) - (r + x) * Math.log(alpha + tx) : -Infinity;
  return common + logSumExp(stillAlive, droppedAtTx);
}

export function bgNbdTotalLogLikelihood(p: BgNbdParams, customers: readonly RfmSummary[]): number {
  let ll = 0;
  for (const c of customers) ll += bgNbdLogLikelihood(p, c);
  return ll;
}

/** Probability the customer is still alive at T. */
export function probabilityAlive(p: BgNbdParams, c: RfmSummary): number {
  if (c.x === 0) return 1;
  const { r, alpha, a, b } = p;
  return 1 / (1 + (a / (b + c.x - 1)) * Math.pow((alpha + c.T) / (alpha + c.tx), r + c.x));
}

/** Expected purchases in the next t days given the customer's history (equation 10). */
export function expectedPurchases(p: BgNbdParams, c: RfmSummary, t: number): number {
  const { r, alpha, a, b } = p;
  const { x, tx, T } = c;
  const hyp = hyp2f1(r + x, b + x, a + b + x - 1, t / (alpha + T + t));
  const num = ((a + b + x - 1) / (a - 1)) * (1 - Math.pow((alpha + T) / (alpha + T + t), r + x) * hyp);
  const den = 1 + (x > 0 ? (a / (b + x - 1)) * Math.pow((alpha + T) / (alpha + tx), r + x) : 0);
  return num / den;
}

export interface FitResult<P> {
  params: P;
  logLikelihood: number;
  iterations: number;
  converged: boolean;
}

/**
 * Maximum likelihood by Nelder–Mead on log-parameters (all four are positive), restarted twice
 * from its own optimum with a smaller simplex, which guards against an early stop. The terms
 * that depend only on x are computed once per distinct x and evaluation, which is what keeps a
 * fit over thousands of customers to seconds.
 */
export function fitBgNbd(customers: readonly RfmSummary[], start: BgNbdParams = { r: 1, alpha: 10, a: 1, b: 2 }): FitResult<BgNbdParams> {
  if (customers.length === 0) throw new Error('fitBgNbd: no customers to fit');
  const xs = [...new Set(customers.map((c) => c.x))].sort((p, q) => p - q);
  const slot = new Map(xs.map((x, i) => [x, i]));
  const idx = customers.map((c) => slot.get(c.x)!);
  const common = new Float64Array(xs.length);
  const negLl = (v: number[]): number => {
    const r = Math.exp(v[0]!), alpha = Math.exp(v[1]!), a = Math.exp(v[2]!), b = Math.exp(v[3]!);
    const base = r * Math.log(alpha) - lnGamma(r) - lnBeta(a, b);
    for (let i = 0; i < xs.length; i++) {
      const x = xs[i]!;
      common[i] = base + lnGamma(r + x) + lnBeta(a, b + x);
    }
    let ll = 0;
    for (let k = 0; k < customers.length; k++) {
      const c = customers[k]!;
      const alive = -(r + c.x) * Math.log(alpha + c.T);
      const dropped = c.x > 0 ? Math.log(a / (b + c.x - 1)) - (r + c.x) * Math.log(alpha + c.tx) : -Infinity;
      ll += common[idx[k]!]! + logSumExp(alive, dropped);
    }
    return -ll;
  };
  const toP = (v: number[]): BgNbdParams => ({ r: Math.exp(v[0]!), alpha: Math.exp(v[1]!), a: Math.exp(v[2]!), b: Math.exp(v[3]!) });
  let res = nelderMead(negLl, [start.r, start.alpha, start.a, start.b].map(Math.log), { step: 0.3, tolerance: 1e-10, maxIterations: 3000 });
  let iterations = res.iterations;
  for (let i = 0; i < 2; i++) {
    res = nelderMead(negLl, res.x, { step: 0.05, tolerance: 1e-11, maxIterations: 3000 });
    iterations += res.iterations;
  }
  return { params: toP(res.x), logLikelihood: -res.fx, iterations, converged: res.converged };
}
