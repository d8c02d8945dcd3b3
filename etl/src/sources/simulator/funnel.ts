/**
 * The day's sessions, carts and checkouts as of asOf. Add-to-cart sessions are the carts' own
 * stories; the remaining sessions are browse-only and come from one sequential stream of the day.
 */
import { recoveryCampaignId } from './catalog';
import { sampleInstant, Stream, type DayPlan, type SimContext } from './context';
import { emitCartLines, emitRecoveryEmails } from './cartDetail';
import { cartStory, recoveredOrderAt, recoveryEmailTimes, recoveryFate, type CartStory } from './carts';
import { guestCustomer, pickExistingCustomer, type CustomerRef } from './customers';
import type { DayOrders } from './dayOrders';
import { ids } from './ids';
import { MINUTE_MS } from './localTime';
import { KNOWN_BROWSER_RATE, SESSION_CHANNELS, SESSION_COUNTRIES, SESSION_DEVICES, VISITOR_POOL_RATIO } from './model';
import { Rng } from './random';
import type { Row } from '../../schema/tables';
import type { RowSink } from './rows';
import { TrafficTally } from './traffic';

function sessionRow(
  id: string, startedAt: number, visitorId: string, customerId: string | null, channel: string, device: string, country: string,
  cart: boolean, checkout: boolean, orderId: string | null,
): Row {
  return {
    session_id: id, started_at: new Date(startedAt), visitor_id: visitorId, customer_id: customerId, channel, device, country,
    added_to_cart: cart, began_checkout: checkout, completed_checkout: orderId !== null, order_id: orderId, source: 'simulator', source_id: id,
  };
}

function emitCart(ctx: SimContext, dn: number, c: CartStory, orderId: string | null, asOf: number, out: RowSink, tally: TrafficTally): void {
  const j = c.j;
  if (c.sessionStart > asOf) return;
  const placed = c.placedAt !== null && c.placedAt <= asOf;
  const carted = c.cartCreated <= asOf;
  const checkedOut = c.checkoutStart !== null && c.checkoutStart <= asOf;
  // A brand-new customer exists only from their first order on.
  const known = c.customer && (c.customer.kind !== 'new' || c.customer.dn !== dn || c.customer.k !== j || placed) ? c.customer : null;
  if (known) out.customer(known);
  const sessionId = ids.session(dn, j);
  out.push('sessions', sessionRow(sessionId, c.sessionStart, c.visitorId, known?.id ?? null, c.channel, c.device, c.country, carted, checkedOut, placed ? orderId : null));
  tally.add(c.channel, c.device, c.visitorKey, carted, checkedOut, placed);
  if (!carted) return;

  const cartId = ids.cart(dn, j);
  let convertedOrder: string | null = placed ? orderId : null;
  let convertedAt: number | null = placed ? c.placedAt : null;
  let recoveredByEmail = false;
  let firstEmail: number | null = null;
  let campaign: string | null = null;
  let customer: CustomerRef | null = known;
  if (!c.purchased) {
    const fate = recoveryFate(ctx, dn, j);
    const emails = recoveryEmailTimes(c, fate);
    emails.forEach((t, s) => {
      if (t > asOf) return;
      if (firstEmail === null) firstEmail = t;
      campaign = recoveryCampaignId(s + 1, fate.variant);
    });
    const back = recoveredOrderAt(c, fate);
    emitRecoveryEmails(ctx, dn, j, cartId, emails, fate.variant, back, asOf, out);
    if (back !== null && back <= asOf) {
      convertedOrder = ids.recoveredOrder(ctx.clock.dayOf(back, dn), dn, j);
      convertedAt = back;
      recoveredByEmail = true;
      customer = c.customer ?? guestCustomer(dn, j, back - MINUTE_MS);
      out.customer(customer);
    }
  }
  const stage = placed ? 'payment' : checkedOut ? (c.purchased ? 'checkout' : c.stage) : 'cart';
  out.push('carts', {
    cart_id: cartId, created_at: new Date(c.cartCreated), session_id: sessionId, customer_id: customer?.id ?? null,
    last_activity_at: new Date(Math.min(c.lastActivity, asOf)), stage, subtotal_cents: c.subtotalCents, country: c.country,
    order_id: convertedOrder, converted_at: convertedAt === null ? null : new Date(convertedAt),
    recovery_email_sent_at: firstEmail === null ? null : new Date(firstEmail), recovery_campaign_id: campaign, recovered_by_email: recoveredByEmail,
    source: 'simulator', source_id: cartId,
  });
  emitCartLines(c, cartId, out);
  if (c.checkoutStart !== null && checkedOut) {
    const id = ids.checkout(dn, j);
    out.push('checkouts', {
      checkout_id: id, started_at: new Date(c.checkoutStart), cart_id: cartId, session_id: sessionId,
      completed_at: placed && c.placedAt !== null ? new Date(c.placedAt) : null, order_id: placed ? orderId : null, source: 'simulator', source_id: id,
    });
  }
}

