import { DataFrame, Field, FieldType, getFieldDisplayName } from '@grafana/data';
import { FieldMapping, Order, OrderStatus } from './types';

/**
 * Pure order-feed logic: reading orders out of data frames (SQL results and Grafana Live
 * frames look the same here), merging versions of one order, and choosing what to show.
 */

type Column = 'id' | 'placedAt' | 'customer' | 'items' | 'total' | 'status' | 'updatedAt';

/** Column names the panel recognises without configuration (compared without case or "_"). */
export const FIELD_ALIASES: Record<Column, string[]> = {
  id: ['order_id', 'orderid', 'id', 'order', 'order_number', 'number'],
  placedAt: ['placed_at', 'created_at', 'ordered_at', 'order_time', 'time', 'timestamp', 'ts'],
  customer: ['customer', 'customer_name', 'customer_email', 'email', 'buyer', 'name'],
  items: ['items', 'items_summary', 'item_summary', 'summary', 'line_items', 'products', 'item_count'],
  total: ['total', 'order_total', 'total_amount', 'amount', 'total_price', 'value', 'revenue'],
  status: ['status', 'order_status', 'state', 'financial_status'],
  updatedAt: ['updated_at', 'event_time', 'changed_at', 'status_changed_at'],
};

const OPTION_OF: Partial<Record<Column, keyof FieldMapping>> = {
  id: 'fieldOrderId',
  placedAt: 'fieldPlacedAt',
  customer: 'fieldCustomer',
  items: 'fieldItems',
  total: 'fieldTotal',
  status: 'fieldStatus',
};

const squash = (name: string) => name.toLowerCase().replace(/[^a-z0-9]/g, '');

function findField(frame: DataFrame, column: Column, mapping: Partial<FieldMapping>): Field | undefined {
  const option = OPTION_OF[column];
  const wanted = option ? mapping[option]?.trim() : '';
  const byName = (names: string[]) => {
    const keys = names.map(squash);
    return frame.fields.find((f) => keys.includes(squash(f.name)) || keys.includes(squash(getFieldDisplayName(f, frame))));
  };
  if (wanted) {
    return byName([wanted]);
  }
  for (const alias of FIELD_ALIASES[column]) {
    const found = byName([alias]);
    if (found) {
      return found;
    }
  }
  // A SQL "time series" style query may name its time column anything.
  return column === 'placedAt' ? frame.fields.find((f) => f.type === FieldType.time) : undefined;
}

export function normaliseStatus(raw: unknown): OrderStatus {
  const s = String(raw ?? '')
    .trim()
    .toLowerCase()
    .replace(/[\s-]+/g, '_');
  if (['completed', 'complete', 'paid', 'fulfilled', 'shipped', 'verified', 'delivered'].includes(s)) {
    return 'completed';
  }
  if (['pending_verification', 'pending', 'unverified', 'awaiting_verification', 'verification_pending'].includes(s)) {
    return 'pending_verification';
  }
  if (['refunded', 'refund', 'partially_refunded', 'refunded_unverified'].includes(s)) {
    return 'refunded';
  }
  return 'other';
}

/**
 * Where a status sits in an order's life: pending verification comes first, then completion,
 * and a refund can follow either. Used to decide between two versions of an order that carry
 * no timestamps, so a stale SQL row cannot undo a newer live event.
 */
const LIFECYCLE: Record<OrderStatus, number> = { other: -1, pending_verification: 0, completed: 1, refunded: 2 };

export function toMillis(value: unknown): number | null {
  if (value === null || value === undefined || value === '') {
    return null;
  }
  if (typeof value === 'number') {
    return Number.isFinite(value) ? value : null;
  }
  if (value instanceof Date) {
    return Number.isFinite(value.getTime()) ? value.getTime() : null;
  }
  // Grafana can hand over DateTime (moment) objects for time fields.
  if (typeof value === 'object' && 'valueOf' in value) {
    const n = Number((value as { valueOf(): unknown }).valueOf());
    return Number.isFinite(n) ? n : null;
  }
  const parsed = Date.parse(String(value));
  return Number.isFinite(parsed) ? parsed : null;
}

