-- requires: helpers
-- Conversion family (docs/kpis.md "Conversion"): sessions, visitors and rates per day and per
-- channel × device, over a range, the four-step funnel, and cart abandonment. Functions that
-- read raw tables are SECURITY DEFINER because a function called from a view runs as the
-- querying role, which has no rights on raw tables; they live in `kpi`, on which no role has
-- USAGE, and are exposed only through the role schemas.

-- ------------------------------------------------------------------ conversion_daily
-- Session-level facts (sessions table) are preferred; a day without any session rows falls back
-- to day-level facts as GA4 reports them (traffic_daily), where visitors are the summed `users`
-- of that day's channel x device rows and a completed checkout is a purchase.
-- Grafana filters this view on `time`. The per-day distinct visitors are a scalar subquery of
-- the calendar row, so a filter on `time` applies to the calendar first and only the selected
-- days are counted: the visitors of a day are its sessions whose visitor had no earlier session
-- that day, the cells of visitor_step_days (0120) of that day with prev_day before it. Readers
-- that do not select `visitors` (kpi_deviation_daily) never run it. The other counts come from
-- the sessions_daily aggregate (small, fast to group).
CREATE VIEW kpi.conversion_daily AS
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
              THEN (SELECT coalesce(sum(g.sessions), 0) FROM public.visitor_step_days g
                    WHERE g.step = 1 AND g.day = d.day AND g.prev_day < d.day)
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
COMMENT ON COLUMN kpi.conversion_daily.visitors IS 'distinct visitors of that local day: never sum across days (use conversion_range / funnel for a range)';

CREATE VIEW kpi.conversion_by_channel_daily AS
SELECT s.bucket AS time, kpi.local_day(s.bucket) AS day, s.channel, s.device,
       s.sessions::bigint, s.add_to_cart_sessions::bigint, s.checkout_sessions::bigint,
       s.completed_checkout_sessions::bigint, s.purchase_sessions::bigint,
       kpi.rate(s.purchase_sessions, s.sessions)                    AS conversion_rate,
       kpi.rate(s.add_to_cart_sessions, s.sessions)                 AS add_to_cart_rate,
       kpi.rate(s.completed_checkout_sessions, s.checkout_sessions) AS checkout_completion_rate
FROM kpi.sessions_daily s;

-- Distinct visitors per funnel step over [from_ts, to_ts), exact, from visitor_step_sessions
-- (0120): a visitor is counted once, by its first session of the step in the range, the one whose
-- previous session of the step (prev_at) is before from_ts or absent. The whole local days of the
-- range are read from the grid visitor_step_days (cells with prev_day before the day of from_ts:
-- their prev_at is before from_ts); rows are read one by one only on the partial days at the
-- edges, and, when from_ts is inside a day, for the whole-day sessions whose previous session lies
-- between that day's start and from_ts (their cell's prev_day is that day, only partly before
-- from_ts). Steps: 1 any session, 2 added to cart, 3 began checkout, 4 carries an order.
CREATE FUNCTION kpi.visitors_range(from_ts timestamptz, to_ts timestamptz)
RETURNS TABLE (visitors bigint, add_to_cart_visitors bigint, checkout_visitors bigint, order_visitors bigint)
LANGUAGE plpgsql STABLE SECURITY DEFINER
SET search_path = pg_catalog, public
AS $$
DECLARE
  from_day date := kpi.local_day(from_ts);
  whole_from timestamptz;
  whole_to timestamptz;
