-- requires: helpers
-- Customers family (docs/kpis.md "Customers"). A customer's revenue from an order is its item
-- subtotal minus discounts minus the refunds of that order: unlike daily revenue, customer
-- value follows the order, not the refund day. The "as of" functions count what was known at
-- `at`: orders placed and refunds issued before it. Their day spans are N × 24 hours, not
-- calendar days in the session's time zone, so every client gets the same answer.

CREATE VIEW kpi.customer_orders AS
SELECT o.order_id, o.customer_id, o.placed_at, kpi.local_day(o.placed_at) AS day,
       o.subtotal_cents - o.discount_cents AS net_cents,
       coalesce(r.refund_cents, 0) AS refund_cents,
       o.subtotal_cents - o.discount_cents - coalesce(r.refund_cents, 0) AS value_cents,
       CASE WHEN o.customer_id IS NOT NULL
            THEN row_number() OVER (PARTITION BY o.customer_id ORDER BY o.placed_at, o.order_id) END AS seq,
       CASE WHEN o.customer_id IS NOT NULL
            THEN lag(o.placed_at) OVER (PARTITION BY o.customer_id ORDER BY o.placed_at, o.order_id) END AS prev_placed_at
FROM public.orders o
LEFT JOIN (SELECT order_id, sum(amount_cents) AS refund_cents FROM public.refunds GROUP BY order_id) r ON r.order_id = o.order_id
WHERE o.status <> 'cancelled' AND NOT o.is_test;
COMMENT ON VIEW kpi.customer_orders IS 'Valid orders with the customer''s order sequence number (1 = first valid order ever).';

-- A customer whose first and second orders fall on the same day counts as new and as returning.
-- The per-day figures are kept by a trigger on orders (migration 0101, exact after every change,
-- including an earlier first order arriving late): the same numbers kpi.customer_orders' seq
-- gives, read for the selected days only. A customer has one first order, so new_customers =
-- new_orders.
CREATE VIEW kpi.new_vs_returning_daily AS
SELECT d.time, d.day,
       coalesce(n.new_orders, 0) AS new_orders, coalesce(n.returning_orders, 0) AS returning_orders,
       coalesce(n.guest_orders, 0) AS guest_orders,
       coalesce(n.new_orders, 0) AS new_customers, coalesce(n.returning_customers, 0) AS returning_customers,
       kpi.money(coalesce(n.new_cents, 0)) AS new_revenue, kpi.money(coalesce(n.returning_cents, 0)) AS returning_revenue
FROM kpi.days d LEFT JOIN public.new_vs_returning_days n ON n.day = d.day;
COMMENT ON COLUMN kpi.new_vs_returning_daily.new_revenue IS 'item subtotal - discounts of first orders, before refunds';

-- ------------------------------------------------------------------ helper
CREATE FUNCTION kpi.customer_orders_at(at timestamptz)
RETURNS TABLE (order_id text, customer_id text, placed_at timestamptz, day date, net_cents bigint, refund_cents bigint, value_cents bigint)
LANGUAGE sql STABLE SECURITY DEFINER
SET search_path = pg_catalog, public
AS $$
  SELECT o.order_id, o.customer_id, o.placed_at, kpi.local_day(o.placed_at),
         o.subtotal_cents - o.discount_cents,
         coalesce(r.refund_cents, 0)::bigint,
         (o.subtotal_cents - o.discount_cents - coalesce(r.refund_cents, 0))::bigint
  FROM public.orders o
  LEFT JOIN (SELECT x.order_id, sum(x.amount_cents) AS refund_cents FROM public.refunds x
             WHERE x.refunded_at < $1 GROUP BY x.order_id) r ON r.order_id = o.order_id
  WHERE o.status <> 'cancelled' AND NOT o.is_test AND o.customer_id IS NOT NULL AND o.placed_at < $1
$$;

CREATE FUNCTION kpi.clv_at(at timestamptz)
RETURNS TABLE (customers bigint, clv_historical numeric, cohort_customers bigint, clv_365d numeric, target numeric)
LANGUAGE sql STABLE SECURITY DEFINER
SET search_path = pg_catalog, public
AS $$
  -- customer_orders_at joins the refunds before `at` grouped per order: a per-order lookup would
  -- probe the refunds index of every chunk for every order.
  WITH o AS (
    SELECT co.customer_id, co.placed_at, co.value_cents,
           min(co.placed_at) OVER (PARTITION BY co.customer_id) AS first_at
    FROM kpi.customer_orders_at($1) co
  ), per AS (
    SELECT customer_id, first_at,
           sum(value_cents) AS lifetime_cents,
           sum(value_cents) FILTER (WHERE placed_at < first_at + make_interval(hours => 24 * 365)) AS first_year_cents
    FROM o GROUP BY customer_id, first_at
  )
  SELECT count(*),
         round(avg(lifetime_cents) / 100.0, 2),
         count(*) FILTER (WHERE first_at <= $1 - make_interval(hours => 24 * 365)),
         round(avg(first_year_cents) FILTER (WHERE first_at <= $1 - make_interval(hours => 24 * 365)) / 100.0, 2),
         kpi.catalog_value('clv', 'target')
  FROM per
