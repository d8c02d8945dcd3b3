/**
 * The raw tables as data: column types, natural key and time column. The loader builds its
 * upserts from this, and the row types below are what source mappers must produce.
 * Keep in step with sql/migrations/0001_raw_schema.sql (etl/test/schema/tables.test.ts compares the two).
 */

export type PgType = 'text' | 'bigint' | 'integer' | 'smallint' | 'boolean' | 'timestamptz' | 'date' | 'jsonb';

export interface TableSpec {
  name: string;
  columns: Record<string, PgType>;
  /** Natural key: the ON CONFLICT target. */
  key: string[];
  /** Partitioning column for hypertables; null for dimensions. */
  timeColumn: string | null;
  /** Columns a row must carry (NOT NULL without default). */
  required: string[];
  /** Values used when a row leaves a NOT NULL column with a default out (same as the SQL defaults). */
  defaults: Record<string, string | number | boolean>;
}

const src = { source: 'text', source_id: 'text' } as const;

function table(
  name: string,
  columns: Record<string, PgType>,
  key: string[],
  timeColumn: string | null,
  required: string[],
  defaults: TableSpec['defaults'] = {},
): TableSpec {
  return { name, columns: { ...columns, ...src }, key, timeColumn, required: [...required, 'source', 'source_id'], defaults };
}

