-- Raw layer: what the sources say, one row per source record, keyed by natural keys so that
-- every load is an idempotent upsert. Time series are hypertables; dimensions are plain tables.
-- Money is integer cents. Instants are timestamptz (UTC); local days are derived in the KPI layer.
-- Hypertable unique constraints must include the partitioning column, hence (id, time) keys.

CREATE EXTENSION IF NOT EXISTS timescaledb;

-- ---------------------------------------------------------------- dimensions
CREATE TABLE locations (
  location_id  text PRIMARY KEY,
  name         text NOT NULL,
  country      text,
  source       text NOT NULL,
  source_id    text NOT NULL,
  UNIQUE (source, source_id)
);

CREATE TABLE products (
  sku              text PRIMARY KEY,
  name             text NOT NULL,
  tier             text NOT NULL CHECK (tier IN ('Brick', 'Value', 'Premium', 'Top Shelf')),
  price_cents      bigint NOT NULL CHECK (price_cents >= 0),
  unit_cost_cents  bigint NOT NULL CHECK (unit_cost_cents >= 0),
  active           boolean NOT NULL DEFAULT true,
  back_office_url  text,
  source           text NOT NULL,
  source_id        text NOT NULL,
  updated_at       timestamptz NOT NULL DEFAULT now(),
  UNIQUE (source, source_id)
);

CREATE TABLE customers (
  customer_id  text PRIMARY KEY,
  email        text,
  name         text,
  city         text,
  region       text,
  country      text,
  created_at   timestamptz NOT NULL,
  source       text NOT NULL,
  source_id    text NOT NULL,
  UNIQUE (source, source_id)
);

-- channel is the traffic-source family a campaign drives (email, social, paid, referral);
-- kind separates marketing sends from cart-recovery flows.
CREATE TABLE campaigns (
  campaign_id  text PRIMARY KEY,
  name         text NOT NULL,
  channel      text NOT NULL CHECK (channel IN ('email', 'social', 'paid', 'referral', 'organic', 'direct')),
  platform     text,
  kind         text NOT NULL DEFAULT 'marketing' CHECK (kind IN ('marketing', 'cart_recovery')),
  recovery_step smallint,
  variant      text,
  cost_cents   bigint NOT NULL DEFAULT 0 CHECK (cost_cents >= 0),
  started_at   timestamptz,
  source       text NOT NULL,
  source_id    text NOT NULL,
  UNIQUE (source, source_id)
);

-- ---------------------------------------------------------------- orders
CREATE TABLE orders (
  order_id               text NOT NULL,
  placed_at              timestamptz NOT NULL,
  customer_id            text,
  location_id            text,
  status                 text NOT NULL CHECK (status IN ('pending_verification', 'processing', 'completed', 'cancelled', 'refunded')),
  is_test                boolean NOT NULL DEFAULT false,
  subtotal_cents         bigint NOT NULL CHECK (subtotal_cents >= 0),
  discount_cents         bigint NOT NULL DEFAULT 0 CHECK (discount_cents >= 0),
  shipping_cents         bigint NOT NULL DEFAULT 0 CHECK (shipping_cents >= 0),
  tax_cents              bigint NOT NULL DEFAULT 0 CHECK (tax_cents >= 0),
  total_cents            bigint NOT NULL CHECK (total_cents >= 0),
  currency               text NOT NULL DEFAULT 'USD',
  traffic_source         text NOT NULL DEFAULT 'direct' CHECK (traffic_source IN ('email', 'social', 'paid', 'organic', 'referral', 'direct')),
  campaign_id            text,
  session_id             text,
  cart_id                text,
  requires_verification  boolean NOT NULL DEFAULT false,
  items_summary          text,
  source                 text NOT NULL,
  source_id              text NOT NULL,
  updated_at             timestamptz NOT NULL DEFAULT now(),
  UNIQUE (order_id, placed_at)
);
SELECT create_hypertable('orders', by_range('placed_at', INTERVAL '7 days'));
CREATE INDEX orders_customer_idx ON orders (customer_id, placed_at);