$$;
CREATE VIEW kpi.clv AS SELECT * FROM kpi.clv_at(now());

-- The valid orders are read once: a customer's first valid order is the earliest one, and the
-- customer repeated when more than one of their valid orders falls within 90 days of it (the
-- first itself plus any other; orders at the same instant as the first count as another order).
-- Only customers whose first order is at least 90 days before `at` are eligible, so every order
-- that decides is already before `at`.
CREATE FUNCTION kpi.repeat_rate_90d_at(at timestamptz)
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
    FROM f JOIN v ON v.customer_id = f.customer_id AND v.placed_at <= f.first_at + make_interval(hours => 24 * 90)
    WHERE f.first_at <= $1 - make_interval(hours => 24 * 90)
    GROUP BY f.customer_id
  )
  SELECT count(*), count(*) FILTER (WHERE repeated),
         kpi.rate(count(*) FILTER (WHERE repeated), count(*)),
         kpi.catalog_value('repeat_rate_90d', 'target')
  FROM r
$$;
CREATE VIEW kpi.repeat_rate_90d AS SELECT * FROM kpi.repeat_rate_90d_at(now());

CREATE VIEW kpi.days_between_purchases AS
WITH g AS (
  SELECT customer_id, extract(epoch FROM (placed_at - prev_placed_at)) / 86400.0 AS gap_days
  FROM kpi.customer_orders WHERE prev_placed_at IS NOT NULL
)
SELECT count(*) AS gaps,
       count(DISTINCT customer_id) AS customers,
       round(avg(gap_days), 2) AS mean_days,
       round((percentile_cont(0.5) WITHIN GROUP (ORDER BY gap_days::float8))::numeric, 2) AS median_days
FROM g;

-- Reads the range's valid orders with a customer (public.customer_valid_orders, kept by a trigger
-- on orders) and the refunds of those orders (public.refund_orders by the order's placed_at, with
-- its customer), so the cost is the range's, not the history's. The top rows are picked before
-- names are joined; work_mem keeps a year's customers in one in-memory hash.
CREATE FUNCTION kpi.top_customers(from_ts timestamptz, to_ts timestamptz, max_rows int DEFAULT 10)
RETURNS TABLE (rank bigint, customer_id text, customer_name text, orders bigint, revenue numeric)
LANGUAGE sql STABLE SECURITY DEFINER
SET search_path = pg_catalog, public
SET work_mem = '64MB'
AS $$
  WITH o AS (
    SELECT x.customer_id, count(*) AS n, sum(x.net_cents) AS net
    FROM public.customer_valid_orders x
    WHERE x.placed_at >= $1 AND x.placed_at < $2
    GROUP BY x.customer_id
  ), r AS (
    SELECT x.customer_id, sum(x.amount_cents) AS refunds
    FROM public.refund_orders x
    WHERE x.order_valid AND x.customer_id IS NOT NULL AND x.placed_at >= $1 AND x.placed_at < $2
    GROUP BY x.customer_id
  ), t AS (
    SELECT o.customer_id, o.n, o.net - coalesce(r.refunds, 0) AS cents
    FROM o LEFT JOIN r ON r.customer_id = o.customer_id
    ORDER BY cents DESC, o.customer_id
    LIMIT $3
  )
  SELECT row_number() OVER (ORDER BY t.cents DESC, t.customer_id), t.customer_id, c.name, t.n, kpi.money(t.cents)
  FROM t LEFT JOIN public.customers c ON c.customer_id = t.customer_id
  ORDER BY t.cents DESC, t.customer_id
$$;

-- ------------------------------------------------------------------ cohorts and RFM segments
-- Cohort retention and RFM customer segments (docs/kpi-spec.md "Cohorts and segments"). Both
-- are "as of an instant": only orders placed and refunds issued before `at` count, months and
-- days are calendar units in the store's zone, and nothing depends on the session's settings.
-- A customer's net revenue from an order = item subtotal − discounts − refunds of that order
-- issued before `at`.


