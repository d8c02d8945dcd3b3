// Main dashboard, section "Live activity" (row 60).
import type { KpiCatalog } from '../../catalog';
import { CURRENCY_UNIT, SCHEMA, type Role } from '../../config';
import { orderFeed, sql, stat, table, unitFor, type PanelSpec } from '../../panels';
import type { MainContext } from './context';

export function liveActivity({ role, cat }: MainContext): PanelSpec[] {
  return [
    liveFeed(role, cat, 61, { w: 16, h: 11 }),
    ...liveCartPanels(role, cat, [62, 63]),
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

/** Live carts beside the order feed: count and value, then who is shopping now. */
export function liveCartPanels(role: Role, cat: KpiCatalog, ids: [number, number]): PanelSpec[] {
  const S = SCHEMA[role];
  return [
    stat({
      id: ids[0],
      title: 'Live carts (last 30 min)',
      w: 8,
      h: 3,
      unit: 'short',
      description: cat.get('live_carts').definition,
      queries: [sql(`SELECT count(*) AS live_carts, coalesce(sum(value), 0) AS live_value FROM ${S}.live_carts_at($__timeTo())`, ['live_carts', 'live_value'])],
      overrides: [unitFor('live_value', CURRENCY_UNIT, [{ id: 'displayName', value: 'Value' }]), { matcher: { id: 'byName', options: 'live_carts' }, properties: [{ id: 'displayName', value: 'Carts' }] }],
    }),
    table({
      id: ids[1],
      title: 'Carts active now',
      w: 8,
      h: 8,
      queries: [
        sql(`SELECT time, customer_name AS customer, stage, value, minutes_idle FROM ${S}.live_carts_at($__timeTo()) LIMIT 20`, ['time', 'customer', 'stage', 'value', 'minutes_idle']),
      ],
      overrides: [unitFor('value', CURRENCY_UNIT), unitFor('minutes_idle', 'm'), unitFor('time', 'dateTimeFromNow', [{ id: 'displayName', value: 'last activity' }])],
    }),
  ];
}
