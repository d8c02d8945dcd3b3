/**
 * One order's whole life, decided at placement from its own random stream, then shown as the
 * outside world would see it at any instant (asOf): status, verification, shipment, refunds,
 * tickets and loyalty points appear only once their moment has passed.
 */
import { CARRIERS, LOCATIONS } from './catalog';
import type { SimContext } from './context';
import { allocateLargestRemainder } from '../../util/allocate';
import { itemsSummary, type BasketLine } from './basket';
import type { CustomerRef } from './customers';
import { HOUR_MS, MINUTE_MS, DAY_MS } from './localTime';
import {
  CANCEL_RATE, CUSTOMER_REFUND_RATE, DISCOUNT_RATE, FREE_SHIPPING_FROM_CENTS, LIFECYCLE_CAP_H, LOYALTY_REDEEM_RATE, SHIP_MEDIAN_H,
  SHIP_SIGMA, SHIPPING_CENTS, TAX_RATE, TICKET_RATE, TICKET_REPLY_MEAN_H, TICKET_UNANSWERED_RATE, VERIFY_BY_TIER, VERIFY_DEADLINE_H,
  VERIFY_FAIL_RATE, VERIFY_MEDIAN_H, VERIFY_MISSING_RATE, VERIFY_SIGMA, type Channel,
} from './model';
import { Weighted, type Rng } from './random';
import type { RowSink } from './rows';

export interface OrderInput {
  orderId: string;
  placedAt: number;
  customer: CustomerRef | null;
  lines: readonly BasketLine[];
  channel: Channel;
  campaignId: string | null;
  sessionId: string | null;
  cartId: string | null;
  country: string;
  isTest: boolean;
  /** Whether the buyer had ordered before (loyalty redemptions only happen then). */
  returning: boolean;
}

export interface OrderLineStory {
  line: BasketLine;
  subtotalCents: number;
  discountCents: number;
}

export interface RefundStory {
  id: string;
  at: number;
  amountCents: number;
  shippingCents: number;
  reason: 'verification_failed' | 'verification_missing' | 'customer_request';
  full: boolean;
}

export interface OrderStory extends OrderInput {
  locationIndex: number;
  cancelled: boolean;
  lineStories: OrderLineStory[];
  subtotalCents: number;
  discountCents: number;
  shippingCents: number;
  taxCents: number;
  totalCents: number;
  requiresVerification: boolean;
  verification: { outcome: 'verified' | 'failed' | 'expired'; at: number } | null;
  shippedAt: number | null;
  deliveredAt: number | null;
  carrier: string;
  refunds: RefundStory[];
  paymentMethod: string;
  ticket: { openedAt: number; firstReplyAt: number | null; closedAt: number | null; channel: string } | null;
  redeemPoints: number;
}

const LOCATION_PICK = new Weighted<number>(LOCATIONS.map((l, i) => [i, l.share] as const));
const PAYMENT_METHODS = new Weighted<string>([['card', 68], ['paypal', 17], ['apple_pay', 11], ['google_pay', 4]]);
const TICKET_CHANNELS = new Weighted<string>([['email', 55], ['chat', 35], ['phone', 10]]);

function drawDiscount(rng: Rng, subtotal: number): number {
  if (!rng.chance(DISCOUNT_RATE)) return 0;
  if (rng.chance(0.65)) return Math.round((subtotal * rng.pick([10, 15, 20])) / 100);
  return Math.min(subtotal, rng.pick([500, 1000]));
}

