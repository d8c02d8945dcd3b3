// The public, revenue-only dashboard shared outside Grafana. Public dashboards do not support
// template variables, so it has none; it reads only the public role's views.
import type { KpiCatalog } from '../catalog';
import { DashboardBuilder, type BuiltDashboard } from '../builder';
import { CURRENCY_UNIT, ORG_ID } from '../config';
import { sql, timeseries } from '../panels';
import { revenueToday, revenueTrend, revenueVs } from './common';

export const PUBLIC_UID = 'kpi-public-revenue';

export function publicDashboard(cat: KpiCatalog): BuiltDashboard {
  const b = new DashboardBuilder({
    uid: PUBLIC_UID,
    title: 'Store revenue (public)',
    role: 'public',
    file: 'public/revenue.json',
    orgId: ORG_ID.public,
    tags: ['kpi', 'public'],
    description: 'Revenue only. Shared as a public dashboard; no variables, no costs, no customers.',
  });
  b.add(
    // Shared externally: every panel keeps its own query (see revenueVs).
    revenueToday('public', 1, { w: 6, h: 5 }),
    revenueVs(cat, 'yesterday', 2, { w: 6, h: 5 }, { role: 'public' }),
    revenueVs(cat, 'avg7', 3, { w: 6, h: 5 }, { role: 'public' }),
    revenueVs(cat, 'target', 4, { w: 6, h: 5 }, { role: 'public' }),
    revenueTrend('public', 5, { w: 24, h: 9 }),
    timeseries({
      id: 6,
      title: 'Revenue per hour',
      w: 12,
      h: 8,
      unit: CURRENCY_UNIT,
      decimals: 0,
      bars: true,
      queries: [sql(`SELECT time, revenue FROM pub.revenue_hourly WHERE $__timeFilter(time) ORDER BY time`, ['time', 'revenue'], 'time_series')],
    }),
    timeseries({
      id: 7,
      title: 'Month to date vs target',
      w: 12,
      h: 8,
      unit: CURRENCY_UNIT,
      decimals: 0,
      queries: [sql(`SELECT time, mtd_revenue, mtd_target FROM pub.revenue_trend WHERE $__timeFilter(time) ORDER BY time`, ['time', 'mtd_revenue', 'mtd_target'], 'time_series')],
      overrides: [
        {
          matcher: { id: 'byName', options: 'mtd_target' },
          properties: [
            { id: 'custom.lineStyle', value: { fill: 'dash', dash: [10, 10] } },
            { id: 'color', value: { mode: 'fixed', fixedColor: 'red' } },
          ],
        },
      ],
    }),
  );
  return b.build();
}
