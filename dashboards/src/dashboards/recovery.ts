// Abandoned-cart recovery: where carts are lost, when, where in the world, and what the recovery
// emails win back (by step and A/B variant). Same for managers: campaign cost is marketing spend,
// not product cost, so it stays visible to them.
import { FieldColorModeId } from '@grafana/schema';
import type { KpiCatalog } from '../catalog';
import { DashboardBuilder, type BuiltDashboard } from '../builder';
import { CURRENCY_UNIT, ORG_ID, SCHEMA } from '../config';
import { bargauge, colourCell, funnel, geomap, sql, stat, table, timeseries, unitFor } from '../panels';
import { dashLinks } from './common';
import { cohortGrid } from './sections/customers';
import { cartProductPanels, journeyPanels, recoverySegmentPanels } from './sections/journey';

const WEEKDAYS = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'];

export function recoveryDashboard(role: 'admin' | 'manager', cat: KpiCatalog): BuiltDashboard {
  const S = SCHEMA[role];
  const range = '$__timeFrom(), $__timeTo()';
  const b = new DashboardBuilder({
    uid: `kpi-recovery-${role}`,
    title: role === 'admin' ? 'Abandoned-cart recovery' : 'Abandoned-cart recovery (managers)',
    role,
    file: `${role}/recovery.json`,
    orgId: ORG_ID[role],
    tags: ['kpi', 'recovery', role],
    description: 'Cart abandonment by stage, hour and country; recovery emails by step and variant.',
    links: dashLinks([{ title: 'Store KPIs', uid: `kpi-main-${role}` }]),
  });

  const decided = `round(1 - sum(carts_converted)::numeric / NULLIF(sum(carts_converted + carts_abandoned), 0), 4)`;
  b.row(100, 'Abandonment and recovery').add(
    stat({
      id: 101,
      title: 'Cart abandonment rate',
      w: 6,
      h: 5,
      unit: 'percentunit',
      decimals: 1,
      thresholds: cat.thresholds('cart_abandonment_rate'),
      queries: [sql(`SELECT ${decided} AS cart_abandonment_rate, sum(carts_abandoned) AS carts_abandoned FROM ${S}.cart_abandonment_daily WHERE $__timeFilter(time)`, ['cart_abandonment_rate', 'carts_abandoned'])],
      fields: '/^cart_abandonment_rate$/',
    }),
    stat({
      id: 102,
      title: 'Recovery rate',
      w: 6,
      h: 5,
      unit: 'percentunit',
      decimals: 1,
      thresholds: cat.thresholds('recovery_rate'),
      description: cat.get('recovery_rate').definition,
      queries: [
        sql(
          `SELECT round(sum(carts_recovered)::numeric / NULLIF(sum(carts_emailed), 0), 4) AS recovery_rate, sum(carts_emailed) AS carts_emailed FROM ${S}.cart_recovery_daily WHERE $__timeFilter(time)`,
          ['recovery_rate', 'carts_emailed'],
        ),
      ],
      fields: '/^recovery_rate$/',
    }),
    stat({
      id: 103,
      title: 'Recovered revenue',
      w: 6,
      h: 5,
      unit: CURRENCY_UNIT,
      decimals: 0,
      queries: [sql(`SELECT sum(recovered_revenue) AS recovered_revenue FROM ${S}.cart_recovery_daily WHERE $__timeFilter(time)`, ['recovered_revenue'])],
    }),
    stat({
      id: 104,
      title: 'Recovery ROI (all time)',
      w: 6,
      h: 5,
      unit: 'suffix:×',
      decimals: 1,
      description: cat.get('recovery_roi').definition,
      queries: [sql(`SELECT round(sum(recovered_revenue) / NULLIF(sum(campaign_cost), 0), 2) AS recovery_roi FROM ${S}.cart_recovery`, ['recovery_roi'])],
    }),
    funnel({
      id: 105,
      title: 'Recovery funnel',
      w: 12,
      h: 10,
      benchmarks: '',
      queries: [
        sql(
          `
          SELECT step, carts FROM (
            SELECT 1 AS ord, 'Carts created' AS step, sum(carts_created) AS carts FROM ${S}.cart_abandonment_daily WHERE $__timeFilter(time)
            UNION ALL
            SELECT 2, 'Abandoned', sum(carts_abandoned) FROM ${S}.cart_abandonment_daily WHERE $__timeFilter(time)
            UNION ALL
            SELECT 3, 'Recovery email sent', sum(carts_emailed) FROM ${S}.cart_recovery_daily WHERE $__timeFilter(time)
            UNION ALL
            SELECT 4, 'Recovered', sum(carts_recovered) FROM ${S}.cart_recovery_daily WHERE $__timeFilter(time)
          ) f
          ORDER BY ord`,
          ['step', 'carts'],
        ),
      ],
    }),
    bargauge({
      id: 106,
      title: 'Abandoned carts by stage reached',
      w: 12,
      h: 10,
      unit: 'short',
      queries: [
        sql(
          `
          SELECT stage, sum(carts_abandoned) AS carts_abandoned
          FROM ${S}.cart_abandonment_by_stage_daily
          WHERE $__timeFilter(time)
          GROUP BY stage
          ORDER BY CASE stage WHEN 'cart' THEN 1 WHEN 'checkout' THEN 2 ELSE 3 END`,
          ['stage', 'carts_abandoned'],
        ),
      ],
    }),
  );

  b.row(110, 'Recovery emails').add(
    table({
      id: 111,
      title: 'Recovery by email step',
      description: 'Carts whose recovery email was sent in the selected range.',
      w: 12,
      h: 8,
      queries: [
        sql(
          `
          SELECT recovery_step, sum(carts_emailed) AS carts_emailed, sum(carts_recovered) AS carts_recovered,
                 round(sum(carts_recovered)::numeric / NULLIF(sum(carts_emailed), 0), 4) AS recovery_rate,
                 sum(recovered_revenue) AS recovered_revenue
          FROM ${S}.cart_recovery_range(${range})
          GROUP BY recovery_step
          ORDER BY recovery_step`,
          ['recovery_step', 'carts_emailed', 'carts_recovered', 'recovery_rate', 'recovered_revenue'],
        ),
      ],
      overrides: [unitFor('recovery_rate', 'percentunit'), unitFor('recovered_revenue', CURRENCY_UNIT)],
    }),
    table({
      id: 112,
      title: 'A/B results of recovery emails',
      description: "Carts whose recovery email was sent in the selected range. ROI divides their recovered revenue by the campaign's whole cost (campaigns have one cost, not a cost per day).",
      w: 12,
      h: 8,
      queries: [
        sql(
          `
          SELECT recovery_step, variant, campaign_name, carts_emailed, carts_recovered, recovery_rate, recovered_revenue, recovery_roi
          FROM ${S}.cart_recovery_range(${range})
          ORDER BY recovery_step, variant`,
          ['recovery_step', 'variant', 'campaign_name', 'carts_emailed', 'carts_recovered', 'recovery_rate', 'recovered_revenue', 'recovery_roi'],
        ),
      ],
      overrides: [colourCell('recovery_rate', cat.thresholds('recovery_rate'), 'percentunit'), unitFor('recovered_revenue', CURRENCY_UNIT), unitFor('recovery_roi', 'suffix:×')],
    }),
    timeseries({
      id: 113,
      title: 'Recovery per day',
      w: 24,
      h: 7,
      queries: [
        sql(
          `SELECT time, recovery_rate, recovered_revenue FROM ${S}.cart_recovery_daily WHERE $__timeFilter(time) ORDER BY time`,
          ['time', 'recovery_rate', 'recovered_revenue'],
          'time_series',
        ),
      ],
      overrides: [unitFor('recovery_rate', 'percentunit'), unitFor('recovered_revenue', CURRENCY_UNIT, [{ id: 'custom.axisPlacement', value: 'right' }])],
    }),
  );

  const hours = Array.from({ length: 24 }, (_, h) => String(h).padStart(2, '0'));
  b.row(120, 'When and where carts are abandoned').add(
    table({
      id: 121,
      title: 'Abandoned carts by weekday × hour (store time)',
      w: 24,
      h: 9,
      description: 'Carts abandoned, by the local weekday and hour they were created; darker = more.',
      queries: [
        sql(
          `
          SELECT (ARRAY['${WEEKDAYS.join("','")}'])[weekday] AS weekday_name,
                 ${hours.map((h) => `sum(carts_abandoned) FILTER (WHERE hour_of_day = ${Number(h)}) AS "${h}"`).join(',\n                 ')}
          FROM ${S}.cart_abandonment_by_hour_between($__timeFrom(), $__timeTo())
          GROUP BY weekday
          ORDER BY weekday`,
          ['weekday_name', ...hours],
        ),
      ],
      colorMode: FieldColorModeId.ContinuousGrYlRd,
      custom: { cellOptions: { type: 'color-background' }, width: 44 },
      overrides: [{ matcher: { id: 'byName', options: 'weekday_name' }, properties: [{ id: 'custom.cellOptions', value: { type: 'auto' } }, { id: 'custom.width', value: 80 }, { id: 'displayName', value: 'Day' }] }],
    }),
    geomap({
      id: 122,
      title: 'Abandonment by country',
      w: 16,
      h: 10,
      lookupField: 'country',
      sizeField: 'carts_abandoned',
      colorField: 'cart_abandonment_rate',
      thresholds: cat.thresholds('cart_abandonment_rate'),
      queries: [
        sql(
          `
          SELECT country, sum(carts_abandoned) AS carts_abandoned, ${decided} AS cart_abandonment_rate
          FROM ${S}.cart_abandonment_by_country_daily
          WHERE $__timeFilter(time)
          GROUP BY country
          ORDER BY carts_abandoned DESC, country`,
          ['country', 'carts_abandoned', 'cart_abandonment_rate'],
        ),
      ],
    }),
    table({
      id: 123,
      title: 'Countries',
      w: 8,
      h: 10,
      queries: [
        sql(
          `
          SELECT country, sum(carts_created) AS carts_created, ${decided} AS cart_abandonment_rate
          FROM ${S}.cart_abandonment_by_country_daily
          WHERE $__timeFilter(time)
          GROUP BY country
          ORDER BY carts_created DESC, country`,
          ['country', 'carts_created', 'cart_abandonment_rate'],
        ),
      ],
      overrides: [colourCell('cart_abandonment_rate', cat.thresholds('cart_abandonment_rate'), 'percentunit')],
    }),
  );
  b.row(130, 'Cart journey').add(...journeyPanels(role, cat));
  b.row(140, 'Recovery by segment, email step and ROI').add(...recoverySegmentPanels(role, cat));
  b.row(150, 'Products in abandoned and recovered carts').add(...cartProductPanels(role, cat));
  b.row(160, 'Cohort retention').add(cohortGrid(role, cat, 161, 'retention', { w: 24, h: 9 }));
  return b.build();
}