export function emitFunnelRows(ctx: SimContext, dn: number, plan: DayPlan, orders: DayOrders, asOf: number, out: RowSink): void {
  const pool = Math.max(1, Math.floor(plan.sessions * VISITOR_POOL_RATIO));
  const tally = new TrafficTally(pool);
  for (let j = 0; j < plan.addToCart; j++) {
    const c = j < plan.purchases ? orders.purchaseCarts[j] : cartStory(ctx, dn, j);
    if (!c) continue;
    emitCart(ctx, dn, c, c.purchased ? ids.order(dn, j) : null, asOf, out, tally);
  }
  for (const r of orders.recovered) {
    if (r.sessionStart > asOf) continue;
    const placed = r.order.placedAt <= asOf;
    const customerId = r.order.customer?.id ?? null;
    if (r.order.customer && placed) out.customer(r.order.customer);
    out.push('sessions', sessionRow(r.sessionId, r.sessionStart, r.cart.visitorId, placed ? customerId : null,
      'email', r.cart.device, r.cart.country, true, true, placed ? r.order.orderId : null));
    tally.add('email', r.cart.device, r.cart.visitorKey, true, true, placed);
    // The restored cart goes straight to checkout: a checkout row keeps "began checkout" sessions and checkouts in step.
    const checkoutAt = Math.max(r.sessionStart, r.order.placedAt - 3 * MINUTE_MS);
    if (checkoutAt <= asOf) {
      const id = ids.recoveryCheckout(dn, r.cart.dn, r.cart.j);
      out.push('checkouts', {
        checkout_id: id, started_at: new Date(checkoutAt), cart_id: ids.cart(r.cart.dn, r.cart.j), session_id: r.sessionId,
        completed_at: placed ? new Date(r.order.placedAt) : null, order_id: placed ? r.order.orderId : null, source: 'simulator', source_id: id,
      });
    }
  }

  // Local aliases: the loop below runs ~15k times a day at scale 10, and imported bindings compile to getter calls under some loaders.
  const channels = SESSION_CHANNELS;
  const devices = SESSION_DEVICES;
  const countries = SESSION_COUNTRIES;
  const knownRate = KNOWN_BROWSER_RATE;
  const rng = Rng.at(ctx.seed, dn, Stream.BACKGROUND, 0);
  for (let i = plan.addToCart; i < plan.sessions; i++) {
    const channel = channels.draw(rng);
    const device = devices.draw(rng);
    const country = countries.draw(rng);
    const startedAt = sampleInstant(ctx, rng, dn);
    const customer = rng.next() < knownRate ? pickExistingCustomer(ctx, rng, dn) : null;
    const v = customer ? -1 : rng.int(pool);
    const visitorId = customer ? ids.customerVisitor(customer.id) : ids.visitor(dn, v);
    if (startedAt > asOf) continue;
    if (customer) out.customer(customer);
    out.push('sessions', sessionRow(ids.session(dn, i), startedAt, visitorId, customer?.id ?? null, channel, device, country, false, false, null));
    tally.add(channel, device, customer ? customer.id : v, false, false, false);
  }
  tally.emit(dn, out);
}
