// Main dashboard, section "Conversion funnel" (row 20).
import { funnel, sql, stat, timeseries, type PanelSpec } from '../../panels';
import type { MainContext } from './context';

export const FUNNEL_LABELS: Record<string, string> = {
  visitors: 'Visitors',
  add_to_cart: 'Add to cart',
  checkout: 'Checkout',
  order: 'Order',
};

export function conversionFunnel({ S, range, cat }: MainContext): PanelSpec[] {
  const rateStat = (id: number, title: string, kpi: string, col: string, rawSql: string): PanelSpec =>
    stat({ id, title, w: 6, h: 5, unit: 'percentunit', decimals: 1, thresholds: cat.thresholds(kpi), description: cat.get(kpi).definition, queries: [sql(rawSql, [col])] });
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
    rateStat(22, 'Conversion rate', 'conversion_rate', 'conversion_rate', `SELECT conversion_rate FROM ${S}.conversion_range(${range})`),
    rateStat(23, 'Add-to-cart rate', 'add_to_cart_rate', 'add_to_cart_rate', `SELECT add_to_cart_rate FROM ${S}.conversion_range(${range})`),
    rateStat(24, 'Checkout completion rate', 'checkout_completion_rate', 'checkout_completion_rate', `SELECT checkout_completion_rate FROM ${S}.conversion_range(${range})`),
    rateStat(
      25,
      'Cart abandonment rate',
      'cart_abandonment_rate',
      'cart_abandonment_rate',
      `
      SELECT round(1 - sum(carts_converted)::numeric / NULLIF(sum(carts_converted + carts_abandoned), 0), 4) AS cart_abandonment_rate
      FROM ${S}.cart_abandonment_daily
      WHERE $__timeFilter(time)`,
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
