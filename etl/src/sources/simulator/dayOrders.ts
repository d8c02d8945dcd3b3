/**
 * All orders placed on one local day: regular purchases (carts [0, purchases) of the day),
 * orders from carts of earlier days that a recovery email brought back, and staff test orders.
 */
import { recoveryCampaignId } from './catalog';
import { planFor, sampleInstant, Stream, type SimContext } from './context';
import { drawBasket } from './basket';
import { cartStory, recoveredOrderAt, recoveryFate, type CartStory, type RecoveryFate } from './carts';
import { guestCustomer } from './customers';
import { ids } from './ids';
import { MINUTE_MS } from './localTime';
import { buildOrder, type OrderStory } from './orders';
import { Rng } from './random';

export interface RecoveredOrder {
  cart: CartStory;
  fate: RecoveryFate;
  sessionId: string;
  sessionStart: number;
  order: OrderStory;
}

export interface DayOrders {
  /** Cart stories of the day's regular purchases, index = cart index. */
  purchaseCarts: CartStory[];
  regular: OrderStory[];
  recovered: RecoveredOrder[];
  tests: OrderStory[];
}

/** Recovery orders arrive at most step 3 (72 h) + 20 h after the cart's last activity. */
const RECOVERY_LOOKBACK_DAYS = 5;

export function ordersPlacedOn(ctx: SimContext, dn: number): DayOrders {
  const plan = planFor(ctx, dn);
  const purchaseCarts: CartStory[] = [];
  const regular: OrderStory[] = [];
  for (let j = 0; j < plan.purchases; j++) {
    const cart = cartStory(ctx, dn, j);
    purchaseCarts.push(cart);
    const customer = cart.customer;
    regular.push(buildOrder(ctx, {
      orderId: ids.order(dn, j), placedAt: cart.placedAt ?? cart.lastActivity, customer, lines: cart.lines, channel: cart.channel,
      campaignId: cart.campaignId, sessionId: ids.session(dn, j), cartId: ids.cart(dn, j), country: cart.country, isTest: false,
      returning: customer !== null && !(customer.kind === 'new' && customer.dn === dn && customer.k === j),
    }, Rng.at(ctx.seed, dn, Stream.ORDER, j)));
  }

  const recovered: RecoveredOrder[] = [];
  const dayStart = ctx.clock.start(dn);
  for (let cd = Math.max(ctx.openedDn, dn - RECOVERY_LOOKBACK_DAYS); cd <= dn; cd++) {
    const p = planFor(ctx, cd);
    for (let j = p.purchases; j < p.addToCart; j++) {
      const fate = recoveryFate(ctx, cd, j);
      if (fate.recoveredStep === 0) continue;
      const cart = cartStory(ctx, cd, j);
      const at = recoveredOrderAt(cart, fate);
      if (at === null || ctx.clock.dayOf(at, cd) !== dn) continue;
      const rng = Rng.at(ctx.seed, cd, Stream.RECOVERED_ORDER, j);
      const sessionStart = Math.max(dayStart, Math.floor(at - rng.range(3, 15) * MINUTE_MS));
      const customer = cart.customer ?? guestCustomer(cd, j, at - MINUTE_MS);
      const sessionId = ids.recoverySession(dn, cd, j);
      const order = buildOrder(ctx, {
        orderId: ids.recoveredOrder(dn, cd, j), placedAt: at, customer, lines: cart.lines, channel: 'email',
        campaignId: recoveryCampaignId(fate.recoveredStep, fate.variant), sessionId, cartId: ids.cart(cd, j), country: cart.country,
        isTest: false, returning: cart.customer !== null,
      }, rng);
      recovered.push({ cart, fate, sessionId, sessionStart, order });
    }
  }

  const tests: OrderStory[] = [];
  for (let i = 0; i < plan.testOrders; i++) {
    const rng = Rng.at(ctx.seed, dn, Stream.TEST_ORDER, i);
    const placedAt = sampleInstant(ctx, rng, dn);
    tests.push(buildOrder(ctx, {
      orderId: ids.testOrder(dn, i), placedAt, customer: null, lines: drawBasket(rng), channel: 'direct', campaignId: null,
      sessionId: null, cartId: null, country: 'US', isTest: true, returning: false,
    }, rng));
  }
  return { purchaseCarts, regular, recovered, tests };
}

export function allOrders(d: DayOrders): OrderStory[] {
  return [...d.regular, ...d.recovered.map((r) => r.order), ...d.tests];
}