-- ------------------------------------------------------------------ cohort retention
-- One row per cohort (local calendar month of the first valid order) × month since (0 = the
-- cohort month itself) up to the month containing `at`, gap-free (0 where nobody ordered).
-- retention_rate = cohort customers with a valid order in that month ÷ cohort customers;
-- revenue_per_customer = that month's net revenue of the cohort ÷ cohort customers.
CREATE FUNCTION kpi.cohort_retention_at(at timestamptz)
RETURNS TABLE (cohort_month date, "time" timestamptz, months_since int, cohort_customers bigint, active_customers bigint,
               retention_rate numeric, revenue numeric, revenue_per_customer numeric, cumulative_revenue_per_customer numeric)
LANGUAGE sql STABLE SECURITY DEFINER
SET search_path = pg_catalog, public
AS $$
  WITH o AS (
    SELECT customer_id, date_trunc('month', day)::date AS month, value_cents FROM kpi.customer_orders_at($1)
  ), firsts AS (
    SELECT customer_id, min(month) AS cohort_month FROM o GROUP BY customer_id
  ), sizes AS (
    SELECT cohort_month, count(*) AS n FROM firsts GROUP BY cohort_month
  ), activity AS (
    SELECT f.cohort_month,
           ((extract(year FROM o.month) - extract(year FROM f.cohort_month)) * 12
            + extract(month FROM o.month) - extract(month FROM f.cohort_month))::int AS months_since,
           count(DISTINCT o.customer_id) AS active, sum(o.value_cents) AS cents
    FROM o JOIN firsts f USING (customer_id)
    GROUP BY 1, 2
  ), grid AS (
    SELECT s.cohort_month, s.n, g::int AS months_since
    FROM sizes s,
         generate_series(0, ((extract(year FROM kpi.local_day($1)) - extract(year FROM s.cohort_month)) * 12
                             + extract(month FROM kpi.local_day($1)) - extract(month FROM s.cohort_month))::int) AS g
  )
  SELECT g.cohort_month, kpi.day_start(g.cohort_month), g.months_since, g.n, coalesce(a.active, 0),
         kpi.rate(coalesce(a.active, 0), g.n),
         kpi.money(coalesce(a.cents, 0)),
         round(coalesce(a.cents, 0) / 100.0 / g.n, 2),
         round(sum(coalesce(a.cents, 0)) OVER (PARTITION BY g.cohort_month ORDER BY g.months_since) / 100.0 / g.n, 2)
  FROM grid g LEFT JOIN activity a ON a.cohort_month = g.cohort_month AND a.months_since = g.months_since
  ORDER BY g.cohort_month, g.months_since
$$;

CREATE VIEW kpi.cohort_retention AS SELECT * FROM kpi.cohort_retention_at(now());

-- ------------------------------------------------------------------ RFM segments
-- Customers with a valid order in the 365 × 24 h before `at`. recency_days = days from the last
-- valid order to `at`; frequency = valid orders; monetary = net revenue (lifetime, before `at`).
-- Scores 1..5 are quintiles by percent rank (1 + floor(5 × percent_rank), capped at 5), so equal
-- values share a score and the lowest value always scores 1: every one-order customer has F = 1.
-- R scores recent customers high. Named segments, first match wins: champions (R≥4, F≥4),
-- loyal (F≥4), new (F=1, R=5), at_risk (R≤2, F≥3), hibernating (R≤2, F≤2), others.
CREATE FUNCTION kpi.rfm_customers_at(at timestamptz)
RETURNS TABLE (customer_id text, customer_name text, recency_days numeric, frequency bigint, monetary numeric,
               r_score int, f_score int, m_score int, rfm text, segment text)
LANGUAGE sql STABLE SECURITY DEFINER
SET search_path = pg_catalog, public
AS $$
  WITH per AS (
    SELECT customer_id, max(placed_at) AS last_at, count(*) AS n, sum(value_cents) AS cents
    FROM kpi.customer_orders_at($1) GROUP BY customer_id
    HAVING max(placed_at) >= $1 - INTERVAL '365 days'
  ), scored AS (
    SELECT per.*, extract(epoch FROM ($1 - last_at)) / 86400.0 AS rec,
           least(5, 1 + floor(5 * percent_rank() OVER (ORDER BY last_at)))::int AS r,
           least(5, 1 + floor(5 * percent_rank() OVER (ORDER BY n)))::int AS f,
           least(5, 1 + floor(5 * percent_rank() OVER (ORDER BY cents)))::int AS m
    FROM per
  )
  SELECT s.customer_id, c.name, round(s.rec, 2), s.n, kpi.money(s.cents), s.r, s.f, s.m,
         s.r::text || s.f::text || s.m::text,
         CASE WHEN s.r >= 4 AND s.f >= 4 THEN 'champions'
              WHEN s.f >= 4 THEN 'loyal'
              WHEN s.f = 1 AND s.r = 5 THEN 'new'
              WHEN s.r <= 2 AND s.f >= 3 THEN 'at_risk'
              WHEN s.r <= 2 AND s.f <= 2 THEN 'hibernating'
              ELSE 'others' END
  FROM scored s LEFT JOIN public.customers c ON c.customer_id = s.customer_id
  ORDER BY s.cents DESC, s.customer_id
