// Funnel timing (conversion within a window of the first session, time to convert), live carts
// next to the order feed, email conversions per campaign and store-wide stock-outs.
import type { VariableModel } from '@grafana/schema';
import type { KpiCatalog } from '../../catalog';
import { CURRENCY_UNIT, SCHEMA, type Role } from '../../config';
import { sql, stat, table, unitFor, type PanelSpec } from '../../panels';

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

const range = '$__timeFrom(), $__timeTo()';

export function funnelTimingPanels(role: Role, cat: KpiCatalog): PanelSpec[] {
  const S = SCHEMA[role];
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
      queries: [sql(`SELECT conversion_rate, visitors FROM ${fw}`, ['conversion_rate', 'visitors'])],
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
      queries: [sql(`SELECT median_hours_to_convert, p90_hours_to_convert FROM ${fw}`, ['median_hours_to_convert', 'p90_hours_to_convert'])],
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
      queries: [
        sql(
          `
          SELECT w.label AS conversion_window, f.visitors, f.converted_visitors, f.conversion_rate, f.median_hours_to_convert, f.p90_hours_to_convert
          FROM (VALUES ${CONVERSION_WINDOWS.map((w, i) => `(${i + 1}, '${w}')`).join(', ')}) AS w(ord, label),
               ${S}.funnel_window(${range}, w.label::interval) AS f
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

export function stockOutPanels(role: Role, cat: KpiCatalog): PanelSpec[] {
  const S = SCHEMA[role];
  return [
    stat({
      id: 96,
      title: 'Out-of-stock incidents: store-wide and per location',
      w: 8,
      h: 6,
      unit: 'short',
      decimals: 0,
      description: cat.get('out_of_stock_incidents_store').definition,
      queries: [
        sql(
          `
          SELECT (SELECT coalesce(sum(incidents), 0) FROM ${S}.out_of_stock_store_daily WHERE $__timeFilter(time)) AS store_wide,
                 (SELECT coalesce(sum(incidents), 0) FROM ${S}.out_of_stock_incidents_daily WHERE $__timeFilter(time)) AS per_location`,
          ['store_wide', 'per_location'],
        ),
      ],
      overrides: [
        { matcher: { id: 'byName', options: 'store_wide' }, properties: [{ id: 'displayName', value: 'Store-wide' }] },
        { matcher: { id: 'byName', options: 'per_location' }, properties: [{ id: 'displayName', value: 'SKU × location' }] },
      ],
    }),
    table({
      id: 97,
      title: 'SKUs out of stock store-wide',
      w: 16,
      h: 6,
      queries: [
        sql(
          `
          SELECT name, sku, sum(incidents) AS incidents, max(day) AS last_day
          FROM ${S}.out_of_stock_store_daily
          WHERE $__timeFilter(time)
          GROUP BY name, sku
          ORDER BY incidents DESC, sku`,
          ['name', 'sku', 'incidents', 'last_day'],
        ),
      ],
    }),
  ];
}

/** Live carts beside the order feed: count and value, then who is shopping now. */
export function liveCartPanels(role: Role, cat: KpiCatalog, ids: [number, number]): PanelSpec[] {
  const S = SCHEMA[role];
  return [
    stat({
      id: ids[0],
      title: 'Live carts (last 30 min)',
      w: 8,
      h: 3,
      unit: 'short',
      description: cat.get('live_carts').definition,
      queries: [sql(`SELECT count(*) AS live_carts, coalesce(sum(value), 0) AS live_value FROM ${S}.live_carts_at($__timeTo())`, ['live_carts', 'live_value'])],
      overrides: [unitFor('live_value', CURRENCY_UNIT, [{ id: 'displayName', value: 'Value' }]), { matcher: { id: 'byName', options: 'live_carts' }, properties: [{ id: 'displayName', value: 'Carts' }] }],
    }),
    table({
      id: ids[1],
      title: 'Carts active now',
      w: 8,
      h: 8,
      queries: [
        sql(`SELECT time, customer_name AS customer, stage, value, minutes_idle FROM ${S}.live_carts_at($__timeTo()) LIMIT 20`, ['time', 'customer', 'stage', 'value', 'minutes_idle']),
      ],
      overrides: [unitFor('value', CURRENCY_UNIT), unitFor('minutes_idle', 'm'), unitFor('time', 'dateTimeFromNow', [{ id: 'displayName', value: 'last activity' }])],
    }),
  ];
}
