-- requires: helpers
-- Revenue family (docs/kpis.md "Revenue"): revenue per local day and hour, the 7-day trend,
-- today against yesterday / the 7-day average / the pro-rata target, splits by tier and traffic
-- source, and the live order feed. Rates named *_rate are fractions rounded to 4 decimals
-- (0.01 %); *_pct are percent, 2 decimals.

-- Daily revenue target of a local day: the monthly target ÷ the number of days in that month.
CREATE FUNCTION kpi.daily_revenue_target(d date) RETURNS numeric
LANGUAGE sql STABLE SECURITY DEFINER
SET search_path = pg_catalog, public
AS $$
  SELECT round(CASE c.target_period
                 WHEN 'month' THEN c.target
                      / extract(day FROM (date_trunc('month', d) + INTERVAL '1 month - 1 day'))::numeric
                 WHEN 'day' THEN c.target
               END, 2)
  FROM public.kpi_catalog c WHERE c.id = 'revenue'
$$;

-- Refunds on valid orders only: a cancelled or test order never counted as revenue, so its
-- refund must not be subtracted either. public.refund_orders (migration 0100) carries each
-- refund with its order's facts, kept by triggers: no per-refund probe of every orders chunk.
CREATE VIEW kpi.valid_refunds AS
SELECT r.refund_id, r.refunded_at, r.refund_day, r.order_id, r.amount_cents,
       r.shipping_refund_cents, r.reason, r.placed_at, r.traffic_source, r.customer_id
FROM public.refund_orders r
WHERE r.order_valid;

-- ------------------------------------------------------------------ revenue_daily
CREATE VIEW kpi.revenue_daily AS
WITH o AS (
  SELECT bucket, sum(orders) AS orders, sum(subtotal_cents) AS subtotal, sum(discount_cents) AS discount,
         sum(shipping_cents) AS shipping, sum(tax_cents) AS tax
  FROM kpi.orders_daily GROUP BY bucket
), r AS (
  SELECT refund_day, sum(amount_cents) AS refunds FROM kpi.valid_refunds GROUP BY refund_day
)
SELECT d.time,
       d.day,
       coalesce(o.orders, 0)::bigint                                                    AS orders,
       kpi.money(coalesce(o.subtotal, 0))                                               AS item_subtotal,
       kpi.money(coalesce(o.discount, 0))                                               AS discounts,
       kpi.money(coalesce(r.refunds, 0))                                                AS refunds,
       kpi.money(coalesce(o.subtotal, 0) - coalesce(o.discount, 0) - coalesce(r.refunds, 0)) AS revenue,
       round((o.subtotal - o.discount) / NULLIF(o.orders, 0) / 100.0, 2)                AS aov,
       kpi.money(coalesce(o.shipping, 0))                                               AS shipping,
       kpi.money(coalesce(o.tax, 0))                                                    AS tax,
       kpi.daily_revenue_target(d.day)                                                  AS target,
       kpi.rate(kpi.money(coalesce(o.subtotal, 0) - coalesce(o.discount, 0) - coalesce(r.refunds, 0)),
                kpi.daily_revenue_target(d.day))                                       AS target_attainment_rate
FROM kpi.days d
LEFT JOIN o ON o.bucket = d.time
LEFT JOIN r ON r.refund_day = d.day;
COMMENT ON VIEW kpi.revenue_daily IS 'Revenue per local day: valid orders placed that day, refunds on valid orders by the day issued. aov excludes refunds.';
COMMENT ON COLUMN kpi.revenue_daily.revenue IS 'item_subtotal - discounts - refunds issued that day (shipping and tax excluded)';
COMMENT ON COLUMN kpi.revenue_daily.aov IS '(item_subtotal - discounts) / orders of that day; NULL without orders; refunds not subtracted';
COMMENT ON COLUMN kpi.revenue_daily.target IS 'monthly revenue target (kpi_catalog) / days in that month';