export function buildOrder(_ctx: SimContext, input: OrderInput, rng: Rng): OrderStory {
  const placed = input.placedAt;
  const cap = placed + LIFECYCLE_CAP_H * HOUR_MS;
  const locationIndex = LOCATION_PICK.draw(rng);
  const lineSubtotals = input.lines.map((l) => l.product.priceCents * l.quantity);
  const subtotal = lineSubtotals.reduce((a, b) => a + b, 0);
  const discount = drawDiscount(rng, subtotal);
  const allocated = allocateLargestRemainder(discount, lineSubtotals);
  const lineStories = input.lines.map((line, i) => ({ line, subtotalCents: lineSubtotals[i] ?? 0, discountCents: allocated[i] ?? 0 }));
  const net = subtotal - discount;
  const shipping = net >= FREE_SHIPPING_FROM_CENTS ? 0 : SHIPPING_CENTS;
  const tax = Math.round(net * (TAX_RATE[input.country] ?? 0));
  const cancelled = !input.isTest && rng.chance(CANCEL_RATE);
  const maxTier = input.lines.reduce((m, l) => Math.max(m, l.product.tierIndex), 0);
  const requiresVerification = !input.isTest && !cancelled && rng.chance(VERIFY_BY_TIER[maxTier] ?? 0.3);

  // Drawn for every order so an order's other draws do not depend on which branch it took.
  const outcomeDraw = rng.next();
  const verifyDelayH = rng.logNormal(VERIFY_MEDIAN_H, VERIFY_SIGMA);
  const shipDelayH = rng.logNormal(SHIP_MEDIAN_H, SHIP_SIGMA);
  const deliverDays = rng.range(2, 5);
  const carrier = rng.pick(CARRIERS);
  const refundDraw = rng.next();
  const refundAfterDays = rng.range(1, 4);
  const refundFull = rng.chance(0.5);
  const refundLine = rng.int(input.lines.length);
  const paymentMethod = PAYMENT_METHODS.draw(rng);
  const ticketDraw = rng.next();
  const ticketAfterH = rng.exp(30);
  const replyH = rng.exp(TICKET_REPLY_MEAN_H);
  const unanswered = rng.chance(TICKET_UNANSWERED_RATE);
  const closeH = rng.exp(8);
  const ticketChannel = TICKET_CHANNELS.draw(rng);
  const redeem = rng.chance(LOYALTY_REDEEM_RATE) ? 100 * rng.intIn(1, 4) : 0;

  let verification: OrderStory['verification'] = null;
  const refunds: RefundStory[] = [];
  let shippedAt: number | null = null;
  let deliveredAt: number | null = null;
  const valid = !input.isTest && !cancelled;
  if (requiresVerification) {
    if (outcomeDraw < VERIFY_FAIL_RATE) {
      const at = placed + Math.min(verifyDelayH, VERIFY_DEADLINE_H - 1) * HOUR_MS;
      verification = { outcome: 'failed', at };
      refunds.push({ id: `${input.orderId}-RF1`, at: at + 20 * MINUTE_MS, amountCents: net, shippingCents: shipping, reason: 'verification_failed', full: true });
    } else if (outcomeDraw < VERIFY_FAIL_RATE + VERIFY_MISSING_RATE) {
      const at = placed + VERIFY_DEADLINE_H * HOUR_MS;
      verification = { outcome: 'expired', at };
      refunds.push({ id: `${input.orderId}-RF1`, at: at + 30 * MINUTE_MS, amountCents: net, shippingCents: shipping, reason: 'verification_missing', full: true });
    } else {
      // The long tail past the deadline is what the "missing" share stands for; verified ones fit inside it.
      verification = { outcome: 'verified', at: placed + Math.min(verifyDelayH, VERIFY_DEADLINE_H - 0.5) * HOUR_MS };
    }
  }
  const readyAt = verification ? (verification.outcome === 'verified' ? verification.at : null) : placed;
  if (valid && readyAt !== null) {
    shippedAt = Math.min(readyAt + shipDelayH * HOUR_MS, cap - DAY_MS);
    deliveredAt = Math.min(shippedAt + deliverDays * DAY_MS, cap);
    if (refundDraw < CUSTOMER_REFUND_RATE) {
      const line = lineStories[refundLine];
      const lineNet = line ? line.subtotalCents - line.discountCents : net;
      const full = refundFull || input.lines.length === 1;
      refunds.push({
        id: `${input.orderId}-RF1`, at: Math.min(deliveredAt + refundAfterDays * DAY_MS, cap), amountCents: full ? net : lineNet,
        shippingCents: 0, reason: 'customer_request', full,
      });
    }
  }
  let ticket: OrderStory['ticket'] = null;
  if (valid && ticketDraw < TICKET_RATE) {
    // Tickets open early enough that reply and closing still fall inside the ETL's look-back.
    const openedAt = Math.min(placed + ticketAfterH * HOUR_MS, placed + 5 * DAY_MS);
    const lastWord = placed + 6.9 * DAY_MS;
    const firstReplyAt = unanswered ? null : Math.min(openedAt + replyH * HOUR_MS, lastWord);
    ticket = { openedAt, firstReplyAt, closedAt: firstReplyAt === null ? null : Math.min(firstReplyAt + closeH * HOUR_MS, lastWord), channel: ticketChannel };
  }
  // Whole milliseconds, so that a row's instant and the asOf that first shows it agree exactly.
  for (const r of refunds) r.at = Math.floor(r.at);
  if (verification) verification.at = Math.floor(verification.at);
  if (shippedAt !== null) shippedAt = Math.floor(shippedAt);
  if (deliveredAt !== null) deliveredAt = Math.floor(deliveredAt);
  if (ticket) {
    ticket.openedAt = Math.floor(ticket.openedAt);
    if (ticket.firstReplyAt !== null) ticket.firstReplyAt = Math.floor(ticket.firstReplyAt);
    if (ticket.closedAt !== null) ticket.closedAt = Math.floor(ticket.closedAt);
  }
  // Fields listed one by one: spreading `input` here made V8 build a slow dictionary object (≈4× the cost of the whole order).
  return {
    orderId: input.orderId, placedAt: input.placedAt, customer: input.customer, lines: input.lines, channel: input.channel,
    campaignId: input.campaignId, sessionId: input.sessionId, cartId: input.cartId, country: input.country, isTest: input.isTest,
    returning: input.returning, locationIndex, cancelled, lineStories, subtotalCents: subtotal, discountCents: discount, shippingCents: shipping, taxCents: tax,
    totalCents: net + shipping + tax, requiresVerification, verification, shippedAt, deliveredAt, carrier, refunds, paymentMethod, ticket,
    redeemPoints: input.returning && valid && input.customer ? redeem : 0,
  };
}