BEGIN
  IF to_ts <= from_ts THEN
    RETURN QUERY SELECT 0::bigint, 0::bigint, 0::bigint, 0::bigint;
    RETURN;
  END IF;
  SELECT w.whole_from, w.whole_to INTO whole_from, whole_to FROM kpi.whole_days_span(from_ts, to_ts) w;
  IF whole_from = whole_to THEN
    -- EXECUTE plans with the range's values (index ranges of the instants, not a generic plan).
    RETURN QUERY EXECUTE $q$
      SELECT count(*) FILTER (WHERE step = 1), count(*) FILTER (WHERE step = 2),
             count(*) FILTER (WHERE step = 3), count(*) FILTER (WHERE step = 4)
      FROM public.visitor_step_sessions
      WHERE step IN (1, 2, 3, 4) AND started_at >= $1 AND started_at < $2 AND (prev_at IS NULL OR prev_at < $1)
    $q$ USING from_ts, to_ts;
    RETURN;
  END IF;
  RETURN QUERY EXECUTE $q$
    WITH parts AS (
      SELECT step, count(*) AS n FROM public.visitor_step_sessions
      WHERE step IN (1, 2, 3, 4) AND started_at >= $1 AND started_at < $3 AND (prev_at IS NULL OR prev_at < $1)
      GROUP BY step
      UNION ALL
      SELECT step, count(*) FROM public.visitor_step_sessions
      WHERE step IN (1, 2, 3, 4) AND started_at >= $4 AND started_at < $2 AND (prev_at IS NULL OR prev_at < $1)
      GROUP BY step
      UNION ALL
      SELECT step, sum(sessions) FROM public.visitor_step_days
      WHERE step IN (1, 2, 3, 4) AND day >= $5 AND day < $6 AND prev_day < $7
      GROUP BY step
      UNION ALL
      SELECT step, count(*) FROM public.visitor_step_sessions
      WHERE step IN (1, 2, 3, 4) AND prev_at >= $8 AND prev_at < $1 AND started_at >= $3 AND started_at < $4
      GROUP BY step
    )
    SELECT coalesce(sum(n) FILTER (WHERE step = 1), 0)::bigint, coalesce(sum(n) FILTER (WHERE step = 2), 0)::bigint,
           coalesce(sum(n) FILTER (WHERE step = 3), 0)::bigint, coalesce(sum(n) FILTER (WHERE step = 4), 0)::bigint
    FROM parts
  $q$ USING from_ts, to_ts, whole_from, whole_to, kpi.local_day(whole_from), kpi.local_day(whole_to), from_day,
            kpi.day_start(from_day);
END
$$;

-- Sessions and distinct visitors over the range. Visitors are distinct over the range
-- (kpi.visitors_range), never a sum of daily visitors. The session counts of the range's whole
-- local days come from the sessions_daily aggregate, the partial days at its edges from raw
-- sessions. A range with no session-level rows falls back to GA4's day-level traffic: visitors are
-- then GA4's own distinct-user count for exactly that range (traffic_range_users), never a sum of
-- daily users; a range GA4 was not asked for has no visitor figure (NULL). GA4 counts events where
-- the sessions table has sessions, and a completed checkout is a purchase there (as in
-- conversion_daily). The range's days are the store's local days of from_ts and of the instant
-- just before to_ts.
CREATE FUNCTION kpi.conversion_range(from_ts timestamptz, to_ts timestamptz)
RETURNS TABLE (
  sessions bigint, visitors bigint, add_to_cart_sessions bigint, checkout_sessions bigint,
  completed_checkout_sessions bigint, purchase_sessions bigint,
  conversion_rate numeric, add_to_cart_rate numeric, checkout_completion_rate numeric
)
LANGUAGE plpgsql STABLE SECURITY DEFINER
SET search_path = pg_catalog, public
AS $$
DECLARE
  whole_from timestamptz;
  whole_to timestamptz;
