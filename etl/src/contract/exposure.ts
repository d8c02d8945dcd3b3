/**
 * Which role reads which KPI object, declared once. The migration runner generates the
 * `adm`/`mgr`/`pub` schemas from this list after the view files ran (column lists and function
 * signatures are read from the `kpi` object itself), and the access tests assert the resulting
 * columns against the same list.
 *
 * Product cost data (unit cost, COGS, margin, inventory at cost, turnover) is for admins only.
 * Marketing spend (ad spend, recovery campaign cost) is not product cost and managers see it.
 */
import type { RoleKey } from './roles';

export const VIEW_FAMILIES = ['revenue', 'conversion', 'customers', 'campaigns', 'operations', 'products', 'recovery', 'deviation', 'system'] as const;
export type ViewFamily = (typeof VIEW_FAMILIES)[number];

export interface ExposedObject {
  /** Name in `kpi` and in every role schema that reads it. */
  name: string;
  kind: 'view' | 'function';
  /** The sql/views file defining it (`catalog` objects are views over public.kpi_catalog). */
  family: ViewFamily | 'catalog';
  readers: readonly RoleKey[];
  /** Columns (of a view, or result columns of a function) a role does not get. */
  hidden?: Partial<Record<RoleKey, readonly string[]>>;
  /** Reads this relation instead of `kpi.<name>`. */
  source?: string;
  /** A WHERE condition per role (rows the role may not see). */
  rowFilter?: Partial<Record<RoleKey, string>>;
  /**
   * The catalog objects this one is another form of (the same KPI over a chosen range or
   * instant, or per day and campaign): dashboards that follow the time picker query this form.
   */
  formOf?: readonly string[];
}

/** The product cost columns of the products family. */
export const PRODUCT_COST_COLUMNS = ['cogs', 'margin', 'margin_pct'] as const;

const ALL: readonly RoleKey[] = ['admin', 'manager', 'public'];
const STAFF: readonly RoleKey[] = ['admin', 'manager'];
const ADMIN: readonly RoleKey[] = ['admin'];
const NO_COST = { manager: PRODUCT_COST_COLUMNS };

const view = (family: ViewFamily, readers: readonly RoleKey[], names: string[]): ExposedObject[] =>
  names.map((name) => ({ name, kind: 'view', family, readers }));
const fn = (family: ViewFamily, readers: readonly RoleKey[], names: string[]): ExposedObject[] =>
  names.map((name) => ({ name, kind: 'function', family, readers }));
const formOf = (o: ExposedObject[], of: string[]): ExposedObject[] => o.map((x) => ({ ...x, formOf: of }));

export const EXPOSURE: readonly ExposedObject[] = [
  ...view('revenue', ALL, ['revenue_daily', 'revenue_hourly', 'revenue_trend', 'revenue_today']),
  ...formOf(fn('revenue', ALL, ['revenue_comparison']), ['revenue_today']),
  ...view('revenue', STAFF, ['revenue_by_tier_daily', 'revenue_by_source_daily', 'order_feed']),

  ...view('conversion', STAFF, [
    'conversion_daily', 'conversion_by_channel_daily', 'cart_abandonment_daily', 'cart_abandonment_by_stage_daily',
    'cart_abandonment_by_hour', 'cart_abandonment_by_country_daily',
  ]),
  ...formOf(fn('conversion', STAFF, ['conversion_range']), ['conversion_daily']),
  ...formOf(fn('conversion', STAFF, ['cart_abandonment_by_hour_between']), ['cart_abandonment_by_hour']),
  ...fn('conversion', STAFF, ['funnel', 'funnel_window', 'live_carts_at']),
  // several windows over one read of the range
  ...formOf(fn('conversion', STAFF, ['funnel_windows']), ['funnel_window']),
  ...formOf(view('conversion', STAFF, ['live_carts']), ['live_carts_at']),

  ...view('recovery', STAFF, ['cart_recovery', 'cart_recovery_daily']),
  ...formOf(fn('recovery', STAFF, ['cart_recovery_range']), ['cart_recovery']),
  // The journey and the ROI of a range: campaign cost is marketing spend, managers see it.
  ...fn('recovery', STAFF, ['cart_journey', 'recovery_by_segment', 'recovery_roi_range', 'abandoned_products', 'recovered_products']),
  // the email-step rows of recovery_by_segment alone, without scoring the customers' RFM segments
  ...formOf(fn('recovery', STAFF, ['recovery_by_email_step']), ['recovery_by_segment']),

  ...view('customers', STAFF, ['new_vs_returning_daily', 'clv', 'repeat_rate_90d', 'days_between_purchases']),
  ...fn('customers', STAFF, ['top_customers']),
  ...formOf(fn('customers', STAFF, ['clv_at']), ['clv']),
  ...formOf(fn('customers', STAFF, ['repeat_rate_90d_at']), ['repeat_rate_90d']),
  ...fn('customers', STAFF, ['cohort_retention_at', 'rfm_segments_at']),
  ...formOf(view('customers', STAFF, ['cohort_retention']), ['cohort_retention_at']),
  ...formOf(view('customers', STAFF, ['rfm_segments']), ['rfm_segments_at']),
  ...formOf(fn('customers', STAFF, ['rfm_customers_at']), ['rfm_customers']),
  ...view('customers', STAFF, ['rfm_customers', 'clv_predictive', 'clv_predictive_customers']),

  ...view('campaigns', STAFF, ['email_daily', 'email_campaigns', 'social_daily']),
  ...formOf(view('campaigns', STAFF, ['ads_campaign_daily']), ['roas_campaigns']),
  ...view('campaigns', STAFF, ['roas_campaigns', 'marketing_daily', 'referrals_daily']),
  ...formOf(fn('campaigns', STAFF, ['marketing_range']), ['marketing_daily']),
  ...fn('campaigns', STAFF, ['email_conversions']),

  ...view('operations', STAFF, ['operations_daily', 'support_daily']),
  ...formOf(fn('operations', STAFF, ['operations_range']), ['operations_daily', 'support_daily']),

  { name: 'product_sales_daily', kind: 'view', family: 'products', readers: STAFF, hidden: NO_COST },
  ...view('products', STAFF, ['out_of_stock_incidents_daily', 'out_of_stock_store_daily']),
  ...['product_performance', 'best_sellers', 'low_performers'].map(
    (name): ExposedObject => ({ name, kind: 'function', family: 'products', readers: STAFF, hidden: NO_COST }),
  ),
  ...fn('products', ADMIN, ['inventory_turnover']),

  ...view('deviation', STAFF, ['kpi_deviation_daily']),
  ...fn('conversion', STAFF, ['cart_abandonment_window']),

  // The daemon's own health (system-health dashboard, site-down alert): admins only.
  ...view('system', ADMIN, ['etl_runs', 'dead_letters', 'api_request_stats', 'uptime_probes']),

  // Targets and benchmarks are not cost data; managers see the rows the catalog gives them.
  {
    name: 'kpi_catalog', kind: 'view', family: 'catalog', readers: STAFF, source: 'public.kpi_catalog',
    rowFilter: { manager: `'kpi_manager' = ANY (roles)` },
  },
];

/** The objects one role reads, with the columns it loses. */
export function exposedTo(role: RoleKey): ExposedObject[] {
  return EXPOSURE.filter((o) => o.readers.includes(role));
}

/** Every object computing the catalog object `name`: itself and its declared other forms. */
export function formsOf(name: string): string[] {
  return [name, ...EXPOSURE.filter((o) => o.formOf?.includes(name)).map((o) => o.name)];
}
