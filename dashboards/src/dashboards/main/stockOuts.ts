// Main dashboard, section "Stock-outs" (row 95): store-wide incidents (the SKU's quantity over all
// locations reaching zero) beside the per SKU × location count.
import { sql, stat, table, type PanelSpec } from '../../panels';
import type { MainContext } from './context';

export function stockOuts({ S, cat }: MainContext): PanelSpec[] {
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
