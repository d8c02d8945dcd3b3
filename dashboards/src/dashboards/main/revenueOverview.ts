// Main dashboard, section "Revenue overview" (row 1).
import { alertList, bargauge, pie, sql, stat, timeseries, unitFor, type PanelSpec } from '../../panels';
import { CURRENCY_UNIT } from '../../config';
import { revenueToday, revenueTrend, revenueVs } from '../common';
import type { MainContext } from './context';

export function revenueOverview({ role, S, cat }: MainContext): PanelSpec[] {
  return [
    // Rules linked to this dashboard (deviation from baseline, revenue behind, abandonment
    // spike); each also marks its state changes as annotations on the panel it is linked to.
    alertList({
      id: 13,
      title: 'KPI alerts (deviation from baseline, revenue behind target, abandonment)',
      w: 24,
      h: 5,
      description: 'Firing and pending alert rules linked to this dashboard. Deviation: a complete day more than its catalog threshold away from its baseline, with enough volume.',
    }),
    // One query for the four "today" numbers: 3, 4 and 5 show columns of panel 2's result.
    revenueToday(role, 2, { w: 6, h: 5 }, ['yesterday', 'avg7', 'target']),
    revenueVs(cat, 'yesterday', 3, { w: 6, h: 5 }, { reuse: 2 }),
    revenueVs(cat, 'avg7', 4, { w: 6, h: 5 }, { reuse: 2 }),
    revenueVs(cat, 'target', 5, { w: 6, h: 5 }, { reuse: 2 }),
    revenueTrend(role, 6, { w: 16, h: 9 }, 'Revenue per day vs target (30 days)'),
    bargauge({
      id: 7,
      title: 'Revenue by tier',
      w: 8,
      h: 9,
      description: 'Before refunds (refunds are not split by tier); order discounts allocated to lines.',
      unit: CURRENCY_UNIT,
      decimals: 0,
      queries: [
        sql(
          `
          SELECT tier, sum(revenue) AS revenue
          FROM ${S}.revenue_by_tier_daily
          WHERE $__timeFilter(time) AND tier IN ($tier)
          GROUP BY tier
          ORDER BY revenue DESC, tier`,
          ['tier', 'revenue'],
        ),
      ],
    }),
    stat({
      id: 8,
      title: 'Average order value',
      w: 4,
      h: 5,
      description: '(Item subtotal − discounts) ÷ orders over the selected range; refunds not subtracted.',
      unit: CURRENCY_UNIT,
      decimals: 2,
      thresholds: cat.thresholds('aov'),
      // The range's one revenue_daily sum: 9 and 11 show its orders and revenue columns.
      queries: [
        sql(
          `
          SELECT round(sum(item_subtotal - discounts) / NULLIF(sum(orders), 0), 2) AS aov, sum(orders) AS orders, sum(revenue) AS revenue
          FROM ${S}.revenue_daily
          WHERE $__timeFilter(time)`,
          ['aov', 'orders', 'revenue'],
        ),
      ],
      fields: '/^aov$/',
    }),
    stat({
      id: 9,
      title: 'Orders',
      w: 4,
      h: 5,
      description: 'Valid orders (not cancelled, not test) placed in the selected range.',
      unit: 'short',
      queries: [],
      reuse: { panelId: 8, fields: ['orders'] },
    }),
    stat({
      id: 11,
      title: 'Revenue in range',
      w: 4,
      h: 5,
      unit: CURRENCY_UNIT,
      decimals: 0,
      queries: [],
      reuse: { panelId: 8, fields: ['revenue'] },
    }),
    pie({
      id: 10,
      title: 'Revenue by traffic source',
      w: 12,
      h: 8,
      perRow: true,
      unit: CURRENCY_UNIT,
      decimals: 0,
      queries: [
        sql(
          `
          SELECT traffic_source, sum(revenue) AS revenue
          FROM ${S}.revenue_by_source_daily
          WHERE $__timeFilter(time)
          GROUP BY traffic_source
          ORDER BY revenue DESC, traffic_source`,
          ['traffic_source', 'revenue'],
        ),
      ],
    }),
    timeseries({
      id: 12,
      title: 'Orders and AOV per day',
      w: 12,
      h: 8,
      queries: [sql(`SELECT time, orders, aov FROM ${S}.revenue_daily WHERE $__timeFilter(time) ORDER BY time`, ['time', 'orders', 'aov'], 'time_series')],
      overrides: [unitFor('aov', CURRENCY_UNIT, [{ id: 'custom.axisPlacement', value: 'right' }, { id: 'displayName', value: 'AOV' }])],
    }),
  ];
}
