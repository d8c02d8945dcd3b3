// Main dashboard, section "Top products" (row 30).
import { bargauge, sql, stat, table, unitFor, type PanelSpec } from '../../panels';
import { CURRENCY_UNIT } from '../../config';
import type { MainContext } from './context';

export function topProducts({ S, admin, range, cat }: MainContext): PanelSpec[] {
  // Each product's own back-office page, as the store reports it (products.back_office_url): the
  // query selects the column, the table hides it and the name cell links to it.
  const productUrl = '${__data.fields.back_office_url}';
  const productLinks = [
    { title: 'View details', url: productUrl, targetBlank: true },
    { title: 'Adjust price', url: `${productUrl}#price`, targetBlank: true },
    { title: 'Promote', url: `${productUrl}#promote`, targetBlank: true },
  ];
  const productLinkOverrides = [
    { matcher: { id: 'byName', options: 'name' }, properties: [{ id: 'links', value: productLinks }] },
    { matcher: { id: 'byName', options: 'back_office_url' }, properties: [{ id: 'custom.hidden', value: true }] },
  ];
  return [
    table({
      id: 31,
      title: 'Products',
      w: 24,
      h: 10,
      description: 'Every product, zero sellers included; click a name to open it in the back office. Revenue before refunds.',
      sortBy: { field: 'revenue', desc: true },
      queries: [
        sql(
          `
          SELECT name, tier, units, revenue${admin ? ', margin, margin_pct' : ''}, sku, back_office_url
          FROM ${S}.product_performance(${range})
          WHERE tier IN ($tier)
          ORDER BY revenue DESC, name`,
          ['name', 'tier', 'units', 'revenue', ...(admin ? ['margin', 'margin_pct'] : []), 'sku', 'back_office_url'],
        ),
      ],
      overrides: [
        ...productLinkOverrides,
        unitFor('revenue', CURRENCY_UNIT),
        ...(admin ? [unitFor('margin', CURRENCY_UNIT), unitFor('margin_pct', 'percent')] : []),
      ],
    }),
    bargauge({
      id: 32,
      title: 'Best sellers (revenue)',
      w: 8,
      h: 9,
      unit: CURRENCY_UNIT,
      decimals: 0,
      queries: [sql(`SELECT name, revenue FROM ${S}.best_sellers(${range}, $top_n)`, ['name', 'revenue'])],
    }),
    admin
      ? bargauge({
          id: 33,
          title: 'Highest margin',
          w: 8,
          h: 9,
          unit: CURRENCY_UNIT,
          decimals: 0,
          queries: [sql(`SELECT name, margin FROM adm.product_performance(${range}) WHERE units > 0 ORDER BY margin DESC NULLS LAST, name LIMIT $top_n`, ['name', 'margin'])],
        })
      : bargauge({
          id: 33,
          title: 'Best sellers (units)',
          w: 8,
          h: 9,
          unit: 'short',
          queries: [sql(`SELECT name, units FROM mgr.product_performance(${range}) ORDER BY units DESC, name LIMIT $top_n`, ['name', 'units'])],
        }),
    table({
      id: 34,
      title: 'Lowest performers (zero sellers included)',
      w: 8,
      h: 9,
      queries: [sql(`SELECT name, tier, units, revenue, back_office_url FROM ${S}.low_performers(${range}, $top_n)`, ['name', 'tier', 'units', 'revenue', 'back_office_url'])],
      overrides: [...productLinkOverrides, unitFor('revenue', CURRENCY_UNIT)],
    }),
    table({
      id: 35,
      title: 'Out-of-stock incidents',
      w: 12,
      h: 8,
      description: cat.get('out_of_stock_incidents').definition,
      sortBy: { field: 'incidents', desc: true },
      queries: [
        sql(
          `
          SELECT name, sku, sum(incidents) AS incidents
          FROM ${S}.out_of_stock_incidents_daily
          WHERE $__timeFilter(time)
          GROUP BY sku, name
          ORDER BY incidents DESC, name`,
          ['name', 'sku', 'incidents'],
        ),
      ],
    }),
    admin
      ? stat({
          id: 36,
          title: 'Inventory turnover',
          w: 12,
          h: 8,
          description: cat.get('inventory_turnover').definition,
          unit: 'suffix:×',
          decimals: 2,
          queries: [sql(`SELECT inventory_turnover, cogs, avg_inventory_value FROM adm.inventory_turnover(${range}) WHERE sku = '*'`, ['inventory_turnover', 'cogs', 'avg_inventory_value'])],
          fields: '/^inventory_turnover$/',
        })
      : stat({
          id: 36,
          title: 'Units sold',
          w: 12,
          h: 8,
          unit: 'short',
          queries: [sql(`SELECT sum(units) AS units FROM mgr.product_sales_daily WHERE $__timeFilter(time)`, ['units'])],
        }),
  ];
}
