// The abandoned-cart journey and what recovery wins back, by segment and email step, with the
// ROI of a range (campaign cost spread per day) and the products in lost and recovered carts.
// Campaign cost is marketing spend, not product cost: managers see these panels too.
import type { KpiCatalog } from '../../catalog';
import { CURRENCY_UNIT, SCHEMA, type Role } from '../../config';
import { bargauge, colourCell, sql, stat, table, unitFor, type PanelSpec } from '../../panels';

export const JOURNEY_LABELS: Record<string, string> = {
  cart_created: 'Cart created',
  abandoned: 'Abandoned',
  email_1_sent: 'Email 1 sent',
  email_2_sent: 'Email 2 sent',
  email_3_sent: 'Email 3 sent',
  opened: 'Opened',
  clicked: 'Clicked',
  recovered: 'Recovered',
};

const range = '$__timeFrom(), $__timeTo()';
const journeyLabel = `CASE stage ${Object.entries(JOURNEY_LABELS)
  .map(([k, v]) => `WHEN '${k}' THEN '${v}'`)
  .join(' ')} END`;

export function journeyPanels(role: Role, cat: KpiCatalog): PanelSpec[] {
  const S = SCHEMA[role];
  return [
    bargauge({
      id: 131,
      title: 'Cart journey: carts reaching each stage',
      w: 10,
      h: 10,
      unit: 'short',
      description: cat.get('cart_journey').definition,
      // the same stages and counts as the table beside it: one journey per load, not two
      queries: [],
      reuse: { panelId: 132, fields: ['stage', 'carts'] },
    }),
    table({
      id: 132,
      title: 'Journey: counts, value and median time between stages',
      w: 14,
      h: 10,
      description: 'Carts created in the range, followed up to its end. Median hours from the previous stage of the same cart.',
      queries: [
        sql(
          `
          SELECT ${journeyLabel} AS stage, carts, share_of_created, value, median_hours_from_previous
          FROM ${S}.cart_journey(${range})
          ORDER BY stage_no`,
          ['stage', 'carts', 'share_of_created', 'value', 'median_hours_from_previous'],
        ),
      ],
      overrides: [unitFor('share_of_created', 'percentunit'), unitFor('value', CURRENCY_UNIT), unitFor('median_hours_from_previous', 'h')],
    }),
  ];
}

export function recoverySegmentPanels(role: Role, cat: KpiCatalog): PanelSpec[] {
  const S = SCHEMA[role];
  const cols = ['segment', 'carts_emailed', 'carts_recovered', 'recovery_rate', 'recovered_revenue'];
  const overrides = [colourCell('recovery_rate', cat.thresholds('recovery_rate'), 'percentunit'), unitFor('recovered_revenue', CURRENCY_UNIT)];
  return [
    table({
      id: 141,
      title: 'Recovery by customer segment',
      w: 8,
      h: 9,
      description: cat.get('recovery_by_segment').definition,
      queries: [
        sql(
          `
          SELECT CASE dimension WHEN 'customer_type' THEN 'New vs returning' ELSE 'RFM segment' END AS dimension, ${cols.join(', ')}
          FROM ${S}.recovery_by_segment(${range})
          WHERE dimension <> 'email_step'`,
          ['dimension', ...cols],
        ),
      ],
      overrides,
    }),
    table({
      id: 142,
      title: 'Recovery by email step',
      w: 6,
      h: 9,
      description: 'Carts sent each step; recovered by a step = it was the last email before the order.',
      queries: [sql(`SELECT ${cols.join(', ')} FROM ${S}.recovery_by_email_step(${range})`, cols)],
      overrides,
    }),
    stat({
      id: 143,
      title: 'Recovery ROI (selected range)',
      w: 4,
      h: 9,
      unit: 'suffix:×',
      decimals: 2,
      description: cat.get('recovery_roi_range').definition,
      queries: [
        sql(
          `SELECT round(sum(recovered_revenue) / NULLIF(sum(cost_in_range), 0), 2) AS recovery_roi, sum(cost_in_range) AS cost_in_range, sum(recovered_revenue) AS recovered_revenue FROM ${S}.recovery_roi_range(${range})`,
          ['recovery_roi', 'cost_in_range', 'recovered_revenue'],
        ),
      ],
      fields: '/^recovery_roi$/',
    }),
    table({
      id: 144,
      title: 'ROI per recovery campaign (cost spread per day)',
      w: 6,
      h: 9,
      queries: [
        sql(
          `SELECT campaign_name, cost_per_day, days_in_range, cost_in_range, recovered_revenue, recovery_roi FROM ${S}.recovery_roi_range(${range})`,
          ['campaign_name', 'cost_per_day', 'days_in_range', 'cost_in_range', 'recovered_revenue', 'recovery_roi'],
        ),
      ],
      overrides: [unitFor('cost_per_day', CURRENCY_UNIT), unitFor('cost_in_range', CURRENCY_UNIT), unitFor('recovered_revenue', CURRENCY_UNIT), unitFor('recovery_roi', 'suffix:×')],
    }),
  ];
}

export function cartProductPanels(role: Role, cat: KpiCatalog): PanelSpec[] {
  const S = SCHEMA[role];
  return [
    table({
      id: 151,
      title: 'Most abandoned products',
      w: 12,
      h: 8,
      description: cat.get('abandoned_products').definition,
      queries: [
        sql(`SELECT name, sku, carts, units, value, carts_recovered FROM ${S}.abandoned_products(${range}, 10)`, ['name', 'sku', 'carts', 'units', 'value', 'carts_recovered']),
      ],
      overrides: [unitFor('value', CURRENCY_UNIT)],
    }),
    table({
      id: 152,
      title: 'Most recovered products',
      w: 12,
      h: 8,
      description: cat.get('recovered_products').definition,
      queries: [sql(`SELECT name, sku, carts, units, revenue FROM ${S}.recovered_products(${range}, 10)`, ['name', 'sku', 'carts', 'units', 'revenue'])],
      overrides: [unitFor('revenue', CURRENCY_UNIT)],
    }),
  ];
}
