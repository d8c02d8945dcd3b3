// Cohorts, RFM segments and predictive CLV: the customer-depth panels shared by the main and
// recovery dashboards. Nothing here is cost data, so admin and manager get the same panels.
import { FieldColorModeId } from '@grafana/schema';
import type { KpiCatalog } from '../../catalog';
import { CURRENCY_UNIT, SCHEMA, type Role } from '../../config';
import { pie, sql, stat, table, unitFor, type PanelSpec } from '../../panels';

/** Months since the first order shown as columns of the cohort grid. */
export const COHORT_MONTHS = 12;

const monthCols = (col: string): string =>
  Array.from({ length: COHORT_MONTHS }, (_, m) => `max(${col}) FILTER (WHERE months_since = ${m}) AS "m${m}"`).join(',\n       ');

/**
 * Cohorts of the 12 months up to the end of the range (first-order month in store time), as of
 * the end of the range; one column per month since the first order.
 */
export function cohortGrid(role: Role, cat: KpiCatalog, id: number, kind: 'retention' | 'revenue', s: { w: number; h: number }): PanelSpec {
  const S = SCHEMA[role];
  const retention = kind === 'retention';
  const months = Array.from({ length: COHORT_MONTHS }, (_, m) => `m${m}`);
  return table({
    id,
    title: retention ? 'Cohort retention: share of the cohort ordering, by months since first order' : 'Cumulative revenue per cohort customer',
    ...s,
    description: retention
      ? cat.get('cohort_retention').definition
      : 'Net revenue (refunds issued so far subtracted) of the cohort from its first month up to month m, divided by the cohort size.',
    queries: [
      sql(
        `
        SELECT to_char(cohort_month, 'YYYY-MM') AS cohort, max(cohort_customers) AS customers,
               ${monthCols(retention ? 'retention_rate' : 'cumulative_revenue_per_customer')}
        FROM ${S}.cohort_retention_at($__timeTo())
        WHERE "time" > $__timeTo()::timestamptz - interval '365 days'
        GROUP BY cohort_month
        ORDER BY cohort_month`,
        ['cohort', 'customers', ...months],
      ),
    ],
    unit: retention ? 'percentunit' : CURRENCY_UNIT,
    decimals: retention ? 0 : 2,
    colorMode: retention ? FieldColorModeId.ContinuousGrYlRd : FieldColorModeId.ContinuousBlues,
    custom: { cellOptions: { type: 'color-background' }, width: 64 },
    overrides: [
      { matcher: { id: 'byName', options: 'cohort' }, properties: [{ id: 'custom.cellOptions', value: { type: 'auto' } }, { id: 'custom.width', value: 90 }] },
      { matcher: { id: 'byName', options: 'customers' }, properties: [{ id: 'custom.cellOptions', value: { type: 'auto' } }, { id: 'unit', value: 'short' }, { id: 'decimals', value: 0 }] },
      ...(retention ? [{ matcher: { id: 'byName', options: 'm0' }, properties: [{ id: 'custom.cellOptions', value: { type: 'auto' } }] }] : []),
    ],
  });
}

export const RFM_LABELS: Record<string, string> = {
  champions: 'Champions',
  loyal: 'Loyal',
  new: 'New',
  at_risk: 'At risk',
  hibernating: 'Hibernating',
  others: 'Others',
};

const rfmLabel = `CASE segment ${Object.entries(RFM_LABELS)
  .map(([k, v]) => `WHEN '${k}' THEN '${v}'`)
  .join(' ')} END`;

export function rfmPie(role: Role, cat: KpiCatalog, id: number, s: { w: number; h: number }): PanelSpec {
  return pie({
    id,
    title: 'Customer segments (RFM)',
    ...s,
    perRow: true,
    description: cat.get('rfm_segment').definition,
    unit: 'short',
    queries: [sql(`SELECT ${rfmLabel} AS segment, customers FROM ${SCHEMA[role]}.rfm_segments_at($__timeTo()) WHERE customers > 0`, ['segment', 'customers'])],
  });
}

export function rfmTable(role: Role, id: number, s: { w: number; h: number }): PanelSpec {
  return table({
    id,
    title: 'Segments: customers and revenue',
    ...s,
    description: 'Customers with an order in the 365 days before the end of the range; revenue is their lifetime net revenue.',
    queries: [
      sql(
        `
        SELECT ${rfmLabel} AS segment, customers, customer_share, revenue, revenue_share, avg_recency_days, avg_frequency
        FROM ${SCHEMA[role]}.rfm_segments_at($__timeTo())`,
        ['segment', 'customers', 'customer_share', 'revenue', 'revenue_share', 'avg_recency_days', 'avg_frequency'],
      ),
    ],
    overrides: [
      unitFor('customer_share', 'percentunit'),
      unitFor('revenue_share', 'percentunit'),
      unitFor('revenue', CURRENCY_UNIT),
      unitFor('avg_recency_days', 'd'),
    ],
  });
}

export function predictiveClvStat(role: Role, cat: KpiCatalog, id: number, s: { w: number; h: number }): PanelSpec {
  return stat({
    id,
    title: 'Predictive CLV (next 12 months)',
    ...s,
    description: cat.get('clv_predictive').definition,
    unit: CURRENCY_UNIT,
    decimals: 2,
    queries: [sql(`SELECT clv_predictive_12m, store_expected_clv_12m, fit_date FROM ${SCHEMA[role]}.clv_predictive`, ['clv_predictive_12m', 'store_expected_clv_12m', 'fit_date'])],
    fields: '/^(clv_predictive_12m|store_expected_clv_12m)$/',
    overrides: [
      { matcher: { id: 'byName', options: 'clv_predictive_12m' }, properties: [{ id: 'displayName', value: 'Per customer' }] },
      { matcher: { id: 'byName', options: 'store_expected_clv_12m' }, properties: [{ id: 'displayName', value: 'Whole store' }, { id: 'decimals', value: 0 }] },
    ],
  });
}

export function predictiveClvTable(role: Role, id: number, s: { w: number; h: number }): PanelSpec {
  return table({
    id,
    title: 'Highest expected CLV (next 12 months)',
    ...s,
    description: 'Per customer, from the latest daily fit: BG/NBD expected purchase days × Gamma–Gamma expected value, and the chance the customer is still active.',
    queries: [
      sql(
        `
        SELECT customer_name, purchases, recency_days, prob_alive, expected_purchases_12m, expected_avg_value, expected_clv_12m
        FROM ${SCHEMA[role]}.clv_predictive_customers
        ORDER BY expected_clv_12m DESC, customer_id
        LIMIT 10`,
        ['customer_name', 'purchases', 'recency_days', 'prob_alive', 'expected_purchases_12m', 'expected_avg_value', 'expected_clv_12m'],
      ),
    ],
    overrides: [unitFor('prob_alive', 'percentunit'), unitFor('expected_avg_value', CURRENCY_UNIT), unitFor('expected_clv_12m', CURRENCY_UNIT), unitFor('recency_days', 'd')],
  });
}

/** The "Cohorts and segments" row of the main dashboard. */
export function customerDepthPanels(role: Role, cat: KpiCatalog): PanelSpec[] {
  return [
    cohortGrid(role, cat, 81, 'retention', { w: 24, h: 9 }),
    cohortGrid(role, cat, 82, 'revenue', { w: 24, h: 9 }),
    rfmPie(role, cat, 83, { w: 8, h: 9 }),
    rfmTable(role, 84, { w: 16, h: 9 }),
    predictiveClvStat(role, cat, 85, { w: 6, h: 8 }),
    predictiveClvTable(role, 86, { w: 18, h: 8 }),
  ];
}
