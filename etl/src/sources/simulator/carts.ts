/**
 * The story of one add-to-cart session, derived from its own random stream (day, index) so
 * that any day can look at another day's carts (returning customers, cart recovery, referrals)
 * without generating that whole day. Regular purchases are carts [0, purchases).
 */
import { META_CAMPAIGNS, type Variant } from './catalog';
import { planFor, sampleInstant, Stream, type SimContext } from './context';
import { basketSubtotal, drawBasket, type BasketLine } from './basket';
import { newCustomer, pickExistingCustomer, type CustomerRef } from './customers';
import { ids } from './ids';
import { HOUR_MS, MINUTE_MS } from './localTime';
import {
  CART_EMAIL_RATE, KNOWN_CART_RATE, PURCHASE_CHANNELS, PURCHASE_DEVICES, RECOVERY_RATE, RECOVERY_STEP_HOURS, RECOVERY_STEP_SHARE,
  SESSION_CHANNELS, SESSION_COUNTRIES, SESSION_DEVICES, VISITOR_POOL_RATIO, type Channel, type Device,
} from './model';
import { newsletterBefore } from './newsletter';
import { Rng, Weighted } from './random';

export type CartStage = 'cart' | 'checkout' | 'payment';

export interface CartStory {
  dn: number;
  j: number;
  purchased: boolean;
  beganCheckout: boolean;
  sessionStart: number;
  cartCreated: number;
  /** For purchases, the moment of the order. */
  lastActivity: number;
  checkoutStart: number | null;
  placedAt: number | null;
  channel: Channel;
  device: Device;
  country: string;
  visitorId: string;
  /** The visitor's pool number, or the customer id for known customers: what distinct-visitor counts hash. */
  visitorKey: number | string;
  campaignId: string | null;
  /** The buyer for purchases; a logged-in known customer (or null) for the rest. */
  customer: CustomerRef | null;
  lines: BasketLine[];
  subtotalCents: number;
  stage: CartStage;
}

const META_PICK = new Weighted<string>(META_CAMPAIGNS.map((c) => [c.id, c.orderShare] as const));
const BUDGET_PICK = new Weighted<string>(META_CAMPAIGNS.map((c) => [c.id, c.budgetShare] as const));

export function attributedCampaign(ctx: SimContext, rng: Rng, channel: Channel, dn: number, at: number, purchasing: boolean): string | null {
  if (channel === 'paid') return (purchasing ? META_PICK : BUDGET_PICK).draw(rng);
  if (channel === 'email') return newsletterBefore(ctx, dn, at);
  return null;
}

/** The channel alone: the first draw of the cart's stream, so referral look-ups skip the rest. */
export function cartChannel(ctx: SimContext, dn: number, j: number): Channel {
  const rng = Rng.at(ctx.seed, dn, Stream.CART, j);
  return j < planFor(ctx, dn).purchases ? PURCHASE_CHANNELS.draw(rng) : SESSION_CHANNELS.draw(rng);
}

