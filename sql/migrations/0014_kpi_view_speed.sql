-- KPI layer: the same numbers as 0006/0007, computed so that dashboard queries stay fast as the
-- raw tables grow. Column lists are unchanged (CREATE OR REPLACE), so the adm/mgr views over
-- these objects and their grants stay as 0012 made them.

-- ------------------------------------------------------------------ conversion_daily
-- Grafana filters this view on `time`. In 0006 the per-day distinct visitors were a grouped scan
-- of every session ever, joined to the calendar afterwards, so no time filter could reach it.
-- Here they are a scalar subquery of the calendar row: the filter on `time` applies to the
-- calendar first and only the selected days are counted, each through the sessions hypertable's
-- started_at index. Readers that do not select `visitors` (kpi_deviation_daily) never run it.
-- The other counts still come from the sessions_daily aggregate (small, fast to group).
CREATE OR REPLACE VIEW kpi.conversion_daily AS
WITH s AS (
  SELECT bucket, sum(sessions) AS sessions, sum(add_to_cart_sessions) AS atc, sum(checkout_sessions) AS chk,
         sum(completed_checkout_sessions) AS done, sum(purchase_sessions) AS purchases
  FROM kpi.sessions_daily GROUP BY bucket
), t AS (
  SELECT day, sum(sessions) AS sessions, sum(users) AS visitors, sum(add_to_cart_sessions) AS atc,
         sum(checkout_sessions) AS chk, sum(purchase_sessions) AS purchases
  FROM public.traffic_daily GROUP BY day
), m AS (
  SELECT d.time, d.day,
         CASE WHEN s.bucket IS NOT NULL THEN 'sessions' WHEN t.day IS NOT NULL THEN 'traffic_daily' END AS data_source,
         coalesce(s.sessions, t.sessions, 0) AS sessions,
         CASE WHEN s.bucket IS NOT NULL
              THEN (SELECT count(DISTINCT x.visitor_id) FROM public.sessions x
                    WHERE x.started_at >= d.time AND x.started_at < kpi.day_start(d.day + 1))
              ELSE coalesce(t.visitors, 0) END AS visitors,
         coalesce(s.atc, t.atc, 0) AS atc,
         coalesce(s.chk, t.chk, 0) AS chk,
         coalesce(s.done, t.purchases, 0) AS done,
         coalesce(s.purchases, t.purchases, 0) AS purchases
  FROM kpi.days d
  LEFT JOIN s ON s.bucket = d.time
  LEFT JOIN t ON t.day = d.day AND s.bucket IS NULL
)
SELECT time, day,
       sessions::bigint, visitors::bigint,
       atc::bigint AS add_to_cart_sessions, chk::bigint AS checkout_sessions,
       done::bigint AS completed_checkout_sessions, purchases::bigint AS purchase_sessions,
       kpi.rate(purchases, sessions) AS conversion_rate,
       kpi.rate(atc, sessions)       AS add_to_cart_rate,
       kpi.rate(done, chk)           AS checkout_completion_rate,
       kpi.catalog_value('conversion_rate', 'target_low')  AS conversion_target_low,
       kpi.catalog_value('conversion_rate', 'target_high') AS conversion_target_high,
       data_source
FROM m;