BEGIN
  SELECT w.whole_from, w.whole_to INTO whole_from, whole_to FROM kpi.whole_days_span(from_ts, to_ts) w;
  -- EXECUTE plans with the range's values, so the planner keeps only the edge days' chunks.
  RETURN QUERY EXECUTE $q$
    WITH c AS (
      SELECT count(*) AS n, count(*) FILTER (WHERE added_to_cart) AS atc, count(*) FILTER (WHERE began_checkout) AS chk,
             count(*) FILTER (WHERE completed_checkout) AS done, count(*) FILTER (WHERE order_id IS NOT NULL) AS p
      FROM public.sessions WHERE started_at >= $1 AND started_at < $3
      UNION ALL
      SELECT count(*), count(*) FILTER (WHERE added_to_cart), count(*) FILTER (WHERE began_checkout),
             count(*) FILTER (WHERE completed_checkout), count(*) FILTER (WHERE order_id IS NOT NULL)
      FROM public.sessions WHERE started_at >= $4 AND started_at < $2
      UNION ALL
      SELECT sum(sessions), sum(add_to_cart_sessions), sum(checkout_sessions), sum(completed_checkout_sessions), sum(purchase_sessions)
      FROM kpi.sessions_daily WHERE bucket >= $3 AND bucket < $4
    ), a AS (
      SELECT coalesce(sum(n), 0)::bigint AS n, coalesce(sum(atc), 0)::bigint AS atc, coalesce(sum(chk), 0)::bigint AS chk,
             coalesce(sum(done), 0)::bigint AS done, coalesce(sum(p), 0)::bigint AS p
      FROM c
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
             CASE WHEN a.n > 0 OR t.n IS NULL
                  THEN CASE WHEN a.n > 0 THEN (SELECT v.visitors FROM kpi.visitors_range($1, $2) v) ELSE 0 END
                  ELSE r.v END AS v,
             CASE WHEN a.n > 0 OR t.n IS NULL THEN a.atc ELSE t.atc END AS atc,
             CASE WHEN a.n > 0 OR t.n IS NULL THEN a.chk ELSE t.chk END AS chk,
             CASE WHEN a.n > 0 OR t.n IS NULL THEN a.done ELSE t.p END AS done,
             CASE WHEN a.n > 0 OR t.n IS NULL THEN a.p ELSE t.p END AS p
      FROM a, t, r
    )
    SELECT n, v, atc, chk, done, p, kpi.rate(p, n), kpi.rate(atc, n), kpi.rate(done, chk) FROM x
  $q$ USING from_ts, to_ts, whole_from, whole_to;
END
$$;

