// Main dashboard, section "Customer insights" (row 40).
import { pie, sql, stat, table, timeseries, unitFor, xy, type PanelSpec } from '../../panels';
import { CURRENCY_UNIT } from '../../config';
import type { MainContext } from './context';

export function customerInsights({ S, range, cat }: MainContext): PanelSpec[] {
  return [
    pie({
      id: 41,
      title: 'New vs returning orders',
      w: 8,
      h: 8,
      perRow: false,
      unit: 'short',
      queries: [
        sql(
          `SELECT sum(new_orders) AS "New", sum(returning_orders) AS "Returning", sum(guest_orders) AS "Guest" FROM ${S}.new_vs_returning_daily WHERE $__timeFilter(time)`,
          ['New', 'Returning', 'Guest'],
        ),
      ],
    }),
    timeseries({
      id: 42,
      title: 'Customer acquisition',
      w: 16,
      h: 8,
      unit: 'short',
      bars: true,
      stack: true,
      queries: [
        sql(
          `SELECT time, new_customers, returning_customers FROM ${S}.new_vs_returning_daily WHERE $__timeFilter(time) ORDER BY time`,
          ['time', 'new_customers', 'returning_customers'],
          'time_series',
        ),
      ],
    }),
    xy({
      id: 43,
      title: 'Spend vs purchase frequency',
      w: 12,
      h: 9,
      x: 'orders',
      y: 'revenue',
      description: 'One point per customer with orders in the range.',
      queries: [sql(`SELECT orders, revenue, customer_name FROM ${S}.top_customers(${range}, 1000)`, ['orders', 'revenue', 'customer_name'])],
      overrides: [unitFor('revenue', CURRENCY_UNIT)],
    }),
    stat({
      id: 44,
      title: 'Customer lifetime value',
      w: 4,
      h: 5,
      unit: CURRENCY_UNIT,
      decimals: 0,
      thresholds: cat.thresholds('clv'),
      description: cat.get('clv').definition,
      // Lifetime figures as of the end of the selected range.
      queries: [sql(`SELECT clv_historical, clv_365d FROM ${S}.clv_at($__timeTo())`, ['clv_historical', 'clv_365d'])],
      fields: '/^clv_historical$/',
    }),
    stat({
      id: 45,
      title: '90-day repeat rate',
      w: 4,
      h: 5,
      unit: 'percentunit',
      decimals: 1,
      thresholds: cat.thresholds('repeat_rate_90d'),
      description: cat.get('repeat_rate_90d').definition,
      queries: [sql(`SELECT repeat_rate_90d FROM ${S}.repeat_rate_90d_at($__timeTo())`, ['repeat_rate_90d'])],
    }),
    stat({
      id: 46,
      title: 'Days between purchases (mean / median)',
      w: 4,
      h: 5,
      unit: 'd',
      decimals: 1,
      queries: [sql(`SELECT mean_days, median_days FROM ${S}.days_between_purchases`, ['mean_days', 'median_days'])],
    }),
    table({
      id: 47,
      title: 'Top customers',
      w: 12,
      h: 9,
      queries: [sql(`SELECT rank, customer_name, orders, revenue FROM ${S}.top_customers(${range}, $top_n)`, ['rank', 'customer_name', 'orders', 'revenue'])],
      overrides: [unitFor('revenue', CURRENCY_UNIT)],
    }),
  ];
}
