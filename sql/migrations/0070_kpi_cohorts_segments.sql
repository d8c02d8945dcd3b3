-- KPI layer: cohort retention and RFM customer segments (KPI-SPEC "Cohorts and segments").
-- Both are "as of an instant": only orders placed and refunds issued before `at` count, months and
-- days are calendar units in the store's zone, and nothing depends on the session's settings.
-- A customer's net revenue from an order = item subtotal − discounts − refunds of that order
-- issued before `at`.

-- ------------------------------------------------------------------ helper
-- object: kpi.customer_orders_at  family: customers  roles: internal (used by the functions below)  mgr drops: none
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

-- ------------------------------------------------------------------ cohort retention
-- object: kpi.cohort_retention_at  family: customers  roles: adm,mgr  mgr drops: none
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

-- object: kpi.cohort_retention  family: customers  roles: adm,mgr  mgr drops: none
CREATE VIEW kpi.cohort_retention AS SELECT * FROM kpi.cohort_retention_at(now());

-- ------------------------------------------------------------------ RFM segments
-- object: kpi.rfm_customers_at  family: customers  roles: adm,mgr  mgr drops: none
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

-- object: kpi.rfm_segments_at  family: customers  roles: adm,mgr  mgr drops: none
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

-- object: kpi.rfm_customers  family: customers  roles: adm,mgr  mgr drops: none
CREATE VIEW kpi.rfm_customers AS SELECT * FROM kpi.rfm_customers_at(now());
-- object: kpi.rfm_segments  family: customers  roles: adm,mgr  mgr drops: none
CREATE VIEW kpi.rfm_segments AS SELECT * FROM kpi.rfm_segments_at(now());

-- ------------------------------------------------------------------ role schemas (as 0012/0015)
CREATE VIEW adm.cohort_retention AS SELECT * FROM kpi.cohort_retention;
CREATE VIEW mgr.cohort_retention AS SELECT * FROM kpi.cohort_retention;
CREATE VIEW adm.rfm_customers AS SELECT * FROM kpi.rfm_customers;
CREATE VIEW mgr.rfm_customers AS SELECT * FROM kpi.rfm_customers;
CREATE VIEW adm.rfm_segments AS SELECT * FROM kpi.rfm_segments;
CREATE VIEW mgr.rfm_segments AS SELECT * FROM kpi.rfm_segments;

CREATE FUNCTION adm.cohort_retention_at(at timestamptz)
RETURNS TABLE (cohort_month date, "time" timestamptz, months_since int, cohort_customers bigint, active_customers bigint,
               retention_rate numeric, revenue numeric, revenue_per_customer numeric, cumulative_revenue_per_customer numeric)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, public
AS $$ SELECT * FROM kpi.cohort_retention_at($1) $$;
CREATE FUNCTION mgr.cohort_retention_at(at timestamptz)
RETURNS TABLE (cohort_month date, "time" timestamptz, months_since int, cohort_customers bigint, active_customers bigint,
               retention_rate numeric, revenue numeric, revenue_per_customer numeric, cumulative_revenue_per_customer numeric)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, public
AS $$ SELECT * FROM kpi.cohort_retention_at($1) $$;

CREATE FUNCTION adm.rfm_customers_at(at timestamptz)
RETURNS TABLE (customer_id text, customer_name text, recency_days numeric, frequency bigint, monetary numeric,
               r_score int, f_score int, m_score int, rfm text, segment text)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, public
AS $$ SELECT * FROM kpi.rfm_customers_at($1) $$;
CREATE FUNCTION mgr.rfm_customers_at(at timestamptz)
RETURNS TABLE (customer_id text, customer_name text, recency_days numeric, frequency bigint, monetary numeric,
               r_score int, f_score int, m_score int, rfm text, segment text)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, public
AS $$ SELECT * FROM kpi.rfm_customers_at($1) $$;

CREATE FUNCTION adm.rfm_segments_at(at timestamptz)
RETURNS TABLE (segment text, customers bigint, customer_share numeric, revenue numeric, revenue_share numeric,
               avg_recency_days numeric, avg_frequency numeric)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, public
AS $$ SELECT * FROM kpi.rfm_segments_at($1) $$;
CREATE FUNCTION mgr.rfm_segments_at(at timestamptz)
RETURNS TABLE (segment text, customers bigint, customer_share numeric, revenue numeric, revenue_share numeric,
               avg_recency_days numeric, avg_frequency numeric)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, public
AS $$ SELECT * FROM kpi.rfm_segments_at($1) $$;

REVOKE ALL ON ALL FUNCTIONS IN SCHEMA adm, mgr FROM PUBLIC;
GRANT SELECT ON ALL TABLES IN SCHEMA adm TO kpi_admin;
GRANT SELECT ON ALL TABLES IN SCHEMA mgr TO kpi_manager;
GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA adm TO kpi_admin;
GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA mgr TO kpi_manager;
