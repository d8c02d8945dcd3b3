import { DataFrame, FieldType, toDataFrame } from '@grafana/data';

export interface OrderRow {
  order_id: string;
  placed_at: number;
  customer: string;
  items: string;
  total: number;
  status: string;
}

const CUSTOMERS = ['Ana Souza', 'Ben Okafor', 'Chloé Martin', 'Dmitri Ivanov', 'Emma Jones', 'Farah Khan'];
const ITEMS = ['2× Espresso beans', '1× Grinder, 1× Filter papers', '3× Cold brew', '1× Gift card', '4× Mugs'];
const STATUSES = ['completed', 'pending_verification', 'refunded'];

/** `count` orders placed one minute apart, newest (#1000+count) at `now`. */
export function orderRows(count: number, now: number): OrderRow[] {
  return Array.from({ length: count }, (_, i) => ({
    order_id: String(1001 + i),
    placed_at: now - (count - 1 - i) * 60_000,
    customer: CUSTOMERS[i % CUSTOMERS.length] ?? 'Someone',
    items: ITEMS[i % ITEMS.length] ?? '1× Item',
    // Every fourth order is a large one.
    total: i % 4 === 0 ? 249.5 + i : 19.99 + i,
    status: STATUSES[i % STATUSES.length] ?? 'completed',
  }));
}

/** The shape of the SQL table query: one row per order. */
export function sqlFrame(rows: OrderRow[], refId = 'A'): DataFrame {
  return toDataFrame({
    refId,
    fields: [
      { name: 'order_id', type: FieldType.string, values: rows.map((r) => r.order_id) },
      { name: 'placed_at', type: FieldType.time, values: rows.map((r) => r.placed_at) },
      { name: 'customer', type: FieldType.string, values: rows.map((r) => r.customer) },
      { name: 'items', type: FieldType.string, values: rows.map((r) => r.items) },
      { name: 'total', type: FieldType.number, values: rows.map((r) => r.total) },
      { name: 'status', type: FieldType.string, values: rows.map((r) => r.status) },
    ],
  });
}

/** One order event as the ETL pushes it to Grafana Live: a one-row frame. */
export function eventFrame(row: OrderRow, updatedAt?: number): DataFrame {
  return toDataFrame({
    name: 'orders',
    fields: [
      { name: 'time', type: FieldType.time, values: [updatedAt ?? row.placed_at] },
      { name: 'order_id', type: FieldType.string, values: [row.order_id] },
      { name: 'placed_at', type: FieldType.time, values: [row.placed_at] },
      { name: 'customer', type: FieldType.string, values: [row.customer] },
      { name: 'items', type: FieldType.string, values: [row.items] },
      { name: 'total', type: FieldType.number, values: [row.total] },
      { name: 'status', type: FieldType.string, values: [row.status] },
    ],
  });
}
