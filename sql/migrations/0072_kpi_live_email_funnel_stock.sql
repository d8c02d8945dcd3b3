-- Live carts, email conversions per campaign, funnel timing (conversion within a window and
-- time to convert) and the store-wide out-of-stock count (KPI-SPEC: email_conversion_rate,
-- funnel_window, out_of_stock_incidents).

-- ------------------------------------------------------------------ live carts
-- object: kpi.live_carts_at  family: conversion  roles: adm,mgr  mgr drops: none
-- Carts created before `at` with activity in the 30 minutes before it and no order placed by
-- then: who, what stage, how much, how long idle.
CREATE FUNCTION kpi.live_carts_at(at timestamptz)
RETURNS TABLE ("time" timestamptz, cart_id text, customer_name text, stage text, value numeric, created_at timestamptz,
               last_activity_at timestamptz, minutes_idle numeric, country text)
LANGUAGE sql STABLE SECURITY DEFINER
SET search_path = pg_catalog, public
AS $$
  SELECT c.last_activity_at, c.cart_id, coalesce(u.name, 'guest'), c.stage, kpi.money(c.subtotal_cents), c.created_at,
         c.last_activity_at, round(greatest(extract(epoch FROM ($1 - c.last_activity_at)), 0) / 60.0, 1), c.country
  FROM public.carts c
  LEFT JOIN public.customers u ON u.customer_id = c.customer_id
  WHERE c.created_at <= $1 AND c.last_activity_at > $1 - INTERVAL '30 minutes'
    AND NOT EXISTS (SELECT 1 FROM public.orders o WHERE o.order_id = c.order_id AND o.placed_at <= $1)
    AND (c.converted_at IS NULL OR c.converted_at > $1)
  ORDER BY c.last_activity_at DESC, c.cart_id
$$;
-- object: kpi.live_carts  family: conversion  roles: adm,mgr  mgr drops: none
CREATE VIEW kpi.live_carts AS SELECT * FROM kpi.live_carts_at(now());

