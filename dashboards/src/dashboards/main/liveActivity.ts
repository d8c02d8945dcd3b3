// Main dashboard, section "Live activity" (row 60).
import type { KpiCatalog } from '../../catalog';
import { CURRENCY_UNIT, SCHEMA, type Role } from '../../config';
import { orderFeed, sql, type PanelSpec } from '../../panels';
import type { MainContext } from './context';

export function liveActivity({ role, cat }: MainContext): PanelSpec[] {
  return [
    liveFeed(role, cat, 61, { w: 24, h: 11 }),
  ];
}

/** The last 20 orders up to the end of the range, then new ones pushed over Grafana Live. */
export function liveFeed(role: Role, cat: KpiCatalog, id: number, s: { w: number; h: number }): PanelSpec {
  // The "large order" badge uses the same amount as the catalog's large-order alert.
  const alert = cat.get('orders').alert;
  return orderFeed({
    id,
    title: 'Live orders',
    ...s,
    maxOrders: 20,
    currency: CURRENCY_UNIT.replace(/^currency/, ''),
    badgeAbove: typeof alert?.amount === 'number' ? alert.amount : 200,
    description: 'Last 20 orders (completed, pending verification, refunded ...), updated live as orders arrive.',
    queries: [
      sql(
        `
        SELECT time, order_id, customer_name AS customer, items_summary AS items, total, status
        FROM ${SCHEMA[role]}.order_feed
        WHERE time <= $__timeTo()
        ORDER BY time DESC
        LIMIT 20`,
        ['time', 'order_id', 'customer', 'items', 'total', 'status'],
      ),
    ],
  });
}