function toNumber(value: unknown): number | null {
  if (value === null || value === undefined || value === '') {
    return null;
  }
  const n = typeof value === 'number' ? value : Number(value);
  return Number.isFinite(n) ? n : null;
}

function toText(value: unknown): string | null {
  if (value === null || value === undefined) {
    return null;
  }
  const s = String(value).trim();
  return s === '' ? null : s;
}

/** "2× Espresso beans, 1× Grinder" from a summary string, an item count or a JSON line list. */
export function summariseItems(value: unknown): string | null {
  if (value === null || value === undefined || value === '') {
    return null;
  }
  if (typeof value === 'number') {
    return Number.isFinite(value) ? `${value} item${value === 1 ? '' : 's'}` : null;
  }
  let list: unknown = value;
  if (typeof value === 'string') {
    const trimmed = value.trim();
    if (!trimmed.startsWith('[')) {
      return trimmed;
    }
    try {
      list = JSON.parse(trimmed);
    } catch {
      return trimmed;
    }
  }
  if (Array.isArray(list)) {
    const parts = list.map((line: unknown) => {
      if (line && typeof line === 'object') {
        const l = line as Record<string, unknown>;
        const name = toText(l.name ?? l.title ?? l.sku ?? l.product) ?? 'item';
        const qty = toNumber(l.qty ?? l.quantity ?? l.count);
        return qty !== null ? `${qty}× ${name}` : name;
      }
      return String(line);
    });
    return parts.length ? parts.join(', ') : null;
  }
  return toText(value);
}

/** Every row of every frame that has an order id, in arrival order (frame by frame, row by row). */
export function ordersFromFrames(frames: DataFrame[], mapping: Partial<FieldMapping> = {}): Order[] {
  const out: Order[] = [];
  for (const frame of frames) {
    const idField = findField(frame, 'id', mapping);
    if (!idField) {
      continue;
    }
    const f = {
      placedAt: findField(frame, 'placedAt', mapping),
      customer: findField(frame, 'customer', mapping),
      items: findField(frame, 'items', mapping),
      total: findField(frame, 'total', mapping),
      status: findField(frame, 'status', mapping),
      updatedAt: findField(frame, 'updatedAt', mapping),
    };
    for (let row = 0; row < frame.length; row++) {
      const id = toText(idField.values[row]);
      if (id === null) {
        continue;
      }
      const rawStatus = toText(f.status?.values[row]);
      out.push({
        id,
        placedAt: toMillis(f.placedAt?.values[row]),
        customer: toText(f.customer?.values[row]),
        items: summariseItems(f.items?.values[row]),
        total: toNumber(f.total?.values[row]),
        status: rawStatus === null ? 'other' : normaliseStatus(rawStatus),
        rawStatus,
        updatedAt: toMillis(f.updatedAt?.values[row]),
      });
    }
  }
  return out;
}

/** Whether `next` is a newer version of the order than `current`. */
export function supersedes(next: Order, current: Order): boolean {
  if (next.updatedAt !== null && current.updatedAt !== null && next.updatedAt !== current.updatedAt) {
    return next.updatedAt > current.updatedAt;
  }
  // Without timestamps, an event may move an order forward in its life but never back;
  // between equal states the later arrival wins.
  return LIFECYCLE[next.status] >= LIFECYCLE[current.status] || current.status === 'other';
}

/** One entry per order id; the newest version wins and missing fields are filled from older ones. */
export function mergeOrders(versions: Order[]): Map<string, Order> {
  const merged = new Map<string, Order>();
  for (const version of versions) {
    const current = merged.get(version.id);
    if (!current) {
      merged.set(version.id, version);
      continue;
    }
    const [winner, other] = supersedes(version, current) ? [version, current] : [current, version];
    merged.set(version.id, {
      id: winner.id,
      placedAt: winner.placedAt ?? other.placedAt,
      customer: winner.customer ?? other.customer,
      items: winner.items ?? other.items,
      total: winner.total ?? other.total,
      status: winner.rawStatus === null ? other.status : winner.status,
      rawStatus: winner.rawStatus ?? other.rawStatus,
      updatedAt: winner.updatedAt ?? other.updatedAt,
    });
  }
  return merged;
}

