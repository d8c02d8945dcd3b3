// Phone summary: key numbers first in small tiles, every section in a collapsed row so a phone
// loads only what is opened. Grafana stacks panels full-width below 769 px, so heights are kept low.
import type { KpiCatalog } from '../catalog';
import { DashboardBuilder, type BuiltDashboard } from '../builder';
import { CURRENCY_UNIT, ORG_ID, SCHEMA } from '../config';
import { funnel, sql, stat } from '../panels';
import { dashLinks, revenueToday, revenueTrend, revenueVs } from './common';
import { FUNNEL_LABELS, liveFeed } from './main';

export function mobileDashboard(role: 'admin' | 'manager', cat: KpiCatalog): BuiltDashboard {
  const S = SCHEMA[role];
  const range = '$__timeFrom(), $__timeTo()';
  const b = new DashboardBuilder({
    uid: `kpi-mobile-${role}`,
    title: role === 'admin' ? 'Store KPIs — phone' : 'Store KPIs — phone (managers)',
    role,
    file: `${role}/mobile.json`,
    orgId: ORG_ID[role],
    tags: ['kpi', 'mobile', role],
    description: 'Compact summary for a phone: key numbers first, details in collapsed rows.',
    collapsed: true,
    links: dashLinks([{ title: 'Full dashboard', uid: `kpi-main-${role}` }]),
  });
  b.add(
    // Panels 2–4 show columns of panel 1's revenue_comparison row.
    revenueToday(role, 1, { w: 12, h: 3 }, ['target', 'yesterday']),
    revenueVs(cat, 'target', 2, { w: 12, h: 3 }, { reuse: 1 }),
    revenueVs(cat, 'yesterday', 3, { w: 12, h: 3 }, { reuse: 1 }),
    stat({
      id: 4,
      title: 'Orders today',
      w: 12,
      h: 3,
      unit: 'short',
      queries: [],
      reuse: { panelId: 1, fields: ['orders'] },
    }),
    stat({
      id: 5,
      title: 'Conversion rate',
      w: 12,
      h: 3,
      unit: 'percentunit',
      decimals: 1,
      thresholds: cat.thresholds('conversion_rate'),
      queries: [sql(`SELECT conversion_rate FROM ${S}.conversion_range(${range})`, ['conversion_rate'])],
    }),
    stat({
      id: 6,
      title: 'AOV',
      w: 12,
      h: 3,
      unit: CURRENCY_UNIT,
      decimals: 2,
      thresholds: cat.thresholds('aov'),
      queries: [sql(`SELECT round(sum(item_subtotal - discounts) / NULLIF(sum(orders), 0), 2) AS aov FROM ${S}.revenue_daily WHERE $__timeFilter(time)`, ['aov'])],
    }),
  );
  b.row(10, 'Revenue trend').add(revenueTrend(role, 11, { w: 24, h: 6 }, 'Revenue per day'));
  b.row(20, 'Funnel').add(
    funnel({
      id: 21,
      title: 'Funnel',
      w: 24,
      h: 7,
      benchmarks: cat.funnelBenchmarks(FUNNEL_LABELS),
      queries: [
        sql(
          `SELECT CASE step ${Object.entries(FUNNEL_LABELS)
            .map(([k, v]) => `WHEN '${k}' THEN '${v}'`)
            .join(' ')} END AS step, visitors FROM ${S}.funnel(${range}) ORDER BY step_no`,
          ['step', 'visitors'],
        ),
      ],
    }),
  );
  b.row(30, 'Live orders').add(liveFeed(role, cat, 31, { w: 24, h: 8 }));
  b.row(40, 'Operations').add(
    stat({
      id: 41,
      title: 'Verification completion',
      w: 12,
      h: 3,
      unit: 'percentunit',
      decimals: 1,
      thresholds: cat.thresholds('verification_completion_rate'),
      // One operations_range row: 42 shows its shipping column.
      queries: [sql(`SELECT verification_completion_rate, shipping_time_hours FROM ${S}.operations_range(${range})`, ['verification_completion_rate', 'shipping_time_hours'])],
      fields: '/^verification_completion_rate$/',
    }),
    stat({
      id: 42,
      title: 'Shipping time',
      w: 12,
      h: 3,
      unit: 'h',
      decimals: 1,
      thresholds: cat.thresholds('shipping_time'),
      queries: [],
      reuse: { panelId: 41, fields: ['shipping_time_hours'] },
    }),
  );
  return b.build();
}
