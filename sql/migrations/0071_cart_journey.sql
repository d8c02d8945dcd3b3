-- Abandoned-cart journey (KPI-SPEC "Abandoned-cart recovery": recovery_by_segment, recovery_roi
-- for a range) and the products in abandoned and recovered carts. Two raw tables: a cart's lines
-- (what was in it) and every recovery email sent for it (step 1/2/3 with open and click times), as
-- an email platform's flow events report them. Carts loaded without per-email rows still count
-- with the one email the cart row names (carts.recovery_email_sent_at / recovery_campaign_id).

-- ------------------------------------------------------------------ raw tables
-- object: public.cart_lines  family: recovery (raw table)  roles: none (raw)  mgr drops: n/a
CREATE TABLE cart_lines (
  cart_id              text NOT NULL,
  line_no              integer NOT NULL,
  created_at           timestamptz NOT NULL, -- the cart's created_at (partitioning column)
  sku                  text NOT NULL,
  quantity             integer NOT NULL CHECK (quantity > 0),
  unit_price_cents     bigint NOT NULL CHECK (unit_price_cents >= 0),
  line_subtotal_cents  bigint NOT NULL CHECK (line_subtotal_cents >= 0),
  source               text NOT NULL,
  source_id            text NOT NULL,
  UNIQUE (cart_id, line_no, created_at)
);
SELECT create_hypertable('cart_lines', by_range('created_at', INTERVAL '7 days'));
CREATE INDEX cart_lines_cart_idx ON cart_lines (cart_id);

-- object: public.cart_recovery_emails  family: recovery (raw table)  roles: none (raw)  mgr drops: n/a
CREATE TABLE cart_recovery_emails (
  cart_id      text NOT NULL,
  step         smallint NOT NULL CHECK (step >= 1),
  sent_at      timestamptz NOT NULL,
  campaign_id  text,
  opened_at    timestamptz,
  clicked_at   timestamptz,
  source       text NOT NULL,
  source_id    text NOT NULL,
  UNIQUE (cart_id, step, sent_at)
);
SELECT create_hypertable('cart_recovery_emails', by_range('sent_at', INTERVAL '30 days'));
CREATE INDEX cart_recovery_emails_cart_idx ON cart_recovery_emails (cart_id);
REVOKE ALL ON cart_lines, cart_recovery_emails FROM PUBLIC;

-- ------------------------------------------------------------------ emails per cart
-- object: kpi.cart_recovery_email_events  family: recovery  roles: internal  mgr drops: n/a
CREATE VIEW kpi.cart_recovery_email_events AS
SELECT e.cart_id, e.step, e.campaign_id, e.sent_at, e.opened_at, e.clicked_at
FROM public.cart_recovery_emails e
UNION ALL
SELECT c.cart_id, coalesce(k.recovery_step, 1)::smallint, c.recovery_campaign_id, c.recovery_email_sent_at, NULL::timestamptz, NULL::timestamptz
FROM public.carts c
LEFT JOIN public.campaigns k ON k.campaign_id = c.recovery_campaign_id
WHERE c.recovery_email_sent_at IS NOT NULL
  AND NOT EXISTS (SELECT 1 FROM public.cart_recovery_emails e WHERE e.cart_id = c.cart_id);

-- ------------------------------------------------------------------ one row per cart
-- object: kpi.cart_journey_carts  family: recovery  roles: internal  mgr drops: n/a
-- Carts created in [from_ts, to_ts), as known at to_ts: only emails sent, opens, clicks and
-- orders before to_ts count. A cart is abandoned 60 minutes after its last activity unless it
-- converted before that (a cart that was sent a recovery email was abandoned by then at the
-- latest). Recovered = abandoned, marked recovered by email, and its valid order placed before
-- to_ts; the recovering email is the last one sent before the order. customer_type is the
-- customer's standing when the cart was created: returning with an earlier valid order, new
-- without, guest without a customer.
CREATE FUNCTION kpi.cart_journey_carts(from_ts timestamptz, to_ts timestamptz)
RETURNS TABLE (cart_id text, created_at timestamptz, customer_id text, customer_type text, subtotal_cents bigint,
               abandoned_at timestamptz, sent1_at timestamptz, sent2_at timestamptz, sent3_at timestamptz,
               first_sent_at timestamptz, first_opened_at timestamptz, opened_after_sent_at timestamptz,
               first_clicked_at timestamptz, recovered boolean, recovered_at timestamptz, recovered_cents bigint,
               recovered_step smallint, recovered_campaign_id text, order_id text)
