-- requires: helpers, snapshots
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

CREATE FUNCTION kpi.clv_live(at timestamptz)
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

-- The valid orders are read once: a customer's first valid order is the earliest one, and the
-- customer repeated when more than one of their valid orders falls within 90 days of it (the
-- first itself plus any other; orders at the same instant as the first count as another order).
-- Only customers whose first order is at least 90 days before `at` are eligible, so every order
-- that decides is already before `at`.
CREATE FUNCTION kpi.repeat_rate_90d_live(at timestamptz)
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

CREATE VIEW kpi.days_between_purchases_live AS
WITH g AS (
  SELECT customer_id, extract(epoch FROM (placed_at - prev_placed_at)) / 86400.0 AS gap_days
  FROM kpi.customer_orders WHERE prev_placed_at IS NOT NULL
)
SELECT count(*) AS gaps,
       count(DISTINCT customer_id) AS customers,
       round(avg(gap_days), 2) AS mean_days,
       round((percentile_cont(0.5) WITHIN GROUP (ORDER BY gap_days::float8))::numeric, 2) AS median_days
FROM g;

-- Reads the valid orders with a customer (public.customer_valid_orders, kept by a trigger on
-- orders) and the refunds of those orders (public.refund_orders by the order's placed_at, with its
-- customer). A customer's sums over the range are read either from the range's own rows or, when
-- the range covers most of the order history, as the lifetime totals
-- (public.customer_lifetime_totals) minus the rows outside the range: the same figures, at the
-- cost of the smaller side, so a year's ranking on a year of history reads almost nothing. The
-- side is chosen by time span, which never changes a value. The top rows are picked before names
-- are joined; dynamic SQL plans each call with its own bounds; work_mem keeps a year's customers
-- in one in-memory hash.
CREATE FUNCTION kpi.top_customers(from_ts timestamptz, to_ts timestamptz, max_rows int DEFAULT 10)
RETURNS TABLE (rank bigint, customer_id text, customer_name text, orders bigint, revenue numeric)
LANGUAGE plpgsql STABLE SECURITY DEFINER
SET search_path = pg_catalog, public
SET work_mem = '64MB'
AS $$
DECLARE
  first_at timestamptz := (SELECT min(x.placed_at) FROM public.customer_valid_orders x);
  last_at timestamptz := (SELECT max(x.placed_at) FROM public.customer_valid_orders x);
  inside interval;
  sums text;