-- ------------------------------------------------------------------ funnel
-- One pass: sessions are first folded per visitor (did this visitor reach each step in the
-- range?), then visitors are counted per step. Same distinct-over-the-range counts as 0006's four
-- count(DISTINCT) aggregates, which each sorted the whole range again. A year holds hundreds of
-- thousands of visitors: the larger work_mem keeps their hash table in memory instead of spilling.
CREATE OR REPLACE FUNCTION kpi.funnel(from_ts timestamptz, to_ts timestamptz)
RETURNS TABLE (
  step_no int, step text, visitors bigint, step_rate numeric, drop_off_pct numeric,
  benchmark_drop_off_pct numeric, excess_drop_off_pct numeric, is_bottleneck boolean
)
LANGUAGE sql STABLE SECURITY DEFINER
SET search_path = pg_catalog, public
SET work_mem = '64MB'
AS $$
  WITH per_visitor AS (
    SELECT bool_or(added_to_cart) AS atc, bool_or(began_checkout) AS chk, bool_or(order_id IS NOT NULL) AS ord
    FROM public.sessions WHERE started_at >= $1 AND started_at < $2
    GROUP BY visitor_id
  ), a AS (
    SELECT count(*) AS s1, count(*) FILTER (WHERE atc) AS s2,
           count(*) FILTER (WHERE chk) AS s3, count(*) FILTER (WHERE ord) AS s4
    FROM per_visitor
  ), b AS (
    SELECT step_benchmarks FROM public.kpi_catalog WHERE id = 'funnel'
  ), steps AS (
    SELECT x.step_no, x.step, x.n, x.prev,
           round((x.prev - x.n) * 100.0 / NULLIF(x.prev, 0), 2) AS drop_pct,
           round(((SELECT step_benchmarks FROM b) ->> x.step)::numeric * 100, 2) AS bench_pct
    FROM a, LATERAL (VALUES (1, 'visitors', a.s1, NULL::bigint), (2, 'add_to_cart', a.s2, a.s1),
                            (3, 'checkout', a.s3, a.s2), (4, 'order', a.s4, a.s3)) AS x(step_no, step, n, prev)
  ), ranked AS (
    SELECT steps.*, drop_pct - bench_pct AS excess,
           row_number() OVER (ORDER BY (drop_pct - coalesce(bench_pct, 0)) DESC NULLS LAST, step_no) AS rk
    FROM steps
  )
  SELECT step_no, step, n, kpi.rate(n, prev), drop_pct, bench_pct, excess,
         (rk = 1 AND drop_pct IS NOT NULL) AS is_bottleneck
  FROM ranked ORDER BY step_no
$$;

-- conversion_range: same single pass for its distinct visitors.
CREATE OR REPLACE FUNCTION kpi.conversion_range(from_ts timestamptz, to_ts timestamptz)
RETURNS TABLE (
  sessions bigint, visitors bigint, add_to_cart_sessions bigint, checkout_sessions bigint,
  completed_checkout_sessions bigint, purchase_sessions bigint,
  conversion_rate numeric, add_to_cart_rate numeric, checkout_completion_rate numeric
)
LANGUAGE sql STABLE SECURITY DEFINER
SET search_path = pg_catalog, public
SET work_mem = '64MB'
AS $$
  WITH per_visitor AS (
    SELECT count(*) AS n, count(*) FILTER (WHERE added_to_cart) AS atc, count(*) FILTER (WHERE began_checkout) AS chk,
           count(*) FILTER (WHERE completed_checkout) AS done, count(*) FILTER (WHERE order_id IS NOT NULL) AS p
    FROM public.sessions WHERE started_at >= $1 AND started_at < $2
    GROUP BY visitor_id
  ), a AS (
    SELECT coalesce(sum(n), 0)::bigint AS n, count(*) AS v, coalesce(sum(atc), 0)::bigint AS atc,
           coalesce(sum(chk), 0)::bigint AS chk, coalesce(sum(done), 0)::bigint AS done, coalesce(sum(p), 0)::bigint AS p
    FROM per_visitor
  )
  SELECT n, v, atc, chk, done, p, kpi.rate(p, n), kpi.rate(atc, n), kpi.rate(done, chk) FROM a
$$;

-- ------------------------------------------------------------------ repeat_rate_90d
-- 0007 numbered every valid order (a window over all orders) and probed that numbered view once
-- per customer. Here the valid orders are read once: a customer's first valid order is the
-- earliest one, and the customer repeated when more than one of their valid orders falls within
-- 90 days of it (the first itself plus any other; orders at the same instant as the first count
-- as another order, as `seq > 1` did).
CREATE OR REPLACE FUNCTION kpi.repeat_rate_90d_at(at timestamptz)
RETURNS TABLE (eligible_customers bigint, repeat_customers bigint, repeat_rate_90d numeric, target numeric)
LANGUAGE sql STABLE SECURITY DEFINER
SET search_path = pg_catalog, public
AS $$
  WITH v AS MATERIALIZED (
    SELECT o.customer_id, o.placed_at FROM public.orders o
    WHERE o.customer_id IS NOT NULL AND o.status <> 'cancelled' AND NOT o.is_test
  ), f AS (
    SELECT customer_id, min(placed_at) AS first_at FROM v GROUP BY customer_id
  ), r AS (
    SELECT count(*) > 1 AS repeated
    FROM f JOIN v ON v.customer_id = f.customer_id AND v.placed_at <= f.first_at + INTERVAL '90 days'
    WHERE f.first_at <= $1 - INTERVAL '90 days'
    GROUP BY f.customer_id
  )
  SELECT count(*), count(*) FILTER (WHERE repeated),
         kpi.rate(count(*) FILTER (WHERE repeated), count(*)),
         kpi.catalog_value('repeat_rate_90d', 'target')
  FROM r
$$;
