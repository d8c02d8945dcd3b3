-- KPI layer: conversion_range and funnel fall back to GA4's day-level traffic when a range has no
-- session-level rows. Visitors of a range are then GA4's own distinct-user count for exactly
-- that range (traffic_range_users), never a sum of daily users; a range GA4 was not asked for has
-- no visitor figure (NULL) rather than a wrong one. GA4 counts events where the sessions table
-- has sessions: add-to-cart, checkout and purchase counts come from traffic_daily, and a
-- completed checkout is a purchase there (as in conversion_daily). Signatures are unchanged, so
-- the adm/mgr wrappers and their grants stay as they are.
-- The range's days are the store's local days of from_ts and of the instant just before to_ts;
-- they match GA4's rows when the property's time zone is the store's (the source warns if not).

-- object: kpi.conversion_range
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
  ), t AS (
    SELECT sum(sessions)::bigint AS n, sum(add_to_cart_sessions)::bigint AS atc,
           sum(checkout_sessions)::bigint AS chk, sum(purchase_sessions)::bigint AS p
    FROM public.traffic_daily
    WHERE day >= kpi.local_day($1) AND day <= kpi.local_day($2 - INTERVAL '1 microsecond')
  ), r AS (
    SELECT max(users)::bigint AS v FROM public.traffic_range_users
    WHERE start_day = kpi.local_day($1) AND end_day = kpi.local_day($2 - INTERVAL '1 microsecond')
  ), x AS (
    SELECT CASE WHEN a.n > 0 OR t.n IS NULL THEN a.n ELSE t.n END AS n,
           CASE WHEN a.n > 0 OR t.n IS NULL THEN a.v ELSE r.v END AS v,
           CASE WHEN a.n > 0 OR t.n IS NULL THEN a.atc ELSE t.atc END AS atc,
           CASE WHEN a.n > 0 OR t.n IS NULL THEN a.chk ELSE t.chk END AS chk,
           CASE WHEN a.n > 0 OR t.n IS NULL THEN a.done ELSE t.p END AS done,
           CASE WHEN a.n > 0 OR t.n IS NULL THEN a.p ELSE t.p END AS p
    FROM a, t, r
  )
  SELECT n, v, atc, chk, done, p, kpi.rate(p, n), kpi.rate(atc, n), kpi.rate(done, chk) FROM x
$$;

-- object: kpi.funnel
-- Without session rows the steps are GA4's distinct users of the range that reached each step
-- (any event / add_to_cart / begin_checkout / purchase), fetched per range like the visitors.
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
  ), sa AS (
    SELECT count(*) AS s1, count(*) FILTER (WHERE atc) AS s2,
           count(*) FILTER (WHERE chk) AS s3, count(*) FILTER (WHERE ord) AS s4
    FROM per_visitor
  ), r AS (
    SELECT users::bigint AS s1, add_to_cart_users::bigint AS s2, checkout_users::bigint AS s3, purchase_users::bigint AS s4
    FROM public.traffic_range_users
    WHERE start_day = kpi.local_day($1) AND end_day = kpi.local_day($2 - INTERVAL '1 microsecond')
    ORDER BY users DESC LIMIT 1
  ), a AS (
    SELECT s1, s2, s3, s4 FROM sa WHERE sa.s1 > 0 OR NOT EXISTS (SELECT 1 FROM r)
    UNION ALL
    SELECT r.s1, r.s2, r.s3, r.s4 FROM r, sa WHERE sa.s1 = 0
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