LANGUAGE sql STABLE SECURITY DEFINER
SET search_path = pg_catalog, public
AS $$
  WITH c AS (
    SELECT c.cart_id, c.created_at, c.customer_id, c.subtotal_cents, c.last_activity_at, c.recovered_by_email,
           o.order_id, o.placed_at AS order_at, o.subtotal_cents - o.discount_cents AS order_cents,
           CASE WHEN c.customer_id IS NULL THEN 'guest'
                WHEN fo.first_at < c.created_at THEN 'returning'
                ELSE 'new' END AS customer_type
    FROM public.carts c
    LEFT JOIN public.orders o ON o.order_id = c.order_id AND o.status <> 'cancelled' AND NOT o.is_test AND o.placed_at < $2
    -- one pass over orders for every customer's first valid order, not a lookup per cart
    LEFT JOIN (SELECT p.customer_id, min(p.placed_at) AS first_at FROM public.orders p
               WHERE p.customer_id IS NOT NULL AND p.status <> 'cancelled' AND NOT p.is_test AND p.placed_at < $2
               GROUP BY p.customer_id) fo ON fo.customer_id = c.customer_id
    WHERE c.created_at >= $1 AND c.created_at < $2
  ), e AS (
    SELECT x.* FROM kpi.cart_recovery_email_events x JOIN c ON c.cart_id = x.cart_id WHERE x.sent_at < $2
  ), per AS (
    SELECT e.cart_id,
           min(e.sent_at) FILTER (WHERE e.step = 1) AS s1, min(e.sent_at) FILTER (WHERE e.step = 2) AS s2,
           min(e.sent_at) FILTER (WHERE e.step = 3) AS s3, min(e.sent_at) AS s0,
           min(e.opened_at) FILTER (WHERE e.opened_at < $2) AS op, min(e.clicked_at) FILTER (WHERE e.clicked_at < $2) AS cl
    FROM e GROUP BY e.cart_id
  ), opened_from AS (
    -- the email that was opened: the last one sent before the first open
    SELECT e.cart_id, max(e.sent_at) AS at FROM e JOIN per ON per.cart_id = e.cart_id AND e.sent_at <= per.op GROUP BY e.cart_id
  ), rec AS (
    SELECT DISTINCT ON (e.cart_id) e.cart_id, e.step, e.campaign_id
    FROM e JOIN c ON c.cart_id = e.cart_id
    WHERE c.recovered_by_email AND c.order_at IS NOT NULL AND e.sent_at <= c.order_at
    ORDER BY e.cart_id, e.sent_at DESC, e.step DESC
  ), j AS (
    SELECT c.*, per.s1, per.s2, per.s3, per.s0, per.op, per.cl,
           CASE WHEN per.s0 IS NOT NULL THEN least(per.s0, c.last_activity_at + INTERVAL '60 minutes')
                WHEN c.last_activity_at + INTERVAL '60 minutes' < $2
                     AND (c.order_at IS NULL OR c.order_at > c.last_activity_at + INTERVAL '60 minutes')
                THEN c.last_activity_at + INTERVAL '60 minutes' END AS ab
    FROM c LEFT JOIN per ON per.cart_id = c.cart_id
  )
  SELECT j.cart_id, j.created_at, j.customer_id, j.customer_type, j.subtotal_cents, j.ab, j.s1, j.s2, j.s3, j.s0, j.op,
         o.at, j.cl,
         (j.ab IS NOT NULL AND j.recovered_by_email AND j.order_at IS NOT NULL AND j.s0 IS NOT NULL),
         CASE WHEN j.ab IS NOT NULL AND j.recovered_by_email AND j.s0 IS NOT NULL THEN j.order_at END,
         CASE WHEN j.ab IS NOT NULL AND j.recovered_by_email AND j.s0 IS NOT NULL AND j.order_at IS NOT NULL THEN j.order_cents ELSE 0 END,
         r.step, r.campaign_id, j.order_id
  FROM j
  LEFT JOIN opened_from o ON o.cart_id = j.cart_id
  LEFT JOIN rec r ON r.cart_id = j.cart_id