export const TABLES = {
  locations: table('locations', { location_id: 'text', name: 'text', country: 'text' }, ['location_id'], null, ['location_id', 'name']),
  products: table(
    'products',
    { sku: 'text', name: 'text', tier: 'text', price_cents: 'bigint', unit_cost_cents: 'bigint', active: 'boolean', back_office_url: 'text' },
    ['sku'], null, ['sku', 'name', 'tier', 'price_cents', 'unit_cost_cents'],
    { active: true },
  ),
  customers: table(
    'customers',
    { customer_id: 'text', email: 'text', name: 'text', city: 'text', region: 'text', country: 'text', created_at: 'timestamptz' },
    ['customer_id'], null, ['customer_id', 'created_at'],
  ),
  campaigns: table(
    'campaigns',
    { campaign_id: 'text', name: 'text', channel: 'text', platform: 'text', kind: 'text', recovery_step: 'smallint', variant: 'text', cost_cents: 'bigint', started_at: 'timestamptz' },
    ['campaign_id'], null, ['campaign_id', 'name', 'channel'],
    { kind: 'marketing', cost_cents: 0 },
  ),
  orders: table(
    'orders',
    {
      order_id: 'text', placed_at: 'timestamptz', customer_id: 'text', location_id: 'text', status: 'text', is_test: 'boolean',
      subtotal_cents: 'bigint', discount_cents: 'bigint', shipping_cents: 'bigint', tax_cents: 'bigint', total_cents: 'bigint',
      currency: 'text', traffic_source: 'text', campaign_id: 'text', session_id: 'text', cart_id: 'text',
      requires_verification: 'boolean', items_summary: 'text',
    },
    ['order_id', 'placed_at'], 'placed_at', ['order_id', 'placed_at', 'status', 'subtotal_cents', 'total_cents'],
    { is_test: false, discount_cents: 0, shipping_cents: 0, tax_cents: 0, currency: 'USD', traffic_source: 'direct', requires_verification: false },
  ),
  order_lines: table(
    'order_lines',
    {
      order_id: 'text', line_no: 'integer', placed_at: 'timestamptz', sku: 'text', quantity: 'integer', unit_price_cents: 'bigint',
      line_subtotal_cents: 'bigint', allocated_discount_cents: 'bigint', unit_cost_cents: 'bigint', order_valid: 'boolean',
    },
    ['order_id', 'line_no', 'placed_at'], 'placed_at',
    ['order_id', 'line_no', 'placed_at', 'sku', 'quantity', 'unit_price_cents', 'line_subtotal_cents', 'unit_cost_cents'],
    { allocated_discount_cents: 0, order_valid: true },
  ),
  payments: table(
    'payments',
    { payment_id: 'text', paid_at: 'timestamptz', order_id: 'text', amount_cents: 'bigint', method: 'text', status: 'text' },
    ['payment_id', 'paid_at'], 'paid_at', ['payment_id', 'paid_at', 'order_id', 'amount_cents'],
    { status: 'captured' },
  ),
  refunds: table(
    'refunds',
    { refund_id: 'text', refunded_at: 'timestamptz', order_id: 'text', amount_cents: 'bigint', shipping_refund_cents: 'bigint', reason: 'text' },
    ['refund_id', 'refunded_at'], 'refunded_at', ['refund_id', 'refunded_at', 'order_id', 'amount_cents', 'reason'],
    { shipping_refund_cents: 0 },
  ),
  inventory_counts: table(
    'inventory_counts',
    { sku: 'text', location_id: 'text', counted_at: 'timestamptz', available: 'integer' },
    ['sku', 'location_id', 'counted_at'], 'counted_at', ['sku', 'location_id', 'counted_at', 'available'],
  ),
  inventory_changes: table(
    'inventory_changes',
    { change_id: 'text', changed_at: 'timestamptz', sku: 'text', location_id: 'text', delta: 'integer', available_after: 'integer', reason: 'text' },
    ['change_id', 'changed_at'], 'changed_at', ['change_id', 'changed_at', 'sku', 'location_id', 'delta', 'available_after', 'reason'],
  ),
  traffic_daily: table(
    'traffic_daily',
    {
      day: 'date', channel: 'text', device: 'text', sessions: 'integer', users: 'integer',
      add_to_cart_sessions: 'integer', checkout_sessions: 'integer', purchase_sessions: 'integer',
      channel_group: 'text', source_medium: 'text', new_users: 'integer', purchase_revenue_cents: 'bigint', sampled: 'boolean', thresholded: 'boolean',
    },
    ['source', 'day', 'channel', 'device', 'channel_group', 'source_medium'], 'day', ['day', 'channel', 'device', 'sessions', 'users'],
    {
      add_to_cart_sessions: 0, checkout_sessions: 0, purchase_sessions: 0,
      channel_group: '', source_medium: '', new_users: 0, purchase_revenue_cents: 0, sampled: false, thresholded: false,
    },
  ),
  traffic_range_users: table(
    'traffic_range_users',
    {
      range_key: 'text', start_day: 'date', end_day: 'date', users: 'integer', sessions: 'integer', add_to_cart_users: 'integer',
      checkout_users: 'integer', purchase_users: 'integer', time_zone: 'text', sampled: 'boolean', thresholded: 'boolean',
    },
    ['source', 'range_key'], null, ['range_key', 'start_day', 'end_day', 'users', 'time_zone'],
    { sessions: 0, add_to_cart_users: 0, checkout_users: 0, purchase_users: 0, sampled: false, thresholded: false },
  ),
  sessions: table(
    'sessions',
    {
      session_id: 'text', started_at: 'timestamptz', visitor_id: 'text', customer_id: 'text', channel: 'text', device: 'text', country: 'text',
      added_to_cart: 'boolean', began_checkout: 'boolean', completed_checkout: 'boolean', order_id: 'text',
    },
    ['session_id', 'started_at'], 'started_at', ['session_id', 'started_at', 'visitor_id', 'channel', 'device'],
    { added_to_cart: false, began_checkout: false, completed_checkout: false },
  ),
  carts: table(
    'carts',
    {
      cart_id: 'text', created_at: 'timestamptz', session_id: 'text', customer_id: 'text', last_activity_at: 'timestamptz', stage: 'text',
      subtotal_cents: 'bigint', country: 'text', order_id: 'text', converted_at: 'timestamptz', recovery_email_sent_at: 'timestamptz',
      recovery_campaign_id: 'text', recovered_by_email: 'boolean',
    },
    ['cart_id', 'created_at'], 'created_at', ['cart_id', 'created_at', 'last_activity_at'],
    { stage: 'cart', subtotal_cents: 0, recovered_by_email: false },
  ),
  // What a cart held and every recovery email sent for it (sql/migrations/0071_cart_journey.sql).
  cart_lines: table(
    'cart_lines',
    { cart_id: 'text', line_no: 'integer', created_at: 'timestamptz', sku: 'text', quantity: 'integer', unit_price_cents: 'bigint', line_subtotal_cents: 'bigint' },
    ['cart_id', 'line_no', 'created_at'], 'created_at', ['cart_id', 'line_no', 'created_at', 'sku', 'quantity', 'unit_price_cents', 'line_subtotal_cents'],
  ),
  cart_recovery_emails: table(
    'cart_recovery_emails',
    { cart_id: 'text', step: 'smallint', sent_at: 'timestamptz', campaign_id: 'text', opened_at: 'timestamptz', clicked_at: 'timestamptz' },
    ['cart_id', 'step', 'sent_at'], 'sent_at', ['cart_id', 'step', 'sent_at'],
  ),
  checkouts: table(
    'checkouts',
    { checkout_id: 'text', started_at: 'timestamptz', cart_id: 'text', session_id: 'text', completed_at: 'timestamptz', order_id: 'text' },
    ['checkout_id', 'started_at'], 'started_at', ['checkout_id', 'started_at'],
  ),
  email_stats: table(
    'email_stats',
    {
      campaign_id: 'text', day: 'date', sent: 'integer', delivered: 'integer', unique_opens: 'integer', machine_opens: 'integer',
      unique_clicks: 'integer', bounces: 'integer', unsubscribes: 'integer', spam_reports: 'integer', scope: 'text',
    },
    ['campaign_id', 'day'], 'day', ['campaign_id', 'day'],
    { sent: 0, delivered: 0, unique_opens: 0, machine_opens: 0, unique_clicks: 0, bounces: 0, unsubscribes: 0, spam_reports: 0, scope: 'campaign' },
  ),
  social_stats: table(
    'social_stats',
    {
      post_id: 'text', day: 'date', platform: 'text', campaign_id: 'text', impressions: 'integer', reactions: 'integer',
      comments: 'integer', shares: 'integer', saves: 'integer', clicks: 'integer',
    },
    ['post_id', 'day'], 'day', ['post_id', 'day', 'platform'],
    { impressions: 0, reactions: 0, comments: 0, shares: 0, saves: 0, clicks: 0 },
  ),
  ad_insights: table(
    'ad_insights',
    {
      campaign_id: 'text', day: 'date', impressions: 'integer', clicks: 'integer', spend_cents: 'bigint',
      purchases: 'integer', purchase_value_cents: 'bigint', reach: 'integer', engagements: 'integer', attribution_setting: 'text',
    },
    ['campaign_id', 'day'], 'day', ['campaign_id', 'day'],
    { impressions: 0, clicks: 0, spend_cents: 0, purchases: 0, purchase_value_cents: 0, reach: 0, engagements: 0 },
  ),
  referrals: table(
    'referrals',
    { referral_id: 'text', sent_at: 'timestamptz', referrer_customer_id: 'text', referred_customer_id: 'text' },
    ['referral_id', 'sent_at'], 'sent_at', ['referral_id', 'sent_at', 'referrer_customer_id'],
  ),
  loyalty_events: table(
    'loyalty_events',
    { event_id: 'text', occurred_at: 'timestamptz', customer_id: 'text', points: 'integer', kind: 'text' },
    ['event_id', 'occurred_at'], 'occurred_at', ['event_id', 'occurred_at', 'customer_id', 'points', 'kind'],
  ),
  verifications: table(
    'verifications',
    { verification_id: 'text', requested_at: 'timestamptz', order_id: 'text', status: 'text', verified_at: 'timestamptz' },
    ['verification_id', 'requested_at'], 'requested_at', ['verification_id', 'requested_at', 'order_id', 'status'],
  ),
  shipments: table(
    'shipments',
    { shipment_id: 'text', shipped_at: 'timestamptz', order_id: 'text', carrier: 'text', delivered_at: 'timestamptz' },
    ['shipment_id', 'shipped_at'], 'shipped_at', ['shipment_id', 'shipped_at', 'order_id'],
  ),
  support_tickets: table(
    'support_tickets',
    { ticket_id: 'text', opened_at: 'timestamptz', customer_id: 'text', channel: 'text', first_reply_at: 'timestamptz', closed_at: 'timestamptz' },
    ['ticket_id', 'opened_at'], 'opened_at', ['ticket_id', 'opened_at'],
  ),
  uptime_probes: table(
    'uptime_probes',
    { target: 'text', probed_at: 'timestamptz', ok: 'boolean', status_code: 'integer', latency_ms: 'integer' },
    ['target', 'probed_at'], 'probed_at', ['target', 'probed_at', 'ok'],
  ),
} satisfies Record<string, TableSpec>;

export type TableName = keyof typeof TABLES;

/**
 * A row for a table: column name to value. Instants are Date or ISO strings, dates are
 * 'YYYY-MM-DD', money is integer cents (number). Missing optional columns load as NULL/default.
 */
export type Row = Record<string, string | number | boolean | Date | null | undefined>;

/** What a source hands the loader: rows grouped by target table, in dependency order. */
export type Batch = Partial<Record<TableName, Row[]>>;

/** Load order: dimensions first, then facts (no FKs are declared, but readers see a consistent state). */
export const LOAD_ORDER: TableName[] = [
  'locations', 'products', 'customers', 'campaigns',
  'orders', 'order_lines', 'payments', 'refunds', 'verifications', 'shipments',
  'inventory_counts', 'inventory_changes', 'traffic_daily', 'traffic_range_users', 'sessions', 'carts', 'cart_lines', 'cart_recovery_emails', 'checkouts',
  'email_stats', 'social_stats', 'ad_insights', 'referrals', 'loyalty_events', 'support_tickets', 'uptime_probes',
];