-- ------------------------------------------------------------------ email conversions
-- object: kpi.email_conversions  family: campaigns  roles: adm,mgr  mgr drops: none
-- Per email campaign (marketing and cart recovery): delivered emails on the local days that
-- overlap [from_ts, to_ts), valid orders placed in the range attributed to the campaign
-- (orders.campaign_id, set from UTM or the sender's attribution), email_conversion_rate =
-- orders ÷ delivered, revenue (item subtotal − discounts, before refunds) and revenue per
-- delivered email (4 decimals: it is often below a cent). Campaigns with neither deliveries
-- nor orders in the range are left out.
CREATE FUNCTION kpi.email_conversions(from_ts timestamptz, to_ts timestamptz)
RETURNS TABLE (campaign_id text, campaign_name text, kind text, delivered bigint, orders bigint,
               email_conversion_rate numeric, revenue numeric, revenue_per_delivered numeric)
LANGUAGE sql STABLE SECURITY DEFINER
SET search_path = pg_catalog, public
AS $$
  WITH d AS (
    SELECT s.campaign_id, sum(s.delivered)::bigint AS delivered FROM public.email_stats s
    WHERE s.day >= kpi.local_day($1) AND s.day <= kpi.local_day($2 - INTERVAL '1 microsecond')
    GROUP BY s.campaign_id
  ), o AS (
    SELECT o.campaign_id, count(*) AS n, sum(o.subtotal_cents - o.discount_cents) AS cents FROM public.orders o
    WHERE o.status <> 'cancelled' AND NOT o.is_test AND o.placed_at >= $1 AND o.placed_at < $2 AND o.campaign_id IS NOT NULL
    GROUP BY o.campaign_id
  )
  SELECT k.campaign_id, k.name, k.kind, coalesce(d.delivered, 0), coalesce(o.n, 0),
         kpi.rate(coalesce(o.n, 0), d.delivered), kpi.money(coalesce(o.cents, 0)),
         round(coalesce(o.cents, 0) / 100.0 / NULLIF(d.delivered, 0), 4)
  FROM public.campaigns k
  LEFT JOIN d ON d.campaign_id = k.campaign_id
  LEFT JOIN o ON o.campaign_id = k.campaign_id
  WHERE k.channel = 'email' AND (d.delivered > 0 OR o.n > 0)
  ORDER BY coalesce(o.cents, 0) DESC, k.campaign_id
$$;

-- ------------------------------------------------------------------ funnel timing
-- object: kpi.funnel_window  family: conversion  roles: adm,mgr  mgr drops: none
-- Visitors whose first session in [from_ts, to_ts) is followed, within `conversion_window`, by a
-- valid order placed from one of their sessions (the order may fall after the range, as in a
-- product-analytics funnel). hours_to_convert: median and 90th percentile (continuous) from that
-- first session to the first such order, over the visitors converted within the window.
CREATE FUNCTION kpi.funnel_window(from_ts timestamptz, to_ts timestamptz, conversion_window interval)
RETURNS TABLE (conversion_window interval, visitors bigint, converted_visitors bigint, conversion_rate numeric,
               median_hours_to_convert numeric, p90_hours_to_convert numeric)
LANGUAGE sql STABLE SECURITY DEFINER
SET search_path = pg_catalog, public
AS $$
  -- f and o are each read once, so the planner inlines them and joins with real statistics;
  -- the visitor count is taken straight from sessions.
  WITH f AS (
    SELECT s.visitor_id, min(s.started_at) AS first_at FROM public.sessions s
    WHERE s.started_at >= $1 AND s.started_at < $2 GROUP BY s.visitor_id
  ), o AS (
    SELECT s.visitor_id, o.placed_at FROM public.sessions s JOIN public.orders o ON o.order_id = s.order_id
    WHERE s.order_id IS NOT NULL AND o.status <> 'cancelled' AND NOT o.is_test
  ), w AS (
    SELECT f.visitor_id, extract(epoch FROM (min(o.placed_at) - f.first_at)) / 3600.0 AS hours
    FROM f JOIN o ON o.visitor_id = f.visitor_id AND o.placed_at >= f.first_at
    GROUP BY f.visitor_id, f.first_at
    HAVING min(o.placed_at) <= f.first_at + $3
  ), n AS (
    SELECT count(DISTINCT s.visitor_id) AS visitors FROM public.sessions s WHERE s.started_at >= $1 AND s.started_at < $2
  )
  SELECT $3, n.visitors, (SELECT count(*) FROM w), kpi.rate((SELECT count(*) FROM w), n.visitors),
         (SELECT round((percentile_cont(0.5) WITHIN GROUP (ORDER BY hours::float8))::numeric, 2) FROM w),
         (SELECT round((percentile_cont(0.9) WITHIN GROUP (ORDER BY hours::float8))::numeric, 2) FROM w)
  FROM n
$$;

-- ------------------------------------------------------------------ out of stock, store-wide
-- object: kpi.out_of_stock_store_daily  family: products  roles: adm,mgr  mgr drops: none
-- Beside the per SKU × location view (0010, unchanged): a store-wide incident is a change that
-- takes the SKU's quantity summed over all locations from > 0 to <= 0. Each location starts at
-- its first change's available_after − delta (as in 0010); each change moves the total by
-- available_after − the location's previous level.
CREATE VIEW kpi.out_of_stock_store_daily AS
WITH c AS (
  SELECT sku, location_id, changed_at, change_id, available_after,
         available_after - coalesce(lag(available_after) OVER (PARTITION BY sku, location_id ORDER BY changed_at, change_id),
                                    available_after - delta) AS move,
         CASE WHEN row_number() OVER (PARTITION BY sku, location_id ORDER BY changed_at, change_id) = 1
              THEN available_after - delta ELSE 0 END AS opening
  FROM public.inventory_changes
), t AS (
  SELECT sku, changed_at,
         sum(opening) OVER (PARTITION BY sku) + sum(move) OVER (PARTITION BY sku ORDER BY changed_at, change_id ROWS UNBOUNDED PRECEDING) AS total,
         sum(opening) OVER (PARTITION BY sku)
           + coalesce(sum(move) OVER (PARTITION BY sku ORDER BY changed_at, change_id ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0) AS before
  FROM c
)
SELECT kpi.day_start(kpi.local_day(t.changed_at)) AS time, kpi.local_day(t.changed_at) AS day, t.sku, p.name,
       count(*) AS incidents
FROM t LEFT JOIN public.products p ON p.sku = t.sku
WHERE t.before > 0 AND t.total <= 0
GROUP BY 1, 2, t.sku, p.name;

-- ------------------------------------------------------------------ role schemas (as 0012/0015)
CREATE VIEW adm.live_carts AS SELECT * FROM kpi.live_carts;
CREATE VIEW mgr.live_carts AS SELECT * FROM kpi.live_carts;
CREATE VIEW adm.out_of_stock_store_daily AS SELECT * FROM kpi.out_of_stock_store_daily;
CREATE VIEW mgr.out_of_stock_store_daily AS SELECT * FROM kpi.out_of_stock_store_daily;

CREATE FUNCTION adm.live_carts_at(at timestamptz)
RETURNS TABLE ("time" timestamptz, cart_id text, customer_name text, stage text, value numeric, created_at timestamptz,
               last_activity_at timestamptz, minutes_idle numeric, country text)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, public
AS $$ SELECT * FROM kpi.live_carts_at($1) $$;
CREATE FUNCTION mgr.live_carts_at(at timestamptz)
RETURNS TABLE ("time" timestamptz, cart_id text, customer_name text, stage text, value numeric, created_at timestamptz,
               last_activity_at timestamptz, minutes_idle numeric, country text)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, public
AS $$ SELECT * FROM kpi.live_carts_at($1) $$;

CREATE FUNCTION adm.email_conversions(from_ts timestamptz, to_ts timestamptz)
RETURNS TABLE (campaign_id text, campaign_name text, kind text, delivered bigint, orders bigint,
               email_conversion_rate numeric, revenue numeric, revenue_per_delivered numeric)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, public
AS $$ SELECT * FROM kpi.email_conversions($1, $2) $$;
CREATE FUNCTION mgr.email_conversions(from_ts timestamptz, to_ts timestamptz)
RETURNS TABLE (campaign_id text, campaign_name text, kind text, delivered bigint, orders bigint,
               email_conversion_rate numeric, revenue numeric, revenue_per_delivered numeric)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, public
AS $$ SELECT * FROM kpi.email_conversions($1, $2) $$;

CREATE FUNCTION adm.funnel_window(from_ts timestamptz, to_ts timestamptz, conversion_window interval)
RETURNS TABLE (conversion_window interval, visitors bigint, converted_visitors bigint, conversion_rate numeric,
               median_hours_to_convert numeric, p90_hours_to_convert numeric)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, public
AS $$ SELECT * FROM kpi.funnel_window($1, $2, $3) $$;
CREATE FUNCTION mgr.funnel_window(from_ts timestamptz, to_ts timestamptz, conversion_window interval)
RETURNS TABLE (conversion_window interval, visitors bigint, converted_visitors bigint, conversion_rate numeric,
               median_hours_to_convert numeric, p90_hours_to_convert numeric)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, public
AS $$ SELECT * FROM kpi.funnel_window($1, $2, $3) $$;

REVOKE ALL ON ALL FUNCTIONS IN SCHEMA adm, mgr FROM PUBLIC;
GRANT SELECT ON ALL TABLES IN SCHEMA adm TO kpi_admin;
GRANT SELECT ON ALL TABLES IN SCHEMA mgr TO kpi_manager;
GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA adm TO kpi_admin;
GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA mgr TO kpi_manager;