BEGIN
  IF first_at IS NULL OR from_ts >= to_ts THEN
    RETURN;
  END IF;
  inside := greatest(least(to_ts, last_at) - greatest(from_ts, first_at), INTERVAL '0');
  -- A row outside costs about three read inside (an index probe and a correction per customer):
  -- the totals are used when the range covers over three quarters of the history.
  IF inside <= 3 * ((last_at - first_at) - inside) THEN
    sums := $q$
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
      )
      SELECT o.customer_id, o.n, o.net - coalesce(r.refunds, 0) AS cents
      FROM o LEFT JOIN r ON r.customer_id = o.customer_id$q$;
  ELSE
    -- Only the customers with an order outside the range (adj) differ from their lifetime totals.
    -- The others are read in lifetime order (customer_lifetime_totals_rank_idx), as many as the
    -- ranking can show plus one per adjusted customer: that holds the best unadjusted ones
    -- whichever customers adj moves. A full join (never a nested loop) puts the two together.
    sums := $q$
      WITH o AS (
        SELECT x.customer_id, count(*) AS n, sum(x.net_cents) AS net
        FROM (SELECT x.customer_id, x.net_cents FROM public.customer_valid_orders x WHERE x.placed_at < $1
              UNION ALL
              SELECT x.customer_id, x.net_cents FROM public.customer_valid_orders x WHERE x.placed_at >= $2) x
        GROUP BY x.customer_id
      ), r AS (
        SELECT x.customer_id, sum(x.amount_cents) AS refunds
        FROM (SELECT x.customer_id, x.amount_cents FROM public.refund_orders x
              WHERE x.order_valid AND x.customer_id IS NOT NULL AND x.placed_at < $1
              UNION ALL
              SELECT x.customer_id, x.amount_cents FROM public.refund_orders x
              WHERE x.order_valid AND x.customer_id IS NOT NULL AND x.placed_at >= $2) x
        GROUP BY x.customer_id
      ), adj AS MATERIALIZED (
        SELECT t.customer_id, t.orders - coalesce(o.n, 0) AS n,
               (t.net_cents - coalesce(o.net, 0)) - (t.refund_cents - coalesce(r.refunds, 0)) AS cents
        FROM o FULL JOIN r ON r.customer_id = o.customer_id
        JOIN public.customer_lifetime_totals t ON t.customer_id = coalesce(o.customer_id, r.customer_id)
      ), l AS (
        SELECT t.customer_id, t.orders AS n, t.net_cents - t.refund_cents AS cents
        FROM public.customer_lifetime_totals t
        WHERE t.orders > 0
        ORDER BY t.net_cents - t.refund_cents DESC, t.customer_id
        LIMIT $3 + (SELECT count(*) FROM adj)
      )
      SELECT coalesce(adj.customer_id, l.customer_id) AS customer_id, coalesce(adj.n, l.n) AS n,
             CASE WHEN adj.customer_id IS NOT NULL THEN adj.cents ELSE l.cents END AS cents
      FROM l FULL JOIN adj ON adj.customer_id = l.customer_id
      WHERE coalesce(adj.n, l.n) > 0$q$;
  END IF;
  RETURN QUERY EXECUTE format($q$
    WITH t AS (
      SELECT x.customer_id, x.n, x.cents::numeric AS cents FROM (%s) x
      ORDER BY x.cents DESC, x.customer_id
      LIMIT $3
    )
    -- a name probe per shown row: a join hashes every customer for a thousand-row ranking
    SELECT row_number() OVER (ORDER BY t.cents DESC, t.customer_id), t.customer_id,
           (SELECT c.name FROM public.customers c WHERE c.customer_id = t.customer_id), t.n, kpi.money(t.cents)
    FROM t
    ORDER BY t.cents DESC, t.customer_id$q$, sums)
  USING from_ts, to_ts, max_rows;
END
$$;

-- ------------------------------------------------------------------ cohorts and RFM segments
-- The named RFM segment of a recency and a frequency score (docs/kpi-spec.md "rfm_segment"):
-- the one rule for every reader, whole-population scoring and the lookup of given customers.
-- Plain SQL, immutable: inlined where it is called.
CREATE FUNCTION kpi.rfm_segment_name(r int, f int) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT CASE WHEN r >= 4 AND f >= 4 THEN 'champions'
              WHEN f >= 4 THEN 'loyal'
              WHEN f = 1 AND r = 5 THEN 'new'
              WHEN r <= 2 AND f >= 3 THEN 'at_risk'
              WHEN r <= 2 AND f <= 2 THEN 'hibernating'
              ELSE 'others' END
$$;

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
CREATE FUNCTION kpi.cohort_retention_live(at timestamptz)
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


-- ------------------------------------------------------------------ RFM segments
-- Customers with a valid order in the 365 × 24 h before `at`. recency_days = days from the last
-- valid order to `at`; frequency = valid orders; monetary = net revenue (lifetime, before `at`).
-- Scores 1..5 are quintiles by percent rank (1 + floor(5 × percent_rank), capped at 5), so equal
-- values share a score and the lowest value always scores 1: every one-order customer has F = 1.
-- R scores recent customers high. Named segments, first match wins: champions (R≥4, F≥4),
-- loyal (F≥4), new (F=1, R=5), at_risk (R≤2, F≥3), hibernating (R≤2, F≤2), others.
CREATE FUNCTION kpi.rfm_customers_live(at timestamptz)
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
         kpi.rfm_segment_name(s.r, s.f)
  FROM scored s LEFT JOIN public.customers c ON c.customer_id = s.customer_id
  ORDER BY s.cents DESC, s.customer_id
$$;

