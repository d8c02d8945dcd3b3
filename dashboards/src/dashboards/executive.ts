// Executive summary: one screen with the numbers an owner reads first: revenue today and month
// to date against target, conversion, abandonment, recovered revenue, CLV (historical and
// predictive), the products moving most against the previous period, and the open alerts.
// Admin and manager variants read the same views (none of these panels carries cost data).
import { ThresholdsMode } from '@grafana/schema';
import type { KpiCatalog } from '../catalog';
import { DashboardBuilder, type BuiltDashboard } from '../builder';
import { CURRENCY_UNIT, ORG_ID, SCHEMA } from '../config';
import { sql, stat, table, unitFor, type PanelSpec } from '../panels';
import { dashLinks, revenueToday, revenueTrend, revenueVs } from './common';

export function executiveUid(role: 'admin' | 'manager'): string {
  return `kpi-executive-${role}`;
}

/** Grafana's alert list panel (no schema types in @grafana/schema): firing and pending rules. */
function alertList(id: number, s: { w: number; h: number }): PanelSpec {
  return {
    id,
    ...s,
    queries: [],
    panel: {
      type: 'alertlist',
      title: 'Open alerts',
      description: 'Grafana-managed alert rules that are firing or pending (revenue below target, large orders, site down, abandonment).',
      options: {
        viewMode: 'list',
        groupMode: 'default',
        groupBy: [],
        maxItems: 10,
        sortOrder: 1,
        dashboardAlerts: false,
        alertName: '',
        alertInstanceLabelFilter: '',
        showInstances: false,
        stateFilter: { firing: true, pending: true, noData: true, normal: false, error: true },
      },
    },
  };
}