$$;

-- ------------------------------------------------------------------ the journey
-- object: kpi.cart_journey  family: recovery  roles: adm,mgr  mgr drops: none
-- Stages in order with carts reaching each, their share of carts created, their value (cart
-- subtotals; for "recovered" the recovered orders' item subtotal − discounts) and the median
-- hours from the previous stage of the same cart: created → abandoned (from creation) →
-- email 1 (from abandonment) → email 2 (from email 1) → email 3 (from email 2) → opened (from the
-- email opened) → clicked (from the open, or the first email if no open was seen) → recovered
-- (from the click, else the open, else the first email).
CREATE FUNCTION kpi.cart_journey(from_ts timestamptz, to_ts timestamptz)
RETURNS TABLE (stage_no int, stage text, carts bigint, share_of_created numeric, value numeric, median_hours_from_previous numeric)
LANGUAGE sql STABLE SECURITY DEFINER
SET search_path = pg_catalog, public
AS $$
  WITH j AS (SELECT * FROM kpi.cart_journey_carts($1, $2)),
  s AS (
    SELECT 1 AS n, 'cart_created' AS stage, j.cart_id, j.subtotal_cents AS cents, NULL::interval AS gap FROM j
    UNION ALL SELECT 2, 'abandoned', j.cart_id, j.subtotal_cents, j.abandoned_at - j.created_at FROM j WHERE j.abandoned_at IS NOT NULL
    UNION ALL SELECT 3, 'email_1_sent', j.cart_id, j.subtotal_cents, j.sent1_at - j.abandoned_at FROM j WHERE j.sent1_at IS NOT NULL
    UNION ALL SELECT 4, 'email_2_sent', j.cart_id, j.subtotal_cents, j.sent2_at - j.sent1_at FROM j WHERE j.sent2_at IS NOT NULL
    UNION ALL SELECT 5, 'email_3_sent', j.cart_id, j.subtotal_cents, j.sent3_at - j.sent2_at FROM j WHERE j.sent3_at IS NOT NULL
    UNION ALL SELECT 6, 'opened', j.cart_id, j.subtotal_cents, j.first_opened_at - j.opened_after_sent_at FROM j WHERE j.first_opened_at IS NOT NULL
    UNION ALL SELECT 7, 'clicked', j.cart_id, j.subtotal_cents, j.first_clicked_at - coalesce(j.first_opened_at, j.first_sent_at) FROM j WHERE j.first_clicked_at IS NOT NULL
    UNION ALL SELECT 8, 'recovered', j.cart_id, j.recovered_cents, j.recovered_at - coalesce(j.first_clicked_at, j.first_opened_at, j.first_sent_at) FROM j WHERE j.recovered
  ), names AS (
    SELECT * FROM (VALUES (1, 'cart_created'), (2, 'abandoned'), (3, 'email_1_sent'), (4, 'email_2_sent'), (5, 'email_3_sent'),
                          (6, 'opened'), (7, 'clicked'), (8, 'recovered')) v(n, stage)
  ), agg AS (
    SELECT n, count(*) AS carts, sum(cents) AS cents,
           percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM gap)::float8) / 3600.0 AS med
    FROM s GROUP BY n
  )
  SELECT names.n, names.stage, coalesce(agg.carts, 0), kpi.rate(coalesce(agg.carts, 0), (SELECT count(*) FROM j)),
         kpi.money(coalesce(agg.cents, 0)), round(agg.med::numeric, 2)
  FROM names LEFT JOIN agg ON agg.n = names.n
  ORDER BY names.n
$$;

