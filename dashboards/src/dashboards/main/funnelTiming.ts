// Main dashboard, section "Funnel timing and email conversions" (row 90): conversion within a
// window of the first session, time to convert, and email conversions per campaign.
import type { VariableModel } from '@grafana/schema';
import { CURRENCY_UNIT } from '../../config';
import { sql, stat, table, unitFor, type PanelSpec } from '../../panels';
import type { MainContext } from './context';

export const CONVERSION_WINDOWS = ['1 hour', '1 day', '7 days'];

/** The funnel's conversion window; single value, interpolated bare inside a quoted interval. */
export function conversionWindowVariable(): VariableModel {
  return {
    type: 'custom',
    name: 'conversion_window',
    label: 'Conversion window',
    query: CONVERSION_WINDOWS.join(','),
    multi: false,
    includeAll: false,
    current: { text: '1 day', value: '1 day' },
    options: [],
  };
}

export function funnelTiming({ S, range, cat }: MainContext): PanelSpec[] {
  const fw = `${S}.funnel_window(${range}, '$conversion_window'::interval)`;
  return [
    stat({
      id: 91,
      title: 'Converted within $conversion_window of the first session',
      w: 6,
      h: 5,
      unit: 'percentunit',
      decimals: 1,
      description: cat.get('funnel_window').definition,
      // One funnel_window row for 91 and 92: 92 shows its two timing columns.
      queries: [sql(`SELECT conversion_rate, visitors, median_hours_to_convert, p90_hours_to_convert FROM ${fw}`, ['conversion_rate', 'visitors', 'median_hours_to_convert', 'p90_hours_to_convert'])],
      fields: '/^conversion_rate$/',
    }),
    stat({
      id: 92,
      title: 'Time to convert (median, p90)',
      w: 6,
      h: 5,
      unit: 'h',
      decimals: 1,
      description: cat.get('time_to_convert').definition,
      queries: [],
      reuse: { panelId: 91, fields: ['median_hours_to_convert', 'p90_hours_to_convert'] },
      overrides: [
        { matcher: { id: 'byName', options: 'median_hours_to_convert' }, properties: [{ id: 'displayName', value: 'Median' }] },
        { matcher: { id: 'byName', options: 'p90_hours_to_convert' }, properties: [{ id: 'displayName', value: '90th percentile' }] },
      ],
    }),
    table({
      id: 93,
      title: 'Conversion by window',
      w: 12,
      h: 5,
      description: 'Visitors whose first session in the range is followed by an order within 1 hour, 1 day or 7 days.',
      // The three windows in one call: funnel_windows reads the range's rows once for all of them.
      queries: [
        sql(
          `
          SELECT w.label AS conversion_window, f.visitors, f.converted_visitors, f.conversion_rate, f.median_hours_to_convert, f.p90_hours_to_convert
          FROM ${S}.funnel_windows(${range}, ARRAY[${CONVERSION_WINDOWS.map((w) => `'${w}'`).join(', ')}]::interval[]) AS f
          JOIN (VALUES ${CONVERSION_WINDOWS.map((w, i) => `(${i + 1}, '${w}')`).join(', ')}) AS w(ord, label) ON w.ord = f.window_no
          ORDER BY w.ord`,
          ['conversion_window', 'visitors', 'converted_visitors', 'conversion_rate', 'median_hours_to_convert', 'p90_hours_to_convert'],
        ),
      ],
      overrides: [unitFor('conversion_rate', 'percentunit'), unitFor('median_hours_to_convert', 'h'), unitFor('p90_hours_to_convert', 'h')],
    }),
    table({
      id: 94,
      title: 'Email conversions per campaign',
      w: 24,
      h: 7,
      description: cat.get('email_conversion_rate').definition,
      queries: [
        sql(
          `
          SELECT campaign_name, kind, delivered, orders, email_conversion_rate, revenue, revenue_per_delivered
          FROM ${S}.email_conversions(${range})`,
          ['campaign_name', 'kind', 'delivered', 'orders', 'email_conversion_rate', 'revenue', 'revenue_per_delivered'],
        ),
      ],
      overrides: [unitFor('email_conversion_rate', 'percentunit', [{ id: 'decimals', value: 2 }]), unitFor('revenue', CURRENCY_UNIT), unitFor('revenue_per_delivered', CURRENCY_UNIT, [{ id: 'decimals', value: 4 }])],
    }),
  ];
}