-- ------------------------------------------------------------------ revenue_hourly (UTC hours)
CREATE VIEW kpi.revenue_hourly AS
WITH o AS (
  SELECT bucket, sum(orders) AS orders, sum(subtotal_cents) AS subtotal, sum(discount_cents) AS discount,
         sum(shipping_cents) AS shipping, sum(tax_cents) AS tax
  FROM kpi.orders_hourly GROUP BY bucket
), r AS (
  SELECT date_trunc('hour', refunded_at, 'UTC') AS bucket, sum(amount_cents) AS refunds FROM kpi.valid_refunds GROUP BY 1
), hours AS (
  -- UTC hours (as the orders_hourly buckets), from the first local day to the last hour of the
  -- last one; truncated in UTC so a session in a half-hour zone sees the same buckets.
  SELECT generate_series(date_trunc('hour', min(time), 'UTC'),
                         date_trunc('hour', greatest(now(), max(time) + make_interval(hours => 23)), 'UTC'),
                         INTERVAL '1 hour') AS time
  FROM kpi.days
)
SELECT h.time,
       coalesce(o.orders, 0)::bigint                                                    AS orders,
       kpi.money(coalesce(o.subtotal, 0))                                               AS item_subtotal,
       kpi.money(coalesce(o.discount, 0))                                               AS discounts,
       kpi.money(coalesce(r.refunds, 0))                                                AS refunds,
       kpi.money(coalesce(o.subtotal, 0) - coalesce(o.discount, 0) - coalesce(r.refunds, 0)) AS revenue,
       kpi.money(coalesce(o.shipping, 0))                                               AS shipping,
       kpi.money(coalesce(o.tax, 0))                                                    AS tax
FROM hours h
LEFT JOIN o ON o.bucket = h.time
LEFT JOIN r ON r.bucket = h.time;
COMMENT ON VIEW kpi.revenue_hourly IS 'Revenue per hour (hour buckets are the same instants in every zone with whole-hour offsets).';

-- ------------------------------------------------------------------ revenue_trend
CREATE VIEW kpi.revenue_trend AS
SELECT time, day, revenue,
       round(avg(revenue) OVER (ORDER BY day ROWS BETWEEN 6 PRECEDING AND CURRENT ROW), 2)       AS revenue_7d_avg,
       sum(revenue) OVER (PARTITION BY date_trunc('month', day) ORDER BY day)                   AS mtd_revenue,
       sum(target) OVER (PARTITION BY date_trunc('month', day) ORDER BY day)                    AS mtd_target,
       (SELECT c.target FROM public.kpi_catalog c WHERE c.id = 'revenue' AND c.target_period = 'month') AS month_target
FROM kpi.revenue_daily;

-- ------------------------------------------------------------------ revenue today vs comparisons
-- Valid orders placed in [from_ts, to_ts] with their net cents (subtotal − discount). plpgsql, not
-- sql: its query is planned with the bounds as values, so the planner keeps only the orders
-- chunks of the span; a sql function plans every chunk of the hypertable on each call.
CREATE FUNCTION kpi.valid_order_nets(from_ts timestamptz, to_ts timestamptz)
RETURNS TABLE (placed_at timestamptz, net_cents bigint)
LANGUAGE plpgsql STABLE SECURITY DEFINER
SET search_path = pg_catalog, public
AS $$
BEGIN
  RETURN QUERY
  SELECT o.placed_at, o.subtotal_cents - o.discount_cents FROM public.orders o
  WHERE o.placed_at >= from_ts AND o.placed_at <= to_ts AND o.status <> 'cancelled' AND NOT o.is_test;
END
$$;

