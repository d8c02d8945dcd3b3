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
CREATE VIEW kpi.new_vs_returning_daily AS
WITH c AS (
  SELECT day,
         count(*) FILTER (WHERE seq = 1) AS new_orders,
         count(*) FILTER (WHERE seq > 1) AS returning_orders,
         count(*) FILTER (WHERE customer_id IS NULL) AS guest_orders,
         count(DISTINCT customer_id) FILTER (WHERE seq = 1) AS new_customers,
         count(DISTINCT customer_id) FILTER (WHERE seq > 1) AS returning_customers,
         sum(net_cents) FILTER (WHERE seq = 1) AS new_cents,
         sum(net_cents) FILTER (WHERE seq > 1) AS returning_cents
  FROM kpi.customer_orders GROUP BY day
)
SELECT d.time, d.day,
       coalesce(c.new_orders, 0) AS new_orders, coalesce(c.returning_orders, 0) AS returning_orders,
       coalesce(c.guest_orders, 0) AS guest_orders,
       coalesce(c.new_customers, 0) AS new_customers, coalesce(c.returning_customers, 0) AS returning_customers,
       kpi.money(coalesce(c.new_cents, 0)) AS new_revenue, kpi.money(coalesce(c.returning_cents, 0)) AS returning_revenue
FROM kpi.days d LEFT JOIN c ON c.day = d.day;
COMMENT ON COLUMN kpi.new_vs_returning_daily.new_revenue IS 'item subtotal - discounts of first orders, before refunds';

CREATE FUNCTION kpi.clv_at(at timestamptz)
RETURNS TABLE (customers bigint, clv_historical numeric, cohort_customers bigint, clv_365d numeric, target numeric)
LANGUAGE sql STABLE SECURITY DEFINER
SET search_path = pg_catalog, public
AS $$
  WITH o AS (
    SELECT co.customer_id, co.placed_at,
           co.net_cents - coalesce((SELECT sum(r.amount_cents) FROM public.refunds r
                                    WHERE r.order_id = co.order_id AND r.refunded_at < $1), 0) AS value_cents,
           min(co.placed_at) OVER (PARTITION BY co.customer_id) AS first_at
    FROM kpi.customer_orders co WHERE co.customer_id IS NOT NULL AND co.placed_at < $1
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

CREATE FUNCTION kpi.top_customers(from_ts timestamptz, to_ts timestamptz, max_rows int DEFAULT 10)
RETURNS TABLE (rank bigint, customer_id text, customer_name text, orders bigint, revenue numeric)
LANGUAGE sql STABLE SECURITY DEFINER
SET search_path = pg_catalog, public
AS $$
  WITH t AS (
    SELECT o.customer_id, count(*) AS n, sum(o.value_cents) AS cents
    FROM kpi.customer_orders o
    WHERE o.customer_id IS NOT NULL AND o.placed_at >= $1 AND o.placed_at < $2
    GROUP BY o.customer_id
  )
  SELECT row_number() OVER (ORDER BY t.cents DESC, t.customer_id), t.customer_id, c.name, t.n, kpi.money(t.cents)
  FROM t LEFT JOIN public.customers c ON c.customer_id = t.customer_id
  ORDER BY t.cents DESC, t.customer_id
  LIMIT $3
$$;
