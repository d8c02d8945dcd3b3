// Main dashboard, section "Conversion funnel" (row 20).
import { funnel, sql, stat, timeseries, type PanelSpec, type SqlQuery } from '../../panels';
import type { MainContext } from './context';

export const FUNNEL_LABELS: Record<string, string> = {
  visitors: 'Visitors',
  add_to_cart: 'Add to cart',
  checkout: 'Checkout',
  order: 'Order',
};

/** The conversion_range columns the three rate stats show (panel 22 runs the one query). */
const RATE_COLUMNS = ['conversion_rate', 'add_to_cart_rate', 'checkout_completion_rate'];

export function conversionFunnel({ S, range, cat }: MainContext): PanelSpec[] {
  const rateStat = (id: number, title: string, kpi: string, col: string, from: SqlQuery | { reuse: number }): PanelSpec =>
    stat({
      id,
      title,
      w: 6,
      h: 5,
      unit: 'percentunit',
      decimals: 1,
      thresholds: cat.thresholds(kpi),
      description: cat.get(kpi).definition,
      fields: `/^${col}$/`,
      ...('reuse' in from ? { queries: [], reuse: { panelId: from.reuse, fields: [col] } } : { queries: [from] }),
    });
  return [
    funnel({
      id: 21,
      title: 'Funnel: visitors → add to cart → checkout → order',
      w: 12,
      h: 10,
      description: 'Distinct visitors reaching each step in the range; drop-off against the catalog benchmarks, the worst step marked as bottleneck.',
      benchmarks: cat.funnelBenchmarks(FUNNEL_LABELS),
      queries: [
        sql(
          `
          SELECT CASE step ${Object.entries(FUNNEL_LABELS)
            .map(([k, v]) => `WHEN '${k}' THEN '${v}'`)
            .join(' ')} END AS step, visitors
          FROM ${S}.funnel(${range})
          ORDER BY step_no`,
          ['step', 'visitors'],
        ),
      ],
    }),
    // One conversion_range row for the three rates: 23 and 24 show their column of 22's result.
    rateStat(22, 'Conversion rate', 'conversion_rate', 'conversion_rate', sql(`SELECT ${RATE_COLUMNS.join(', ')} FROM ${S}.conversion_range(${range})`, RATE_COLUMNS)),
    rateStat(23, 'Add-to-cart rate', 'add_to_cart_rate', 'add_to_cart_rate', { reuse: 22 }),
    rateStat(24, 'Checkout completion rate', 'checkout_completion_rate', 'checkout_completion_rate', { reuse: 22 }),
    rateStat(
      25,
      'Cart abandonment rate',
      'cart_abandonment_rate',
      'cart_abandonment_rate',
      sql(
        `
        SELECT round(1 - sum(carts_converted)::numeric / NULLIF(sum(carts_converted + carts_abandoned), 0), 4) AS cart_abandonment_rate
        FROM ${S}.cart_abandonment_daily
        WHERE $__timeFilter(time)`,
        ['cart_abandonment_rate'],
      ),
    ),
    timeseries({
      id: 26,
      title: 'Conversion rate per day vs target band',
      w: 24,
      h: 7,
      unit: 'percentunit',
      decimals: 2,
      queries: [
        sql(
          `SELECT time, conversion_rate, conversion_target_low, conversion_target_high FROM ${S}.conversion_daily WHERE $__timeFilter(time) ORDER BY time`,
          ['time', 'conversion_rate', 'conversion_target_low', 'conversion_target_high'],
          'time_series',
        ),
      ],
      overrides: ['conversion_target_low', 'conversion_target_high'].map((f) => ({
        matcher: { id: 'byName', options: f },
        properties: [
          { id: 'custom.lineStyle', value: { fill: 'dash', dash: [10, 10] } },
          { id: 'custom.fillOpacity', value: 0 },
          { id: 'color', value: { mode: 'fixed', fixedColor: 'green' } },
        ],
      })),
    }),
  ];
}
