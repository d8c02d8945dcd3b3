/**
 * Every rate the simulator draws from, in one place, at scale 1. Calibrated so that a month
 * lands near the store's 100,000 revenue target with an AOV a little above 75: ~1,500 sessions
 * and ~43 orders a day.
 */
import { Weighted } from './random';

export type Channel = 'email' | 'social' | 'paid' | 'organic' | 'referral' | 'direct';
export type Device = 'desktop' | 'mobile' | 'tablet';
export const CHANNELS: readonly Channel[] = ['email', 'social', 'paid', 'organic', 'referral', 'direct'];
export const DEVICES: readonly Device[] = ['desktop', 'mobile', 'tablet'];

export const SESSIONS_PER_DAY = 1500;
/** Funnel as shares of all sessions (cumulative: a purchase session also began checkout and added to cart). */
export const ADD_TO_CART_RATE = 0.092;
export const CHECKOUT_RATE = 0.046;
/** Regular purchases only; cart-recovery orders add ~0.3 points on top. */
export const PURCHASE_RATE = 0.0272;

/** Sunday … Saturday: Monday is the low point, weekends +15 %. Mean is 1. */
const WEEKDAY_RAW = [1.15, 0.86, 0.95, 0.98, 1.0, 1.06, 1.15];
const WEEKDAY_MEAN = WEEKDAY_RAW.reduce((a, b) => a + b, 0) / 7;
export const WEEKDAY_FACTOR = WEEKDAY_RAW.map((f) => f / WEEKDAY_MEAN);
/** Day-to-day noise (log-normal sigma) on top of the weekday factor. */
export const DAY_NOISE_SIGMA = 0.07;

/** Local hour-of-day traffic curve: night low, lunchtime bump, evening peak. */
export const HOUR_WEIGHTS = [
  0.22, 0.14, 0.09, 0.07, 0.07, 0.1, 0.22, 0.42, 0.62, 0.78, 0.88, 0.95,
  1.02, 0.96, 0.9, 0.9, 0.95, 1.05, 1.22, 1.42, 1.52, 1.4, 1.02, 0.55,
];

export const SESSION_CHANNELS = new Weighted<Channel>([
  ['organic', 30], ['direct', 22], ['paid', 20], ['social', 14], ['email', 8], ['referral', 6],
]);
/** Channel mix of purchasing sessions: the base mix times each channel's relative conversion. */
export const PURCHASE_CHANNELS = new Weighted<Channel>([
  ['organic', 30 * 1.0], ['direct', 22 * 1.2], ['paid', 20 * 0.9], ['social', 14 * 0.5], ['email', 8 * 1.6], ['referral', 6 * 1.3],
]);
export const SESSION_DEVICES = new Weighted<Device>([['mobile', 55], ['desktop', 38], ['tablet', 7]]);
export const PURCHASE_DEVICES = new Weighted<Device>([['mobile', 45], ['desktop', 48], ['tablet', 7]]);
export const SESSION_COUNTRIES = new Weighted<string>([['US', 78], ['CA', 10], ['GB', 5], ['AU', 3], ['DE', 2], ['FR', 2]]);

/** Share of anonymous sessions that come back within the day (visitor ids are drawn from a pool this much smaller than the sessions). */
export const VISITOR_POOL_RATIO = 0.8;
/** Sessions (not purchasing) made by a logged-in known customer. */
export const KNOWN_BROWSER_RATE = 0.07;
export const KNOWN_CART_RATE = 0.18;

/** Returning share of regular orders once the store has a customer base; ramps up from 0 at opening. */
export const RETURNING_SHARE = 0.38;
export const RETURNING_RAMP_DAYS = 12;
/** Days back to a returning customer's first order: exponential, so recent customers come back more. */
export const RETURN_LAG_MEAN_DAYS = 40;

export const LINE_COUNTS = new Weighted<number>([[1, 62], [2, 26], [3, 9], [4, 3]]);
export const QUANTITIES = new Weighted<number>([[1, 86], [2, 11], [3, 3]]);
export const TIER_PICK = new Weighted<number>([[0, 40], [1, 33], [2, 20], [3, 7]]);

export const DISCOUNT_RATE = 0.18;
export const FREE_SHIPPING_FROM_CENTS = 7_500;
export const SHIPPING_CENTS = 695;
export const TAX_RATE: Readonly<Record<string, number>> = { US: 0.0725, CA: 0.05 };

export const CANCEL_RATE = 0.015;
/** Expected test orders a day (not scaled: staff place them by hand). */
export const TEST_ORDERS_PER_DAY = 0.3;

/** Verification: required more often for expensive baskets (by highest tier in the order). */
export const VERIFY_BY_TIER = [0.2, 0.22, 0.42, 0.58];
export const VERIFY_FAIL_RATE = 0.08;
export const VERIFY_MISSING_RATE = 0.05;
export const VERIFY_MEDIAN_H = 5;
export const VERIFY_SIGMA = 1.2;
export const VERIFY_DEADLINE_H = 72;
export const SHIP_MEDIAN_H = 14;
export const SHIP_SIGMA = 0.8;
/** Every later event of an order lands within this of placement, inside the ETL's 7-day look-back. */
export const LIFECYCLE_CAP_H = 6.5 * 24;
export const CUSTOMER_REFUND_RATE = 0.02;
export const TICKET_RATE = 0.05;
export const TICKET_REPLY_MEAN_H = 1.5;
export const TICKET_UNANSWERED_RATE = 0.06;
export const LOYALTY_REDEEM_RATE = 0.1;

/** Abandoned carts with a known email get the recovery flow; some come back. */
export const CART_EMAIL_RATE = 0.45;
export const RECOVERY_RATE: Readonly<Record<'A' | 'B', number>> = { A: 0.1, B: 0.125 };
export const RECOVERY_STEP_HOURS = [1, 24, 72];
export const RECOVERY_STEP_SHARE = new Weighted<number>([[1, 50], [2, 30], [3, 20]]);

/** Marketing newsletter: Tuesdays and Fridays at 10:00 local. */
export const NEWSLETTER_WEEKDAYS = [2, 5];
export const NEWSLETTER_HOUR = 10;
export const NEWSLETTER_RECIPIENTS = 4_000;

export const AD_SPEND_CENTS_PER_DAY = 22_000;
export const SOCIAL_IMPRESSIONS_PER_DAY = 2_500;
/** Referrals that convert are ~12 % of referrals sent. */
export const REFERRAL_CONVERSION = 0.12;
