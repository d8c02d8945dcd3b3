/**
 * Square objects (as the SDK returns them: camelCase, BigInt money) to raw-table rows. Which
 * field becomes which column is listed in README.md next to this file.
 */
import type { Square } from 'square';
import type { Batch, Row } from '../../schema/tables';
import { RecordShapeError } from '../runtime/errors';
import type { CatalogIndex } from './catalogIndex';
import { cents, currency, instant, optStr, str, wholeQuantity } from './shape';

export const SQUARE = 'square';

type RefundReason = 'customer_request' | 'damaged' | 'other';

export function refundReason(text: string | null | undefined): RefundReason {
  const t = (text ?? '').toLowerCase();
  if (/damag|broken|defect/.test(t)) return 'damaged';
  if (/customer|return|changed|request/.test(t)) return 'customer_request';
  return 'other';
}

export function locationRow(l: Square.Location): Row {
  const id = str(l.id, 'location.id');
  return { location_id: id, name: str(l.name, `location ${id}.name`), country: optStr(l.country ?? l.address?.country, `location ${id}.country`), source: SQUARE, source_id: id };
}

export function customerRow(c: Square.Customer): Row {
  const id = str(c.id, 'customer.id');
  const name = [optStr(c.givenName, `customer ${id}.given_name`), optStr(c.familyName, `customer ${id}.family_name`)].filter(Boolean).join(' ');
  return {
    customer_id: id,
    email: optStr(c.emailAddress, `customer ${id}.email_address`),
    name: name || null,
    city: optStr(c.address?.locality, `customer ${id}.address.locality`),
    region: optStr(c.address?.administrativeDistrictLevel1, `customer ${id}.address.administrative_district_level_1`),
    country: optStr(c.address?.country, `customer ${id}.address.country`),
    created_at: instant(c.createdAt, `customer ${id}.created_at`),
    source: SQUARE,
    source_id: id,
  };
}

function refundRow(r: { id: unknown; createdAt?: unknown; amountMoney?: unknown; reason?: unknown; status?: unknown }, orderId: string, field: string): Row | null {
  const id = str(r.id, `${field}.id`);
  const status = optStr(r.status as string | null | undefined, `${field}.status`);
  // Only money that actually went back counts; pending refunds are picked up when they complete.
  if (status !== 'COMPLETED' && status !== 'APPROVED') return null;
  return {
    refund_id: id, refunded_at: instant(r.createdAt, `${field}.created_at`), order_id: orderId,
    amount_cents: cents(r.amountMoney, `${field}.amount_money`), reason: refundReason(optStr(r.reason as string | null | undefined, `${field}.reason`)),
    source: SQUARE, source_id: id,
  };
}

export function refundFromPayment(r: Square.PaymentRefund): Row[] {
  const id = str(r.id, 'refund.id');
  const orderId = optStr(r.orderId, `refund ${id}.order_id`);
  if (!orderId) return [];
  const row = refundRow(r, orderId, `refund ${id}`);
  return row ? [row] : [];
}

const PAYMENT_STATUS: Record<string, string> = { COMPLETED: 'captured', APPROVED: 'authorized', PENDING: 'pending', FAILED: 'failed', CANCELED: 'cancelled' };

export function paymentRow(p: Square.Payment): Row[] {
  const id = str(p.id, 'payment.id');
  const orderId = optStr(p.orderId, `payment ${id}.order_id`);
  if (!orderId) return [];
  const status = optStr(p.status, `payment ${id}.status`) ?? 'COMPLETED';
  const brand = optStr(p.cardDetails?.card?.cardBrand, `payment ${id}.card_details.card.card_brand`);
  const method = (optStr(p.sourceType, `payment ${id}.source_type`) ?? 'unknown').toLowerCase();
  return [{
    payment_id: id, paid_at: instant(p.createdAt, `payment ${id}.created_at`), order_id: orderId,
    amount_cents: cents(p.amountMoney, `payment ${id}.amount_money`), method: brand ? `${method}:${brand.toLowerCase()}` : method,
    status: PAYMENT_STATUS[status] ?? status.toLowerCase(), source: SQUARE, source_id: id,
  }];
}

const ORDER_STATE: Record<string, string> = { OPEN: 'processing', COMPLETED: 'completed', CANCELED: 'cancelled' };

/**
 * One order with its lines and embedded refunds. Item subtotal is the sum of the lines' gross
 * sales; shipping is the order's service charges; an order whose completed refunds reach its
 * total is 'refunded'. Lines without a catalog object (custom amounts) keep the object id as
 * SKU and are dead-lettered by the loader as an unknown SKU rather than silently dropped.
 */
