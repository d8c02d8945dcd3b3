/**
 * Lightspeed eCom streams as data: orders, checkouts (an unfinished checkout is an abandoned
 * cart, with its value and the step reached) and customers, each read by updated_at.
 */
import type { Row } from '../../schema/tables';
import { HOUR_MS } from '../types';
import { RecordShapeError } from '../runtime/errors';
import type { AnyStream, SyncStream } from '../runtime/source';
import { decimalToCents, instant, optStr } from '../square/shape';
import { LIGHTSPEED, type LightspeedCheckout, type LightspeedClient, type LightspeedCustomer, type LightspeedOrder, type LightspeedRef } from './client';

export const LIGHTSPEED_LOOKBACK_MS = 24 * HOUR_MS;

/** Decimal JSON numbers to cents by their digits: String() of a parsed JSON number gives back its shortest text. */
export function lsCents(v: unknown, field: string): number {
  if (v === undefined || v === null) return 0;
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new RecordShapeError(`${field}: expected a decimal number, got ${typeof v === 'string' ? JSON.stringify(v) : typeof v}`);
  return decimalToCents(String(v), field);
}

function id(v: unknown, field: string): number {
  if (typeof v !== 'number' || !Number.isSafeInteger(v)) throw new RecordShapeError(`${field}: expected an integer id, got ${JSON.stringify(v)}`);
  return v;
}

const refId = (r: LightspeedRef | false | undefined): number | null => (r && typeof r.resource?.id === 'number' ? r.resource.id : null);
export const orderKey = (n: number) => `LS-${n}`;
export const customerKey = (n: number) => `LS-C-${n}`;

const STATUS: [RegExp, string][] = [[/^cancel/, 'cancelled'], [/^completed/, 'completed'], [/^processing/, 'processing']];

/**
 * priceExcl is the order total before tax (items + shipping − discount), so the item subtotal
 * is priceExcl − shipmentPriceExcl + discountAmount and tax is priceIncl − priceExcl.
 */
export function orderRow(o: LightspeedOrder): Row {
  const n = id(o.id, 'order.id');
  const f = `order ${n}`;
  const excl = lsCents(o.priceExcl, `${f}.priceExcl`);
  const incl = lsCents(o.priceIncl, `${f}.priceIncl`);
  const ship = lsCents(o.shipmentPriceExcl, `${f}.shipmentPriceExcl`);
  const discount = lsCents(o.discountAmount, `${f}.discountAmount`);
  const raw = String(o.status ?? '');
  let status = STATUS.find(([re]) => re.test(raw))?.[1] ?? 'processing';
  if (o.paymentStatus === 'refunded' && status !== 'cancelled') status = 'refunded';
  const customer = refId(o.customer);
  return {
    order_id: orderKey(n), placed_at: instant(o.createdAt, `${f}.createdAt`), customer_id: customer === null ? null : customerKey(customer), status,
    subtotal_cents: excl - ship + discount, discount_cents: discount, shipping_cents: ship, tax_cents: incl - excl, total_cents: incl,
    currency: (optStr(o.currency, `${f}.currency`) ?? 'EUR').toUpperCase(), source: LIGHTSPEED, source_id: String(n),
  };
}

const STAGE: Record<string, 'cart' | 'checkout' | 'payment'> = { cart: 'cart', details: 'checkout', shipment: 'checkout', payment: 'payment' };

export function checkoutRows(c: LightspeedCheckout): { carts: Row[]; checkouts: Row[] } {
  const n = id(c.id, 'checkout.id');
  const f = `checkout ${n}`;
  const createdAt = instant(c.createdAt, `${f}.createdAt`);
  const updatedAt = instant(c.updatedAt, `${f}.updatedAt`);
  const order = refId(c.order);
  const customer = refId(c.customer);
  const step = optStr(c.step, `${f}.step`) ?? 'cart';
  const cartId = `LS-K-${n}`;
  return {
    carts: [{
      cart_id: cartId, created_at: createdAt, customer_id: customer === null ? null : customerKey(customer), last_activity_at: updatedAt,
      stage: STAGE[step] ?? 'checkout', subtotal_cents: lsCents(c.priceIncl, `${f}.priceIncl`), order_id: order === null ? null : orderKey(order),
      converted_at: order === null ? null : updatedAt, source: LIGHTSPEED, source_id: String(n),
    }],
    checkouts: [{
      checkout_id: `LS-CO-${n}`, started_at: createdAt, cart_id: cartId, completed_at: order === null ? null : updatedAt,
      order_id: order === null ? null : orderKey(order), source: LIGHTSPEED, source_id: String(n),
    }],
  };
}

export function customerRow(c: LightspeedCustomer): Row {
  const n = id(c.id, 'customer.id');
  const f = `customer ${n}`;
  const country = typeof c.addressBillingCountry === 'string' ? c.addressBillingCountry : c.addressBillingCountry?.code;
  const name = [optStr(c.firstname, `${f}.firstname`), optStr(c.lastname, `${f}.lastname`)].filter(Boolean).join(' ');
  return {
    customer_id: customerKey(n), email: optStr(c.email, `${f}.email`), name: name || null, city: optStr(c.addressBillingCity, `${f}.addressBillingCity`),
    region: optStr(c.addressBillingRegion, `${f}.addressBillingRegion`), country: country ? country.toUpperCase() : null,
    created_at: instant(c.createdAt, `${f}.createdAt`), source: LIGHTSPEED, source_id: String(n),
  };
}

/** Page tokens are page numbers; a short page is the last one. */
function paged<T>(resource: 'orders' | 'checkouts' | 'customers', table: 'orders' | 'carts' | 'customers', map: (r: T) => Row[] | { carts: Row[]; checkouts: Row[] }): SyncStream<LightspeedClient, T> {
  return {
    name: resource, table, primaryKey: ['id'], cursorField: 'updatedAt', lookbackMs: LIGHTSPEED_LOOKBACK_MS, pageSize: 250,
    async fetch(client, req, api) {
      const page = req.pageToken ? Number(req.pageToken) : 1;
      const limit = Math.min(req.pageSize, 250);
      const records = await api.call(`${resource}.list`, () => client.list<T>(resource, page, limit, req.since));
      return { records, nextPageToken: records.length === limit ? String(page + 1) : null };
    },
    map,
  };
}

export function lightspeedStreams(): AnyStream<LightspeedClient>[] {
  return [
    paged<LightspeedCustomer>('customers', 'customers', (c) => [customerRow(c)]),
    paged<LightspeedOrder>('orders', 'orders', (o) => [orderRow(o)]),
    paged<LightspeedCheckout>('checkouts', 'carts', checkoutRows),
  ];
}