export function executiveDashboard(role: 'admin' | 'manager', cat: KpiCatalog): BuiltDashboard {
  const S = SCHEMA[role];
  const range = '$__timeFrom(), $__timeTo()';
  const b = new DashboardBuilder({
    uid: executiveUid(role),
    title: role === 'admin' ? 'Executive summary' : 'Executive summary (managers)',
    role,
    file: `${role}/executive.json`,
    orgId: ORG_ID[role],
    tags: ['kpi', 'executive', role],
    description: 'One screen: revenue vs target, month to date, conversion, abandonment, recovered revenue, CLV, top movers and open alerts.',
    links: dashLinks([
      { title: 'Store KPIs', uid: `kpi-main-${role}` },
      { title: 'Abandoned-cart recovery', uid: `kpi-recovery-${role}` },
    ]),
  });
  const small = { w: 4, h: 5 };
  b.add(
    revenueToday(role, 1, small, ['target', 'yesterday']),
    stat({
      id: 2,
      title: 'Revenue month to date',
      ...small,
      unit: CURRENCY_UNIT,
      decimals: 0,
      description: 'Net revenue from the 1st of the month (store time) to the end of the range, and the target for the same days.',
      // The month-to-date row, read once: 3 shows its attainment column.
      queries: [
        sql(
          `SELECT mtd_revenue, mtd_target, round(mtd_revenue / NULLIF(mtd_target, 0), 4) AS mtd_attainment FROM ${S}.revenue_trend WHERE time <= $__timeTo() ORDER BY time DESC LIMIT 1`,
          ['mtd_revenue', 'mtd_target', 'mtd_attainment'],
        ),
      ],
      fields: '/^mtd_revenue$/',
    }),
    stat({
      id: 3,
      title: 'Month to date vs target',
      ...small,
      unit: 'percentunit',
      decimals: 0,
      description: 'Month-to-date revenue ÷ the daily targets of the same days (monthly target ÷ days in month, from the catalog).',
      // 100 % = on target; below the revenue alert's fraction is red.
      thresholds: {
        mode: ThresholdsMode.Absolute,
        steps: [
          { color: 'red', value: null },
          { color: 'yellow', value: 1 + cat.revenueVsTargetThresholds().steps[1]!.value! / 100 },
          { color: 'green', value: 1 },
        ],
      },
      queries: [],
      reuse: { panelId: 2, fields: ['mtd_attainment'] },
    }),
    stat({
      id: 4,
      title: 'Conversion rate',
      ...small,
      unit: 'percentunit',
      decimals: 2,
      thresholds: cat.thresholds('conversion_rate'),
      description: cat.get('conversion_rate').definition,
      queries: [sql(`SELECT conversion_rate FROM ${S}.conversion_range(${range})`, ['conversion_rate'])],
    }),
    stat({
      id: 5,
      title: 'Cart abandonment',
      ...small,
      unit: 'percentunit',
      decimals: 1,
      thresholds: cat.thresholds('cart_abandonment_rate'),
      description: cat.get('cart_abandonment_rate').definition,
      queries: [
        sql(
          `SELECT round(1 - sum(carts_converted)::numeric / NULLIF(sum(carts_converted + carts_abandoned), 0), 4) AS cart_abandonment_rate FROM ${S}.cart_abandonment_daily WHERE $__timeFilter(time)`,
          ['cart_abandonment_rate'],
        ),
      ],
    }),
    stat({
      id: 6,
      title: 'Recovered revenue',
      ...small,
      unit: CURRENCY_UNIT,
      decimals: 0,
      description: cat.get('recovered_revenue').definition,
      queries: [sql(`SELECT coalesce(sum(recovered_revenue), 0) AS recovered_revenue FROM ${S}.cart_recovery_daily WHERE $__timeFilter(time)`, ['recovered_revenue'])],
    }),
    stat({
      id: 7,
      title: 'CLV (historical)',
      w: 6,
      h: 5,
      unit: CURRENCY_UNIT,
      decimals: 2,
      thresholds: cat.thresholds('clv'),
      description: cat.get('clv').definition,
      queries: [sql(`SELECT clv_historical, customers FROM ${S}.clv_at($__timeTo())`, ['clv_historical', 'customers'])],
      fields: '/^clv_historical$/',
    }),
    stat({
      id: 8,
      title: 'CLV (predicted, next 12 months)',
      w: 6,
      h: 5,
      unit: CURRENCY_UNIT,
      decimals: 2,
      description: cat.get('clv_predictive').definition,
      queries: [sql(`SELECT clv_predictive_12m, fit_date FROM ${S}.clv_predictive`, ['clv_predictive_12m', 'fit_date'])],
      fields: '/^clv_predictive_12m$/',
    }),
    // 9 and 10 show columns of panel 1's revenue_comparison row.
    revenueVs(cat, 'target', 9, { w: 6, h: 5 }, { reuse: 1 }),
    revenueVs(cat, 'yesterday', 10, { w: 6, h: 5 }, { reuse: 1 }),
    revenueTrend(role, 11, { w: 12, h: 9 }),
    table({
      id: 12,
      title: 'Top movers (vs the previous period)',
      w: 6,
      h: 9,
      description: 'Products whose revenue changed most against the period of the same length just before the range.',
      queries: [
        sql(
          `
          SELECT c.name, c.revenue, p.revenue AS previous_revenue, c.revenue - p.revenue AS change,
                 round((c.revenue - p.revenue) * 100.0 / NULLIF(p.revenue, 0), 1) AS change_pct
          FROM ${S}.product_performance($__timeFrom(), $__timeTo()) c
          JOIN ${S}.product_performance($__timeFrom()::timestamptz - ($__timeTo()::timestamptz - $__timeFrom()::timestamptz), $__timeFrom()) p ON p.sku = c.sku
          WHERE c.revenue <> 0 OR p.revenue <> 0
          ORDER BY abs(c.revenue - p.revenue) DESC, c.sku
          LIMIT 5`,
          ['name', 'revenue', 'previous_revenue', 'change', 'change_pct'],
        ),
      ],
      overrides: [unitFor('revenue', CURRENCY_UNIT), unitFor('previous_revenue', CURRENCY_UNIT), unitFor('change', CURRENCY_UNIT), unitFor('change_pct', 'percent')],
    }),
    alertList(13, { w: 6, h: 9 }),
  );
  return b.build();
}
