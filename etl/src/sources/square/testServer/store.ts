/**
 * A deterministic Square seller account in Square's own JSON (snake_case, integer money in
 * minor units), built from the store simulator's days, plus the edits tests and demos make to
 * it (a status change, a refund, a late POS order). Every edit moves the object's updated_at
 * and version, as Square does.
 */
import type { Row } from '../../../schema/tables';
import { LOCATIONS, PRODUCTS } from '../../simulator/catalog';
import type { StoreSimulator } from '../../simulator/simulator';
import { daysBetween, localDay } from '../../../util/time';

export type Json = Record<string, unknown>;

export interface SquareMoney {
  amount: number;
  currency: string;
}

const money = (amount: number, currency = 'USD'): SquareMoney => ({ amount, currency });
const iso = (v: unknown): string => (v instanceof Date ? v.toISOString() : new Date(String(v)).toISOString());
export const variationId = (sku: string): string => `VAR-${sku}`;
export const itemId = (sku: string): string => `ITEM-${sku}`;
export const categoryId = (tier: string): string => `CAT-${tier.replace(/\s+/g, '_').toUpperCase()}`;

export interface LineInput {
  sku: string;
  name?: string;
  quantity: number;
  unitPriceCents: number;
}

export interface OrderInput {
  id: string;
  locationId: string;
  createdAt: string;
  customerId?: string | null;
  state?: 'OPEN' | 'COMPLETED' | 'CANCELED';
  lines: LineInput[];
  discountCents?: number;
  taxCents?: number;
  shippingCents?: number;
}

export class SquareStore {
  locations: Json[] = [];
  catalog: Json[] = [];
  customers: Json[] = [];
  orders = new Map<string, Json>();
  payments: Json[] = [];
  refunds: Json[] = [];
  counts: Json[] = [];
  changes: Json[] = [];

  /** Locations and catalog of the simulated store (tier as an item custom attribute and category; unit cost on the variation). */
  static withCatalog(at = '2026-01-01T00:00:00.000Z'): SquareStore {
    const s = new SquareStore();
    s.locations = LOCATIONS.map((l) => ({
      id: l.id, name: l.name, status: 'ACTIVE', country: l.country, currency: 'USD', created_at: at, address: { country: l.country },
    }));
    const tiers = [...new Set(PRODUCTS.map((p) => p.tier))];
    for (const t of tiers) s.catalog.push({ type: 'CATEGORY', id: categoryId(t), updated_at: at, version: 1, is_deleted: false, category_data: { name: t } });
    for (const p of PRODUCTS) {
      s.catalog.push({
        type: 'ITEM', id: itemId(p.sku), updated_at: at, version: 1, is_deleted: false, present_at_all_locations: true,
        custom_attribute_values: { tier: { name: 'tier', key: 'tier', type: 'STRING', string_value: p.tier, custom_attribute_definition_id: 'CAD-TIER' } },
        item_data: { name: p.name, categories: [{ id: categoryId(p.tier) }], variations: [] },
      });
      s.catalog.push({
        type: 'ITEM_VARIATION', id: variationId(p.sku), updated_at: at, version: 1, is_deleted: !p.active, present_at_all_locations: true,
        custom_attribute_values: {
          unit_cost: { name: 'unit_cost', key: 'unit_cost', type: 'NUMBER', number_value: (p.unitCostCents / 100).toFixed(2), custom_attribute_definition_id: 'CAD-COST' },
        },
        item_variation_data: { item_id: itemId(p.sku), name: 'Regular', sku: p.sku, pricing_type: 'FIXED_PRICING', price_money: money(p.priceCents) },
      });
    }
    return s;
  }

