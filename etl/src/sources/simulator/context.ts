/**
 * Shared state of one simulator instance: options, the day clock and memo tables. Everything
 * memoised here is a pure function of (options, day), so caching never changes an answer; it
 * only saves re-deriving the same day plan or day start when days refer to their neighbours.
 */
import { DayClock, weekday } from './localTime';
import { cumulative, Rng, seedKey } from './random';
import {
  ADD_TO_CART_RATE, CHECKOUT_RATE, DAY_NOISE_SIGMA, HOUR_WEIGHTS, PURCHASE_RATE, REFERRAL_CONVERSION, RETURNING_RAMP_DAYS,
  RETURNING_SHARE, SESSIONS_PER_DAY, TEST_ORDERS_PER_DAY, WEEKDAY_FACTOR, PURCHASE_CHANNELS,
} from './model';

/** Independent random streams; the numbers are part of the output's identity, so never renumber them. */
export const Stream = {
  PLAN: 1, CART: 2, BACKGROUND: 3, RECOVERY: 4, ORDER: 5, CUSTOMER: 6, TEST_ORDER: 7, MARKETING: 8,
  PROBES: 9, INVENTORY: 10, REFERRAL: 11, RECOVERED_ORDER: 12, RECOVERY_SESSION: 13, RECOVERY_EMAIL: 14,
} as const;

export interface DayPlan {
  dn: number;
  /** Weekday × noise; multiplies every volume of the day. */
  factor: number;
  sessions: number;
  /** Carts (add-to-cart sessions) are session indices [0, addToCart). */
  addToCart: number;
  /** Checkout sessions are [0, checkout). */
  checkout: number;
  /** Regular purchases are [0, purchases). */
  purchases: number;
  /** New customers' first orders are [0, newCustomers); the rest of the purchases are returning customers. */
  newCustomers: number;
  testOrders: number;
  unconvertedReferrals: number;
}

export interface SimContext {
  seed: number;
  scale: number;
  timeZone: string;
  openedDn: number;
  clock: DayClock;
  plans: Map<number, DayPlan>;
  hourCumulative: number[];
}

export function createContext(seed: number, scale: number, timeZone: string, openedDn: number): SimContext {
  if (!Number.isFinite(seed)) throw new Error(`simulator seed must be a finite number, got ${seed}`);
  if (!(scale > 0) || !Number.isFinite(scale)) throw new Error(`simulator scale must be > 0, got ${scale}`);
  return { seed: seedKey(seed), scale, timeZone, openedDn, clock: new DayClock(timeZone), plans: new Map(), hourCumulative: cumulative(HOUR_WEIGHTS) };
}

/** Share of regular purchases made through referral sessions: feeds the expected unconverted referrals. */
const REFERRAL_PURCHASE_SHARE = (() => {
  const rng = new Rng(12345);
  let hits = 0;
  for (let i = 0; i < 20000; i++) if (PURCHASE_CHANNELS.draw(rng) === 'referral') hits++;
  return hits / 20000;
})();

export function planFor(ctx: SimContext, dn: number): DayPlan {
  const cached = ctx.plans.get(dn);
  if (cached) return cached;
  const rng = Rng.at(ctx.seed, dn, Stream.PLAN, 0);
  const factor = (WEEKDAY_FACTOR[weekday(dn)] ?? 1) * Math.exp(DAY_NOISE_SIGMA * rng.normal());
  const sessions = rng.poisson(SESSIONS_PER_DAY * ctx.scale * factor);
  const purchases = rng.binomial(sessions, PURCHASE_RATE);
  const checkout = purchases + rng.binomial(sessions - purchases, (CHECKOUT_RATE - PURCHASE_RATE) / (1 - PURCHASE_RATE));
  const addToCart = checkout + rng.binomial(sessions - checkout, (ADD_TO_CART_RATE - CHECKOUT_RATE) / (1 - CHECKOUT_RATE));
  const age = dn - ctx.openedDn;
  const returningShare = age <= 0 ? 0 : RETURNING_SHARE * (1 - Math.exp(-age / RETURNING_RAMP_DAYS));
  const newCustomers = purchases - rng.binomial(purchases, returningShare);
  const testOrders = rng.poisson(TEST_ORDERS_PER_DAY);
  const expectedConverted = SESSIONS_PER_DAY * ctx.scale * factor * PURCHASE_RATE * (1 - returningShare) * REFERRAL_PURCHASE_SHARE;
  const unconvertedReferrals = rng.poisson((expectedConverted * (1 - REFERRAL_CONVERSION)) / REFERRAL_CONVERSION);
  const plan: DayPlan = { dn, factor, sessions, addToCart, checkout, purchases, newCustomers, testOrders, unconvertedReferrals };
  ctx.plans.set(dn, plan);
  return plan;
}

/** An instant in local day dn, distributed along the hour-of-day curve. */
export function sampleInstant(ctx: SimContext, rng: Rng, dn: number): number {
  const start = ctx.clock.start(dn);
  const length = ctx.clock.end(dn) - start;
  const hour = rng.pickCumulative(ctx.hourCumulative);
  // On 23/25-hour days the curve stretches over the real length so every instant stays in the day.
  return start + Math.floor(((hour + rng.next()) / 24) * length);
}

/** Share of the day's traffic that has happened by instant t (0 before the day, 1 after). */
export function dayTrafficShare(ctx: SimContext, dn: number, t: number): number {
  const start = ctx.clock.start(dn);
  const length = ctx.clock.end(dn) - start;
  if (t <= start) return 0;
  if (t >= start + length) return 1;
  const hours = ((t - start) / length) * 24;
  const h = Math.floor(hours);
  const before = h > 0 ? (ctx.hourCumulative[h - 1] ?? 0) : 0;
  const within = (ctx.hourCumulative[h] ?? 0) - before;
  const total = ctx.hourCumulative[ctx.hourCumulative.length - 1] ?? 1;
  return (before + within * (hours - h)) / total;
}