-- ------------------------------------------------------------------ recovery by segment
-- object: kpi.recovery_by_segment  family: recovery  roles: adm,mgr  mgr drops: none
-- Carts whose first recovery email was sent in [from_ts, to_ts) (outcomes known at to_ts), by
-- dimension: customer_type (new / returning / guest when the cart was created), rfm_segment (the
-- customer's RFM segment as of from_ts; not_scored = no valid order in the year before, guest =
-- no customer) and email_step (carts sent that step; recovered = recovered by that step, i.e. it
-- was the last email before the order).
CREATE FUNCTION kpi.recovery_by_segment(from_ts timestamptz, to_ts timestamptz)
RETURNS TABLE (dimension text, segment text, carts_emailed bigint, carts_recovered bigint, recovery_rate numeric, recovered_revenue numeric)
LANGUAGE sql STABLE SECURITY DEFINER
SET search_path = pg_catalog, public
AS $$
  WITH j AS (
    -- carts created up to 7 days before the range can have their first email in it
    SELECT * FROM kpi.cart_journey_carts($1 - INTERVAL '7 days', $2) WHERE first_sent_at >= $1 AND first_sent_at < $2
  ), rfm AS (SELECT customer_id, segment FROM kpi.rfm_customers_at($1)),
  steps AS (
    SELECT j.cart_id, x.step, (j.recovered AND j.recovered_step = x.step) AS rec, j.recovered_cents
    FROM j CROSS JOIN LATERAL (VALUES (1::smallint, j.sent1_at), (2::smallint, j.sent2_at), (3::smallint, j.sent3_at)) x(step, at)
    WHERE x.at IS NOT NULL
  ), rows AS (
    SELECT 1 AS ord, 'customer_type' AS dimension, j.customer_type AS segment, j.recovered AS rec, j.recovered_cents AS cents FROM j
    UNION ALL
    SELECT 2, 'rfm_segment', CASE WHEN j.customer_id IS NULL THEN 'guest' ELSE coalesce(rfm.segment, 'not_scored') END, j.recovered, j.recovered_cents
    FROM j LEFT JOIN rfm ON rfm.customer_id = j.customer_id
    UNION ALL
    SELECT 3, 'email_step', 'email_' || steps.step, steps.rec, steps.recovered_cents FROM steps
  )
  SELECT dimension, segment, count(*), count(*) FILTER (WHERE rec),
         kpi.rate(count(*) FILTER (WHERE rec), count(*)),
         kpi.money(coalesce(sum(cents) FILTER (WHERE rec), 0))
  FROM rows GROUP BY ord, dimension, segment ORDER BY ord, segment
$$;

-- ------------------------------------------------------------------ ROI for a range
-- object: kpi.recovery_roi_range  family: recovery  roles: adm,mgr  mgr drops: none (campaign cost is marketing spend, not product cost)
-- A recovery campaign's cost is spread evenly over its days: the local days from its start
-- (started_at, else its first email) to the day of its last email. A day belongs to the range
-- when it starts inside [from_ts, to_ts). Recovered revenue: carts recovered (order placed) in
-- the range whose recovering email was this campaign's. recovery_roi = recovered ÷ cost in range.
CREATE FUNCTION kpi.recovery_roi_range(from_ts timestamptz, to_ts timestamptz)
RETURNS TABLE (campaign_id text, campaign_name text, recovery_step smallint, campaign_cost numeric, campaign_days int,
               cost_per_day numeric, days_in_range int, cost_in_range numeric, carts_recovered bigint,
               recovered_revenue numeric, recovery_roi numeric)
