/**
 * Seedable randomness for the simulator. Not cryptographic: it only has to be fast, stable across
 * platforms and Node versions, and addressable, so that any entity (a day, a cart, a customer) can
 * be re-derived from its coordinates without replaying what came before it.
 */

export function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** Folds a JS number seed (possibly > 2^32 or negative) into 32 bits without losing the high part. */
export function seedKey(seed: number): number {
  const int = Math.trunc(seed);
  const lo = int >>> 0;
  const hi = Math.floor(int / 4294967296) >>> 0;
  return fmix32(lo ^ fmix32(hi + 0x9e3779b9));
}

/** Hash of (seed, day, stream, index): the address of one independent random stream. */
export function streamKey(seed: number, day: number, stream: number, index: number): number {
  let h = fmix32(seed ^ 0x5bd1e995);
  h = fmix32(h ^ (day + 0x7f4a7c15));
  h = fmix32(h ^ Math.imul(stream + 1, 0x27d4eb2f));
  return fmix32(h ^ (index + 0x165667b1));
}

/** mulberry32: one 32-bit word of state, so creating one per entity is nearly free. */
export class Rng {
  private state: number;

  constructor(key: number) {
    this.state = key >>> 0;
  }

  static at(seed: number, day: number, stream: number, index: number): Rng {
    return new Rng(streamKey(seed, day, stream, index));
  }

  next(): number {
    this.state = (this.state + 0x6d2b79f5) | 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** Integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  /** Integer in [lo, hi]. */
  intIn(lo: number, hi: number): number {
    return lo + Math.floor(this.next() * (hi - lo + 1));
  }

  range(lo: number, hi: number): number {
    return lo + this.next() * (hi - lo);
  }

  chance(p: number): boolean {
    return this.next() < p;
  }

  normal(): number {
    // Box-Muller; 1 - u keeps log() away from 0.
    const u = 1 - this.next();
    const v = this.next();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }

  exp(mean: number): number {
    return -Math.log(1 - this.next()) * mean;
  }

  logNormal(median: number, sigma: number): number {
    return median * Math.exp(sigma * this.normal());
  }

  poisson(lambda: number): number {
    if (lambda <= 0) return 0;
    if (lambda > 30) return Math.max(0, Math.round(lambda + Math.sqrt(lambda) * this.normal()));
    const limit = Math.exp(-lambda);
    let k = 0;
    let p = this.next();
    while (p > limit) {
      k++;
      p *= this.next();
    }
    return k;
  }

  binomial(n: number, p: number): number {
    if (n <= 0 || p <= 0) return 0;
    if (p >= 1) return n;
    const variance = n * p * (1 - p);
    if (variance > 20) return Math.min(n, Math.max(0, Math.round(n * p + Math.sqrt(variance) * this.normal())));
    if (n * p < 10 && n > 200) return Math.min(n, this.poisson(n * p));
    let k = 0;
    for (let i = 0; i < n; i++) if (this.next() < p) k++;
    return k;
  }

  /** Index drawn from a cumulative weight table whose last entry is the total. */
  pickCumulative(cumulative: readonly number[]): number {
    const total = cumulative[cumulative.length - 1] ?? 0;
    const x = this.next() * total;
    for (let i = 0; i < cumulative.length; i++) if (x < (cumulative[i] ?? 0)) return i;
    return cumulative.length - 1;
  }

  pick<T>(items: readonly T[]): T {
    const item = items[this.int(items.length)];
    if (item === undefined) throw new Error('pick from an empty list');
    return item;
  }
}

export function cumulative(weights: readonly number[]): number[] {
  let sum = 0;
  return weights.map((w) => (sum += w));
}

/** A weighted choice among labelled options, precomputed once. */
export class Weighted<T> {
  private readonly cum: number[];
  private readonly values: T[];

  constructor(entries: ReadonlyArray<readonly [T, number]>) {
    this.values = entries.map((e) => e[0]);
    this.cum = cumulative(entries.map((e) => e[1]));
  }

  draw(rng: Rng): T {
    const v = this.values[rng.pickCumulative(this.cum)];
    if (v === undefined) throw new Error('empty weighted table');
    return v;
  }
}
