// The store owner's morning dashboard (admin) and its manager variant: the same sections, with
// every cost column and cost-derived panel left out and only the manager role's views read.
import type { KpiCatalog } from '../catalog';
import { DashboardBuilder, type BuiltDashboard } from '../builder';
import { CURRENCY_UNIT, ORG_ID, SCHEMA, type Role } from '../config';
import { bargauge, colourCell, funnel, orderFeed, pie, sql, stat, table, timeseries, unitFor, xy, type PanelSpec } from '../panels';
import { dashLinks, revenueToday, revenueTrend, revenueVs, tierVariable, topNVariable } from './common';
import { conversionWindowVariable, funnelTimingPanels, liveCartPanels, stockOutPanels } from './sections/conversion';
import { customerDepthPanels } from './sections/customers';

export const FUNNEL_LABELS: Record<string, string> = {
  visitors: 'Visitors',
  add_to_cart: 'Add to cart',
  checkout: 'Checkout',
  order: 'Order',
};

export function mainUid(role: 'admin' | 'manager'): string {
  return `kpi-main-${role}`;
}

export function mainDashboard(role: 'admin' | 'manager', cat: KpiCatalog): BuiltDashboard {
  const S = SCHEMA[role];
  const admin = role === 'admin';
  const range = '$__timeFrom(), $__timeTo()';
  const b = new DashboardBuilder({
    uid: mainUid(role),
    title: admin ? 'Store KPIs' : 'Store KPIs (managers)',
    role,
    file: `${role}/main.json`,
    orgId: ORG_ID[role],
    tags: ['kpi', role],
    description: 'Revenue, conversion, products, customers, campaigns, live orders and operations. Targets and colours come from kpi/catalog.json.',
    variables: [tierVariable(), topNVariable(), conversionWindowVariable()],
    links: dashLinks([
      { title: 'Abandoned-cart recovery', uid: `kpi-recovery-${role}` },
      { title: 'Phone summary', uid: `kpi-mobile-${role}` },
    ]),
  });

  // ---------------------------------------------------------------- 1. revenue overview
  b.row(1, 'Revenue overview').add(
    revenueToday(role, 2, { w: 6, h: 5 }),
    revenueVs(role, cat, 'yesterday', 3, { w: 6, h: 5 }),
    revenueVs(role, cat, 'avg7', 4, { w: 6, h: 5 }),
    revenueVs(role, cat, 'target', 5, { w: 6, h: 5 }),
    revenueTrend(role, 6, { w: 16, h: 9 }, 'Revenue per day vs target (30 days)'),
    bargauge({
      id: 7,
      title: 'Revenue by tier',
      w: 8,
      h: 9,
      description: 'Before refunds (refunds are not split by tier); order discounts allocated to lines.',
      unit: CURRENCY_UNIT,
      decimals: 0,
      queries: [
        sql(
          `
          SELECT tier, sum(revenue) AS revenue
          FROM ${S}.revenue_by_tier_daily
          WHERE $__timeFilter(time) AND tier IN ($tier)
          GROUP BY tier
          ORDER BY revenue DESC, tier`,
          ['tier', 'revenue'],
        ),
      ],
    }),
    stat({
      id: 8,
      title: 'Average order value',
      w: 4,
      h: 5,
      description: '(Item subtotal − discounts) ÷ orders over the selected range; refunds not subtracted.',
      unit: CURRENCY_UNIT,
      decimals: 2,
      thresholds: cat.thresholds('aov'),
      queries: [
        sql(
          `
          SELECT round(sum(item_subtotal - discounts) / NULLIF(sum(orders), 0), 2) AS aov
          FROM ${S}.revenue_daily
          WHERE $__timeFilter(time)`,
          ['aov'],
        ),
      ],
    }),
    stat({
      id: 9,
      title: 'Orders',
      w: 4,
      h: 5,
      description: 'Valid orders (not cancelled, not test) placed in the selected range.',
      unit: 'short',
      queries: [sql(`SELECT sum(orders) AS orders FROM ${S}.revenue_daily WHERE $__timeFilter(time)`, ['orders'])],
    }),
    stat({
      id: 11,
      title: 'Revenue in range',
      w: 4,
      h: 5,
      unit: CURRENCY_UNIT,
      decimals: 0,
      queries: [sql(`SELECT sum(revenue) AS revenue FROM ${S}.revenue_daily WHERE $__timeFilter(time)`, ['revenue'])],
    }),
    pie({
      id: 10,
      title: 'Revenue by traffic source',
      w: 12,
      h: 8,
      perRow: true,
      unit: CURRENCY_UNIT,
      decimals: 0,
      queries: [
        sql(
          `
          SELECT traffic_source, sum(revenue) AS revenue
          FROM ${S}.revenue_by_source_daily
          WHERE $__timeFilter(time)
          GROUP BY traffic_source
          ORDER BY revenue DESC, traffic_source`,
          ['traffic_source', 'revenue'],
        ),
      ],
    }),
    timeseries({
      id: 12,
      title: 'Orders and AOV per day',
      w: 12,
      h: 8,
      queries: [sql(`SELECT time, orders, aov FROM ${S}.revenue_daily WHERE $__timeFilter(time) ORDER BY time`, ['time', 'orders', 'aov'], 'time_series')],
      overrides: [unitFor('aov', CURRENCY_UNIT, [{ id: 'custom.axisPlacement', value: 'right' }, { id: 'displayName', value: 'AOV' }])],
    }),
  );

  // ---------------------------------------------------------------- 2. conversion funnel
  const rateStat = (id: number, title: string, kpi: string, col: string, rawSql: string): PanelSpec =>
    stat({ id, title, w: 6, h: 5, unit: 'percentunit', decimals: 1, thresholds: cat.thresholds(kpi), description: cat.get(kpi).definition, queries: [sql(rawSql, [col])] });
  b.row(20, 'Conversion funnel').add(
    funnel({
      id: 21,
      title: 'Funnel: visitors → add to cart → checkout → order',
      w: 12,
      h: 10,
      description: 'Distinct visitors reaching each step in the range; drop-off against the catalog benchmarks, the worst step marked as bottleneck.',
      benchmarks: cat.funnelBenchmarks(FUNNEL_LABELS),
      queries: [
        sql(
          `
          SELECT CASE step ${Object.entries(FUNNEL_LABELS)
            .map(([k, v]) => `WHEN '${k}' THEN '${v}'`)
            .join(' ')} END AS step, visitors
          FROM ${S}.funnel(${range})
          ORDER BY step_no`,
          ['step', 'visitors'],
        ),
      ],
    }),
    rateStat(22, 'Conversion rate', 'conversion_rate', 'conversion_rate', `SELECT conversion_rate FROM ${S}.conversion_range(${range})`),
    rateStat(23, 'Add-to-cart rate', 'add_to_cart_rate', 'add_to_cart_rate', `SELECT add_to_cart_rate FROM ${S}.conversion_range(${range})`),
    rateStat(24, 'Checkout completion rate', 'checkout_completion_rate', 'checkout_completion_rate', `SELECT checkout_completion_rate FROM ${S}.conversion_range(${range})`),
    rateStat(
      25,
      'Cart abandonment rate',
      'cart_abandonment_rate',
      'cart_abandonment_rate',
      `
      SELECT round(1 - sum(carts_converted)::numeric / NULLIF(sum(carts_converted + carts_abandoned), 0), 4) AS cart_abandonment_rate
      FROM ${S}.cart_abandonment_daily
      WHERE $__timeFilter(time)`,
    ),
    timeseries({
      id: 26,
      title: 'Conversion rate per day vs target band',
      w: 24,
      h: 7,
      unit: 'percentunit',
      decimals: 2,
      queries: [
        sql(
          `SELECT time, conversion_rate, conversion_target_low, conversion_target_high FROM ${S}.conversion_daily WHERE $__timeFilter(time) ORDER BY time`,
          ['time', 'conversion_rate', 'conversion_target_low', 'conversion_target_high'],
          'time_series',
        ),
      ],
      overrides: ['conversion_target_low', 'conversion_target_high'].map((f) => ({
        matcher: { id: 'byName', options: f },
        properties: [
          { id: 'custom.lineStyle', value: { fill: 'dash', dash: [10, 10] } },
          { id: 'custom.fillOpacity', value: 0 },
          { id: 'color', value: { mode: 'fixed', fixedColor: 'green' } },
        ],
      })),
    }),
  );

  // ---------------------------------------------------------------- 3. top products
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
  b.row(30, 'Top products').add(
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
  );

  // ---------------------------------------------------------------- 4. customer insights
  b.row(40, 'Customer insights').add(
    pie({
      id: 41,
      title: 'New vs returning orders',
      w: 8,
      h: 8,
      perRow: false,
      unit: 'short',
      queries: [
        sql(
          `SELECT sum(new_orders) AS "New", sum(returning_orders) AS "Returning", sum(guest_orders) AS "Guest" FROM ${S}.new_vs_returning_daily WHERE $__timeFilter(time)`,
          ['New', 'Returning', 'Guest'],
        ),
      ],
    }),
    timeseries({
      id: 42,
      title: 'Customer acquisition',
      w: 16,
      h: 8,
      unit: 'short',
      bars: true,
      stack: true,
      queries: [
        sql(
          `SELECT time, new_customers, returning_customers FROM ${S}.new_vs_returning_daily WHERE $__timeFilter(time) ORDER BY time`,
          ['time', 'new_customers', 'returning_customers'],
          'time_series',
        ),
      ],
    }),
    xy({
      id: 43,
      title: 'Spend vs purchase frequency',
      w: 12,
      h: 9,
      x: 'orders',
      y: 'revenue',
      description: 'One point per customer with orders in the range.',
      queries: [sql(`SELECT orders, revenue, customer_name FROM ${S}.top_customers(${range}, 1000)`, ['orders', 'revenue', 'customer_name'])],
      overrides: [unitFor('revenue', CURRENCY_UNIT)],
    }),
    stat({
      id: 44,
      title: 'Customer lifetime value',
      w: 4,
      h: 5,
      unit: CURRENCY_UNIT,
      decimals: 0,
      thresholds: cat.thresholds('clv'),
      description: cat.get('clv').definition,
      // Lifetime figures as of the end of the selected range.
      queries: [sql(`SELECT clv_historical, clv_365d FROM ${S}.clv_at($__timeTo())`, ['clv_historical', 'clv_365d'])],
      fields: '/^clv_historical$/',
    }),
    stat({
      id: 45,
      title: '90-day repeat rate',
      w: 4,
      h: 5,
      unit: 'percentunit',
      decimals: 1,
      thresholds: cat.thresholds('repeat_rate_90d'),
      description: cat.get('repeat_rate_90d').definition,
      queries: [sql(`SELECT repeat_rate_90d FROM ${S}.repeat_rate_90d_at($__timeTo())`, ['repeat_rate_90d'])],
    }),
    stat({
      id: 46,
      title: 'Days between purchases (mean / median)',
      w: 4,
      h: 5,
      unit: 'd',
      decimals: 1,
      queries: [sql(`SELECT mean_days, median_days FROM ${S}.days_between_purchases`, ['mean_days', 'median_days'])],
    }),
    table({
      id: 47,
      title: 'Top customers',
      w: 12,
      h: 9,
      queries: [sql(`SELECT rank, customer_name, orders, revenue FROM ${S}.top_customers(${range}, $top_n)`, ['rank', 'customer_name', 'orders', 'revenue'])],
      overrides: [unitFor('revenue', CURRENCY_UNIT)],
    }),
  );

  // ---------------------------------------------------------------- 5. campaign performance
  b.row(50, 'Campaign performance').add(
    table({
      id: 51,
      title: 'Email campaigns',
      w: 12,
      h: 8,
      sortBy: { field: 'delivered', desc: true },
      queries: [
        sql(
          `
          SELECT campaign_name, sum(delivered) AS delivered,
                 round(sum(unique_opens)::numeric / NULLIF(sum(delivered), 0), 4) AS open_rate,
                 round(sum(greatest(unique_opens - machine_opens, 0))::numeric / NULLIF(sum(delivered), 0), 4) AS open_rate_excl_machine,
                 round(sum(unique_clicks)::numeric / NULLIF(sum(delivered), 0), 4) AS click_rate
          FROM ${S}.email_daily
          WHERE $__timeFilter(time)
          GROUP BY campaign_id, campaign_name
          ORDER BY delivered DESC, campaign_name`,
          ['campaign_name', 'delivered', 'open_rate', 'open_rate_excl_machine', 'click_rate'],
        ),
      ],
      overrides: [
        colourCell('open_rate', cat.thresholds('email_open_rate'), 'percentunit'),
        colourCell('open_rate_excl_machine', cat.thresholds('email_open_rate'), 'percentunit'),
        colourCell('click_rate', cat.thresholds('email_click_rate'), 'percentunit'),
      ],
    }),
    table({
      id: 52,
      title: 'Ads: delivery, spend and ROAS by campaign',
      w: 12,
      h: 8,
      sortBy: { field: 'spend', desc: true },
      queries: [
        sql(
          `
          SELECT campaign_name, sum(impressions) AS impressions, sum(clicks) AS clicks, sum(purchases) AS purchases,
                 sum(spend) AS spend, sum(purchase_value) AS purchase_value,
                 round(sum(purchase_value) / NULLIF(sum(spend), 0), 2) AS roas
          FROM ${S}.ads_campaign_daily
          WHERE $__timeFilter(time)
          GROUP BY campaign_id, campaign_name
          ORDER BY spend DESC, campaign_name`,
          ['campaign_name', 'impressions', 'clicks', 'purchases', 'spend', 'purchase_value', 'roas'],
        ),
      ],
      overrides: [unitFor('spend', CURRENCY_UNIT), unitFor('purchase_value', CURRENCY_UNIT), colourCell('roas', cat.thresholds('roas'), 'suffix:×')],
    }),
    stat({
      id: 53,
      title: 'ROAS (all ads)',
      w: 6,
      h: 5,
      unit: 'suffix:×',
      decimals: 2,
      thresholds: cat.thresholds('roas'),
      queries: [sql(`SELECT roas, mer, ad_spend FROM ${S}.marketing_range(${range})`, ['roas', 'mer', 'ad_spend'])],
      fields: '/^roas$/',
    }),
    stat({
      id: 54,
      title: 'Social engagement rate',
      w: 6,
      h: 5,
      unit: 'percentunit',
      decimals: 1,
      thresholds: cat.thresholds('social_engagement_rate'),
      queries: [
        sql(
          `
          SELECT round(sum(engagements)::numeric / NULLIF(sum(impressions), 0), 4) AS social_engagement_rate,
                 sum(impressions) AS impressions, sum(engagements) AS engagements
          FROM ${S}.social_daily
          WHERE $__timeFilter(time)`,
          ['social_engagement_rate', 'impressions', 'engagements'],
        ),
      ],
      fields: '/^social_engagement_rate$/',
    }),
    stat({
      id: 55,
      title: 'Social traffic and conversions',
      w: 6,
      h: 5,
      unit: 'short',
      queries: [
        sql(
          `
          SELECT sum(sessions) AS sessions, sum(purchase_sessions) AS conversions
          FROM ${S}.conversion_by_channel_daily
          WHERE $__timeFilter(time) AND channel = 'social'`,
          ['sessions', 'conversions'],
        ),
      ],
    }),
    stat({
      id: 56,
      title: 'Referral conversion rate',
      w: 6,
      h: 5,
      unit: 'percentunit',
      decimals: 1,
      thresholds: cat.thresholds('referral_conversion_rate'),
      queries: [
        sql(
          `
          SELECT round(sum(referrals_converted)::numeric / NULLIF(sum(referrals_sent), 0), 4) AS referral_conversion_rate,
                 sum(referrals_sent) AS referrals_sent
          FROM ${S}.referrals_daily
          WHERE $__timeFilter(time)`,
          ['referral_conversion_rate', 'referrals_sent'],
        ),
      ],
      fields: '/^referral_conversion_rate$/',
    }),
  );

  // ---------------------------------------------------------------- 6. live activity
  b.row(60, 'Live activity').add(liveFeed(role, cat, 61, { w: 16, h: 11 }), ...liveCartPanels(role, cat, [62, 63]));

  // ---------------------------------------------------------------- operations
  const ops = (id: number, title: string, kpi: string, col: string, unit: string, w: number): PanelSpec =>
    stat({
      id,
      title,
      w,
      h: 5,
      unit,
      decimals: unit === 'percentunit' ? 1 : 1,
      thresholds: cat.thresholds(kpi),
      description: cat.get(kpi).definition,
      queries: [sql(`SELECT ${col} FROM ${S}.operations_range(${range})`, [col])],
    });
  b.row(70, 'Operations').add(
    ops(71, 'Verification completion', 'verification_completion_rate', 'verification_completion_rate', 'percentunit', 5),
    ops(72, 'Time to verification', 'time_to_verification', 'time_to_verification_hours', 'h', 5),
    ops(73, 'Refunds (unverified)', 'refund_rate_unverified', 'refund_rate_unverified', 'percentunit', 5),
    ops(74, 'Shipping time', 'shipping_time', 'shipping_time_hours', 'h', 5),
    ops(75, 'Support response', 'support_response_time', 'support_response_hours', 'h', 4),
  );
  b.row(80, 'Cohorts and segments').add(...customerDepthPanels(role, cat));
  b.row(90, 'Funnel timing and email conversions').add(...funnelTimingPanels(role, cat));
  b.row(95, 'Stock-outs').add(...stockOutPanels(role, cat));

  return b.build();
}

/** The last 20 orders up to the end of the range, then new ones pushed over Grafana Live. */
export function liveFeed(role: Role, cat: KpiCatalog, id: number, s: { w: number; h: number }): PanelSpec {
  // The "large order" badge uses the same amount as the catalog's large-order alert.
  const alert = cat.get('orders').alert;
  return orderFeed({
    id,
    title: 'Live orders',
    ...s,
    maxOrders: 20,
    currency: CURRENCY_UNIT.replace(/^currency/, ''),
    badgeAbove: typeof alert?.amount === 'number' ? alert.amount : 200,
    description: 'Last 20 orders (completed, pending verification, refunded ...), updated live as orders arrive.',
    queries: [
      sql(
        `
        SELECT time, order_id, customer_name AS customer, items_summary AS items, total, status
        FROM ${SCHEMA[role]}.order_feed
        WHERE time <= $__timeTo()
        ORDER BY time DESC
        LIMIT 20`,
        ['time', 'order_id', 'customer', 'items', 'total', 'status'],
      ),
    ],
  });
}