export function orderBatch(o: Square.Order, catalog: CatalogIndex): Batch {
  const id = str(o.id, 'order.id');
  const f = `order ${id}`;
  const state = str(o.state, `${f}.state`);
  if (state === 'DRAFT') return {};
  const placedAt = instant(o.createdAt, `${f}.created_at`);
  const lines: Row[] = (o.lineItems ?? []).map((li, i) => {
    const lf = `${f}.line_items[${i}]`;
    const qty = wholeQuantity(li.quantity, `${lf}.quantity`);
    const objectId = optStr(li.catalogObjectId, `${lf}.catalog_object_id`);
    const info = objectId ? catalog.variation(objectId) : null;
    return {
      order_id: id, line_no: i + 1, placed_at: placedAt, sku: info?.sku ?? objectId ?? `custom:${li.name ?? li.uid ?? i}`, quantity: qty,
      unit_price_cents: cents(li.basePriceMoney, `${lf}.base_price_money`), line_subtotal_cents: cents(li.grossSalesMoney, `${lf}.gross_sales_money`),
      unit_cost_cents: info?.unitCostCents ?? null, source: SQUARE, source_id: li.uid ?? `${id}:${i + 1}`,
    };
  });
  const refunds = (o.refunds ?? []).map((r, i) => refundRow(r, id, `${f}.refunds[${i}]`)).filter((r): r is Row => r !== null);
  const total = cents(o.totalMoney, `${f}.total_money`);
  const refunded = refunds.reduce((s, r) => s + Number(r.amount_cents), 0);
  const status = state === 'COMPLETED' && total > 0 && refunded >= total ? 'refunded' : ORDER_STATE[state];
  if (!status) throw new RecordShapeError(`${f}.state: unknown state ${JSON.stringify(state)}`);
  const summary = lines.length ? (o.lineItems ?? []).map((li) => `${li.quantity}× ${li.name ?? 'item'}`).join(', ') : null;
  return {
    orders: [{
      order_id: id, placed_at: placedAt, customer_id: optStr(o.customerId, `${f}.customer_id`), location_id: str(o.locationId, `${f}.location_id`),
      status, subtotal_cents: lines.reduce((s, l) => s + Number(l.line_subtotal_cents), 0), discount_cents: cents(o.totalDiscountMoney, `${f}.total_discount_money`),
      shipping_cents: cents(o.totalServiceChargeMoney, `${f}.total_service_charge_money`), tax_cents: cents(o.totalTaxMoney, `${f}.total_tax_money`),
      total_cents: total, currency: currency(o.totalMoney) ?? 'USD', items_summary: summary, source: SQUARE, source_id: id,
    }],
    order_lines: lines,
    refunds,
  };
}

export function inventoryCountRow(c: Square.InventoryCount, catalog: CatalogIndex): Row[] {
  const objectId = str(c.catalogObjectId, 'inventory_count.catalog_object_id');
  const f = `inventory_count ${objectId}`;
  if (c.state !== 'IN_STOCK') return [];
  const locationId = str(c.locationId, `${f}.location_id`);
  const at = instant(c.calculatedAt, `${f}.calculated_at`);
  return [{
    sku: catalog.variation(objectId)?.sku ?? objectId, location_id: locationId, counted_at: at,
    available: wholeQuantity(c.quantity ?? '0', `${f}.quantity`, true), source: SQUARE, source_id: `${objectId}:${locationId}:${at.toISOString()}`,
  }];
}

/** The location whose available stock the adjustment changes (the API names both ends). */
export function adjustmentLocation(a: Square.InventoryAdjustment, field: string): string {
  const loc = a.toState === 'IN_STOCK' ? a.toLocationId ?? a.fromLocationId : a.fromLocationId ?? a.toLocationId;
  return str(loc, `${field}.${a.toState === 'IN_STOCK' ? 'to' : 'from'}_location_id`);
}

export interface AdjustmentWithBalance {
  adjustment: Square.InventoryAdjustment;
  delta: number;
  availableAfter: number;
}

/** Signed effect of an adjustment on the IN_STOCK (available) quantity. */
export function stockDelta(a: Square.InventoryAdjustment, field: string): number {
  const q = wholeQuantity(a.quantity ?? '0', `${field}.quantity`);
  if (a.toState === 'IN_STOCK' && a.fromState !== 'IN_STOCK') return q;
  if (a.fromState === 'IN_STOCK' && a.toState !== 'IN_STOCK') return -q;
  return 0;
}

function changeReason(a: Square.InventoryAdjustment): 'sale' | 'restock' | 'refund' | 'adjustment' {
  if (a.fromState === 'IN_STOCK' && a.toState === 'SOLD') return 'sale';
  if (a.fromState === 'SOLD' && a.toState === 'IN_STOCK') return 'refund';
  if (a.toState === 'IN_STOCK' && (a.fromState === 'NONE' || a.fromState === 'IN_TRANSIT' || a.fromState === 'RECEIVED_FROM_VENDOR')) return 'restock';
  return 'adjustment';
}

export function inventoryChangeRow(c: AdjustmentWithBalance, catalog: CatalogIndex): Row[] {
  const a = c.adjustment;
  const id = str(a.id, 'inventory_adjustment.id');
  const f = `inventory_adjustment ${id}`;
  const objectId = str(a.catalogObjectId, `${f}.catalog_object_id`);
  return [{
    change_id: id, changed_at: instant(a.occurredAt, `${f}.occurred_at`), sku: catalog.variation(objectId)?.sku ?? objectId,
    location_id: adjustmentLocation(a, f), delta: c.delta, available_after: c.availableAfter, reason: changeReason(a), source: SQUARE, source_id: id,
  }];
}