-- The named segment (and R, F scores) of the given customers as of `at`, the same as
-- rfm_customers_live(at) gives them (no row: not scored). A segment depends on R and F only, and
-- those on each member's last valid order and number of valid orders before `at`: both are read
-- from customer_order_summary (0131: per customer, now) for the customers with no valid order
-- since `at`, and recounted from customer_valid_orders (0101) for the few who ordered since; both
-- kept by triggers, so neither refunds nor the order chunks are read, and no snapshot window is
-- needed. Membership is the live definition's last_at >= at − '365 days' (in the session's zone,
-- as there). The scores are computed from counts: percent_rank = (members with a smaller value) ÷
-- (members − 1), 0 for a single member, taken in float8 exactly as the window function does.
-- The summary's members are not read one by one: customer_last_order_days (0190, kept from the
-- summary) counts them per local day of the last order × number of orders, so the window's whole
-- days are cell sums, and only its partial first day (from at − 365 days) and its last day (up to
-- `at`) are read from the summary by its last_at index. The members below a frequency are a
-- running sum over that histogram; the members with an earlier last order than a wanted customer
-- are those of the partial first day and of the whole days before its own day (a running sum per
-- day), the summary's members of its own day before it (an index read per day with wanted
-- customers, counted in one sort with them) and the recounted members before it (one sort).
CREATE FUNCTION kpi.rfm_segment_of_customers(at timestamptz, customer_ids text[])
RETURNS TABLE (customer_id text, r_score int, f_score int, segment text)
LANGUAGE sql STABLE SECURITY DEFINER
SET search_path = pg_catalog, public
SET work_mem = '64MB'
AS $$
  WITH b AS MATERIALIZED (
    -- the window [lo, at): its first day d_lo (whole days start at lo_end) and its last day d_at
    -- (from at_start), local days of the store as the grid counts them
    SELECT x.lo, x.d_lo, x.d_at, kpi.day_start(x.d_lo + 1) AS lo_end, kpi.day_start(x.d_at) AS at_start
    FROM (SELECT $1 - INTERVAL '365 days' AS lo, public.cart_created_day($1 - INTERVAL '365 days') AS d_lo,
                 public.cart_created_day($1) AS d_at) x
  ), since AS MATERIALIZED (
    -- customers with a valid order at or after `at`, and how many; not those whose first valid
    -- order (is_first, 0101) is among them: they had none before `at`
    SELECT v.customer_id, count(*) AS n_since FROM public.customer_valid_orders v WHERE v.placed_at >= $1
    GROUP BY v.customer_id HAVING NOT bool_or(v.is_first)
  ), recounted AS MATERIALIZED (
    -- their standing at `at`: the orders before it, and the last of them (one probe each)
    SELECT s.customer_id, t.orders - s.n_since AS n,
           (SELECT max(v.placed_at) FROM public.customer_valid_orders v WHERE v.customer_id = s.customer_id AND v.placed_at < $1) AS last_at
    FROM since s
    CROSS JOIN LATERAL (SELECT t.orders FROM public.customer_order_summary t WHERE t.customer_id = s.customer_id OFFSET 0) t
    WHERE t.orders > s.n_since
  ), rec_members AS (
    SELECT r.last_at, r.n FROM recounted r, b WHERE r.last_at >= b.lo
  ), edge AS MATERIALIZED (
    -- every other customer stands at `at` as now (customer_order_summary, 0131): its members on
    -- the partial first day and on the last day before `at`, by index
    SELECT t.last_at, t.orders AS n, true AS first_day FROM public.customer_order_summary t, b
    WHERE t.last_at >= b.lo AND t.last_at < b.lo_end
    UNION ALL
    SELECT t.last_at, t.orders, false FROM public.customer_order_summary t, b
    WHERE t.last_at >= b.at_start AND t.last_at < $1
  ), cells AS MATERIALIZED (
    -- and on the whole days between, counted (0190)
    SELECT g.day, g.orders AS n, g.customers AS k FROM public.customer_last_order_days g, b WHERE g.day > b.d_lo AND g.day < b.d_at
  ), hist AS (
    SELECT h.n, sum(h.k) AS k
    FROM (SELECT c.n, c.k FROM cells c UNION ALL SELECT e.n, 1 FROM edge e UNION ALL SELECT m.n, 1 FROM rec_members m) h
    GROUP BY h.n
  ), members AS (
    SELECT coalesce(sum(hist.k), 0) AS n FROM hist
  ), freq AS (
    SELECT h.n, coalesce(sum(h.k) OVER (ORDER BY h.n ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0) AS below FROM hist h
  ), w AS MATERIALIZED (
    -- the wanted members, each looked up by id, and the local day of their last order
    SELECT i.id AS customer_id, coalesce(r.last_at, t.last_at) AS last_at, coalesce(r.n, t.orders) AS n,
           public.cart_created_day(coalesce(r.last_at, t.last_at)) AS day
    FROM (SELECT DISTINCT x.id FROM unnest($2) x(id)) i
    LEFT JOIN recounted r ON r.customer_id = i.id
    LEFT JOIN LATERAL (SELECT t.last_at, t.orders FROM public.customer_order_summary t
                       WHERE t.customer_id = i.id AND t.last_at < $1 OFFSET 0) t ON true
    WHERE coalesce(r.last_at, t.last_at) >= (SELECT b.lo FROM b)
  ), first_day AS (
    SELECT count(*) AS n FROM edge e WHERE e.first_day
  ), day_below AS (
    -- members on the whole days before each wanted day: a running sum over the days, each
    -- wanted day placed before the cells of its own day
    SELECT u.day, u.below FROM (
      SELECT x.day, x.wanted, sum(x.k) OVER (ORDER BY x.day, x.wanted DESC ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS below
      FROM (SELECT c.day, c.k, 0 AS wanted FROM cells c UNION ALL SELECT DISTINCT w.day, 0::bigint, 1 FROM w) x
    ) u WHERE u.wanted = 1
  ), own_below AS (
    -- the summary's members of a wanted customer's own day (from lo on the first day) before it:
    -- per wanted day, its members up to the latest wanted instant, by index, counted in one sort
    -- with the wanted, each wanted row placed before the members of its own instant
    SELECT u.customer_id, u.below FROM (
      SELECT x.customer_id, x.wanted,
             sum(1 - x.wanted) OVER (PARTITION BY x.day ORDER BY x.last_at, x.wanted DESC ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS below
      FROM (SELECT NULL::text AS customer_id, d.day, t.last_at, 0 AS wanted
            FROM (SELECT w.day, max(w.last_at) AS upto FROM w GROUP BY w.day) d
            CROSS JOIN b
            CROSS JOIN LATERAL (SELECT t.last_at FROM public.customer_order_summary t
                                WHERE t.last_at >= greatest(b.lo, kpi.day_start(d.day)) AND t.last_at < d.upto OFFSET 0) t
            UNION ALL SELECT w.customer_id, w.day, w.last_at, 1 FROM w) x
    ) u WHERE u.wanted = 1
  ), rec_below AS (
    -- the recounted members before it: a running count over them and the wanted in one sort
    SELECT u.customer_id, u.below FROM (
      SELECT x.customer_id, x.wanted, sum(1 - x.wanted) OVER (ORDER BY x.last_at, x.wanted DESC ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS below
      FROM (SELECT NULL::text AS customer_id, m.last_at, 0 AS wanted FROM rec_members m
            UNION ALL SELECT w.customer_id, w.last_at, 1 FROM w) x
    ) u WHERE u.wanted = 1
  ), wanted AS (
    SELECT w.customer_id,
           ob.below + rb.below + CASE WHEN w.day > b.d_lo THEN fd.n + coalesce(db.below, 0) ELSE 0 END AS r_below,
           f.below AS f_below, m.n AS members
    FROM w
    CROSS JOIN b CROSS JOIN first_day fd CROSS JOIN members m
    JOIN own_below ob ON ob.customer_id = w.customer_id
    JOIN rec_below rb ON rb.customer_id = w.customer_id
    LEFT JOIN day_below db ON db.day = w.day
    JOIN freq f ON f.n = w.n
  ), scored AS (
    SELECT w.customer_id,
           least(5, 1 + floor(5 * CASE WHEN w.members <= 1 THEN 0::float8 ELSE w.r_below::float8 / (w.members - 1)::float8 END))::int AS r,
           least(5, 1 + floor(5 * CASE WHEN w.members <= 1 THEN 0::float8 ELSE w.f_below::float8 / (w.members - 1)::float8 END))::int AS f
    FROM wanted w
  )
  SELECT s.customer_id, s.r, s.f,
         kpi.rfm_segment_name(s.r, s.f)
  FROM scored s
$$;

-- One row per named segment (all six, 0 where empty): customers, their share, net revenue
-- (lifetime, before `at`) and its share, mean recency and frequency.
CREATE FUNCTION kpi.rfm_segments_live(at timestamptz)
RETURNS TABLE (segment text, customers bigint, customer_share numeric, revenue numeric, revenue_share numeric,
               avg_recency_days numeric, avg_frequency numeric)
LANGUAGE sql STABLE SECURITY DEFINER
SET search_path = pg_catalog, public
AS $$
  WITH c AS (SELECT * FROM kpi.rfm_customers_live($1)),
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


-- ------------------------------------------------------------------ "as of now" from snapshots
-- The *_live functions above are the definitions. The ETL stores their output (kpi.refresh_snapshots,
-- sql/views/snapshots.sql) for windows of instants over which the answer cannot change while no
-- order, refund or customer row changes; each *_at(at) below returns the stored rows when a window
-- is exact for `at` (kpi.snapshot_window) and computes live otherwise. The live branch sits under a
-- one-time filter on that window, so it is not executed when the snapshot answers.
-- Validity windows: every function reading kpi.customer_orders_at changes at each order placement
-- and refund issue (kpi.order_refund_validity); besides, RFM membership ends 365 days after a
-- customer's last order, the CLV cohort gains a customer 365 × 24 h after a first order, the
-- 90-day repeat rate gains an eligible customer 90 × 24 h after a first order, and the cohort grid
-- grows at each local month start. Columns that move continuously with the instant
-- (recency_days, avg_recency_days) are not stored as values: they are computed at read time for
-- `at` from the stored last-order instants, so they are exact to the microsecond rather than
-- as old as the snapshot (a max age cannot make a 0.01-day rounding safe: it flips every 14.4
-- minutes for some customer).

-- RFM: membership is last_at >= at − '365 days' in the session's zone; the window ends are the
-- instants 365 days after the members' last orders. Where the zone's offset changes near the
-- window or its image a year before (a DST change), that inversion is not exact: no window
-- (empty range, read live). Windows are also capped at ± 15 days so one cannot span two changes.
CREATE FUNCTION kpi.rfm_validity(at timestamptz) RETURNS tstzrange
LANGUAGE sql STABLE SECURITY DEFINER
SET search_path = pg_catalog, public
AS $$
  WITH b AS (
    SELECT max(placed_at) + INTERVAL '365 days' AS b FROM kpi.customer_orders_at($1) GROUP BY customer_id
  ), w AS (
    SELECT kpi.order_refund_validity($1)
           * tstzrange((SELECT max(b) FROM b WHERE b < $1) + INTERVAL '1 microsecond',
                       (SELECT min(b) FROM b WHERE b >= $1) + INTERVAL '1 microsecond', '[)')
           * tstzrange($1 - INTERVAL '15 days', $1 + INTERVAL '15 days', '[)') AS r
  )
  SELECT CASE WHEN (SELECT count(DISTINCT extract(timezone FROM x))
                    FROM unnest(ARRAY[lower(r) - INTERVAL '2 hours', upper(r) + INTERVAL '2 hours',
                                      lower(r) - INTERVAL '2 hours' - INTERVAL '365 days', upper(r) + INTERVAL '2 hours' - INTERVAL '365 days']) x) = 1
              THEN r ELSE 'empty'::tstzrange END
  FROM w
$$;

-- The stored RFM rows: the live output with each customer's last valid order instant before `at`.
CREATE FUNCTION kpi.rfm_customers_fill(at timestamptz)
RETURNS TABLE (ord bigint, customer_id text, customer_name text, last_at timestamptz, frequency bigint, monetary numeric,
               r_score int, f_score int, m_score int, rfm text, segment text)
LANGUAGE sql STABLE SECURITY DEFINER
SET search_path = pg_catalog, public
AS $$
  SELECT l.ord, l.customer_id, l.customer_name, p.last_at, l.frequency, l.monetary, l.r_score, l.f_score, l.m_score, l.rfm, l.segment
  FROM kpi.rfm_customers_live($1) WITH ORDINALITY
         l(customer_id, customer_name, recency_days, frequency, monetary, r_score, f_score, m_score, rfm, segment, ord)
  JOIN (SELECT co.customer_id, max(co.placed_at) AS last_at FROM kpi.customer_orders_at($1) co GROUP BY co.customer_id) p
    ON p.customer_id = l.customer_id
$$;

CREATE FUNCTION kpi.rfm_customers_at(at timestamptz)
RETURNS TABLE (customer_id text, customer_name text, recency_days numeric, frequency bigint, monetary numeric,
               r_score int, f_score int, m_score int, rfm text, segment text)
LANGUAGE sql STABLE SECURITY DEFINER
SET search_path = pg_catalog, public
AS $$
  WITH w AS MATERIALIZED (SELECT kpi.snapshot_window('rfm_customers', $1) AS id)
  (SELECT s.customer_id, s.customer_name, round(extract(epoch FROM ($1 - s.last_at)) / 86400.0, 2), s.frequency, s.monetary,
          s.r_score, s.f_score, s.m_score, s.rfm, s.segment
   FROM public.kpi_snapshot_rfm_customers s WHERE s.window_id = (SELECT id FROM w) ORDER BY s.ord)
  UNION ALL
  (SELECT * FROM kpi.rfm_customers_live($1) WHERE (SELECT id FROM w) IS NULL)
$$;

-- avg_recency_days for any instant A of the window: a member's recency_days × 100 is
-- round half up of (A − last_at) in µs ÷ 864e6, i.e. floor((A − M) ÷ 864e6) with M = last_at µs − 432e6.
-- With A = 864e6·qA + rA and M = 864e6·q + r (0 ≤ r < 864e6), that is qA − q − [r > rA]; summed over
-- the n members of a segment: n·qA − Σq − #{r > rA}, the count found by width_bucket in the
-- sorted r values. The mean is then rounded as avg(recency_days) is: the same exact rational.
CREATE FUNCTION kpi.rfm_segments_fill(at timestamptz)
RETURNS TABLE (ord bigint, segment text, customers bigint, customer_share numeric, revenue numeric, revenue_share numeric,
               avg_frequency numeric, recency_steps numeric, recency_rests bigint[])
LANGUAGE sql STABLE SECURITY DEFINER
SET search_path = pg_catalog, public
AS $$
  -- The members' last orders come from the rfm_customers window of the same instant when the
  -- refresh has just stored it (it runs first), else from its fill function.
  WITH w AS MATERIALIZED (SELECT kpi.snapshot_window('rfm_customers', $1) AS id),
  members AS (
    SELECT s.segment, s.last_at FROM public.kpi_snapshot_rfm_customers s WHERE s.window_id = (SELECT id FROM w)
    UNION ALL
    SELECT f.segment, f.last_at FROM kpi.rfm_customers_fill($1) f WHERE (SELECT id FROM w) IS NULL
  ), c AS (
    SELECT f.segment, (extract(epoch FROM f.last_at) * 1000000)::bigint - 432000000 AS m FROM members f
  ), r AS (
    SELECT c.segment, sum(c.m / 864000000)::numeric AS steps, array_agg(c.m % 864000000 ORDER BY c.m % 864000000) AS rests
    FROM c GROUP BY c.segment
  )
  SELECT l.ord, l.segment, l.customers, l.customer_share, l.revenue, l.revenue_share, l.avg_frequency, r.steps, r.rests
  FROM kpi.rfm_segments_live($1) WITH ORDINALITY
         l(segment, customers, customer_share, revenue, revenue_share, avg_recency_days, avg_frequency, ord)
  LEFT JOIN r ON r.segment = l.segment
$$;

CREATE FUNCTION kpi.rfm_segments_at(at timestamptz)
RETURNS TABLE (segment text, customers bigint, customer_share numeric, revenue numeric, revenue_share numeric,
               avg_recency_days numeric, avg_frequency numeric)
LANGUAGE sql STABLE SECURITY DEFINER
SET search_path = pg_catalog, public
AS $$
  WITH w AS MATERIALIZED (SELECT kpi.snapshot_window('rfm_segments', $1) AS id),
  a AS (SELECT (extract(epoch FROM $1) * 1000000)::bigint AS us)
  (SELECT s.segment, s.customers, s.customer_share, s.revenue, s.revenue_share,
          round((s.customers * (a.us / 864000000) - s.recency_steps
                 - (s.customers - width_bucket(a.us % 864000000, s.recency_rests))) / 100.0 / NULLIF(s.customers, 0), 2),
          s.avg_frequency
   FROM public.kpi_snapshot_rfm_segments s, a WHERE s.window_id = (SELECT id FROM w) ORDER BY s.ord)
  UNION ALL
  (SELECT * FROM kpi.rfm_segments_live($1) WHERE (SELECT id FROM w) IS NULL)
$$;

CREATE VIEW kpi.rfm_customers AS SELECT * FROM kpi.rfm_customers_at(now());

CREATE VIEW kpi.rfm_segments AS SELECT * FROM kpi.rfm_segments_at(now());

-- Cohort retention: the grid runs to the local month of `at`.
CREATE FUNCTION kpi.cohort_retention_validity(at timestamptz) RETURNS tstzrange
LANGUAGE sql STABLE SECURITY DEFINER
SET search_path = pg_catalog, public
AS $$
  SELECT kpi.order_refund_validity($1)
         * tstzrange(kpi.day_start(date_trunc('month', kpi.local_day($1)::timestamp)::date),
                     kpi.day_start((date_trunc('month', kpi.local_day($1)::timestamp) + INTERVAL '1 month')::date), '[)')
$$;

CREATE FUNCTION kpi.cohort_retention_fill(at timestamptz)
RETURNS TABLE (ord bigint, cohort_month date, "time" timestamptz, months_since int, cohort_customers bigint, active_customers bigint,
               retention_rate numeric, revenue numeric, revenue_per_customer numeric, cumulative_revenue_per_customer numeric)
LANGUAGE sql STABLE SECURITY DEFINER
SET search_path = pg_catalog, public
AS $$
  SELECT l.ord, l.cohort_month, l."time", l.months_since, l.cohort_customers, l.active_customers, l.retention_rate, l.revenue,
         l.revenue_per_customer, l.cumulative_revenue_per_customer
  FROM kpi.cohort_retention_live($1) WITH ORDINALITY
         l(cohort_month, "time", months_since, cohort_customers, active_customers, retention_rate, revenue, revenue_per_customer,
           cumulative_revenue_per_customer, ord)
$$;

CREATE FUNCTION kpi.cohort_retention_at(at timestamptz)
RETURNS TABLE (cohort_month date, "time" timestamptz, months_since int, cohort_customers bigint, active_customers bigint,
               retention_rate numeric, revenue numeric, revenue_per_customer numeric, cumulative_revenue_per_customer numeric)
LANGUAGE sql STABLE SECURITY DEFINER
SET search_path = pg_catalog, public
AS $$
  WITH w AS MATERIALIZED (SELECT kpi.snapshot_window('cohort_retention', $1) AS id)
  (SELECT s.cohort_month, s."time", s.months_since, s.cohort_customers, s.active_customers, s.retention_rate, s.revenue,
          s.revenue_per_customer, s.cumulative_revenue_per_customer
   FROM public.kpi_snapshot_cohort_retention s WHERE s.window_id = (SELECT id FROM w) ORDER BY s.ord)
  UNION ALL
  (SELECT * FROM kpi.cohort_retention_live($1) WHERE (SELECT id FROM w) IS NULL)
$$;

CREATE VIEW kpi.cohort_retention AS SELECT * FROM kpi.cohort_retention_at(now());

-- CLV: a customer joins the 365-day cohorts 365 × 24 h after their first valid order.
CREATE FUNCTION kpi.clv_validity(at timestamptz) RETURNS tstzrange
LANGUAGE sql STABLE SECURITY DEFINER
SET search_path = pg_catalog, public
AS $$
  WITH f AS (
    SELECT min(co.placed_at) + make_interval(hours => 24 * 365) AS c FROM kpi.customer_orders_at($1) co GROUP BY co.customer_id
  )
  SELECT kpi.order_refund_validity($1) * tstzrange((SELECT max(c) FROM f WHERE c <= $1), (SELECT min(c) FROM f WHERE c > $1), '[)')
$$;

CREATE FUNCTION kpi.clv_fill(at timestamptz)
RETURNS TABLE (customers bigint, clv_historical numeric, cohort_customers bigint, clv_365d numeric, target numeric)
LANGUAGE sql STABLE SECURITY DEFINER
SET search_path = pg_catalog, public
AS $$ SELECT * FROM kpi.clv_live($1) $$;

CREATE FUNCTION kpi.clv_at(at timestamptz)
RETURNS TABLE (customers bigint, clv_historical numeric, cohort_customers bigint, clv_365d numeric, target numeric)
LANGUAGE sql STABLE SECURITY DEFINER
SET search_path = pg_catalog, public
AS $$
  WITH w AS MATERIALIZED (SELECT kpi.snapshot_window('clv', $1) AS id)
  SELECT s.customers, s.clv_historical, s.cohort_customers, s.clv_365d, s.target
  FROM public.kpi_snapshot_clv s WHERE s.window_id = (SELECT id FROM w)
  UNION ALL
  SELECT * FROM kpi.clv_live($1) WHERE (SELECT id FROM w) IS NULL
$$;

CREATE VIEW kpi.clv AS SELECT * FROM kpi.clv_at(now());

-- Repeat rate: reads every valid order whatever `at` (see repeat_rate_90d_live); a customer
-- becomes eligible 90 × 24 h after their first valid order.
CREATE FUNCTION kpi.repeat_rate_90d_validity(at timestamptz) RETURNS tstzrange
LANGUAGE sql STABLE SECURITY DEFINER
SET search_path = pg_catalog, public
AS $$
  WITH f AS (
    SELECT min(o.placed_at) + make_interval(hours => 24 * 90) AS c FROM public.orders o
    WHERE o.customer_id IS NOT NULL AND o.status <> 'cancelled' AND NOT o.is_test
    GROUP BY o.customer_id
  )
  SELECT tstzrange((SELECT max(c) FROM f WHERE c <= $1), (SELECT min(c) FROM f WHERE c > $1), '[)')
$$;

CREATE FUNCTION kpi.repeat_rate_90d_fill(at timestamptz)
RETURNS TABLE (eligible_customers bigint, repeat_customers bigint, repeat_rate_90d numeric, target numeric)
LANGUAGE sql STABLE SECURITY DEFINER
SET search_path = pg_catalog, public
AS $$ SELECT * FROM kpi.repeat_rate_90d_live($1) $$;

CREATE FUNCTION kpi.repeat_rate_90d_at(at timestamptz)
RETURNS TABLE (eligible_customers bigint, repeat_customers bigint, repeat_rate_90d numeric, target numeric)
LANGUAGE sql STABLE SECURITY DEFINER
SET search_path = pg_catalog, public
AS $$
  WITH w AS MATERIALIZED (SELECT kpi.snapshot_window('repeat_rate_90d', $1) AS id)
  SELECT s.eligible_customers, s.repeat_customers, s.repeat_rate_90d, s.target
  FROM public.kpi_snapshot_repeat_rate_90d s WHERE s.window_id = (SELECT id FROM w)
  UNION ALL
  SELECT * FROM kpi.repeat_rate_90d_live($1) WHERE (SELECT id FROM w) IS NULL
$$;

CREATE VIEW kpi.repeat_rate_90d AS SELECT * FROM kpi.repeat_rate_90d_at(now());

-- Days between purchases does not depend on the instant: one window for every instant.
CREATE FUNCTION kpi.days_between_purchases_fill(at timestamptz)
RETURNS TABLE (gaps bigint, customers bigint, mean_days numeric, median_days numeric)
LANGUAGE sql STABLE SECURITY DEFINER
SET search_path = pg_catalog, public
AS $$ SELECT * FROM kpi.days_between_purchases_live $$;

-- The live branch goes through the fill function: a function scan is planned in no time, the
-- inlined view over every order chunk cost ~10 ms of planning on each read even when not executed.
CREATE VIEW kpi.days_between_purchases AS
WITH w AS MATERIALIZED (SELECT kpi.snapshot_window('days_between_purchases', now()) AS id)
SELECT s.gaps, s.customers, s.mean_days, s.median_days
FROM public.kpi_snapshot_days_between_purchases s WHERE s.window_id = (SELECT id FROM w)
UNION ALL
SELECT * FROM kpi.days_between_purchases_fill(now()) WHERE (SELECT id FROM w) IS NULL;

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
