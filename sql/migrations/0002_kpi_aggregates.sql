-- KPI layer, step 1: the internal schema `kpi` and the continuous aggregates behind the KPI views.
-- Daily buckets are local days of the store ({{STORE_TIMEZONE}} is substituted by the migration
-- runner), so a daily bucket starts at local midnight and DST days are 23 or 25 hours long.
-- Real-time aggregation stays on: the views must show rows loaded since the last refresh.
-- Sums of cents are numeric (sum(bigint)), never floating point.

CREATE SCHEMA IF NOT EXISTS kpi;
COMMENT ON SCHEMA kpi IS 'Internal KPI layer: continuous aggregates, KPI views and functions. Read through adm/mgr/pub.';

-- The store time zone as text, for views that must agree with the cagg buckets.
CREATE FUNCTION kpi.store_tz() RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$ SELECT {{STORE_TIMEZONE}}::text $$;

-- Valid orders per UTC hour and traffic source.
CREATE MATERIALIZED VIEW kpi.orders_hourly
WITH (timescaledb.continuous, timescaledb.materialized_only = false) AS
SELECT time_bucket(INTERVAL '1 hour', placed_at) AS bucket,
       traffic_source,
       count(*)             AS orders,
       sum(subtotal_cents)  AS subtotal_cents,
       sum(discount_cents)  AS discount_cents,
       sum(shipping_cents)  AS shipping_cents,
       sum(tax_cents)       AS tax_cents
FROM public.orders
WHERE status <> 'cancelled' AND NOT is_test
GROUP BY 1, 2
WITH NO DATA;

-- Valid orders per local day and traffic source. Bucketed from raw rows rather than stacked on
-- the hourly cagg: a local day is not a whole number of UTC hours in half-hour zones.
CREATE MATERIALIZED VIEW kpi.orders_daily
WITH (timescaledb.continuous, timescaledb.materialized_only = false) AS
SELECT time_bucket(INTERVAL '1 day', placed_at, {{STORE_TIMEZONE}}) AS bucket,
       traffic_source,
       count(*)             AS orders,
       sum(subtotal_cents)  AS subtotal_cents,
       sum(discount_cents)  AS discount_cents,
       sum(shipping_cents)  AS shipping_cents,
       sum(tax_cents)       AS tax_cents
FROM public.orders
WHERE status <> 'cancelled' AND NOT is_test
GROUP BY 1, 2
WITH NO DATA;

-- Lines of valid orders per local day and SKU; COGS uses the unit cost stored on the line at sale time.
CREATE MATERIALIZED VIEW kpi.order_lines_daily
WITH (timescaledb.continuous, timescaledb.materialized_only = false) AS
SELECT time_bucket(INTERVAL '1 day', placed_at, {{STORE_TIMEZONE}}) AS bucket,
       sku,
       sum(quantity)::bigint                      AS units,
       sum(line_subtotal_cents)                   AS line_subtotal_cents,
       sum(allocated_discount_cents)              AS allocated_discount_cents,
       sum(quantity::bigint * unit_cost_cents)    AS cogs_cents
FROM public.order_lines
WHERE order_valid
GROUP BY 1, 2
WITH NO DATA;

-- Session funnel flags per local day, channel and device. A purchase session is one that carries
-- an order id (the session facts are written by the source at order time).
CREATE MATERIALIZED VIEW kpi.sessions_daily
WITH (timescaledb.continuous, timescaledb.materialized_only = false) AS
SELECT time_bucket(INTERVAL '1 day', started_at, {{STORE_TIMEZONE}}) AS bucket,
       channel,
       device,
       count(*)                                              AS sessions,
       count(*) FILTER (WHERE added_to_cart)                 AS add_to_cart_sessions,
       count(*) FILTER (WHERE began_checkout)                AS checkout_sessions,
       count(*) FILTER (WHERE completed_checkout)            AS completed_checkout_sessions,
       count(*) FILTER (WHERE order_id IS NOT NULL)          AS purchase_sessions
FROM public.sessions
GROUP BY 1, 2, 3
WITH NO DATA;