/** The `limit` most recently placed orders, newest first; orders without a time go last. */
export function latestOrders(merged: Map<string, Order> | Order[], limit: number): Order[] {
  const list = Array.isArray(merged) ? merged : [...merged.values()];
  const n = Number.isFinite(limit) && limit > 0 ? Math.floor(limit) : 0;
  return [...list]
    .sort((a, b) => {
      if (a.placedAt === null || b.placedAt === null) {
        return a.placedAt === b.placedAt ? b.id.localeCompare(a.id, 'en', { numeric: true }) : a.placedAt === null ? 1 : -1;
      }
      return b.placedAt - a.placedAt || b.id.localeCompare(a.id, 'en', { numeric: true });
    })
    .slice(0, n);
}

export function buildFeed(frames: DataFrame[], mapping: Partial<FieldMapping>, limit: number): Order[] {
  return latestOrders(mergeOrders(ordersFromFrames(frames, mapping)), limit);
}

export function formatRelative(at: number | null, now: number): string {
  if (at === null) {
    return '–';
  }
  const seconds = Math.round((now - at) / 1000);
  if (seconds < 45) {
    // Also covers a clock slightly ahead of ours: never "in 3 s" for an order already placed.
    return 'just now';
  }
  const minutes = Math.round(seconds / 60);
  if (minutes < 60) {
    return `${minutes} min ago`;
  }
  const hours = Math.round(minutes / 60);
  if (hours < 24) {
    return `${hours} h ago`;
  }
  return `${Math.round(hours / 24)} d ago`;
}

export function formatMoney(total: number | null, currency: string, minorUnits: boolean): string {
  if (total === null) {
    return '–';
  }
  const amount = minorUnits ? total / 100 : total;
  try {
    return new Intl.NumberFormat('en-US', { style: 'currency', currency: currency || 'USD' }).format(amount);
  } catch {
    // An invalid currency code in the options should not blank the panel.
    return `${amount.toFixed(2)} ${currency}`;
  }
}

/** Whether the order's total is above the badge threshold (in currency units). */
export function isLargeOrder(order: Order, threshold: number, minorUnits: boolean): boolean {
  if (order.total === null || !Number.isFinite(threshold)) {
    return false;
  }
  const amount = minorUnits ? order.total / 100 : order.total;
  return amount > threshold;
}

/** A stable key of what a person sees change, to highlight rows whose state changed. */
export function versionKey(order: Order): string {
  return `${order.status}|${order.total ?? ''}`;
}

/** Bounds the memory of a panel left open for days. */
const SEEN_LIMIT = 5000;

export interface Highlights {
  /** id → epoch ms until which the row is highlighted. */
  until: Map<string, number>;
  /** What each shown order looked like, to detect new orders and changes next time. */
  seen: Map<string, string>;
}

/**
 * Works out which rows to highlight after new data arrived. The first non-empty data is the
 * baseline and highlights nothing (a dashboard that just loaded is not "new orders").
 */
export function nextHighlights(previous: Highlights | null, orders: Order[], now: number, highlightMs: number): Highlights {
  const seen = new Map(orders.map((o) => [o.id, versionKey(o)]));
  if (previous === null) {
    return { until: new Map(), seen };
  }
  const until = new Map<string, number>();
  for (const [id, t] of previous.until) {
    if (t > now) {
      until.set(id, t);
    }
  }
  for (const order of orders) {
    const before = previous.seen.get(order.id);
    if (before === undefined || before !== versionKey(order)) {
      until.set(order.id, now + highlightMs);
    }
  }
  // Keep knowing about orders that scrolled out, so they do not flash if they come back.
  for (const [id, key] of previous.seen) {
    if (!seen.has(id) && seen.size < SEEN_LIMIT) {
      seen.set(id, key);
    }
  }
  return { until, seen };
}