export function cartStory(ctx: SimContext, dn: number, j: number): CartStory {
  const plan = planFor(ctx, dn);
  const rng = Rng.at(ctx.seed, dn, Stream.CART, j);
  const purchased = j < plan.purchases;
  const beganCheckout = j < plan.checkout;
  const channel = purchased ? PURCHASE_CHANNELS.draw(rng) : SESSION_CHANNELS.draw(rng);
  const device = purchased ? PURCHASE_DEVICES.draw(rng) : SESSION_DEVICES.draw(rng);
  const country = SESSION_COUNTRIES.draw(rng);
  const anchor = sampleInstant(ctx, rng, dn);
  const browse = rng.range(2, 15) * MINUTE_MS;
  const toCheckout = rng.range(2, 12) * MINUTE_MS;
  const toPlace = rng.range(1, 8) * MINUTE_MS;
  const idle = rng.range(1, 25) * MINUTE_MS;
  const dayStart = ctx.clock.start(dn);

  let sessionStart: number;
  let cartCreated: number;
  let checkoutStart: number | null = null;
  let placedAt: number | null = null;
  let lastActivity: number;
  if (purchased) {
    // Anchor on the order so it stays inside its day; earlier steps are clamped to the day start.
    placedAt = anchor;
    sessionStart = Math.max(dayStart, anchor - toPlace - toCheckout - browse);
    cartCreated = Math.max(sessionStart, anchor - toPlace - toCheckout);
    checkoutStart = Math.max(cartCreated, anchor - toPlace);
    lastActivity = anchor;
  } else {
    cartCreated = anchor;
    sessionStart = Math.max(dayStart, anchor - browse);
    if (beganCheckout) checkoutStart = anchor + toCheckout;
    lastActivity = (checkoutStart ?? anchor) + idle;
  }
  sessionStart = Math.floor(sessionStart);
  cartCreated = Math.floor(cartCreated);
  if (checkoutStart !== null) checkoutStart = Math.floor(checkoutStart);
  lastActivity = Math.floor(lastActivity);

  let customer: CustomerRef | null;
  if (purchased) customer = j < plan.newCustomers ? newCustomer(dn, j) : (pickExistingCustomer(ctx, rng, dn) ?? newCustomer(dn, j));
  else customer = rng.chance(KNOWN_CART_RATE) ? pickExistingCustomer(ctx, rng, dn) : null;
  const visitorKey = customer ? customer.id : rng.int(Math.max(1, Math.floor(plan.sessions * VISITOR_POOL_RATIO)));
  const visitorId = typeof visitorKey === 'string' ? ids.customerVisitor(visitorKey) : ids.visitor(dn, visitorKey);
  const campaignId = attributedCampaign(ctx, rng, channel, dn, sessionStart, purchased);
  const lines = drawBasket(rng);
  const stage: CartStage = purchased ? 'payment' : beganCheckout ? (rng.chance(0.4) ? 'payment' : 'checkout') : 'cart';
  return {
    dn, j, purchased, beganCheckout, sessionStart, cartCreated, lastActivity, checkoutStart, placedAt, channel, device, country,
    visitorId, visitorKey, campaignId, customer, lines, subtotalCents: basketSubtotal(lines), stage,
  };
}

/** What happens to an abandoned cart: recovery emails and, sometimes, a late order. */
export interface RecoveryFate {
  hasEmail: boolean;
  variant: Variant;
  /** Step (1–3) whose email brought the customer back, or 0. */
  recoveredStep: number;
  /** Hours from that email to the order. */
  delayHours: number;
}

export function recoveryFate(ctx: SimContext, dn: number, j: number): RecoveryFate {
  const rng = Rng.at(ctx.seed, dn, Stream.RECOVERY, j);
  const hasEmail = rng.chance(CART_EMAIL_RATE);
  const variant: Variant = rng.chance(0.5) ? 'A' : 'B';
  const recovers = rng.chance(RECOVERY_RATE[variant]);
  const step = RECOVERY_STEP_SHARE.draw(rng);
  const delay = Math.min(rng.logNormal(2, 1), 20);
  return { hasEmail, variant, recoveredStep: hasEmail && recovers ? step : 0, delayHours: delay };
}

/** Send instants of the recovery emails this cart gets (stopping at the one that recovered it). */
export function recoveryEmailTimes(story: CartStory, fate: RecoveryFate): number[] {
  if (!fate.hasEmail || story.purchased) return [];
  const steps = fate.recoveredStep > 0 ? fate.recoveredStep : RECOVERY_STEP_HOURS.length;
  const out: number[] = [];
  for (let s = 0; s < steps; s++) out.push(story.lastActivity + (RECOVERY_STEP_HOURS[s] ?? 0) * HOUR_MS);
  return out;
}

export function recoveredOrderAt(story: CartStory, fate: RecoveryFate): number | null {
  if (fate.recoveredStep === 0 || story.purchased) return null;
  const emails = recoveryEmailTimes(story, fate);
  const last = emails[emails.length - 1];
  return last === undefined ? null : Math.floor(last + fate.delayHours * HOUR_MS);
}