LANGUAGE sql STABLE SECURITY DEFINER
SET search_path = pg_catalog, public
AS $$
  WITH span AS (
    SELECT k.campaign_id, k.name, k.recovery_step, k.cost_cents,
           kpi.local_day(coalesce(k.started_at, min(e.sent_at))) AS d0,
           greatest(kpi.local_day(coalesce(k.started_at, min(e.sent_at))), kpi.local_day(max(e.sent_at))) AS d1
    FROM public.campaigns k LEFT JOIN kpi.cart_recovery_email_events e ON e.campaign_id = k.campaign_id
    WHERE k.kind = 'cart_recovery'
    GROUP BY k.campaign_id, k.name, k.recovery_step, k.cost_cents, k.started_at
  ), days AS (
    SELECT s.*, coalesce(s.d1 - s.d0 + 1, 0) AS n,
           (SELECT count(*) FROM generate_series(s.d0::timestamp, s.d1::timestamp, INTERVAL '1 day') g
             WHERE kpi.day_start(g::date) >= $1 AND kpi.day_start(g::date) < $2)::int AS n_in
    FROM span s
  ), rec AS (
    SELECT recovered_campaign_id AS campaign_id, count(*) AS carts, sum(recovered_cents) AS cents
    FROM kpi.cart_journey_carts($1 - INTERVAL '30 days', $2)
    WHERE recovered AND recovered_at >= $1 AND recovered_at < $2
    GROUP BY recovered_campaign_id
  )
  SELECT d.campaign_id, d.name, d.recovery_step, kpi.money(d.cost_cents), d.n,
         round(d.cost_cents / 100.0 / NULLIF(d.n, 0), 2),
         d.n_in,
         round(coalesce(d.cost_cents / 100.0 * d.n_in / NULLIF(d.n, 0), 0), 2),
         coalesce(r.carts, 0), kpi.money(coalesce(r.cents, 0)),
         round(coalesce(r.cents, 0) / 100.0 / NULLIF(d.cost_cents / 100.0 * d.n_in / NULLIF(d.n, 0), 0), 4)
  FROM days d LEFT JOIN rec r ON r.campaign_id = d.campaign_id
  ORDER BY d.recovery_step, d.campaign_id
$$;

-- ------------------------------------------------------------------ products
-- object: kpi.abandoned_products  family: recovery  roles: adm,mgr  mgr drops: none
-- SKUs in the abandoned carts created in the range (cart lines): carts, units, value (line
-- subtotals), and how many of those carts were recovered.
CREATE FUNCTION kpi.abandoned_products(from_ts timestamptz, to_ts timestamptz, max_rows int DEFAULT 10)
RETURNS TABLE (rank bigint, sku text, name text, carts bigint, units bigint, value numeric, carts_recovered bigint)
LANGUAGE sql STABLE SECURITY DEFINER
SET search_path = pg_catalog, public
AS $$
  WITH a AS (
    SELECT l.sku, count(DISTINCT j.cart_id) AS carts, sum(l.quantity)::bigint AS units, sum(l.line_subtotal_cents) AS cents,
           count(DISTINCT j.cart_id) FILTER (WHERE j.recovered) AS rec
    FROM kpi.cart_journey_carts($1, $2) j
    JOIN public.cart_lines l ON l.cart_id = j.cart_id AND l.created_at = j.created_at
    WHERE j.abandoned_at IS NOT NULL
    GROUP BY l.sku
  )
  SELECT row_number() OVER (ORDER BY a.cents DESC, a.carts DESC, a.sku), a.sku, p.name, a.carts, a.units, kpi.money(a.cents), a.rec
  FROM a LEFT JOIN public.products p ON p.sku = a.sku
  ORDER BY a.cents DESC, a.carts DESC, a.sku
  LIMIT $3
$$;

-- object: kpi.recovered_products  family: recovery  roles: adm,mgr  mgr drops: none
-- SKUs of the orders that recovered carts created in the range: carts, units, revenue (line
-- subtotal − allocated discount, before refunds).
CREATE FUNCTION kpi.recovered_products(from_ts timestamptz, to_ts timestamptz, max_rows int DEFAULT 10)
RETURNS TABLE (rank bigint, sku text, name text, carts bigint, units bigint, revenue numeric)
LANGUAGE sql STABLE SECURITY DEFINER
SET search_path = pg_catalog, public
AS $$
  WITH a AS (
    SELECT l.sku, count(DISTINCT j.cart_id) AS carts, sum(l.quantity)::bigint AS units,
           sum(l.line_subtotal_cents - l.allocated_discount_cents) AS cents
    FROM kpi.cart_journey_carts($1, $2) j
    JOIN public.order_lines l ON l.order_id = j.order_id AND l.order_valid
    WHERE j.recovered
    GROUP BY l.sku
  )
  SELECT row_number() OVER (ORDER BY a.cents DESC, a.carts DESC, a.sku), a.sku, p.name, a.carts, a.units, kpi.money(a.cents)
  FROM a LEFT JOIN public.products p ON p.sku = a.sku
  ORDER BY a.cents DESC, a.carts DESC, a.sku
  LIMIT $3