-- Every comparison covers the same span: local midnight up to the same local clock time as
-- `at`, on today, yesterday and each of the 7 previous days. The target is pro rata to the
-- elapsed share of the (possibly 23- or 25-hour) local day.
CREATE FUNCTION kpi.revenue_comparison(at timestamptz)
RETURNS TABLE (
  at timestamptz, day date, day_start timestamptz, time_of_day interval,
  revenue numeric, orders bigint, aov numeric,
  yesterday_revenue numeric, yesterday_orders bigint,
  avg7_revenue numeric, avg7_orders numeric,
  target_day numeric, target_to_time numeric,
  vs_yesterday_pct numeric, vs_avg7_pct numeric, vs_target_pct numeric, target_attainment_rate numeric
)
LANGUAGE sql STABLE SECURITY DEFINER
SET search_path = pg_catalog, public
AS $$
  WITH p AS (
    SELECT $1 AS at_ts, kpi.local_day($1) AS today, ($1 AT TIME ZONE kpi.store_tz())::time::interval AS tod
  ), w AS MATERIALIZED (
    SELECT k, p.today - k AS d, kpi.day_start(p.today - k) AS ws,
           CASE WHEN k = 0 THEN p.at_ts ELSE ((p.today - k)::timestamp + p.tod) AT TIME ZONE kpi.store_tz() END AS we
    FROM p, generate_series(0, 7) AS k
  -- (w is MATERIALIZED so that its bounds are values, not zone conversions redone for every row
  -- compared with them.)
  -- The eight windows lie between local midnight 7 days before `at` and `at`: orders and
  -- refunds are read for that span only, once (MATERIALIZED: each window re-ran them otherwise),
  -- and each row is counted in the window holding it.
  ), ob AS MATERIALIZED (
    SELECT o.placed_at, o.net_cents AS net FROM kpi.valid_order_nets(kpi.day_start(kpi.local_day($1) - 7), $1) o
  ), rb AS MATERIALIZED (
    SELECT r.refunded_at, r.amount_cents FROM public.refund_orders r
    WHERE r.refunded_at >= kpi.day_start(kpi.local_day($1) - 7) AND r.refunded_at <= $1 AND r.order_valid
  ), vo AS (
    SELECT w.k, count(ob.placed_at) AS orders, coalesce(sum(ob.net), 0) AS net
    FROM w LEFT JOIN ob ON ob.placed_at >= w.ws AND ob.placed_at <= w.we GROUP BY w.k
  ), vr AS (
    SELECT w.k, coalesce(sum(rb.amount_cents), 0) AS refunds
    FROM w LEFT JOIN rb ON rb.refunded_at >= w.ws AND rb.refunded_at <= w.we GROUP BY w.k
  ), v AS (
    SELECT vo.k, vo.orders, vo.net, vr.refunds FROM vo JOIN vr ON vr.k = vo.k
  ), agg AS (
    SELECT max(orders) FILTER (WHERE k = 0) AS t_orders,
           max(net) FILTER (WHERE k = 0) AS t_net,
           max(net - refunds) FILTER (WHERE k = 0) AS t_rev,
           max(net - refunds) FILTER (WHERE k = 1) AS y_rev,
           max(orders) FILTER (WHERE k = 1) AS y_orders,
           avg(net - refunds) FILTER (WHERE k BETWEEN 1 AND 7) AS a_rev,
           avg(orders) FILTER (WHERE k BETWEEN 1 AND 7) AS a_orders
    FROM v
  ), t AS (
    SELECT p.*, kpi.day_start(p.today) AS ds, kpi.daily_revenue_target(p.today) AS target_day,
           extract(epoch FROM (p.at_ts - kpi.day_start(p.today)))
             / extract(epoch FROM (kpi.day_start(p.today + 1) - kpi.day_start(p.today))) AS elapsed
    FROM p
  )
  SELECT t.at_ts, t.today, t.ds, t.tod,
         kpi.money(a.t_rev), a.t_orders::bigint, round(a.t_net / NULLIF(a.t_orders, 0) / 100.0, 2),
         kpi.money(a.y_rev), a.y_orders::bigint,
         kpi.money(a.a_rev), round(a.a_orders, 2),
         t.target_day, round(t.target_day * t.elapsed::numeric, 2),
         kpi.pct_change(kpi.money(a.t_rev), kpi.money(a.y_rev)),
         kpi.pct_change(kpi.money(a.t_rev), kpi.money(a.a_rev)),
         kpi.pct_change(kpi.money(a.t_rev), round(t.target_day * t.elapsed::numeric, 2)),
         kpi.rate(kpi.money(a.t_rev), round(t.target_day * t.elapsed::numeric, 2))
  FROM t, agg a
$$;