export function orderIsValid(o: OrderStory): boolean {
  return !o.isTest && !o.cancelled;
}

function statusAt(o: OrderStory, asOf: number): string {
  if (o.cancelled) return 'cancelled';
  if (o.isTest) return 'completed';
  if (o.refunds.some((r) => r.full && r.at <= asOf)) return 'refunded';
  if (o.shippedAt !== null && o.shippedAt <= asOf) return 'completed';
  if (!o.verification || (o.verification.outcome === 'verified' && o.verification.at <= asOf)) return 'processing';
  return 'pending_verification';
}

const d = (t: number): Date => new Date(t);

/** Rows of every table this order touches, as known at asOf. The caller has checked placedAt <= asOf. */
export function emitOrderRows(o: OrderStory, asOf: number, out: RowSink): void {
  const valid = orderIsValid(o);
  const placedAt = d(o.placedAt);
  const location = LOCATIONS[o.locationIndex];
  const customerId = o.customer?.id ?? null;
  if (o.customer) out.customer(o.customer);
  out.push('orders', {
    order_id: o.orderId, placed_at: placedAt, customer_id: customerId, location_id: location?.id ?? null, status: statusAt(o, asOf),
    is_test: o.isTest, subtotal_cents: o.subtotalCents, discount_cents: o.discountCents, shipping_cents: o.shippingCents, tax_cents: o.taxCents,
    total_cents: o.totalCents, currency: 'USD', traffic_source: o.channel, campaign_id: o.campaignId, session_id: o.sessionId, cart_id: o.cartId,
    requires_verification: o.requiresVerification, items_summary: itemsSummary(o.lines), source: 'simulator', source_id: o.orderId,
  });
  o.lineStories.forEach((ls, i) => {
    out.push('order_lines', {
      order_id: o.orderId, line_no: i + 1, placed_at: placedAt, sku: ls.line.product.sku, quantity: ls.line.quantity,
      unit_price_cents: ls.line.product.priceCents, line_subtotal_cents: ls.subtotalCents, allocated_discount_cents: ls.discountCents,
      unit_cost_cents: ls.line.product.unitCostCents, order_valid: valid, source: 'simulator', source_id: `${o.orderId}#${i + 1}`,
    });
  });
  if (!valid) return;
  const paidAt = o.placedAt + 2000;
  if (paidAt <= asOf) {
    out.push('payments', {
      payment_id: `${o.orderId}-P1`, paid_at: d(paidAt), order_id: o.orderId, amount_cents: o.totalCents, method: o.paymentMethod,
      status: 'captured', source: 'simulator', source_id: `${o.orderId}-P1`,
    });
  }
  if (o.requiresVerification && o.verification) {
    const done = o.verification.at <= asOf;
    out.push('verifications', {
      verification_id: `${o.orderId}-V1`, requested_at: placedAt, order_id: o.orderId, status: done ? o.verification.outcome : 'pending',
      verified_at: done && o.verification.outcome === 'verified' ? d(o.verification.at) : null, source: 'simulator', source_id: `${o.orderId}-V1`,
    });
  }
  if (o.shippedAt !== null && o.shippedAt <= asOf) {
    out.push('shipments', {
      shipment_id: `${o.orderId}-SH1`, shipped_at: d(o.shippedAt), order_id: o.orderId, carrier: o.carrier,
      delivered_at: o.deliveredAt !== null && o.deliveredAt <= asOf ? d(o.deliveredAt) : null, source: 'simulator', source_id: `${o.orderId}-SH1`,
    });
  }
  for (const r of o.refunds) {
    if (r.at > asOf) continue;
    out.push('refunds', {
      refund_id: r.id, refunded_at: d(r.at), order_id: o.orderId, amount_cents: r.amountCents, shipping_refund_cents: r.shippingCents,
      reason: r.reason, source: 'simulator', source_id: r.id,
    });
  }
  if (o.ticket && o.ticket.openedAt <= asOf) {
    const t = o.ticket;
    out.push('support_tickets', {
      ticket_id: `${o.orderId}-TK1`, opened_at: d(t.openedAt), customer_id: customerId, channel: t.channel,
      first_reply_at: t.firstReplyAt !== null && t.firstReplyAt <= asOf ? d(t.firstReplyAt) : null,
      closed_at: t.closedAt !== null && t.closedAt <= asOf ? d(t.closedAt) : null, source: 'simulator', source_id: `${o.orderId}-TK1`,
    });
  }
  if (o.customer) {
    const points = Math.floor((o.subtotalCents - o.discountCents) / 100);
    out.push('loyalty_events', {
      event_id: `${o.orderId}-LE1`, occurred_at: placedAt, customer_id: o.customer.id, points, kind: 'earn', source: 'simulator', source_id: `${o.orderId}-LE1`,
    });
    if (o.redeemPoints > 0) {
      out.push('loyalty_events', {
        event_id: `${o.orderId}-LE2`, occurred_at: placedAt, customer_id: o.customer.id, points: -o.redeemPoints, kind: 'redeem',
        source: 'simulator', source_id: `${o.orderId}-LE2`,
      });
    }
  }
}