  /** The simulated days [from, through asOf's day] as Square would hold them at asOf. */
  static fromSimulator(sim: StoreSimulator, opts: { from: string; asOf: Date; timeZone: string }): SquareStore {
    const s = SquareStore.withCatalog();
    const names = new Map(PRODUCTS.map((p) => [p.sku, p.name]));
    for (const day of daysBetween(opts.from, localDay(opts.asOf, opts.timeZone))) {
      const b = sim.day(day, opts.asOf);
      for (const c of b.customers ?? []) s.addCustomerRow(c);
      const lines = new Map<string, Row[]>();
      for (const l of b.order_lines ?? []) lines.set(String(l.order_id), [...(lines.get(String(l.order_id)) ?? []), l]);
      const refundsBy = new Map<string, Row[]>();
      for (const r of b.refunds ?? []) refundsBy.set(String(r.order_id), [...(refundsBy.get(String(r.order_id)) ?? []), r]);
      const touched = new Map<string, number>();
      for (const t of [...(b.shipments ?? []).map((x) => [x.order_id, x.shipped_at]), ...(b.verifications ?? []).map((x) => [x.order_id, x.verified_at])]) {
        if (t[1]) touched.set(String(t[0]), Math.max(touched.get(String(t[0])) ?? 0, new Date(String(t[1])).getTime()));
      }
      for (const o of b.orders ?? []) {
        if (o.is_test) continue;
        const id = String(o.order_id);
        const ls = lines.get(id) ?? [];
        const order = buildOrder({
          id, locationId: String(o.location_id ?? LOCATIONS[0]?.id), createdAt: iso(o.placed_at), customerId: (o.customer_id as string | null) ?? null,
          state: o.status === 'cancelled' ? 'CANCELED' : o.status === 'completed' || o.status === 'refunded' ? 'COMPLETED' : 'OPEN',
          lines: ls.map((l) => ({ sku: String(l.sku), name: names.get(String(l.sku)), quantity: Number(l.quantity), unitPriceCents: Number(l.unit_price_cents) })),
          discountCents: Number(o.discount_cents ?? 0), taxCents: Number(o.tax_cents ?? 0), shippingCents: Number(o.shipping_cents ?? 0),
        });
        let updated = Math.max(new Date(iso(o.placed_at)).getTime(), touched.get(id) ?? 0);
        for (const r of refundsBy.get(id) ?? []) {
          const refund = refundJson(String(r.refund_id), order, Number(r.amount_cents), iso(r.refunded_at), String(r.reason));
          (order.refunds as Json[]).push(orderRefund(refund));
          s.refunds.push(refund);
          updated = Math.max(updated, new Date(iso(r.refunded_at)).getTime());
        }
        order.updated_at = new Date(updated).toISOString();
        s.orders.set(id, order);
      }
      for (const p of b.payments ?? []) {
        const order = s.orders.get(String(p.order_id));
        if (!order) continue;
        s.payments.push({
          id: String(p.payment_id), created_at: iso(p.paid_at), updated_at: iso(p.paid_at), amount_money: money(Number(p.amount_cents)),
          total_money: money(Number(p.amount_cents)), status: 'COMPLETED', source_type: 'CARD', card_details: { status: 'CAPTURED', card: { card_brand: 'VISA', last_4: '1111' } },
          location_id: order.location_id, order_id: order.id,
        });
      }
      for (const c of b.inventory_counts ?? []) s.addCount(String(c.sku), String(c.location_id), Number(c.available), iso(c.counted_at));
      for (const c of b.inventory_changes ?? []) {
        const delta = Number(c.delta);
        const [from, to] = c.reason === 'sale' ? ['IN_STOCK', 'SOLD'] : c.reason === 'refund' ? ['SOLD', 'IN_STOCK'] : delta > 0 ? ['NONE', 'IN_STOCK'] : ['IN_STOCK', 'WASTE'];
        s.changes.push({
          type: 'ADJUSTMENT',
          adjustment: {
            id: String(c.change_id), from_state: from, to_state: to, from_location_id: String(c.location_id), to_location_id: String(c.location_id), catalog_object_id: variationId(String(c.sku)),
            catalog_object_type: 'ITEM_VARIATION', quantity: String(Math.abs(delta)), occurred_at: iso(c.changed_at), created_at: iso(c.changed_at),
          },
        });
        // Square's count is the running result of its changes.
        s.addCount(String(c.sku), String(c.location_id), Number(c.available_after), iso(c.changed_at));
      }
    }
    return s;
  }

