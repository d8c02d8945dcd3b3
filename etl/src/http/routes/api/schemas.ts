/**
 * JSON schemas of the dashboard endpoints: Fastify validates the query strings with them and
 * @fastify/swagger turns them into the OpenAPI 3.1 document at /api/v1/openapi.json.
 */
import { INSTANT_PATTERN, MAX_RANGE_DAYS, TIMEFRAMES } from './timeframe';

const MONEY_PATTERN = '^-?\\d+(\\.\\d+)?$';
export const money = { type: 'string', pattern: MONEY_PATTERN, description: 'Decimal amount in `currency` (a string, never floating point)' } as const;
export const moneyOrNull = { type: ['string', 'null'], pattern: MONEY_PATTERN, description: 'Decimal amount in `currency`, null when undefined' } as const;
const count = { type: 'integer', minimum: 0 } as const;
const rate = { type: ['number', 'null'], description: 'Fraction 0..1 (null when its denominator is 0)' } as const;
const pct = { type: ['number', 'null'], description: 'Percent (null when its reference is 0)' } as const;
const str = { type: 'string' } as const;
const strOrNull = { type: ['string', 'null'] } as const;
const obj = (properties: Record<string, unknown>) => ({ type: 'object', properties, required: Object.keys(properties), additionalProperties: false });

export const rangeQuery = {
  timeframe: {
    type: 'string',
    enum: [...TIMEFRAMES],
    description: '1d, 7d, 30d, 90d: the N × 24 hours before now; mtd: from local midnight of the 1st of this month (store time zone) to now. Not with from/to.',
  },
  from: {
    type: 'string',
    pattern: INSTANT_PATTERN,
    description: 'Start (inclusive): a date YYYY-MM-DD (local midnight in the store time zone) or an ISO 8601 date-time with offset. Requires `to`.',
  },
  to: {
    type: 'string',
    pattern: INSTANT_PATTERN,
    description: `End (exclusive instant; a date YYYY-MM-DD includes that whole local day). At most ${MAX_RANGE_DAYS} days after \`from\`.`,
  },
} as const;

export const limitParam = (dflt: number, what: string) => ({ type: 'integer', minimum: 1, maximum: 100, default: dflt, description: `${what} (1..100)` }) as const;

export const querySchema = (properties: Record<string, unknown>) => ({ type: 'object', properties, additionalProperties: false });

const range = obj({ from: { type: 'string', format: 'date-time' }, to: { type: 'string', format: 'date-time' }, timeframe: strOrNull });

/** Every response: the payload plus what it is about. */
export const envelope = (properties: Record<string, unknown>, withRange = true) =>
  obj({
    currency: { type: 'string', description: 'ISO 4217 code of every money field (STORE_CURRENCY)' },
    role: { type: 'string', enum: ['admin', 'manager', 'public'] },
    generated_at: { type: 'string', format: 'date-time', description: 'When the figures were computed (a cached response keeps its time)' },
    ...(withRange ? { range } : {}),
    ...properties,
  });

export const revenueTodayResponse = envelope(
  {
    at: { type: 'string', format: 'date-time' },
    day: { type: 'string', format: 'date', description: 'Local date of `at`' },
    day_start: { type: 'string', format: 'date-time' },
    revenue: money,
    orders: count,
    aov: moneyOrNull,
    vs_yesterday: obj({ revenue: money, orders: count, change_pct: pct }),
    vs_avg7: obj({ revenue: money, orders: { type: ['number', 'null'] }, change_pct: pct }),
    vs_target: obj({ target_day: moneyOrNull, target_to_time: moneyOrNull, change_pct: pct, attainment_rate: rate }),
  },
  false,
);

export const funnelResponse = envelope({
  steps: {
    type: 'array',
    items: obj({
      step_no: count,
      step: { type: 'string', enum: ['visitors', 'add_to_cart', 'checkout', 'order'] },
      visitors: count,
      step_rate: rate,
      drop_off_pct: pct,
      benchmark_drop_off_pct: pct,
      excess_drop_off_pct: pct,
      is_bottleneck: { type: 'boolean' },
    }),
  },
  bottleneck: strOrNull,
  sessions: count,
  visitors: count,
  conversion_rate: rate,
  add_to_cart_rate: rate,
  checkout_completion_rate: rate,
  cart_abandonment_rate: rate,
  carts: obj({ created: count, abandoned: count, converted: count }),
});

const product = {
  type: 'object',
  properties: {
    sku: str,
    name: str,
    tier: str,
    active: { type: 'boolean' },
    units: count,
    revenue: money,
    rank_by_revenue: count,
    rank_by_units: count,
    back_office_url: strOrNull,
    cogs: { ...money, description: 'admin only' },
    margin: { ...money, description: 'admin only' },
    margin_pct: { ...pct, description: 'admin only' },
  },
  required: ['sku', 'name', 'tier', 'active', 'units', 'revenue', 'rank_by_revenue', 'rank_by_units', 'back_office_url'],
  additionalProperties: false,
};

export const topProductsResponse = envelope({ sort: { type: 'string', enum: ['revenue', 'units'] }, products: { type: 'array', items: product } });

export const customerInsightsResponse = envelope({
  new_vs_returning: obj({
    new_orders: count,
    returning_orders: count,
    guest_orders: count,
    new_customers: count,
    returning_customers: count,
    new_revenue: money,
    returning_revenue: money,
  }),
  clv: obj({ as_of: str, customers: count, historical: moneyOrNull, cohort_customers: count, clv_365d: moneyOrNull, target: moneyOrNull }),
  repeat_rate_90d: obj({ as_of: str, eligible_customers: count, repeat_customers: count, rate, target: rate }),
  days_between_purchases: obj({ gaps: count, customers: count, mean_days: { type: ['number', 'null'] }, median_days: { type: ['number', 'null'] } }),
  top_customers: { type: 'array', items: obj({ rank: count, customer_id: str, customer_name: strOrNull, orders: count, revenue: money }) },
});

export const campaignResponse = envelope({
  email: {
    type: 'array',
    items: obj({ campaign_id: str, campaign_name: strOrNull, delivered: count, unique_opens: count, unique_clicks: count, open_rate: rate, open_rate_excl_machine: rate, click_rate: rate }),
  },
  social: obj({ impressions: count, engagements: count, engagement_rate: rate, sessions: count, conversions: count }),
  ads: obj({
    spend: money,
    purchase_value: money,
    roas: { type: ['number', 'null'] },
    revenue: money,
    mer: { type: ['number', 'null'] },
    campaigns: {
      type: 'array',
      items: obj({ campaign_id: str, campaign_name: strOrNull, impressions: count, clicks: count, purchases: count, spend: money, purchase_value: money, roas: { type: ['number', 'null'] } }),
    },
  }),
  referrals: obj({ sent: count, converted: count, conversion_rate: rate }),
});

export const liveOrdersResponse = envelope(
  {
    orders: {
      type: 'array',
      items: obj({
        order_id: str,
        placed_at: { type: 'string', format: 'date-time' },
        customer_id: strOrNull,
        customer_name: strOrNull,
        items_summary: strOrNull,
        total: money,
        status: str,
        traffic_source: strOrNull,
        valid: { type: 'boolean', description: 'false for cancelled orders' },
      }),
    },
  },
  false,
);
