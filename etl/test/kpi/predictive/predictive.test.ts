import { bgNbdLogLikelihood, expectedPurchases, fitBgNbd, probabilityAlive, type RfmSummary } from '../../../src/kpi/predictive/bgnbd';
import { expectedAverageValue, fitGammaGamma } from '../../../src/kpi/predictive/gammaGamma';
import { nelderMead } from '../../../src/kpi/predictive/nelderMead';
import { hyp2f1, lnGamma } from '../../../src/kpi/predictive/special';
import { population } from './synthetic';

describe('numerical pieces', () => {
  it('lnGamma matches known values', () => {
    expect(lnGamma(1)).toBeCloseTo(0, 12);
    expect(lnGamma(5)).toBeCloseTo(Math.log(24), 12);
    expect(lnGamma(0.5)).toBeCloseTo(Math.log(Math.sqrt(Math.PI)), 12);
    expect(lnGamma(101)).toBeCloseTo(363.73937555556347, 9); // ln(100!)
  });

  it('2F1 matches closed forms', () => {
    // 2F1(1, 1; 2; z) = −ln(1 − z) / z;  2F1(a, b; b; z) = (1 − z)^−a
    expect(hyp2f1(1, 1, 2, 0.5)).toBeCloseTo(-Math.log(0.5) / 0.5, 12);
    expect(hyp2f1(2.5, 3, 3, 0.3)).toBeCloseTo(Math.pow(0.7, -2.5), 12);
    expect(() => hyp2f1(1, 1, 2, 1)).toThrow(/z must be/);
  });

  it('Nelder–Mead finds the Rosenbrock minimum', () => {
    const r = nelderMead(([x, y]) => 100 * (y! - x! * x!) ** 2 + (1 - x!) ** 2, [-1.2, 1], { tolerance: 1e-14, maxIterations: 5000 });
    expect(r.converged).toBe(true);
    expect(r.x[0]).toBeCloseTo(1, 4);
    expect(r.x[1]).toBeCloseTo(1, 4);
  });

  it('BG/NBD likelihood of a one-purchase customer equals its closed form', () => {
    // x = 0: L = (α / (α + T))^r (the B(a, b)/B(a, b) factor is 1)
    const p = { r: 0.5, alpha: 10, a: 1.2, b: 3 };
    expect(bgNbdLogLikelihood(p, { x: 0, tx: 0, T: 30 })).toBeCloseTo(0.5 * Math.log(10 / 40), 12);
    // and nobody who never repeated can be dead
    expect(probabilityAlive(p, { x: 0, tx: 0, T: 30 })).toBe(1);
  });
});

describe('fitting a synthetic population recovers its parameters and predicts its future', () => {
  const BG = { r: 0.8, alpha: 40, a: 0.8, b: 4 };
  const GG = { p: 6, q: 4, gamma: 30 };
  const HORIZON = 365;
  const people = population(20260415, 6000, BG, GG, HORIZON);
  const calib: RfmSummary[] = people.map((c) => {
    const inCal = c.repeats.filter((t) => t <= c.T);
    return { x: inCal.length, tx: inCal.length ? inCal[inCal.length - 1]! : 0, T: c.T };
  });
  const bg = fitBgNbd(calib);
  const spend = people.map((c, i) => {
    const x = calib[i]!.x;
    const repeatValues = c.values.slice(1, 1 + x);
    return { x, m: x ? repeatValues.reduce((s, v) => s + v, 0) / x : 0 };
  });
  const gg = fitGammaGamma(spend);

  it('the fit agrees with the plain per-customer log-likelihood', () => {
    const plain = calib.reduce((s, c) => s + bgNbdLogLikelihood(bg.params, c), 0);
    expect(bg.logLikelihood).toBeCloseTo(plain, 6);
  });

  it('BG/NBD: r, α, a, b within tolerance of the truth, and the mean rate r/α within 5 %', () => {
    expect(bg.converged).toBe(true);
    const rel = (got: number, want: number) => Math.abs(got - want) / want;
    // fitted on this seed: r 0.784, α 39.77, a 0.775, b 4.17
    expect(rel(bg.params.r, BG.r)).toBeLessThan(0.1);
    expect(rel(bg.params.alpha, BG.alpha)).toBeLessThan(0.1);
    expect(rel(bg.params.a, BG.a)).toBeLessThan(0.1);
    expect(rel(bg.params.b, BG.b)).toBeLessThan(0.1);
    expect(rel(bg.params.r / bg.params.alpha, BG.r / BG.alpha)).toBeLessThan(0.05);
    // the truth is not more likely than the fit: the optimiser did find the maximum
    const llTruth = calib.reduce((s, c) => s + bgNbdLogLikelihood(BG, c), 0);
    expect(bg.logLikelihood).toBeGreaterThanOrEqual(llTruth);
  });

  it('Gamma–Gamma: p, q, γ within tolerance, the population mean spend within 5 %', () => {
    const rel = (got: number, want: number) => Math.abs(got - want) / want;
    // fitted on this seed: p 5.65, q 4.23, γ 33.9 (p and γ trade off; their ratio to q − 1 is what matters)
    expect(rel(gg.params.p, GG.p)).toBeLessThan(0.15);
    expect(rel(gg.params.q, GG.q)).toBeLessThan(0.15);
    expect(rel(gg.params.gamma, GG.gamma)).toBeLessThan(0.2);
    const mean = (g: typeof GG) => (g.p * g.gamma) / (g.q - 1);
    expect(rel(mean(gg.params), mean(GG))).toBeLessThan(0.05);
  });

  it('predicted purchases in the next 365 days match the held-out ones, overall and by past frequency', () => {
    const actual = people.map((c) => c.repeats.filter((t) => t > c.T && t <= c.T + HORIZON).length);
    const predicted = calib.map((c) => expectedPurchases(bg.params, c, HORIZON));
    const sum = (a: number[]) => a.reduce((s, v) => s + v, 0);
    expect(Math.abs(sum(predicted) - sum(actual)) / sum(actual)).toBeLessThan(0.05);
    for (const [lo, hi] of [[0, 0], [1, 1], [2, 3], [4, 1e9]] as const) {
      const idx = calib.map((c, i) => (c.x >= lo && c.x <= hi ? i : -1)).filter((i) => i >= 0);
      const a = sum(idx.map((i) => actual[i]!));
      const p = sum(idx.map((i) => predicted[i]!));
      expect(Math.abs(p - a) / a).toBeLessThan(0.15);
    }
  });

  it('predicted 12-month revenue (purchases × expected spend) matches the held-out revenue within 10 %', () => {
    let predicted = 0;
    let actual = 0;
    people.forEach((c, i) => {
      predicted += expectedPurchases(bg.params, calib[i]!, HORIZON) * expectedAverageValue(gg.params, spend[i]!);
      c.repeats.forEach((t, k) => {
        if (t > c.T && t <= c.T + HORIZON) actual += c.values[k + 1]!;
      });
    });
    expect(Math.abs(predicted - actual) / actual).toBeLessThan(0.1);
  });
});