CREATE VIEW kpi.revenue_today AS SELECT * FROM kpi.revenue_comparison(now());
COMMENT ON VIEW kpi.revenue_today IS 'Today so far vs yesterday / 7-day average up to the same local time of day, and vs the pro-rata daily target.';

-- ------------------------------------------------------------------ splits
CREATE VIEW kpi.revenue_by_tier_daily AS
WITH l AS (
  SELECT l.bucket, p.tier, sum(l.units) AS units, sum(l.line_subtotal_cents) AS subtotal, sum(l.allocated_discount_cents) AS discount
  FROM kpi.order_lines_daily l JOIN public.products p ON p.sku = l.sku
  GROUP BY l.bucket, p.tier
)
SELECT d.time, d.day, t.tier,
       coalesce(l.units, 0)::bigint                                   AS units,
       kpi.money(coalesce(l.subtotal, 0))                             AS item_subtotal,
       kpi.money(coalesce(l.discount, 0))                             AS discounts,
       kpi.money(coalesce(l.subtotal, 0) - coalesce(l.discount, 0))   AS revenue
FROM kpi.days d
CROSS JOIN (VALUES (1, 'Brick'), (2, 'Value'), (3, 'Premium'), (4, 'Top Shelf')) AS t(ord, tier)
LEFT JOIN l ON l.bucket = d.time AND l.tier = t.tier;
COMMENT ON COLUMN kpi.revenue_by_tier_daily.revenue IS 'line subtotal - allocated order discount, BEFORE refunds: refunds are not split by tier';

CREATE VIEW kpi.revenue_by_source_daily AS
WITH o AS (
  SELECT bucket, traffic_source, sum(orders) AS orders, sum(subtotal_cents) AS subtotal, sum(discount_cents) AS discount
  FROM kpi.orders_daily GROUP BY bucket, traffic_source
), r AS (
  SELECT refund_day, traffic_source, sum(amount_cents) AS refunds FROM kpi.valid_refunds GROUP BY refund_day, traffic_source
)
SELECT d.time, d.day, s.traffic_source,
       coalesce(o.orders, 0)::bigint                                                    AS orders,
       kpi.money(coalesce(o.subtotal, 0))                                               AS item_subtotal,
       kpi.money(coalesce(o.discount, 0))                                               AS discounts,
       kpi.money(coalesce(r.refunds, 0))                                                AS refunds,
       kpi.money(coalesce(o.subtotal, 0) - coalesce(o.discount, 0) - coalesce(r.refunds, 0)) AS revenue,
       round((o.subtotal - o.discount) / NULLIF(o.orders, 0) / 100.0, 2)                AS aov
FROM kpi.days d
CROSS JOIN (VALUES ('email'), ('social'), ('paid'), ('organic'), ('referral'), ('direct')) AS s(traffic_source)
LEFT JOIN o ON o.bucket = d.time AND o.traffic_source = s.traffic_source
LEFT JOIN r ON r.refund_day = d.day AND r.traffic_source = s.traffic_source;
COMMENT ON COLUMN kpi.revenue_by_source_daily.refunds IS 'refunds issued that day, attributed to the refunded order''s traffic source';

-- ------------------------------------------------------------------ live order feed
-- Read from order_summaries, the trigger-kept plain mirror of orders (0105): "the latest orders
-- before T" bounds no chunk of the orders hypertable, so every read planned and opened all of
-- them; the mirror's placed_at index reads just the rows shown. The customer name is a lookup per
-- row shown (customer_id is the customers key), so a LIMIT stops it too.
CREATE VIEW kpi.order_feed AS
SELECT o.placed_at AS time, o.order_id, o.placed_at, o.customer_id,
       (SELECT c.name FROM public.customers c WHERE c.customer_id = o.customer_id) AS customer_name, o.items_summary,
       kpi.money(o.total_cents) AS total, o.status, o.traffic_source,
       (o.status <> 'cancelled') AS valid
FROM public.order_summaries o
WHERE NOT o.is_test
ORDER BY o.placed_at DESC;
COMMENT ON VIEW kpi.order_feed IS 'Latest non-test orders, newest first; query with LIMIT. total includes shipping and tax.';