  addCount(sku: string, locationId: string, available: number, at: string): void {
    this.counts.push({ catalog_object_id: variationId(sku), catalog_object_type: 'ITEM_VARIATION', state: 'IN_STOCK', location_id: locationId, quantity: String(available), calculated_at: at });
  }

  addCustomerRow(c: Row): void {
    const id = String(c.customer_id);
    if (this.customers.some((x) => x.id === id)) return;
    const [given, ...family] = String(c.name ?? '').split(' ');
    this.customers.push({
      id, created_at: iso(c.created_at), updated_at: iso(c.created_at), given_name: given || undefined, family_name: family.join(' ') || undefined,
      email_address: c.email ?? undefined, address: { locality: c.city ?? undefined, administrative_district_level_1: c.region ?? undefined, country: c.country ?? undefined },
      creation_source: 'THIRD_PARTY', version: 0,
    });
  }

  addOrder(input: OrderInput, updatedAt = input.createdAt): Json {
    const o = buildOrder(input);
    o.updated_at = updatedAt;
    this.orders.set(input.id, o);
    return o;
  }

  /** A status change (say, an open order completed or cancelled) as Square records it. */
  setState(orderId: string, state: 'OPEN' | 'COMPLETED' | 'CANCELED', at: string): Json {
    const o = this.order(orderId);
    o.state = state;
    if (state !== 'OPEN') o.closed_at = at;
    return bump(o, at);
  }

  /** A completed refund: on the order, and in the refunds list. */
  refund(orderId: string, refundId: string, amountCents: number, at: string, reason = 'Customer request'): Json {
    const o = this.order(orderId);
    const r = refundJson(refundId, o, amountCents, at, reason);
    (o.refunds as Json[]).push(orderRefund(r));
    this.refunds.push(r);
    bump(o, at);
    return r;
  }

  order(id: string): Json {
    const o = this.orders.get(id);
    if (!o) throw new Error(`no order ${id} in the Square store`);
    return o;
  }
}

function bump(o: Json, at: string): Json {
  o.updated_at = at;
  o.version = Number(o.version ?? 1) + 1;
  return o;
}

function refundJson(id: string, order: Json, amountCents: number, at: string, reason: string): Json {
  return {
    id, status: 'COMPLETED', amount_money: money(amountCents), payment_id: `PAY-${String(order.id)}`, order_id: order.id, location_id: order.location_id,
    reason: reason.replace(/_/g, ' '), created_at: at, updated_at: at, destination_type: 'CARD',
  };
}

function orderRefund(r: Json): Json {
  return { id: r.id, location_id: r.location_id, tender_id: r.payment_id, created_at: r.created_at, reason: r.reason, amount_money: r.amount_money, status: r.status };
}

/** An order as SearchOrders returns it: line gross sales, order-level discount, tax and shipping as a service charge. */
export function buildOrder(i: OrderInput): Json {
  const names = new Map(PRODUCTS.map((p) => [p.sku, p.name]));
  const lineItems = i.lines.map((l, n) => ({
    uid: `${i.id}-L${n + 1}`, name: l.name ?? names.get(l.sku) ?? l.sku, quantity: String(l.quantity), catalog_object_id: variationId(l.sku),
    item_type: 'ITEM', base_price_money: money(l.unitPriceCents), gross_sales_money: money(l.unitPriceCents * l.quantity),
    total_discount_money: money(0), total_tax_money: money(0), total_money: money(l.unitPriceCents * l.quantity),
  }));
  const subtotal = lineItems.reduce((s, l) => s + l.gross_sales_money.amount, 0);
  const discount = i.discountCents ?? 0;
  const tax = i.taxCents ?? 0;
  const shipping = i.shippingCents ?? 0;
  const state = i.state ?? 'COMPLETED';
  return {
    id: i.id, location_id: i.locationId, customer_id: i.customerId ?? undefined, state, version: 1, source: { name: 'Online Store' },
    created_at: i.createdAt, updated_at: i.createdAt, closed_at: state === 'OPEN' ? undefined : i.createdAt, line_items: lineItems,
    refunds: [],
    total_money: money(subtotal - discount + tax + shipping), total_tax_money: money(tax), total_discount_money: money(discount),
    total_service_charge_money: money(shipping), total_tip_money: money(0),
  };
}

