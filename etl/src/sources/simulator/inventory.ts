/**
 * Stock per SKU and location. Each SKU-location is topped up to a fixed level on its own restock
 * cycle (every 10–21 days) and sells down in between; stock at a day's start is that level minus
 * the units sold since the last restock, so a day needs only the days of its current cycle and
 * never the whole history. A few SKU-locations are stocked below their cycle's demand, which
 * gives a handful of stock-outs a month (orders keep coming as backorders, so stock can go
 * negative until the next restock).
 */
import { LOCATIONS, PRODUCTS, TIERS } from './catalog';
import { Stream, type SimContext } from './context';
import { ordersPlacedOn, allOrders, type DayOrders } from './dayOrders';
import { compactDay } from './localTime';
import { LINE_COUNTS, PURCHASE_RATE, QUANTITIES, SESSIONS_PER_DAY, TIER_PICK } from './model';
import { orderIsValid, type OrderStory } from './orders';
import { Rng } from './random';
import type { RowSink } from './rows';

interface Policy {
  cycle: number;
  phase: number;
  target: number;
}

const SLOTS = PRODUCTS.length * LOCATIONS.length;

function mean(table: { draw(rng: Rng): number }): number {
  const rng = new Rng(99);
  let s = 0;
  for (let i = 0; i < 20000; i++) s += table.draw(rng);
  return s / 20000;
}

/** Expected units a day per product at scale 1 (regular + recovered orders). */
const DAILY_UNITS: number[] = (() => {
  const orders = SESSIONS_PER_DAY * PURCHASE_RATE * 1.1;
  const units = orders * mean(LINE_COUNTS) * mean(QUANTITIES);
  const rng = new Rng(7);
  const tierShare = [0, 0, 0, 0];
  for (let i = 0; i < 20000; i++) {
    const t = TIER_PICK.draw(rng);
    tierShare[t] = (tierShare[t] ?? 0) + 1 / 20000;
  }
  return PRODUCTS.map((p) => {
    if (!p.active) return 0;
    const tierWeight = PRODUCTS.filter((q) => q.tier === p.tier && q.active).reduce((a, q) => a + q.weight, 0);
    return (units * (tierShare[TIERS.indexOf(p.tier)] ?? 0) * p.weight) / tierWeight;
  });
})();

const policyCache = new WeakMap<SimContext, Policy[]>();
const salesCache = new WeakMap<SimContext, Map<number, Int32Array>>();

function policies(ctx: SimContext): Policy[] {
  let p = policyCache.get(ctx);
  if (p) return p;
  p = [];
  for (let slot = 0; slot < SLOTS; slot++) {
    const rng = Rng.at(ctx.seed, 0, Stream.INVENTORY, slot);
    const product = Math.floor(slot / LOCATIONS.length);
    const location = LOCATIONS[slot % LOCATIONS.length];
    const cycle = rng.intIn(10, 21);
    const phase = rng.int(cycle);
    const short = rng.chance(0.04);
    const cover = short ? rng.range(0.75, 0.95) : rng.range(1.8, 2.6);
    const demand = (DAILY_UNITS[product] ?? 0) * ctx.scale * (location?.share ?? 0) * cycle;
    // Slow sellers are lumpy: well-stocked slots also get a safety margin of a few standard deviations.
    const target = short ? demand * cover : Math.max(demand * cover, demand + 4 * Math.sqrt(demand) + 3);
    p.push({ cycle, phase, target: Math.max(3, Math.round(target)) });
  }
  policyCache.set(ctx, p);
  return p;
}

function slotOf(productIndex: number, locationIndex: number): number {
  return productIndex * LOCATIONS.length + locationIndex;
}

function validSalesByTime(orders: OrderStory[]): OrderStory[] {
  return orders.filter(orderIsValid).sort((a, b) => a.placedAt - b.placedAt || (a.orderId < b.orderId ? -1 : 1));
}