$$;

-- ------------------------------------------------------------------ role schemas (as 0012/0015)
CREATE FUNCTION adm.cart_journey(from_ts timestamptz, to_ts timestamptz)
RETURNS TABLE (stage_no int, stage text, carts bigint, share_of_created numeric, value numeric, median_hours_from_previous numeric)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, public
AS $$ SELECT * FROM kpi.cart_journey($1, $2) $$;
CREATE FUNCTION mgr.cart_journey(from_ts timestamptz, to_ts timestamptz)
RETURNS TABLE (stage_no int, stage text, carts bigint, share_of_created numeric, value numeric, median_hours_from_previous numeric)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, public
AS $$ SELECT * FROM kpi.cart_journey($1, $2) $$;

CREATE FUNCTION adm.recovery_by_segment(from_ts timestamptz, to_ts timestamptz)
RETURNS TABLE (dimension text, segment text, carts_emailed bigint, carts_recovered bigint, recovery_rate numeric, recovered_revenue numeric)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, public
AS $$ SELECT * FROM kpi.recovery_by_segment($1, $2) $$;
CREATE FUNCTION mgr.recovery_by_segment(from_ts timestamptz, to_ts timestamptz)
RETURNS TABLE (dimension text, segment text, carts_emailed bigint, carts_recovered bigint, recovery_rate numeric, recovered_revenue numeric)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, public
AS $$ SELECT * FROM kpi.recovery_by_segment($1, $2) $$;

CREATE FUNCTION adm.recovery_roi_range(from_ts timestamptz, to_ts timestamptz)
RETURNS TABLE (campaign_id text, campaign_name text, recovery_step smallint, campaign_cost numeric, campaign_days int,
               cost_per_day numeric, days_in_range int, cost_in_range numeric, carts_recovered bigint,
               recovered_revenue numeric, recovery_roi numeric)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, public
AS $$ SELECT * FROM kpi.recovery_roi_range($1, $2) $$;
CREATE FUNCTION mgr.recovery_roi_range(from_ts timestamptz, to_ts timestamptz)
RETURNS TABLE (campaign_id text, campaign_name text, recovery_step smallint, campaign_cost numeric, campaign_days int,
               cost_per_day numeric, days_in_range int, cost_in_range numeric, carts_recovered bigint,
               recovered_revenue numeric, recovery_roi numeric)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, public
AS $$ SELECT * FROM kpi.recovery_roi_range($1, $2) $$;

CREATE FUNCTION adm.abandoned_products(from_ts timestamptz, to_ts timestamptz, max_rows int DEFAULT 10)
RETURNS TABLE (rank bigint, sku text, name text, carts bigint, units bigint, value numeric, carts_recovered bigint)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, public
AS $$ SELECT * FROM kpi.abandoned_products($1, $2, $3) $$;
CREATE FUNCTION mgr.abandoned_products(from_ts timestamptz, to_ts timestamptz, max_rows int DEFAULT 10)
RETURNS TABLE (rank bigint, sku text, name text, carts bigint, units bigint, value numeric, carts_recovered bigint)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, public
AS $$ SELECT * FROM kpi.abandoned_products($1, $2, $3) $$;

CREATE FUNCTION adm.recovered_products(from_ts timestamptz, to_ts timestamptz, max_rows int DEFAULT 10)
RETURNS TABLE (rank bigint, sku text, name text, carts bigint, units bigint, revenue numeric)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, public
AS $$ SELECT * FROM kpi.recovered_products($1, $2, $3) $$;
CREATE FUNCTION mgr.recovered_products(from_ts timestamptz, to_ts timestamptz, max_rows int DEFAULT 10)
RETURNS TABLE (rank bigint, sku text, name text, carts bigint, units bigint, revenue numeric)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, public
AS $$ SELECT * FROM kpi.recovered_products($1, $2, $3) $$;

REVOKE ALL ON ALL FUNCTIONS IN SCHEMA adm, mgr FROM PUBLIC;
GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA adm TO kpi_admin;
GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA mgr TO kpi_manager;