-- order_valid and placed_at are copied from the order so that line-level aggregates need no
-- join back to the orders hypertable; the loader keeps them in step with the order.
-- allocated_discount_cents is the order-level discount allocated to the line in proportion
-- to its subtotal (largest remainder, so the lines add up to the order's discount exactly).
CREATE TABLE order_lines (
  order_id                  text NOT NULL,
  line_no                   integer NOT NULL,
  placed_at                 timestamptz NOT NULL,
  sku                       text NOT NULL,
  quantity                  integer NOT NULL CHECK (quantity > 0),
  unit_price_cents          bigint NOT NULL CHECK (unit_price_cents >= 0),
  line_subtotal_cents       bigint NOT NULL CHECK (line_subtotal_cents >= 0),
  allocated_discount_cents  bigint NOT NULL DEFAULT 0 CHECK (allocated_discount_cents >= 0),
  unit_cost_cents           bigint NOT NULL CHECK (unit_cost_cents >= 0),
  order_valid               boolean NOT NULL,
  source                    text NOT NULL,
  source_id                 text NOT NULL,
  UNIQUE (order_id, line_no, placed_at)
);
SELECT create_hypertable('order_lines', by_range('placed_at', INTERVAL '7 days'));
CREATE INDEX order_lines_sku_idx ON order_lines (sku, placed_at);

CREATE TABLE payments (
  payment_id    text NOT NULL,
  paid_at       timestamptz NOT NULL,
  order_id      text NOT NULL,
  amount_cents  bigint NOT NULL CHECK (amount_cents >= 0),
  method        text,
  status        text NOT NULL DEFAULT 'captured',
  source        text NOT NULL,
  source_id     text NOT NULL,
  UNIQUE (payment_id, paid_at)
);
SELECT create_hypertable('payments', by_range('paid_at', INTERVAL '30 days'));

-- amount_cents is merchandise value refunded (shipping and tax refunds are kept apart so that
-- net sales stay comparable with the item subtotal).
CREATE TABLE refunds (
  refund_id     text NOT NULL,
  refunded_at   timestamptz NOT NULL,
  order_id      text NOT NULL,
  amount_cents  bigint NOT NULL CHECK (amount_cents >= 0),
  shipping_refund_cents bigint NOT NULL DEFAULT 0 CHECK (shipping_refund_cents >= 0),
  reason        text NOT NULL CHECK (reason IN ('verification_failed', 'verification_missing', 'customer_request', 'damaged', 'other')),
  source        text NOT NULL,
  source_id     text NOT NULL,
  UNIQUE (refund_id, refunded_at)
);
SELECT create_hypertable('refunds', by_range('refunded_at', INTERVAL '30 days'));
CREATE INDEX refunds_order_idx ON refunds (order_id);

-- ---------------------------------------------------------------- inventory
CREATE TABLE inventory_counts (
  sku          text NOT NULL,
  location_id  text NOT NULL,
  counted_at   timestamptz NOT NULL,
  available    integer NOT NULL,
  source       text NOT NULL,
  source_id    text NOT NULL,
  UNIQUE (sku, location_id, counted_at)
);
SELECT create_hypertable('inventory_counts', by_range('counted_at', INTERVAL '30 days'));

CREATE TABLE inventory_changes (
  change_id        text NOT NULL,
  changed_at       timestamptz NOT NULL,
  sku              text NOT NULL,
  location_id      text NOT NULL,
  delta            integer NOT NULL,
  available_after  integer NOT NULL,
  reason           text NOT NULL CHECK (reason IN ('sale', 'restock', 'refund', 'adjustment')),
  source           text NOT NULL,
  source_id        text NOT NULL,
  UNIQUE (change_id, changed_at)
);
SELECT create_hypertable('inventory_changes', by_range('changed_at', INTERVAL '30 days'));
CREATE INDEX inventory_changes_sku_idx ON inventory_changes (sku, changed_at);

-- ---------------------------------------------------------------- traffic and funnel
-- Day-level facts as sources such as GA4 report them (day x channel x device).
CREATE TABLE traffic_daily (
  day                    date NOT NULL,
  channel                text NOT NULL,
  device                 text NOT NULL,
  sessions               integer NOT NULL CHECK (sessions >= 0),
  users                  integer NOT NULL CHECK (users >= 0),
  add_to_cart_sessions   integer NOT NULL DEFAULT 0,
  checkout_sessions      integer NOT NULL DEFAULT 0,
  purchase_sessions      integer NOT NULL DEFAULT 0,
  source                 text NOT NULL,
  source_id              text NOT NULL,
  UNIQUE (source, day, channel, device)
);
SELECT create_hypertable('traffic_daily', by_range('day', INTERVAL '30 days'));

-- Session-level funnel facts where the source has them (the store database, the simulator).
CREATE TABLE sessions (
  session_id          text NOT NULL,
  started_at          timestamptz NOT NULL,
  visitor_id          text NOT NULL,
  customer_id         text,
  channel             text NOT NULL CHECK (channel IN ('email', 'social', 'paid', 'organic', 'referral', 'direct')),
  device              text NOT NULL CHECK (device IN ('desktop', 'mobile', 'tablet')),
  country             text,
  added_to_cart       boolean NOT NULL DEFAULT false,
  began_checkout      boolean NOT NULL DEFAULT false,
  completed_checkout  boolean NOT NULL DEFAULT false,
  order_id            text,
  source              text NOT NULL,
  source_id           text NOT NULL,
  UNIQUE (session_id, started_at)
);
SELECT create_hypertable('sessions', by_range('started_at', INTERVAL '7 days'));

-- A cart is abandoned once 60 minutes pass with no activity and no order (decided in the KPI
-- layer, not stored, so a late order still converts it).
CREATE TABLE carts (
  cart_id                 text NOT NULL,
  created_at              timestamptz NOT NULL,
  session_id              text,
  customer_id             text,
  last_activity_at        timestamptz NOT NULL,
  stage                   text NOT NULL DEFAULT 'cart' CHECK (stage IN ('cart', 'checkout', 'payment')),
  subtotal_cents          bigint NOT NULL DEFAULT 0 CHECK (subtotal_cents >= 0),
  country                 text,
  order_id                text,
  converted_at            timestamptz,
  recovery_email_sent_at  timestamptz,
  recovery_campaign_id    text,
  recovered_by_email      boolean NOT NULL DEFAULT false,
  source                  text NOT NULL,
  source_id               text NOT NULL,
  UNIQUE (cart_id, created_at)
);
SELECT create_hypertable('carts', by_range('created_at', INTERVAL '7 days'));

CREATE TABLE checkouts (
  checkout_id   text NOT NULL,
  started_at    timestamptz NOT NULL,
  cart_id       text,
  session_id    text,
  completed_at  timestamptz,
  order_id      text,
  source        text NOT NULL,
  source_id     text NOT NULL,
  UNIQUE (checkout_id, started_at)
);
SELECT create_hypertable('checkouts', by_range('started_at', INTERVAL '7 days'));

-- ---------------------------------------------------------------- marketing
CREATE TABLE email_stats (
  campaign_id     text NOT NULL,
  day             date NOT NULL,
  sent            integer NOT NULL DEFAULT 0,
  delivered       integer NOT NULL DEFAULT 0,
  unique_opens    integer NOT NULL DEFAULT 0,
  machine_opens   integer NOT NULL DEFAULT 0,
  unique_clicks   integer NOT NULL DEFAULT 0,
  bounces         integer NOT NULL DEFAULT 0,
  unsubscribes    integer NOT NULL DEFAULT 0,
  source          text NOT NULL,
  source_id       text NOT NULL,
  UNIQUE (campaign_id, day)
);
SELECT create_hypertable('email_stats', by_range('day', INTERVAL '90 days'));

CREATE TABLE social_stats (
  post_id      text NOT NULL,
  day          date NOT NULL,
  platform     text NOT NULL,
  campaign_id  text,
  impressions  integer NOT NULL DEFAULT 0,
  reactions    integer NOT NULL DEFAULT 0,
  comments     integer NOT NULL DEFAULT 0,
  shares       integer NOT NULL DEFAULT 0,
  saves        integer NOT NULL DEFAULT 0,
  clicks       integer NOT NULL DEFAULT 0,
  source       text NOT NULL,
  source_id    text NOT NULL,
  UNIQUE (post_id, day)
);
SELECT create_hypertable('social_stats', by_range('day', INTERVAL '90 days'));

CREATE TABLE ad_insights (
  campaign_id           text NOT NULL,
  day                   date NOT NULL,
  impressions           integer NOT NULL DEFAULT 0,
  clicks                integer NOT NULL DEFAULT 0,
  spend_cents           bigint NOT NULL DEFAULT 0 CHECK (spend_cents >= 0),
  purchases             integer NOT NULL DEFAULT 0,
  purchase_value_cents  bigint NOT NULL DEFAULT 0 CHECK (purchase_value_cents >= 0),
  source                text NOT NULL,
  source_id             text NOT NULL,
  UNIQUE (campaign_id, day)
);
SELECT create_hypertable('ad_insights', by_range('day', INTERVAL '90 days'));

CREATE TABLE referrals (
  referral_id           text NOT NULL,
  sent_at               timestamptz NOT NULL,
  referrer_customer_id  text NOT NULL,
  referred_customer_id  text,
  source                text NOT NULL,
  source_id             text NOT NULL,
  UNIQUE (referral_id, sent_at)
);
SELECT create_hypertable('referrals', by_range('sent_at', INTERVAL '90 days'));

CREATE TABLE loyalty_events (
  event_id     text NOT NULL,
  occurred_at  timestamptz NOT NULL,
  customer_id  text NOT NULL,
  points       integer NOT NULL,
  kind         text NOT NULL CHECK (kind IN ('earn', 'redeem', 'expire', 'adjust')),
  source       text NOT NULL,
  source_id    text NOT NULL,
  UNIQUE (event_id, occurred_at)
);
SELECT create_hypertable('loyalty_events', by_range('occurred_at', INTERVAL '90 days'));

-- ---------------------------------------------------------------- operations
CREATE TABLE verifications (
  verification_id  text NOT NULL,
  requested_at     timestamptz NOT NULL,
  order_id         text NOT NULL,
  status           text NOT NULL CHECK (status IN ('pending', 'verified', 'failed', 'expired')),
  verified_at      timestamptz,
  source           text NOT NULL,
  source_id        text NOT NULL,
  UNIQUE (verification_id, requested_at)
);
SELECT create_hypertable('verifications', by_range('requested_at', INTERVAL '30 days'));
CREATE INDEX verifications_order_idx ON verifications (order_id);

CREATE TABLE shipments (
  shipment_id   text NOT NULL,
  shipped_at    timestamptz NOT NULL,
  order_id      text NOT NULL,
  carrier       text,
  delivered_at  timestamptz,
  source        text NOT NULL,
  source_id     text NOT NULL,
  UNIQUE (shipment_id, shipped_at)
);
SELECT create_hypertable('shipments', by_range('shipped_at', INTERVAL '30 days'));
CREATE INDEX shipments_order_idx ON shipments (order_id);

CREATE TABLE support_tickets (
  ticket_id       text NOT NULL,
  opened_at       timestamptz NOT NULL,
  customer_id     text,
  channel         text,
  first_reply_at  timestamptz,
  closed_at       timestamptz,
  source          text NOT NULL,
  source_id       text NOT NULL,
  UNIQUE (ticket_id, opened_at)
);
SELECT create_hypertable('support_tickets', by_range('opened_at', INTERVAL '30 days'));

CREATE TABLE uptime_probes (
  target       text NOT NULL,
  probed_at    timestamptz NOT NULL,
  ok           boolean NOT NULL,
  status_code  integer,
  latency_ms   integer,
  source       text NOT NULL,
  source_id    text NOT NULL,
  UNIQUE (target, probed_at)
);
SELECT create_hypertable('uptime_probes', by_range('probed_at', INTERVAL '7 days'));

-- ---------------------------------------------------------------- ETL bookkeeping
-- Cursors are written in the same transaction as the rows they cover.
CREATE TABLE sync_state (
  source      text NOT NULL,
  stream      text NOT NULL,
  cursor      text,
  rows_total  bigint NOT NULL DEFAULT 0,
  updated_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (source, stream)
);

CREATE TABLE dead_letters (
  id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  received_at  timestamptz NOT NULL DEFAULT now(),
  source       text NOT NULL,
  stream       text NOT NULL,
  source_id    text,
  reason       text NOT NULL,
  payload      jsonb NOT NULL
);

-- A copy of the repo's KPI catalog (kpi/catalog.json), written by the ETL at start so that SQL
-- can read targets; the catalog file stays the only place targets are edited.
CREATE TABLE kpi_catalog (
  id            text PRIMARY KEY,
  name          text NOT NULL,
  family        text NOT NULL,
  unit          text NOT NULL,
  direction     text NOT NULL CHECK (direction IN ('higher_is_better', 'lower_is_better', 'neutral')),
  target        numeric,
  target_low    numeric,
  target_high   numeric,
  benchmark     numeric,
  warn_below    numeric,
  warn_above    numeric,
  volume_floor  numeric,
  roles         text[] NOT NULL,
  definition    text NOT NULL
);

CREATE TABLE store_settings (
  key    text PRIMARY KEY,
  value  text NOT NULL
);