/** Units sold per slot on day dn (all of the day, regardless of asOf: it only feeds later days' levels). */
function salesOn(ctx: SimContext, dn: number, known?: DayOrders): Int32Array {
  let cache = salesCache.get(ctx);
  if (!cache) {
    cache = new Map();
    salesCache.set(ctx, cache);
  }
  const hit = cache.get(dn);
  if (hit) return hit;
  const sales = new Int32Array(SLOTS);
  if (dn >= ctx.openedDn) {
    for (const o of allOrders(known ?? ordersPlacedOn(ctx, dn))) {
      if (!orderIsValid(o)) continue;
      for (const l of o.lines) {
        const slot = slotOf(l.productIndex, o.locationIndex);
        sales[slot] = (sales[slot] ?? 0) + l.quantity;
      }
    }
  }
  cache.set(dn, sales);
  return sales;
}

function lastRestock(ctx: SimContext, p: Policy, dn: number): number {
  return Math.max(ctx.openedDn, dn - ((((dn + p.phase) % p.cycle) + p.cycle) % p.cycle));
}

/** Stock of a slot at the start of day dn, after that day's restock if it has one. */
function levelAtStart(ctx: SimContext, slot: number, dn: number): number {
  const p = policies(ctx)[slot];
  if (!p) throw new Error(`no inventory slot ${slot}`);
  let level = p.target;
  for (let d = lastRestock(ctx, p, dn); d < dn; d++) level -= salesOn(ctx, d)[slot] ?? 0;
  return level;
}

export function emitInventoryRows(ctx: SimContext, dn: number, today: DayOrders, asOf: number, out: RowSink): void {
  const dayStart = ctx.clock.start(dn);
  if (dayStart > asOf) return;
  salesOn(ctx, dn, today);
  const pol = policies(ctx);
  const cd = compactDay(dn);
  const running = new Int32Array(SLOTS);
  const countedAt = new Date(dayStart);
  for (let slot = 0; slot < SLOTS; slot++) {
    const product = PRODUCTS[Math.floor(slot / LOCATIONS.length)];
    const location = LOCATIONS[slot % LOCATIONS.length];
    const p = pol[slot];
    if (!product || !location || !p) continue;
    const level = levelAtStart(ctx, slot, dn);
    running[slot] = level;
    const restocked = lastRestock(ctx, p, dn) === dn;
    if (restocked) {
      const before = dn === ctx.openedDn ? 0 : levelAtStart(ctx, slot, dn - 1) - (salesOn(ctx, dn - 1)[slot] ?? 0);
      const delta = p.target - before;
      if (delta !== 0) {
        const id = `SIM-IC-${cd}-${dn === ctx.openedDn ? 'OPEN' : 'RS'}-${product.sku}-${location.id}`;
        out.push('inventory_changes', {
          change_id: id, changed_at: countedAt, sku: product.sku, location_id: location.id, delta, available_after: p.target,
          reason: dn === ctx.openedDn ? 'adjustment' : 'restock', source: 'simulator', source_id: id,
        });
      }
    }
    out.push('inventory_counts', {
      sku: product.sku, location_id: location.id, counted_at: countedAt, available: level, source: 'simulator',
      source_id: `${product.sku}@${location.id}@${cd}`,
    });
  }
  for (const o of validSalesByTime(allOrders(today))) {
    if (o.placedAt > asOf) break;
    const location = LOCATIONS[o.locationIndex];
    if (!location) continue;
    o.lines.forEach((l, i) => {
      const slot = slotOf(l.productIndex, o.locationIndex);
      running[slot] = (running[slot] ?? 0) - l.quantity;
      const id = `SIM-IC-${o.orderId}-${i + 1}`;
      out.push('inventory_changes', {
        change_id: id, changed_at: new Date(o.placedAt), sku: l.product.sku, location_id: location.id, delta: -l.quantity,
        available_after: running[slot] ?? 0, reason: 'sale', source: 'simulator', source_id: id,
      });
    });
  }
}