$$;

-- One row per named segment (all six, 0 where empty): customers, their share, net revenue
-- (lifetime, before `at`) and its share, mean recency and frequency.
CREATE FUNCTION kpi.rfm_segments_at(at timestamptz)
RETURNS TABLE (segment text, customers bigint, customer_share numeric, revenue numeric, revenue_share numeric,
               avg_recency_days numeric, avg_frequency numeric)
LANGUAGE sql STABLE SECURITY DEFINER
SET search_path = pg_catalog, public
AS $$
  WITH c AS (SELECT * FROM kpi.rfm_customers_at($1)),
  names AS (
    SELECT * FROM (VALUES (1, 'champions'), (2, 'loyal'), (3, 'new'), (4, 'at_risk'), (5, 'hibernating'), (6, 'others')) v(ord, segment)
  ), agg AS (
    SELECT segment, count(*) AS n, sum(monetary) AS rev, avg(recency_days) AS rec, avg(frequency) AS freq FROM c GROUP BY segment
  )
  SELECT n.segment, coalesce(a.n, 0), kpi.rate(coalesce(a.n, 0), (SELECT count(*) FROM c)),
         coalesce(a.rev, 0), kpi.rate(coalesce(a.rev, 0), (SELECT sum(monetary) FROM c)),
         round(a.rec, 2), round(a.freq, 2)
  FROM names n LEFT JOIN agg a ON a.segment = n.segment
  ORDER BY n.ord
$$;

CREATE VIEW kpi.rfm_customers AS SELECT * FROM kpi.rfm_customers_at(now());

CREATE VIEW kpi.rfm_segments AS SELECT * FROM kpi.rfm_segments_at(now());

-- ------------------------------------------------------------------ predictive CLV
-- BG/NBD (purchase count) and Gamma–Gamma (spend) are fitted once a day by the ETL
-- (etl/src/kpi/predictive/) into clv_fits / clv_predictions (migration 0073); these views read
-- the latest fit.

-- The latest fit: store-level expected revenue from today's customers in the next 12 months, its
-- mean per customer (clv_predictive_12m, the figure shown beside the historical CLV) and the
-- model parameters with the fit date.
CREATE VIEW kpi.clv_predictive AS
SELECT f.fit_date, f.calibration_end, f.fitted_at, f.horizon_days, f.customers, f.repeat_customers,
       round(sum(p.expected_purchases)::numeric, 2) AS expected_purchases_12m,
       kpi.money(sum(p.expected_clv_cents)::numeric) AS store_expected_clv_12m,
       round((avg(p.expected_clv_cents) / 100.0)::numeric, 2) AS clv_predictive_12m,
       round(avg(p.prob_alive)::numeric, 4) AS avg_prob_alive,
       round((sum(p.prob_alive))::numeric, 0)::bigint AS expected_active_customers,
       f.bg_r, f.bg_alpha, f.bg_a, f.bg_b, f.gg_p, f.gg_q, f.gg_gamma, f.bg_converged AND f.gg_converged AS converged,
       kpi.catalog_value('clv', 'target') AS target
FROM public.clv_fits f
JOIN public.clv_predictions p ON p.fit_id = f.fit_id
WHERE f.fit_id = (SELECT max(fit_id) FROM public.clv_fits WHERE fit_date = (SELECT max(fit_date) FROM public.clv_fits))
GROUP BY f.fit_id;

CREATE VIEW kpi.clv_predictive_customers AS
SELECT f.fit_date, p.customer_id, c.name AS customer_name, p.repeat_purchases + 1 AS purchases,
       round(p.recency_days::numeric, 2) AS recency_days, round(p.age_days::numeric, 2) AS age_days,
       round(p.prob_alive::numeric, 4) AS prob_alive,
       round(p.expected_purchases::numeric, 4) AS expected_purchases_12m,
       kpi.money(p.expected_avg_value_cents::numeric) AS expected_avg_value,
       kpi.money(p.expected_clv_cents::numeric) AS expected_clv_12m
FROM public.clv_predictions p
JOIN public.clv_fits f ON f.fit_id = p.fit_id
LEFT JOIN public.customers c ON c.customer_id = p.customer_id
WHERE f.fit_id = (SELECT max(fit_id) FROM public.clv_fits WHERE fit_date = (SELECT max(fit_date) FROM public.clv_fits));