-- ------------------------------------------------------------------ funnel
-- Steps count distinct visitors reaching the step with any session in the range
-- (kpi.visitors_range). Drop-off of a step = share of the previous step's visitors that did not
-- reach it. The bottleneck is the step whose drop-off exceeds its catalog benchmark by the most
-- (ties: the earlier step).
-- Without session rows the steps are GA4's distinct users of the range that reached each step
-- (any event / add_to_cart / begin_checkout / purchase), fetched per range like the visitors.
CREATE FUNCTION kpi.funnel(from_ts timestamptz, to_ts timestamptz)
RETURNS TABLE (
  step_no int, step text, visitors bigint, step_rate numeric, drop_off_pct numeric,
  benchmark_drop_off_pct numeric, excess_drop_off_pct numeric, is_bottleneck boolean
)
LANGUAGE plpgsql STABLE SECURITY DEFINER
SET search_path = pg_catalog, public
AS $$
BEGIN
  RETURN QUERY EXECUTE $q$
    WITH sa AS (
      SELECT v.visitors AS s1, v.add_to_cart_visitors AS s2, v.checkout_visitors AS s3, v.order_visitors AS s4
      FROM kpi.visitors_range($1, $2) v
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
  $q$ USING from_ts, to_ts;
END
$$;


-- ------------------------------------------------------------------ carts
-- A cart is converted when it has an order, abandoned when it has none and saw no activity for
-- more than 60 minutes before `at`, otherwise still open (not counted in the rate yet).
CREATE FUNCTION kpi.cart_status_at(at timestamptz)
RETURNS TABLE (
  cart_id text, created_at timestamptz, day date, stage text, country text, subtotal_cents bigint,
  converted boolean, abandoned boolean, open boolean
)
LANGUAGE sql STABLE SECURITY DEFINER
SET search_path = pg_catalog, public
AS $$
  SELECT c.cart_id, c.created_at, kpi.local_day(c.created_at), c.stage, coalesce(c.country, 'unknown'), c.subtotal_cents,
         c.order_id IS NOT NULL,
         c.order_id IS NULL AND c.last_activity_at < $1 - INTERVAL '60 minutes',
         c.order_id IS NULL AND c.last_activity_at >= $1 - INTERVAL '60 minutes'
  FROM public.carts c
  WHERE c.created_at <= $1
$$;

CREATE FUNCTION kpi.cart_abandonment_at(at timestamptz)
RETURNS TABLE (
  "time" timestamptz, day date, carts_created bigint, carts_converted bigint, carts_abandoned bigint,
  carts_open bigint, cart_abandonment_rate numeric
)
LANGUAGE sql STABLE SECURITY DEFINER
SET search_path = pg_catalog, public
AS $$
  WITH c AS (
    SELECT day, count(*) AS n, count(*) FILTER (WHERE converted) AS conv,
           count(*) FILTER (WHERE abandoned) AS ab, count(*) FILTER (WHERE open) AS op
    FROM kpi.cart_status_at($1) GROUP BY day
  )
  SELECT d.time, d.day, coalesce(c.n, 0), coalesce(c.conv, 0), coalesce(c.ab, 0), coalesce(c.op, 0),
         round(1 - c.conv::numeric / NULLIF(c.conv + c.ab, 0), 4)
  FROM kpi.days d LEFT JOIN c ON c.day = d.day
  WHERE d.day <= kpi.local_day($1)
  ORDER BY d.day
$$;

-- The daily, stage, country and hour readers below count as cart_abandonment_at(now()) does, from
-- the count grids of migration 0160 (carts created and converted per local day × stage, day ×
-- country and local hour, kept by a row trigger on cart_activity): what a cell holds does not
-- depend on now(), so a range costs its cells, not its carts. now() decides only the carts of
-- kpi.carts_pending_now, read live by index and subtracted per cell: abandoned = created −
-- converted − open, and carts created after now() count nowhere.
-- The carts now() decides: open (no order, activity within the last 60 minutes, created by now;
-- cart_activity's last_activity_at index) and those created after now() (its created_at index),
-- with whether they have an order. A handful, whatever the history.
CREATE VIEW kpi.carts_pending_now AS
SELECT x.created_at, x.stage, coalesce(x.country, 'unknown') AS country, false AS later, false AS converted
FROM public.cart_activity x
WHERE x.order_id IS NULL AND x.last_activity_at >= now() - INTERVAL '60 minutes' AND x.created_at <= now()
UNION ALL
SELECT x.created_at, x.stage, coalesce(x.country, 'unknown'), true, x.order_id IS NOT NULL
FROM public.cart_activity x
WHERE x.created_at > now();

-- As cart_abandonment_at(now()), written as a view over the calendar so that a filter on `time`
-- selects the days first and each selected day sums its stage cells by key (the function form
-- builds every day of the history before any filter applies).
CREATE VIEW kpi.cart_abandonment_daily AS
WITH p AS MATERIALIZED (
  SELECT kpi.day_start(public.cart_created_day(created_at)) AS time,
         count(*) FILTER (WHERE NOT later) AS carts_open,
         count(*) FILTER (WHERE later) AS later_created,
         count(*) FILTER (WHERE converted) AS later_converted
  FROM kpi.carts_pending_now GROUP BY 1
)
SELECT c.time, c.day, c.carts_created, c.carts_converted, c.carts_created - c.carts_converted - c.carts_open AS carts_abandoned,
       c.carts_open, round(1 - c.carts_converted::numeric / NULLIF(c.carts_created - c.carts_open, 0), 4) AS cart_abandonment_rate
-- (created − open = converted + abandoned, the carts decided)
FROM (
  SELECT d.time, d.day,
         coalesce(g.carts_created, 0) - coalesce(p.later_created, 0) AS carts_created,
         coalesce(g.carts_converted, 0) - coalesce(p.later_converted, 0) AS carts_converted,
         coalesce(p.carts_open, 0) AS carts_open
  FROM kpi.days d
  LEFT JOIN LATERAL (
    SELECT sum(s.carts_created)::bigint AS carts_created, sum(s.carts_converted)::bigint AS carts_converted
    FROM public.cart_abandonment_stage_days s WHERE s.time = d.time
  ) g ON true
  LEFT JOIN p ON p.time = d.time
  WHERE d.day <= kpi.local_day(now())
) c;
COMMENT ON COLUMN kpi.cart_abandonment_daily.cart_abandonment_rate IS '1 - converted / (converted + abandoned); carts still open (< 60 min idle, no order) are excluded until decided';

-- The by-stage and by-country views count what kpi.cart_status_at(now()) gives per local day and
-- stage / country, for the days and keys with carts: one grid row each, selected by `time`.
CREATE VIEW kpi.cart_abandonment_by_stage_daily AS
WITH p AS MATERIALIZED (
  SELECT kpi.day_start(public.cart_created_day(created_at)) AS time, stage,
         count(*) FILTER (WHERE NOT later) AS carts_open,
         count(*) FILTER (WHERE later) AS later_created,
         count(*) FILTER (WHERE converted) AS later_converted
  FROM kpi.carts_pending_now GROUP BY 1, 2
)
SELECT c.time, c.day, c.stage, c.carts_created - c.carts_converted - c.carts_open AS carts_abandoned, c.carts_created
FROM (
  SELECT g.time, g.day, g.stage,
         g.carts_created - coalesce(p.later_created, 0) AS carts_created,
         g.carts_converted - coalesce(p.later_converted, 0) AS carts_converted,
         coalesce(p.carts_open, 0) AS carts_open
  FROM public.cart_abandonment_stage_days g
  LEFT JOIN p ON p.time = g.time AND p.stage = g.stage
  WHERE g.day <= kpi.local_day(now())
) c
WHERE c.carts_created > 0;

-- Per local hour of cart creation, the hours with carts; a filter on `time` selects grid rows by key.
CREATE VIEW kpi.cart_abandonment_by_hour AS
WITH p AS MATERIALIZED (
  SELECT public.cart_created_hour(created_at) AS time,
         count(*) FILTER (WHERE NOT later) AS carts_open,
         count(*) FILTER (WHERE later) AS later_created,
         count(*) FILTER (WHERE converted) AS later_converted
  FROM kpi.carts_pending_now GROUP BY 1
)
SELECT c.time, c.day, c.weekday, c.hour_of_day, c.carts_created, c.carts_created - c.carts_converted - c.carts_open AS carts_abandoned,
       c.carts_converted
FROM (
  SELECT g.time, g.day, g.weekday, g.hour_of_day,
         g.carts_created - coalesce(p.later_created, 0) AS carts_created,
         g.carts_converted - coalesce(p.later_converted, 0) AS carts_converted,
         coalesce(p.carts_open, 0) AS carts_open
  FROM public.cart_abandonment_hours g
  LEFT JOIN p ON p.time = g.time
) c
WHERE c.carts_created > 0;

-- The rows of cart_abandonment_by_hour whose hour start (`time`) lies in [from_ts, to_ts], both
-- ends included as Grafana's $__timeFilter(time) has them: the grid rows of those hours, by key.
CREATE FUNCTION kpi.cart_abandonment_by_hour_between(from_ts timestamptz, to_ts timestamptz)
RETURNS TABLE ("time" timestamptz, day date, weekday int, hour_of_day int, carts_created bigint, carts_abandoned bigint,
               carts_converted bigint)
LANGUAGE sql STABLE SECURITY DEFINER
SET search_path = pg_catalog, public
AS $$
  SELECT h.time, h.day, h.weekday, h.hour_of_day, h.carts_created, h.carts_abandoned, h.carts_converted
  FROM kpi.cart_abandonment_by_hour h
  WHERE h.time >= $1 AND h.time <= $2
$$;

CREATE VIEW kpi.cart_abandonment_by_country_daily AS
WITH p AS MATERIALIZED (
  SELECT kpi.day_start(public.cart_created_day(created_at)) AS time, country,
         count(*) FILTER (WHERE NOT later) AS carts_open,
         count(*) FILTER (WHERE later) AS later_created,
         count(*) FILTER (WHERE converted) AS later_converted
  FROM kpi.carts_pending_now GROUP BY 1, 2
)
SELECT c.time, c.day, c.country, c.carts_created, c.carts_created - c.carts_converted - c.carts_open AS carts_abandoned, c.carts_converted,
       round(1 - c.carts_converted::numeric / NULLIF(c.carts_created - c.carts_open, 0), 4) AS cart_abandonment_rate
FROM (
  SELECT g.time, g.day, g.country,
         g.carts_created - coalesce(p.later_created, 0) AS carts_created,
         g.carts_converted - coalesce(p.later_converted, 0) AS carts_converted,
         coalesce(p.carts_open, 0) AS carts_open
  FROM public.cart_abandonment_country_days g
  LEFT JOIN p ON p.time = g.time AND p.country = g.country
  WHERE g.day <= kpi.local_day(now())
) c
WHERE c.carts_created > 0;

-- ------------------------------------------------------------------ cart_abandonment_window
-- Carts created in [from_ts, to_ts), decided relative to to_ts: converted when they have an order,
-- abandoned when they have none and were idle for more than 60 minutes before to_ts, otherwise
-- still open (not counted in the rate yet), as in kpi.cart_status_at. The abandonment-spike alert
-- reads it over the 24 h before its evaluation instant (Grafana's $__timeTo()), never now().
-- Read from cart_activity (0105) by its created_at index: it decides at to_ts, not now(), so the
-- grids' now() correction of the daily readers does not apply (24 h is ~1,350 carts at 10×).
CREATE FUNCTION kpi.cart_abandonment_window(from_ts timestamptz, to_ts timestamptz)
RETURNS TABLE (carts_created bigint, carts_converted bigint, carts_abandoned bigint, carts_open bigint,
  carts_decided bigint, cart_abandonment_rate numeric)
LANGUAGE sql STABLE SECURITY DEFINER
SET search_path = pg_catalog, public
AS $$
  WITH c AS (
    SELECT count(*) AS n,
           count(*) FILTER (WHERE order_id IS NOT NULL) AS conv,
           count(*) FILTER (WHERE order_id IS NULL AND last_activity_at < $2 - INTERVAL '60 minutes') AS ab
    FROM public.cart_activity
    WHERE created_at >= $1 AND created_at < $2
  )
  SELECT n, conv, ab, n - conv - ab, conv + ab, round(1 - conv::numeric / NULLIF(conv + ab, 0), 4) FROM c
$$;

-- ------------------------------------------------------------------ live carts
-- Carts created before `at` with activity in the 30 minutes before it and no order placed by
-- then: who, what stage, how much, how long idle. Read from the trigger-kept mirrors (0105):
-- cart_activity by its last_activity_at index, the order check in order_summaries, so the cost
-- is that of the carts active since `at` - 30 min, whatever the history. plpgsql EXECUTE plans
-- the query with the instant's value: a generic plan would not know the index range is small.
CREATE FUNCTION kpi.live_carts_at(at timestamptz)
RETURNS TABLE ("time" timestamptz, cart_id text, customer_name text, stage text, value numeric, created_at timestamptz,
               last_activity_at timestamptz, minutes_idle numeric, country text)
LANGUAGE plpgsql STABLE SECURITY DEFINER
SET search_path = pg_catalog, public
AS $$
BEGIN
  RETURN QUERY EXECUTE $q$
    SELECT c.last_activity_at, c.cart_id, coalesce(u.name, 'guest'), c.stage, kpi.money(c.subtotal_cents), c.created_at,
           c.last_activity_at, round(greatest(extract(epoch FROM ($1 - c.last_activity_at)), 0) / 60.0, 1), c.country
    FROM public.cart_activity c
    LEFT JOIN public.customers u ON u.customer_id = c.customer_id
    WHERE c.created_at <= $1 AND c.last_activity_at > $1 - INTERVAL '30 minutes'
      AND NOT EXISTS (SELECT 1 FROM public.order_summaries o WHERE o.order_id = c.order_id AND o.placed_at <= $1)
      AND (c.converted_at IS NULL OR c.converted_at > $1)
    ORDER BY c.last_activity_at DESC, c.cart_id
  $q$ USING at;
END
$$;

CREATE VIEW kpi.live_carts AS SELECT * FROM kpi.live_carts_at(now());

-- ------------------------------------------------------------------ funnel timing
-- Visitors whose first session in [from_ts, to_ts) is followed, within `conversion_window`, by a
-- valid order placed from one of their sessions (the order may fall after the range, as in a
-- product-analytics funnel). hours_to_convert: median and 90th percentile (continuous) from that
-- first session to the first such order, over the visitors converted within the window.
-- The window parameter is not named conversion_window: plpgsql refuses a parameter named like a
-- result column.
-- Read from visitor_step_sessions (0120, 0125): a visitor's first session of the range is its
-- step-1 row in the range whose previous session (prev_at) is before the range or absent (so the
-- visitors are kpi.visitors_range's), and next_valid_order_at is the first valid order of the
-- visitor at or after that session, kept by triggers. The converted visitors are the range's
-- rows of the partial index on the sessions that have such an order; the window is applied here
-- (started_at + window follows the session time zone, as the definition does).
-- funnel_windows answers several windows over one read of the range's rows (the dashboard's
-- "Conversion by window" asks for three): one result row per element of window_lengths, in
-- their order (window_no = position). funnel_window is its one-window form.
CREATE FUNCTION kpi.funnel_windows(from_ts timestamptz, to_ts timestamptz, window_lengths interval[])
RETURNS TABLE (window_no int, conversion_window interval, visitors bigint, converted_visitors bigint, conversion_rate numeric,
               median_hours_to_convert numeric, p90_hours_to_convert numeric)
LANGUAGE plpgsql STABLE SECURITY DEFINER
SET search_path = pg_catalog, public
SET work_mem = '64MB'
AS $$
BEGIN
  -- EXECUTE plans with the range's values (an index range, not a generic plan).
  RETURN QUERY EXECUTE $q$
    WITH x AS (
      SELECT w.n::int AS window_no, w.len FROM unnest($3) WITH ORDINALITY AS w(len, n)
    ), r AS MATERIALIZED (
      SELECT v.started_at, v.next_valid_order_at AS next_at,
             (extract(epoch FROM (v.next_valid_order_at - v.started_at)) / 3600.0)::float8 AS hours
      FROM public.visitor_step_sessions v
      WHERE v.step = 1 AND v.next_valid_order_at IS NOT NULL AND v.started_at >= $1 AND v.started_at < $2
        AND (v.prev_at IS NULL OR v.prev_at < $1)
    ), n AS (
      SELECT q.visitors FROM kpi.visitors_range($1, $2) q
    )
    -- Per window, one pass over the range's rows and one sort for both percentiles.
    SELECT x.window_no, x.len, n.visitors, c.converted, kpi.rate(c.converted, n.visitors),
           round(c.p[1]::numeric, 2), round(c.p[2]::numeric, 2)
    FROM x CROSS JOIN n
    CROSS JOIN LATERAL (
      SELECT count(*) AS converted, percentile_cont(ARRAY[0.5, 0.9]) WITHIN GROUP (ORDER BY r.hours) AS p
      FROM r WHERE r.next_at <= r.started_at + x.len
    ) c
    ORDER BY x.window_no
  $q$ USING from_ts, to_ts, window_lengths;
END
$$;

CREATE FUNCTION kpi.funnel_window(from_ts timestamptz, to_ts timestamptz, window_length interval)
RETURNS TABLE (conversion_window interval, visitors bigint, converted_visitors bigint, conversion_rate numeric,
               median_hours_to_convert numeric, p90_hours_to_convert numeric)
LANGUAGE sql STABLE SECURITY DEFINER
SET search_path = pg_catalog, public
AS $$
  SELECT f.conversion_window, f.visitors, f.converted_visitors, f.conversion_rate, f.median_hours_to_convert, f.p90_hours_to_convert
  FROM kpi.funnel_windows(from_ts, to_ts, ARRAY[window_length]) f
$$;
