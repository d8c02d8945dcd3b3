-- requires: helpers, customers
-- Cart recovery family (docs/kpis.md "Cart recovery"): recovery emails sent to abandoned carts,
-- the carts they recovered and the revenue and return on cost of each recovery campaign.

-- ------------------------------------------------------------------ cart recovery
-- Emailed = an abandoned cart that was sent a recovery email; recovered = the source marks it
-- recovered by that email and it has an order. Recovered revenue is the order's item subtotal
-- minus discounts (valid orders only), before refunds. Read from recovery_emailed_carts and its
-- per-day totals (migration 0110, trigger-kept from carts and orders): counted by the email's
-- day, these would otherwise join every cart to every order on each read.
CREATE VIEW kpi.cart_recovery_carts AS
SELECT r.cart_id, r.created_at, r.sent_at AS recovery_email_sent_at, r.sent_day,
       r.campaign_id AS recovery_campaign_id, r.recovered, r.recovered_cents
FROM public.recovery_emailed_carts r;

CREATE VIEW kpi.cart_recovery AS
SELECT k.campaign_id, k.name AS campaign_name, k.recovery_step, k.variant,
       coalesce(sum(d.carts_emailed), 0)::bigint AS carts_emailed,
       coalesce(sum(d.carts_recovered), 0)::bigint AS carts_recovered,
       kpi.rate(coalesce(sum(d.carts_recovered), 0), coalesce(sum(d.carts_emailed), 0)) AS recovery_rate,
       kpi.money(coalesce(sum(d.recovered_cents), 0)) AS recovered_revenue,
       kpi.money(k.cost_cents) AS campaign_cost,
       round(coalesce(sum(d.recovered_cents), 0) / NULLIF(k.cost_cents, 0)::numeric, 4) AS recovery_roi
FROM public.campaigns k
LEFT JOIN public.recovery_emailed_daily d ON d.campaign_id = k.campaign_id
WHERE k.kind = 'cart_recovery'
GROUP BY k.campaign_id, k.name, k.recovery_step, k.variant, k.cost_cents;

CREATE VIEW kpi.cart_recovery_daily AS
SELECT kpi.day_start(d.sent_day) AS time, d.sent_day AS day,
       sum(d.carts_emailed)::bigint AS carts_emailed,
       sum(d.carts_recovered)::bigint AS carts_recovered,
       kpi.rate(sum(d.carts_recovered), sum(d.carts_emailed)) AS recovery_rate,
       kpi.money(sum(d.recovered_cents)) AS recovered_revenue
FROM public.recovery_emailed_daily d
GROUP BY d.sent_day;

-- ------------------------------------------------------------------ cart recovery over a range
-- As cart_recovery, for the carts whose recovery email was sent in [from_ts, to_ts). Every
-- recovery campaign is listed (0 where it sent nothing in the range). Campaigns carry one total
-- cost, not a cost per day, so campaign_cost and recovery_roi use the campaign's whole cost.
-- A range with whole local days reads their per-day totals (recovery_emailed_daily, 0110, by the
-- email's local day) and the carts near its ends row by row: those of the range whose local day
-- is not one of the whole days, less those of the whole days sent outside the range (none but
-- where a time zone's clock change makes a local day begin before the previous one ends). A
-- local day's emails lie within a day and a half of its nominal midnights.
CREATE FUNCTION kpi.cart_recovery_range(from_ts timestamptz, to_ts timestamptz)
RETURNS TABLE (
  campaign_id text, campaign_name text, recovery_step smallint, variant text, carts_emailed bigint,
  carts_recovered bigint, recovery_rate numeric, recovered_revenue numeric, campaign_cost numeric, recovery_roi numeric
)
LANGUAGE plpgsql STABLE SECURITY DEFINER
SET search_path = pg_catalog, public
AS $f$
DECLARE
  whole_from timestamptz;
  whole_to timestamptz;
BEGIN
  IF isfinite(from_ts) AND isfinite(to_ts) THEN
    SELECT w.whole_from, w.whole_to INTO whole_from, whole_to FROM kpi.whole_days_span(from_ts, to_ts) w;
  END IF;
  IF whole_from IS NULL OR whole_to - whole_from < INTERVAL '2 days' THEN
    RETURN QUERY EXECUTE $q$
      SELECT k.campaign_id, k.name, k.recovery_step, k.variant,
             count(r.cart_id),
             count(r.cart_id) FILTER (WHERE r.recovered),
             kpi.rate(count(r.cart_id) FILTER (WHERE r.recovered), count(r.cart_id)),
             kpi.money(coalesce(sum(r.recovered_cents), 0)),
             kpi.money(k.cost_cents),
             round(coalesce(sum(r.recovered_cents), 0) / NULLIF(k.cost_cents, 0)::numeric, 4)
      FROM public.campaigns k
      LEFT JOIN kpi.cart_recovery_carts r
             ON r.recovery_campaign_id = k.campaign_id AND r.recovery_email_sent_at >= $1 AND r.recovery_email_sent_at < $2
      WHERE k.kind = 'cart_recovery'
      GROUP BY k.campaign_id, k.name, k.recovery_step, k.variant, k.cost_cents
      ORDER BY k.recovery_step, k.variant, k.campaign_id
    $q$ USING from_ts, to_ts;
    RETURN;
  END IF;
  RETURN QUERY EXECUTE $q$
    WITH t AS (
      SELECT d.campaign_id, sum(d.carts_emailed) AS emailed, sum(d.carts_recovered) AS recovered, sum(d.recovered_cents) AS cents
      FROM public.recovery_emailed_daily d
      WHERE d.sent_day >= $5 AND d.sent_day <= $6
      GROUP BY d.campaign_id
      UNION ALL
      SELECT r.campaign_id, count(*), count(*) FILTER (WHERE r.recovered), sum(r.recovered_cents)
      FROM public.recovery_emailed_carts r
      WHERE ((r.sent_at >= $1 AND r.sent_at < $3 + INTERVAL '36 hours') OR (r.sent_at >= $4 - INTERVAL '36 hours' AND r.sent_at < $2))
        AND r.sent_at >= $1 AND r.sent_at < $2 AND NOT (r.sent_day >= $5 AND r.sent_day <= $6)
      GROUP BY r.campaign_id
      UNION ALL
      SELECT r.campaign_id, -count(*), -count(*) FILTER (WHERE r.recovered), -sum(r.recovered_cents)
      FROM public.recovery_emailed_carts r
      WHERE ((r.sent_at >= $3 - INTERVAL '36 hours' AND r.sent_at < $1) OR (r.sent_at >= $2 AND r.sent_at < $4 + INTERVAL '36 hours'))
        AND r.sent_day >= $5 AND r.sent_day <= $6
      GROUP BY r.campaign_id
    ), c AS (
      SELECT t.campaign_id, sum(t.emailed)::bigint AS emailed, sum(t.recovered)::bigint AS recovered, sum(t.cents) AS cents
      FROM t GROUP BY t.campaign_id
    )
    SELECT k.campaign_id, k.name, k.recovery_step, k.variant,
           coalesce(c.emailed, 0), coalesce(c.recovered, 0),
           kpi.rate(coalesce(c.recovered, 0), coalesce(c.emailed, 0)),
           kpi.money(coalesce(c.cents, 0)),
           kpi.money(k.cost_cents),
           round(coalesce(c.cents, 0) / NULLIF(k.cost_cents, 0)::numeric, 4)
    FROM public.campaigns k
    LEFT JOIN c ON c.campaign_id = k.campaign_id
    WHERE k.kind = 'cart_recovery'
    ORDER BY k.recovery_step, k.variant, k.campaign_id
  $q$ USING from_ts, to_ts, whole_from, whole_to, kpi.local_day(whole_from), kpi.local_day(whole_to) - 1;
END
$f$;

-- ------------------------------------------------------------------ cart journey
-- The abandoned-cart journey, recovery by segment and email step, the ROI of a range, and the
-- products in abandoned and recovered carts, from cart_lines and cart_recovery_emails
-- (migration 0071). Carts loaded without per-email rows still count with the one email the
-- cart row names (carts.recovery_email_sent_at / recovery_campaign_id).

-- ------------------------------------------------------------------ emails per cart
-- Read from the trigger-kept copies of migration 0110 (recovery_email_rows mirrors
-- cart_recovery_emails; recovery_emailed_carts.has_email_rows says whether a cart has any), which
-- a cart or a campaign reaches in one probe.
CREATE VIEW kpi.cart_recovery_email_events AS
SELECT e.cart_id, e.step, e.campaign_id, e.sent_at, e.opened_at, e.clicked_at
FROM public.recovery_email_rows e
UNION ALL
SELECT c.cart_id, coalesce(k.recovery_step, 1)::smallint, c.campaign_id, c.sent_at, NULL::timestamptz, NULL::timestamptz
FROM public.recovery_emailed_carts c
LEFT JOIN public.campaigns k ON k.campaign_id = c.campaign_id
WHERE NOT c.has_email_rows;

-- ------------------------------------------------------------------ one row per cart
-- Carts created in [from_ts, to_ts), as known at to_ts (public.cart_journey_rows, migration 0140,
-- defines the row: only emails sent, opens, clicks and orders before to_ts count). Read from the
-- trigger-kept journey rows (cart_journey_facts): a kept row whose horizon (the latest instant
-- it compares with to_ts) is before to_ts is the as-of-to_ts row; the others (at to_ts = now the
-- last hour's carts and carts with future-dated facts; for a past to_ts the carts whose journey
-- went on after it) are computed live from the same definition. cart_journey_carts_in reads only
-- the carts of the range with the given ids (NULL: all); every row depends on its own cart's rows
-- only (carts where that does not hold are always read live), so it is the cart_journey_carts row.
CREATE FUNCTION kpi.cart_journey_carts_in(from_ts timestamptz, to_ts timestamptz, cart_ids text[])
RETURNS TABLE (cart_id text, created_at timestamptz, customer_id text, customer_type text, subtotal_cents bigint,
               abandoned_at timestamptz, sent1_at timestamptz, sent2_at timestamptz, sent3_at timestamptz,
               first_sent_at timestamptz, first_opened_at timestamptz, opened_after_sent_at timestamptz,
               first_clicked_at timestamptz, recovered boolean, recovered_at timestamptz, recovered_cents bigint,
               recovered_step smallint, recovered_campaign_id text, order_id text)
LANGUAGE sql STABLE SECURITY DEFINER
SET search_path = pg_catalog, public
AS $$
  SELECT f.cart_id, f.created_at, f.customer_id, f.customer_type, f.subtotal_cents, f.abandoned_at, f.sent1_at, f.sent2_at,
         f.sent3_at, f.first_sent_at, f.first_opened_at, f.opened_after_sent_at, f.first_clicked_at, f.recovered,
         f.recovered_at, f.recovered_cents, f.recovered_step, f.recovered_campaign_id, f.valid_order_id
  FROM public.cart_journey_facts f
  WHERE f.created_at >= $1 AND f.created_at < $2 AND f.horizon < $2
    AND ($3 IS NULL OR f.cart_id IN (SELECT unnest($3)))
  UNION ALL
  SELECT r.cart_id, r.created_at, r.customer_id, r.customer_type, r.subtotal_cents, r.abandoned_at, r.sent1_at, r.sent2_at,
         r.sent3_at, r.first_sent_at, r.first_opened_at, r.opened_after_sent_at, r.first_clicked_at, r.recovered,
         r.recovered_at, r.recovered_cents, r.recovered_step, r.recovered_campaign_id, r.order_id
  FROM public.cart_journey_rows($1, $2, ARRAY(
         SELECT f.cart_id FROM public.cart_journey_facts f
         WHERE f.created_at >= $1 AND f.created_at < $2 AND f.horizon >= $2
           AND ($3 IS NULL OR f.cart_id IN (SELECT unnest($3))))) r
$$;

CREATE FUNCTION kpi.cart_journey_carts(from_ts timestamptz, to_ts timestamptz)
RETURNS TABLE (cart_id text, created_at timestamptz, customer_id text, customer_type text, subtotal_cents bigint,
               abandoned_at timestamptz, sent1_at timestamptz, sent2_at timestamptz, sent3_at timestamptz,
               first_sent_at timestamptz, first_opened_at timestamptz, opened_after_sent_at timestamptz,
               first_clicked_at timestamptz, recovered boolean, recovered_at timestamptz, recovered_cents bigint,
               recovered_step smallint, recovered_campaign_id text, order_id text)
LANGUAGE sql STABLE SECURITY DEFINER
SET search_path = pg_catalog, public
AS $$ SELECT * FROM kpi.cart_journey_carts_in($1, $2, NULL) $$;

-- ------------------------------------------------------------------ the journey
-- Stages in order with carts reaching each, their share of carts created, their value (cart
-- subtotals; for "recovered" the recovered orders' item subtotal − discounts) and the median
-- hours from the previous stage of the same cart: created → abandoned (from creation) →
-- email 1 (from abandonment) → email 2 (from email 1) → email 3 (from email 2) → opened (from the
-- email opened) → clicked (from the open, or the first email if no open was seen) → recovered
-- (from the click, else the open, else the first email).
--
-- A range with 60 or more whole local days reads its whole days' settled carts from the grid
-- and the per-stage duration indexes of migration 0220 (counts and values summed from the
-- cells; each median found by walking its stage's index in duration order, merged with the
-- other carts' durations, to the middle rank) and every other cart of the range row by row.
-- A walk's cost follows its stage's whole history, not the range: shorter ranges read every
-- cart of the range row by row.
CREATE FUNCTION kpi.cart_journey(from_ts timestamptz, to_ts timestamptz)
RETURNS TABLE (stage_no int, stage text, carts bigint, share_of_created numeric, value numeric, median_hours_from_previous numeric)
LANGUAGE plpgsql STABLE SECURITY DEFINER
SET search_path = pg_catalog, public
-- a year's carts: their sorts and hashes stay in memory
SET work_mem = '64MB'
AS $f$
DECLARE
  whole_from timestamptz;
  whole_to timestamptz;
  -- per stage 1..8: carts, cents; per stage 2..8: carts with a duration, their median
  st_carts bigint[];
  st_cents numeric[];
  st_timed bigint[];
  st_med float8[] := ARRAY[NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL]::float8[];
  d2 float8[]; d3 float8[]; d4 float8[]; d5 float8[]; d6 float8[]; d7 float8[]; d8 float8[];
  others float8[];
  vals float8[];
  total bigint;
  lo bigint;
  hi bigint;
  -- the duration each median sorts by, and the rows that have one (0220's index predicates)
  expr text[] := ARRAY[
    NULL,
    'extract(epoch FROM f.abandoned_at - f.created_at)::float8',
    'extract(epoch FROM f.sent1_at - f.abandoned_at)::float8',
    'extract(epoch FROM f.sent2_at - f.sent1_at)::float8',
    'extract(epoch FROM f.sent3_at - f.sent2_at)::float8',
    'extract(epoch FROM f.first_opened_at - f.opened_after_sent_at)::float8',
    'extract(epoch FROM f.first_clicked_at - coalesce(f.first_opened_at, f.first_sent_at))::float8',
    'extract(epoch FROM f.recovered_at - coalesce(f.first_clicked_at, f.first_opened_at, f.first_sent_at))::float8'];
  pred text[] := ARRAY[
    NULL,
    'f.abandoned_at IS NOT NULL',
    'f.sent1_at IS NOT NULL AND f.abandoned_at IS NOT NULL',
    'f.sent2_at IS NOT NULL AND f.sent1_at IS NOT NULL',
    'f.sent3_at IS NOT NULL AND f.sent2_at IS NOT NULL',
    'f.first_opened_at IS NOT NULL AND f.opened_after_sent_at IS NOT NULL',
    'f.first_clicked_at IS NOT NULL AND coalesce(f.first_opened_at, f.first_sent_at) IS NOT NULL',
    'f.recovered AND f.recovered_at IS NOT NULL AND coalesce(f.first_clicked_at, f.first_opened_at, f.first_sent_at) IS NOT NULL'];
  -- every cart of the range read row by row
  by_rows text := $q$
    -- kpi.cart_journey_carts($1, $2), spelled out so that its rows stream into one pass of
    -- aggregates (per stage: a FILTER of the same rows) instead of being stored and read 8 times
    WITH j AS (
      SELECT f.created_at, f.subtotal_cents, f.abandoned_at, f.sent1_at, f.sent2_at, f.sent3_at, f.first_sent_at,
             f.first_opened_at, f.opened_after_sent_at, f.first_clicked_at, f.recovered, f.recovered_at, f.recovered_cents
      FROM public.cart_journey_facts f
      WHERE f.created_at >= $1 AND f.created_at < $2 AND f.horizon < $2
      UNION ALL
      SELECT r.created_at, r.subtotal_cents, r.abandoned_at, r.sent1_at, r.sent2_at, r.sent3_at, r.first_sent_at,
             r.first_opened_at, r.opened_after_sent_at, r.first_clicked_at, r.recovered, r.recovered_at, r.recovered_cents
      FROM public.cart_journey_rows($1, $2, ARRAY(SELECT f.cart_id FROM public.cart_journey_facts f
                                                  WHERE f.created_at >= $1 AND f.created_at < $2 AND f.horizon >= $2)) r
    ), a AS (
      SELECT count(*) AS n1, sum(j.subtotal_cents) AS c1,
             count(*) FILTER (WHERE j.abandoned_at IS NOT NULL) AS n2,
             sum(j.subtotal_cents) FILTER (WHERE j.abandoned_at IS NOT NULL) AS c2,
             percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM j.abandoned_at - j.created_at)::float8)
               FILTER (WHERE j.abandoned_at IS NOT NULL) / 3600.0 AS m2,
             count(*) FILTER (WHERE j.sent1_at IS NOT NULL) AS n3,
             sum(j.subtotal_cents) FILTER (WHERE j.sent1_at IS NOT NULL) AS c3,
             percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM j.sent1_at - j.abandoned_at)::float8)
               FILTER (WHERE j.sent1_at IS NOT NULL) / 3600.0 AS m3,
             count(*) FILTER (WHERE j.sent2_at IS NOT NULL) AS n4,
             sum(j.subtotal_cents) FILTER (WHERE j.sent2_at IS NOT NULL) AS c4,
             percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM j.sent2_at - j.sent1_at)::float8)
               FILTER (WHERE j.sent2_at IS NOT NULL) / 3600.0 AS m4,
             count(*) FILTER (WHERE j.sent3_at IS NOT NULL) AS n5,
             sum(j.subtotal_cents) FILTER (WHERE j.sent3_at IS NOT NULL) AS c5,
             percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM j.sent3_at - j.sent2_at)::float8)
               FILTER (WHERE j.sent3_at IS NOT NULL) / 3600.0 AS m5,
             count(*) FILTER (WHERE j.first_opened_at IS NOT NULL) AS n6,
             sum(j.subtotal_cents) FILTER (WHERE j.first_opened_at IS NOT NULL) AS c6,
             percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM j.first_opened_at - j.opened_after_sent_at)::float8)
               FILTER (WHERE j.first_opened_at IS NOT NULL) / 3600.0 AS m6,
             count(*) FILTER (WHERE j.first_clicked_at IS NOT NULL) AS n7,
             sum(j.subtotal_cents) FILTER (WHERE j.first_clicked_at IS NOT NULL) AS c7,
             percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM j.first_clicked_at - coalesce(j.first_opened_at, j.first_sent_at))::float8)
               FILTER (WHERE j.first_clicked_at IS NOT NULL) / 3600.0 AS m7,
             count(*) FILTER (WHERE j.recovered) AS n8,
             sum(j.recovered_cents) FILTER (WHERE j.recovered) AS c8,
             percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM j.recovered_at - coalesce(j.first_clicked_at, j.first_opened_at, j.first_sent_at))::float8)
               FILTER (WHERE j.recovered) / 3600.0 AS m8
      FROM j
    )
    SELECT s.n, s.stage, s.carts, kpi.rate(s.carts, a.n1), kpi.money(coalesce(s.cents, 0)), round(s.med::numeric, 2)
    FROM a CROSS JOIN LATERAL (VALUES
      (1, 'cart_created', a.n1, a.c1, NULL::float8), (2, 'abandoned', a.n2, a.c2, a.m2), (3, 'email_1_sent', a.n3, a.c3, a.m3),
      (4, 'email_2_sent', a.n4, a.c4, a.m4), (5, 'email_3_sent', a.n5, a.c5, a.m5), (6, 'opened', a.n6, a.c6, a.m6),
      (7, 'clicked', a.n7, a.c7, a.m7), (8, 'recovered', a.n8, a.c8, a.m8)) s(n, stage, carts, cents, med)
    ORDER BY s.n
  $q$;
BEGIN
  IF isfinite(from_ts) AND isfinite(to_ts) THEN
    SELECT w.whole_from, w.whole_to INTO whole_from, whole_to FROM kpi.whole_days_span(from_ts, to_ts) w;
  END IF;
  IF whole_from IS NULL OR whole_to - whole_from < INTERVAL '60 days' THEN
    -- EXECUTE plans with the range's values (index ranges of the instants, not a generic plan).
    RETURN QUERY EXECUTE by_rows USING from_ts, to_ts;
    RETURN;
  END IF;

  -- The range's carts outside the grid, as the short path reads them: kept rows before their
  -- horizon of the edge days and of the whole days with horizon on or after their end (by the
  -- horizon index), and the carts followed live. Their counts, values and sorted durations.
  EXECUTE $q$
    WITH j AS (
      SELECT f.created_at, f.subtotal_cents, f.abandoned_at, f.sent1_at, f.sent2_at, f.sent3_at, f.first_sent_at,
             f.first_opened_at, f.opened_after_sent_at, f.first_clicked_at, f.recovered, f.recovered_at, f.recovered_cents
      FROM public.cart_journey_facts f
      WHERE f.created_at >= $1 AND f.created_at < $3 AND f.horizon < $2
      UNION ALL
      SELECT f.created_at, f.subtotal_cents, f.abandoned_at, f.sent1_at, f.sent2_at, f.sent3_at, f.first_sent_at,
             f.first_opened_at, f.opened_after_sent_at, f.first_clicked_at, f.recovered, f.recovered_at, f.recovered_cents
      FROM public.cart_journey_facts f
      WHERE f.created_at >= $4 AND f.created_at < $2 AND f.horizon < $2
      UNION ALL
      SELECT f.created_at, f.subtotal_cents, f.abandoned_at, f.sent1_at, f.sent2_at, f.sent3_at, f.first_sent_at,
             f.first_opened_at, f.opened_after_sent_at, f.first_clicked_at, f.recovered, f.recovered_at, f.recovered_cents
      FROM public.cart_journey_facts f
      WHERE f.created_at >= $3 AND f.created_at < $4 AND f.horizon >= $4 AND f.horizon < $2
      UNION ALL
      SELECT r.created_at, r.subtotal_cents, r.abandoned_at, r.sent1_at, r.sent2_at, r.sent3_at, r.first_sent_at,
             r.first_opened_at, r.opened_after_sent_at, r.first_clicked_at, r.recovered, r.recovered_at, r.recovered_cents
      FROM public.cart_journey_rows($1, $2, ARRAY(SELECT f.cart_id FROM public.cart_journey_facts f
                                                  WHERE f.created_at >= $1 AND f.created_at < $2 AND f.horizon >= $2)) r
    ), g AS (
      SELECT coalesce(sum(g.carts), 0)::bigint AS carts, coalesce(sum(g.cents), 0) AS cents,
             coalesce(sum(g.n_abandoned), 0)::bigint AS n2, coalesce(sum(g.cents_abandoned), 0) AS c2,
             coalesce(sum(g.n_email1), 0)::bigint AS n3, coalesce(sum(g.cents_email1), 0) AS c3, coalesce(sum(g.timed_email1), 0)::bigint AS k3,
             coalesce(sum(g.n_email2), 0)::bigint AS n4, coalesce(sum(g.cents_email2), 0) AS c4, coalesce(sum(g.timed_email2), 0)::bigint AS k4,
             coalesce(sum(g.n_email3), 0)::bigint AS n5, coalesce(sum(g.cents_email3), 0) AS c5, coalesce(sum(g.timed_email3), 0)::bigint AS k5,
             coalesce(sum(g.n_opened), 0)::bigint AS n6, coalesce(sum(g.cents_opened), 0) AS c6, coalesce(sum(g.timed_opened), 0)::bigint AS k6,
             coalesce(sum(g.n_clicked), 0)::bigint AS n7, coalesce(sum(g.cents_clicked), 0) AS c7, coalesce(sum(g.timed_clicked), 0)::bigint AS k7,
             coalesce(sum(g.n_recovered), 0)::bigint AS n8, coalesce(sum(g.cents_recovered), 0) AS c8,
             coalesce(sum(g.timed_recovered), 0)::bigint AS k8
      FROM public.cart_journey_cells g
      WHERE g.time >= $3 AND g.time < $4 AND g.horizon_before <= $4
    ), o AS (
      SELECT count(*) AS n1, coalesce(sum(j.subtotal_cents), 0) AS c1,
             count(*) FILTER (WHERE j.abandoned_at IS NOT NULL) AS n2,
             coalesce(sum(j.subtotal_cents) FILTER (WHERE j.abandoned_at IS NOT NULL), 0) AS c2,
             array_agg(x.d2 ORDER BY x.d2) FILTER (WHERE x.d2 IS NOT NULL) AS d2,
             count(*) FILTER (WHERE j.sent1_at IS NOT NULL) AS n3,
             coalesce(sum(j.subtotal_cents) FILTER (WHERE j.sent1_at IS NOT NULL), 0) AS c3,
             array_agg(x.d3 ORDER BY x.d3) FILTER (WHERE x.d3 IS NOT NULL) AS d3,
             count(*) FILTER (WHERE j.sent2_at IS NOT NULL) AS n4,
             coalesce(sum(j.subtotal_cents) FILTER (WHERE j.sent2_at IS NOT NULL), 0) AS c4,
             array_agg(x.d4 ORDER BY x.d4) FILTER (WHERE x.d4 IS NOT NULL) AS d4,
             count(*) FILTER (WHERE j.sent3_at IS NOT NULL) AS n5,
             coalesce(sum(j.subtotal_cents) FILTER (WHERE j.sent3_at IS NOT NULL), 0) AS c5,
             array_agg(x.d5 ORDER BY x.d5) FILTER (WHERE x.d5 IS NOT NULL) AS d5,
             count(*) FILTER (WHERE j.first_opened_at IS NOT NULL) AS n6,
             coalesce(sum(j.subtotal_cents) FILTER (WHERE j.first_opened_at IS NOT NULL), 0) AS c6,
             array_agg(x.d6 ORDER BY x.d6) FILTER (WHERE x.d6 IS NOT NULL) AS d6,
             count(*) FILTER (WHERE j.first_clicked_at IS NOT NULL) AS n7,
             coalesce(sum(j.subtotal_cents) FILTER (WHERE j.first_clicked_at IS NOT NULL), 0) AS c7,
             array_agg(x.d7 ORDER BY x.d7) FILTER (WHERE x.d7 IS NOT NULL) AS d7,
             count(*) FILTER (WHERE j.recovered) AS n8,
             coalesce(sum(j.recovered_cents) FILTER (WHERE j.recovered), 0) AS c8,
             array_agg(x.d8 ORDER BY x.d8) FILTER (WHERE x.d8 IS NOT NULL) AS d8
      FROM j
      CROSS JOIN LATERAL (SELECT
        CASE WHEN j.abandoned_at IS NOT NULL THEN extract(epoch FROM j.abandoned_at - j.created_at)::float8 END AS d2,
        CASE WHEN j.sent1_at IS NOT NULL THEN extract(epoch FROM j.sent1_at - j.abandoned_at)::float8 END AS d3,
        CASE WHEN j.sent2_at IS NOT NULL THEN extract(epoch FROM j.sent2_at - j.sent1_at)::float8 END AS d4,
        CASE WHEN j.sent3_at IS NOT NULL THEN extract(epoch FROM j.sent3_at - j.sent2_at)::float8 END AS d5,
        CASE WHEN j.first_opened_at IS NOT NULL THEN extract(epoch FROM j.first_opened_at - j.opened_after_sent_at)::float8 END AS d6,
        CASE WHEN j.first_clicked_at IS NOT NULL
             THEN extract(epoch FROM j.first_clicked_at - coalesce(j.first_opened_at, j.first_sent_at))::float8 END AS d7,
        CASE WHEN j.recovered
             THEN extract(epoch FROM j.recovered_at - coalesce(j.first_clicked_at, j.first_opened_at, j.first_sent_at))::float8 END AS d8) x
    )
    SELECT ARRAY[o.n1 + g.carts, o.n2 + g.n2, o.n3 + g.n3, o.n4 + g.n4, o.n5 + g.n5, o.n6 + g.n6, o.n7 + g.n7, o.n8 + g.n8],
           ARRAY[o.c1 + g.cents, o.c2 + g.c2, o.c3 + g.c3, o.c4 + g.c4, o.c5 + g.c5, o.c6 + g.c6, o.c7 + g.c7, o.c8 + g.c8],
           ARRAY[NULL, g.n2, g.k3, g.k4, g.k5, g.k6, g.k7, g.k8]::bigint[],
           o.d2, o.d3, o.d4, o.d5, o.d6, o.d7, o.d8
    FROM o CROSS JOIN g
  $q$ INTO st_carts, st_cents, st_timed, d2, d3, d4, d5, d6, d7, d8 USING from_ts, to_ts, whole_from, whole_to;

  -- Each median as percentile_cont(0.5) takes it: the values at ranks floor and ceil of
  -- (count − 1) / 2 and the interpolation between them (lo + fraction × (hi − lo)).
  FOR s IN 2..8 LOOP
    others := coalesce(CASE s WHEN 2 THEN d2 WHEN 3 THEN d3 WHEN 4 THEN d4 WHEN 5 THEN d5 WHEN 6 THEN d6 WHEN 7 THEN d7 ELSE d8 END,
                       ARRAY[]::float8[]);
    total := st_timed[s] + cardinality(others);
    CONTINUE WHEN total = 0;
    lo := floor(0.5::float8 * (total - 1));
    hi := ceil(0.5::float8 * (total - 1));
    EXECUTE format($w$
      SELECT array_agg(v.x ORDER BY v.x) FROM (
        SELECT v.x FROM (
          (SELECT %s AS x FROM public.cart_journey_facts f
           WHERE %s AND f.created_at >= $1 AND f.created_at < $2 AND f.horizon < $2
           ORDER BY 1 LIMIT $3)
          UNION ALL
          SELECT u.x FROM unnest($4) u(x)
        ) v ORDER BY v.x OFFSET $5 LIMIT $6
      ) v
    $w$, expr[s], pred[s]) INTO vals USING whole_from, whole_to, hi + 1, others, lo, hi - lo + 1;
    IF cardinality(vals) IS DISTINCT FROM hi - lo + 1 THEN
      -- the grid and the indexes disagree (never expected): the row-by-row answer stands
      RAISE WARNING 'kpi.cart_journey(%, %): stage % counts % timed carts but its index walk disagrees; read row by row', from_ts, to_ts, s, total;
      RETURN QUERY EXECUTE by_rows USING from_ts, to_ts;
      RETURN;
    END IF;
    st_med[s] := vals[1] + ((0.5::float8 * (total - 1) - lo) * (vals[cardinality(vals)] - vals[1]));
  END LOOP;

  RETURN QUERY
  SELECT x.no, x.name, x.n, kpi.rate(x.n, st_carts[1]), kpi.money(x.cents), round((x.med / 3600.0)::numeric, 2)
  FROM (VALUES
    (1, 'cart_created', st_carts[1], st_cents[1], NULL::float8), (2, 'abandoned', st_carts[2], st_cents[2], st_med[2]), (3, 'email_1_sent', st_carts[3], st_cents[3], st_med[3]),
    (4, 'email_2_sent', st_carts[4], st_cents[4], st_med[4]), (5, 'email_3_sent', st_carts[5], st_cents[5], st_med[5]), (6, 'opened', st_carts[6], st_cents[6], st_med[6]),
    (7, 'clicked', st_carts[7], st_cents[7], st_med[7]), (8, 'recovered', st_carts[8], st_cents[8], st_med[8])) x(no, name, n, cents, med)
  ORDER BY x.no;
END
$f$;

-- ------------------------------------------------------------------ recovery by segment
-- The carts of kpi.cart_journey_carts_in(from_ts − 7 days, to_ts, ...) whose first recovery email
-- was sent in [from_ts, to_ts) (outcomes known at to_ts): what recovery_by_segment and
-- recovery_by_email_step count. Spelled out so that the kept rows are read by their first email:
-- carts created up to 7 days before the range can have their first email in it. Kept rows stand
-- when their horizon is before to_ts; the range's other carts are followed live and kept when
-- their first email (as known at to_ts) is in the range.
CREATE FUNCTION kpi.recovery_first_emailed_carts(from_ts timestamptz, to_ts timestamptz)
RETURNS TABLE (cart_id text, customer_id text, customer_type text, sent1_at timestamptz, sent2_at timestamptz, sent3_at timestamptz,
               recovered boolean, recovered_cents bigint, recovered_step smallint)
LANGUAGE sql STABLE SECURITY DEFINER
SET search_path = pg_catalog, public
-- a year's carts: their sorts and hashes stay in memory
SET work_mem = '64MB'
AS $$
  SELECT f.cart_id, f.customer_id, f.customer_type, f.sent1_at, f.sent2_at, f.sent3_at, f.recovered, f.recovered_cents,
         f.recovered_step
  FROM public.cart_journey_facts f
  WHERE f.first_sent_at >= $1 AND f.first_sent_at < $2
    AND f.created_at >= $1 - INTERVAL '7 days' AND f.created_at < $2 AND f.horizon < $2
  UNION ALL
  SELECT r.cart_id, r.customer_id, r.customer_type, r.sent1_at, r.sent2_at, r.sent3_at, r.recovered, r.recovered_cents,
         r.recovered_step
  FROM public.cart_journey_rows($1 - INTERVAL '7 days', $2, ARRAY(
         SELECT f.cart_id FROM public.cart_journey_facts f
         WHERE f.created_at >= $1 - INTERVAL '7 days' AND f.created_at < $2 AND f.horizon >= $2)) r
  WHERE r.first_sent_at >= $1 AND r.first_sent_at < $2
$$;

-- The span of whole local days a long range reads from the grid (see recovery_first_emailed_rest);
-- NULL for a range read whole as kpi.recovery_first_emailed_carts gives it: an unbounded one, or
-- one shorter than 28 days (its carts cost about what the grid's cells and edges cost: at a
-- year of 1× history the grid reads cost ~2.5-3 ms from 14 days on, the plain read 2.6 ms at 14
-- days, 3.5 ms at 30, 27 ms at 365).
CREATE FUNCTION kpi.recovery_grid_span(from_ts timestamptz, to_ts timestamptz, OUT whole_from timestamptz, OUT whole_to timestamptz)
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, public
AS $$
BEGIN
  IF isfinite(from_ts) AND isfinite(to_ts) AND to_ts - from_ts >= INTERVAL '28 days' THEN
    SELECT w.whole_from, w.whole_to INTO whole_from, whole_to
    FROM kpi.whole_days_span(greatest(from_ts, (from_ts - INTERVAL '7 days') + INTERVAL '168 hours'), to_ts) w;
  END IF;
END
$$;

-- Long ranges of recovery_by_segment and recovery_by_email_step take the first-emailed carts of
-- their whole local days [whole_from, whole_to) from the grid of kept rows (0210: a finite horizon,
-- the first email less than 7 × 24 hours after creation and not before it), the cells whose
-- horizon_before <= whole_to (horizon < to_ts: the kept row is the as-of-to_ts row). The span is
-- taken from no earlier than (from_ts − 7 days) + 7 × 24 hours, so that every counted cart of it
-- was created at or after from_ts − 7 days as the session's zone reckons it (a week across a
-- change of clocks is an hour shorter or longer). This returns every other cart of
-- kpi.recovery_first_emailed_carts(from_ts, to_ts), each once: kept rows (horizon < to_ts) first
-- emailed at the range's edges, kept rows of the span counted in the grid but with a horizon on or
-- after whole_to, kept rows of the span the grid does not count, and (live = true) the carts
-- followed live as there (horizon on or after to_ts, infinity included). Without a span (a
-- short or unbounded range) that is every cart of kpi.recovery_first_emailed_carts.
CREATE FUNCTION kpi.recovery_first_emailed_rest(from_ts timestamptz, to_ts timestamptz)
RETURNS TABLE (cart_id text, customer_id text, customer_type text, sent1_at timestamptz, sent2_at timestamptz, sent3_at timestamptz,
               recovered boolean, recovered_cents bigint, recovered_step smallint, live boolean)
LANGUAGE plpgsql STABLE SECURITY DEFINER
SET search_path = pg_catalog, public
SET work_mem = '64MB'
AS $$
DECLARE
  span record := kpi.recovery_grid_span(from_ts, to_ts);
BEGIN
  -- EXECUTE plans with the range's values (index ranges of the instants, not a generic plan).
  RETURN QUERY EXECUTE $q$
    SELECT f.cart_id, f.customer_id, f.customer_type, f.sent1_at, f.sent2_at, f.sent3_at, f.recovered, f.recovered_cents,
           f.recovered_step, false
    FROM public.cart_journey_facts f
    WHERE f.first_sent_at >= $1 AND f.first_sent_at < $3
      AND f.created_at >= $5 AND f.created_at < $2 AND f.horizon < $2
    UNION ALL
    SELECT f.cart_id, f.customer_id, f.customer_type, f.sent1_at, f.sent2_at, f.sent3_at, f.recovered, f.recovered_cents,
           f.recovered_step, false
    FROM public.cart_journey_facts f
    WHERE f.first_sent_at >= $4 AND f.first_sent_at < $2
      AND f.created_at >= $5 AND f.created_at < $2 AND f.horizon < $2
    UNION ALL
    -- counted in the grid, but the horizon is on or after the span's end (by the horizon index)
    SELECT f.cart_id, f.customer_id, f.customer_type, f.sent1_at, f.sent2_at, f.sent3_at, f.recovered, f.recovered_cents,
           f.recovered_step, false
    FROM public.cart_journey_facts f
    WHERE f.horizon >= $4 AND f.horizon < $2 AND f.created_at >= $5 AND f.created_at < $2
      AND f.first_sent_at >= $3 AND f.first_sent_at < $4
      AND f.first_sent_at >= f.created_at AND f.first_sent_at - f.created_at < INTERVAL '7 days'
    UNION ALL
    -- not counted in the grid (by its partial index)
    SELECT f.cart_id, f.customer_id, f.customer_type, f.sent1_at, f.sent2_at, f.sent3_at, f.recovered, f.recovered_cents,
           f.recovered_step, false
    FROM public.cart_journey_facts f
    WHERE f.first_sent_at IS NOT NULL AND (f.first_sent_at < f.created_at OR f.first_sent_at - f.created_at >= INTERVAL '7 days')
      AND f.first_sent_at >= $3 AND f.first_sent_at < $4
      AND f.created_at >= $5 AND f.created_at < $2 AND f.horizon < $2
    UNION ALL
    SELECT r.cart_id, r.customer_id, r.customer_type, r.sent1_at, r.sent2_at, r.sent3_at, r.recovered, r.recovered_cents,
           r.recovered_step, true
    FROM public.cart_journey_rows($5, $2, ARRAY(
           SELECT f.cart_id FROM public.cart_journey_facts f
           WHERE f.created_at >= $5 AND f.created_at < $2 AND f.horizon >= $2)) r
    WHERE r.first_sent_at >= $1 AND r.first_sent_at < $2
  $q$ USING from_ts, to_ts, coalesce(span.whole_from, to_ts), coalesce(span.whole_to, to_ts), from_ts - INTERVAL '7 days';
END
$$;

-- Carts whose first recovery email was sent in [from_ts, to_ts) (outcomes known at to_ts), by
-- dimension: customer_type (new / returning / guest when the cart was created), rfm_segment (the
-- customer's RFM segment as of from_ts; not_scored = no valid order in the year before, guest =
-- no customer) and email_step (carts sent that step; recovered = recovered by that step, i.e. it
-- was the last email before the order).
-- A long range sums the grid (0210) for its whole days and adds the rest of its carts
-- (recovery_first_emailed_rest). Only customers with a valid order in the 365 days before
-- from_ts can have a segment: their carts of the range are found by customer and scored; guest
-- carts are those without a customer (customer_type 'guest' exactly then) and not_scored is the
-- rest. When those customers' orders outnumber the range's emailed carts, the range's carts are
-- read and scored as a short range's are, which then costs less.
CREATE FUNCTION kpi.recovery_by_segment(from_ts timestamptz, to_ts timestamptz)
RETURNS TABLE (dimension text, segment text, carts_emailed bigint, carts_recovered bigint, recovery_rate numeric, recovered_revenue numeric)
LANGUAGE plpgsql STABLE SECURITY DEFINER
SET search_path = pg_catalog, public
-- a year's carts: their sorts and hashes stay in memory
SET work_mem = '64MB'
AS $$
DECLARE
  span record;
  grid_carts bigint;
BEGIN
  span := kpi.recovery_grid_span(from_ts, to_ts);
  IF span.whole_from IS NOT NULL THEN
    SELECT coalesce(sum(g.carts), 0) INTO grid_carts FROM public.recovery_segment_cells g
    WHERE g.time >= span.whole_from AND g.time < span.whole_to AND g.horizon_before <= span.whole_to;
    IF (SELECT count(*) FROM (SELECT 1 FROM public.customer_valid_orders v
                              WHERE v.placed_at >= from_ts - INTERVAL '365 days' AND v.placed_at < from_ts
                              LIMIT grid_carts + 1) v) <= grid_carts THEN
      RETURN QUERY EXECUTE $q$
        WITH o AS MATERIALIZED (
          SELECT * FROM kpi.recovery_first_emailed_rest($1, $2)
        ), g AS MATERIALIZED (
          SELECT g.customer_type, sum(g.carts) AS n, sum(g.carts_recovered) AS r, sum(g.recovered_cents) AS c,
                 sum(g.sent1) AS n1, sum(g.recovered1) AS r1, sum(g.recovered1_cents) AS c1,
                 sum(g.sent2) AS n2, sum(g.recovered2) AS r2, sum(g.recovered2_cents) AS c2,
                 sum(g.sent3) AS n3, sum(g.recovered3) AS r3, sum(g.recovered3_cents) AS c3
          FROM public.recovery_segment_cells g
          WHERE g.time >= $3 AND g.time < $4 AND g.horizon_before <= $4
          GROUP BY g.customer_type
        ), ct AS (
          SELECT x.customer_type, sum(x.n) AS n, sum(x.r) AS r, sum(x.c) AS c
          FROM (SELECT g.customer_type, g.n, g.r, g.c FROM g
                UNION ALL
                SELECT o.customer_type, count(*), count(*) FILTER (WHERE o.recovered),
                       coalesce(sum(o.recovered_cents) FILTER (WHERE o.recovered), 0)
                FROM o GROUP BY o.customer_type) x
          GROUP BY x.customer_type
        ), guest AS (
          SELECT sum(x.n) AS n, sum(x.r) AS r, sum(x.c) AS c
          FROM (SELECT g.n, g.r, g.c FROM g WHERE g.customer_type = 'guest'
                UNION ALL
                SELECT count(*), count(*) FILTER (WHERE o.recovered), coalesce(sum(o.recovered_cents) FILTER (WHERE o.recovered), 0)
                FROM o WHERE o.customer_id IS NULL) x
        ), m AS MATERIALIZED (
          -- the customers who can have a segment: the year's orders by placed_at (a skip scan of
          -- the customer index walks every customer)
          SELECT DISTINCT v.customer_id
          FROM (SELECT v.customer_id FROM public.customer_valid_orders v WHERE v.placed_at >= $5 AND v.placed_at < $1 OFFSET 0) v
        ), mc AS MATERIALIZED (
          -- their carts: by customer (kept rows before their horizon), and those followed live
          SELECT f.customer_id, f.recovered, f.recovered_cents
          FROM m
          CROSS JOIN LATERAL (SELECT f.customer_id, f.recovered, f.recovered_cents, f.first_sent_at, f.horizon
                              FROM public.cart_journey_facts f
                              WHERE f.customer_id = m.customer_id AND f.created_at >= $6 AND f.created_at < $2 OFFSET 0) f
          WHERE f.first_sent_at >= $1 AND f.first_sent_at < $2 AND f.horizon < $2
          UNION ALL
          SELECT o.customer_id, o.recovered, o.recovered_cents FROM o
          WHERE o.live AND o.customer_id IN (SELECT m.customer_id FROM m)
        ), scored AS (
          SELECT s.segment, count(*) AS n, count(*) FILTER (WHERE mc.recovered) AS r,
                 coalesce(sum(mc.recovered_cents) FILTER (WHERE mc.recovered), 0) AS c
          FROM mc
          JOIN kpi.rfm_segment_of_customers($1, ARRAY(SELECT DISTINCT mc.customer_id FROM mc)) s ON s.customer_id = mc.customer_id
          GROUP BY s.segment
        ), steps AS (
          SELECT x.step, sum(x.n) AS n, sum(x.r) AS r, sum(x.c) AS c
          FROM (SELECT x.step, count(*) AS n, count(*) FILTER (WHERE o.recovered AND o.recovered_step = x.step) AS r,
                       coalesce(sum(o.recovered_cents) FILTER (WHERE o.recovered AND o.recovered_step = x.step), 0) AS c
                FROM o CROSS JOIN LATERAL (VALUES (1::smallint, o.sent1_at), (2::smallint, o.sent2_at), (3::smallint, o.sent3_at)) x(step, at)
                WHERE x.at IS NOT NULL
                GROUP BY x.step
                UNION ALL
                SELECT x.step, x.n, x.r, x.c
                FROM g CROSS JOIN LATERAL (VALUES (1::smallint, g.n1, g.r1, g.c1), (2::smallint, g.n2, g.r2, g.c2),
                                                  (3::smallint, g.n3, g.r3, g.c3)) x(step, n, r, c)) x
          GROUP BY x.step
        ), rows AS (
          SELECT 1 AS ord, 'customer_type' AS dimension, ct.customer_type AS segment, ct.n, ct.r, ct.c FROM ct
          UNION ALL
          SELECT 2, 'rfm_segment', 'guest', guest.n, guest.r, guest.c FROM guest
          UNION ALL
          SELECT 2, 'rfm_segment', scored.segment, scored.n, scored.r, scored.c FROM scored
          UNION ALL
          SELECT 2, 'rfm_segment', 'not_scored', t.n - coalesce(guest.n, 0) - coalesce(s.n, 0), t.r - coalesce(guest.r, 0) - coalesce(s.r, 0),
                 t.c - coalesce(guest.c, 0) - coalesce(s.c, 0)
          FROM (SELECT sum(ct.n) AS n, sum(ct.r) AS r, sum(ct.c) AS c FROM ct) t
          CROSS JOIN guest
          CROSS JOIN (SELECT sum(scored.n) AS n, sum(scored.r) AS r, sum(scored.c) AS c FROM scored) s
          UNION ALL
          SELECT 3, 'email_step', 'email_' || steps.step, steps.n, steps.r, steps.c FROM steps
        )
        SELECT rows.dimension, rows.segment, rows.n::bigint, rows.r::bigint, kpi.rate(rows.r, rows.n), kpi.money(coalesce(rows.c, 0))
        FROM rows WHERE rows.n > 0
        ORDER BY rows.ord, rows.segment
      $q$ USING from_ts, to_ts, span.whole_from, span.whole_to, from_ts - INTERVAL '365 days', from_ts - INTERVAL '7 days';
      RETURN;
    END IF;
  END IF;
  RETURN QUERY EXECUTE $q$
    WITH j AS (
      SELECT * FROM kpi.recovery_first_emailed_carts($1, $2)
    ), rfm AS (
      -- the segments of the range's customers only (kpi.rfm_segment_of_customers: the same segment
      -- rfm_customers_at($1) gives, without scoring and naming every customer)
      SELECT s.customer_id, s.segment
      FROM kpi.rfm_segment_of_customers($1, ARRAY(SELECT DISTINCT j.customer_id FROM j WHERE j.customer_id IS NOT NULL)) s
    ),
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
  $q$ USING from_ts, to_ts;
END
$$;

-- The email_step rows of recovery_by_segment (segment = 'email_1', ...), without the customer
-- type and RFM rows: the RFM scoring of the range's customers is most of that function's cost. A
-- long range sums the grid for its whole days and adds the rest of its carts, as there.
CREATE FUNCTION kpi.recovery_by_email_step(from_ts timestamptz, to_ts timestamptz)
RETURNS TABLE (segment text, carts_emailed bigint, carts_recovered bigint, recovery_rate numeric, recovered_revenue numeric)
LANGUAGE plpgsql STABLE SECURITY DEFINER
SET search_path = pg_catalog, public
SET work_mem = '64MB'
AS $$
DECLARE
  span record;
BEGIN
  span := kpi.recovery_grid_span(from_ts, to_ts);
  IF span.whole_from IS NOT NULL THEN
    RETURN QUERY EXECUTE $q$
      SELECT 'email_' || x.step, sum(x.n)::bigint, sum(x.r)::bigint, kpi.rate(sum(x.r), sum(x.n)), kpi.money(coalesce(sum(x.c), 0))
      FROM (SELECT x.step, count(*) AS n, count(*) FILTER (WHERE j.recovered AND j.recovered_step = x.step) AS r,
                   coalesce(sum(j.recovered_cents) FILTER (WHERE j.recovered AND j.recovered_step = x.step), 0) AS c
            FROM kpi.recovery_first_emailed_rest($1, $2) j
            CROSS JOIN LATERAL (VALUES (1::smallint, j.sent1_at), (2::smallint, j.sent2_at), (3::smallint, j.sent3_at)) x(step, at)
            WHERE x.at IS NOT NULL
            GROUP BY x.step
            UNION ALL
            SELECT x.step, x.n, x.r, x.c
            FROM (SELECT sum(g.sent1) AS n1, sum(g.recovered1) AS r1, sum(g.recovered1_cents) AS c1,
                         sum(g.sent2) AS n2, sum(g.recovered2) AS r2, sum(g.recovered2_cents) AS c2,
                         sum(g.sent3) AS n3, sum(g.recovered3) AS r3, sum(g.recovered3_cents) AS c3
                  FROM public.recovery_segment_cells g
                  WHERE g.time >= $3 AND g.time < $4 AND g.horizon_before <= $4) g
            CROSS JOIN LATERAL (VALUES (1::smallint, g.n1, g.r1, g.c1), (2::smallint, g.n2, g.r2, g.c2),
                                       (3::smallint, g.n3, g.r3, g.c3)) x(step, n, r, c)) x
      GROUP BY x.step
      HAVING sum(x.n) > 0
      ORDER BY 'email_' || x.step
    $q$ USING from_ts, to_ts, span.whole_from, span.whole_to;
    RETURN;
  END IF;
  RETURN QUERY EXECUTE $q$
    SELECT 'email_' || x.step, count(*), count(*) FILTER (WHERE j.recovered AND j.recovered_step = x.step),
           kpi.rate(count(*) FILTER (WHERE j.recovered AND j.recovered_step = x.step), count(*)),
           kpi.money(coalesce(sum(j.recovered_cents) FILTER (WHERE j.recovered AND j.recovered_step = x.step), 0))
    FROM kpi.recovery_first_emailed_carts($1, $2) j
    CROSS JOIN LATERAL (VALUES (1::smallint, j.sent1_at), (2::smallint, j.sent2_at), (3::smallint, j.sent3_at)) x(step, at)
    WHERE x.at IS NOT NULL
    GROUP BY x.step ORDER BY 'email_' || x.step
  $q$ USING from_ts, to_ts;
END
$$;

-- ------------------------------------------------------------------ ROI for a range
-- A recovery campaign's cost is spread evenly over its days: the local days from its start
-- (started_at, else its first email) to the day of its last email. A day belongs to the range
-- when it starts inside [from_ts, to_ts). Recovered revenue: carts recovered (order placed) in
-- the range whose recovering email was this campaign's. recovery_roi = recovered ÷ cost in range.
CREATE FUNCTION kpi.recovery_roi_range(from_ts timestamptz, to_ts timestamptz)
RETURNS TABLE (campaign_id text, campaign_name text, recovery_step smallint, campaign_cost numeric, campaign_days int,
               cost_per_day numeric, days_in_range int, cost_in_range numeric, carts_recovered bigint,
               recovered_revenue numeric, recovery_roi numeric)
LANGUAGE plpgsql STABLE SECURITY DEFINER
SET search_path = pg_catalog, public
AS $f$
BEGIN
  -- EXECUTE plans with the range's values: the carts followed live (horizon at or after to_ts)
  -- are then found by the horizon index, not by reading the creation index over the range.
  RETURN QUERY EXECUTE $q$
  WITH ends AS (
    -- first and last email of each campaign: index ends of the trigger-kept email copies (0110)
    SELECT k.campaign_id, k.name, k.recovery_step, k.cost_cents, k.started_at,
           least((SELECT min(e.sent_at) FROM public.recovery_email_rows e WHERE e.campaign_id = k.campaign_id),
                 (SELECT min(c.sent_at) FROM public.recovery_emailed_carts c WHERE c.campaign_id = k.campaign_id AND NOT c.has_email_rows)) AS first_at,
           greatest((SELECT max(e.sent_at) FROM public.recovery_email_rows e WHERE e.campaign_id = k.campaign_id),
                    (SELECT max(c.sent_at) FROM public.recovery_emailed_carts c WHERE c.campaign_id = k.campaign_id AND NOT c.has_email_rows)) AS last_at
    FROM public.campaigns k
    WHERE k.kind = 'cart_recovery'
  ), span AS (
    SELECT e.campaign_id, e.name, e.recovery_step, e.cost_cents,
           kpi.local_day(coalesce(e.started_at, e.first_at)) AS d0,
           greatest(kpi.local_day(coalesce(e.started_at, e.first_at)), kpi.local_day(e.last_at)) AS d1
    FROM ends e
  ), days AS (
    SELECT s.*, coalesce(s.d1 - s.d0 + 1, 0) AS n,
           (SELECT count(*) FROM generate_series(s.d0::timestamp, s.d1::timestamp, INTERVAL '1 day') g
             WHERE kpi.day_start(g::date) >= $1 AND kpi.day_start(g::date) < $2)::int AS n_in
    FROM span s
  ), rec AS (
    -- cart_journey_carts($1 - 30 days, $2) restricted to its recovered carts with the order in the
    -- range, read only for carts marked recovered by email with an order: recovered there = that
    -- order is valid and placed before to_ts and an email was sent before it; the recovering email
    -- is the last one sent up to the order (later step first on a tie). Kept journey rows before
    -- their horizon answer it (recovered_step is set when an email was sent up to the order), by
    -- the partial index of recovered carts; the range's other carts are followed per cart below.
    SELECT x.campaign_id, sum(x.carts)::bigint AS carts, sum(x.cents) AS cents
    FROM (
      SELECT f.recovered_campaign_id AS campaign_id, count(*) AS carts, sum(f.recovered_cents) AS cents
      FROM public.cart_journey_facts f
      WHERE f.recovered AND f.created_at >= $1 - INTERVAL '30 days' AND f.created_at < $2 AND f.horizon < $2
        AND f.recovered_step IS NOT NULL AND f.recovered_at >= $1 AND f.recovered_at < $2
      GROUP BY f.recovered_campaign_id
      UNION ALL
      SELECT m.campaign_id, count(*), sum(o.net_cents)
      FROM (SELECT f.* FROM public.cart_journey_facts f
            WHERE (f.cart_id, f.created_at) IN (SELECT g.cart_id, g.created_at FROM public.cart_journey_facts g
                                                WHERE g.created_at >= $1 - INTERVAL '30 days' AND g.created_at < $2 AND g.horizon >= $2)) c
      CROSS JOIN LATERAL (SELECT o.placed_at, o.net_cents FROM public.order_keys o
                          WHERE o.order_id = c.order_id AND o.valid AND o.placed_at >= $1 AND o.placed_at < $2 OFFSET 0) o
      CROSS JOIN LATERAL (
        SELECT x.campaign_id FROM (
          SELECT e.campaign_id, e.sent_at, e.step FROM public.recovery_email_rows e
          WHERE e.cart_id = c.cart_id AND e.sent_at <= o.placed_at
          UNION ALL
          SELECT r.campaign_id, r.sent_at, coalesce(k.recovery_step, 1)::smallint
          FROM (SELECT r.* FROM public.recovery_emailed_carts r WHERE r.cart_id = c.cart_id OFFSET 0) r
          LEFT JOIN public.campaigns k ON k.campaign_id = r.campaign_id
          WHERE NOT r.has_email_rows AND r.sent_at <= o.placed_at
        ) x
        ORDER BY x.sent_at DESC, x.step DESC LIMIT 1) m
      WHERE c.recovered_by_email AND c.order_id IS NOT NULL
      GROUP BY m.campaign_id
    ) x
    GROUP BY x.campaign_id
  )
  SELECT d.campaign_id, d.name, d.recovery_step, kpi.money(d.cost_cents), d.n,
         round(d.cost_cents / 100.0 / NULLIF(d.n, 0), 2),
         d.n_in,
         round(coalesce(d.cost_cents / 100.0 * d.n_in / NULLIF(d.n, 0), 0), 2),
         coalesce(r.carts, 0), kpi.money(coalesce(r.cents, 0)),
         round(coalesce(r.cents, 0) / 100.0 / NULLIF(d.cost_cents / 100.0 * d.n_in / NULLIF(d.n, 0), 0), 4)
  FROM days d LEFT JOIN rec r ON r.campaign_id = d.campaign_id
  ORDER BY d.recovery_step, d.campaign_id
  $q$ USING from_ts, to_ts;
END
$f$;

-- ------------------------------------------------------------------ products
-- SKUs in the abandoned carts created in the range (cart lines): carts, units, value (line
-- subtotals), and how many of those carts were recovered. The range's whole local days are read
-- from the grid of kept abandoned carts (0200) for the carts whose horizon is before the end of
-- those days (their journey at to_ts is the kept one); the range's other carts (edge days, later
-- horizons, horizon = infinity) are joined with their lines as kpi.cart_journey_carts($1, $2)
-- gives them. A cart of the grid is the only row of its cart_id, so the sums per sku add up to
-- the distinct carts of the range.
CREATE FUNCTION kpi.abandoned_products(from_ts timestamptz, to_ts timestamptz, max_rows int DEFAULT 10)
RETURNS TABLE (rank bigint, sku text, name text, carts bigint, units bigint, value numeric, carts_recovered bigint)
LANGUAGE plpgsql STABLE SECURITY DEFINER
SET search_path = pg_catalog, public
-- the range's edge carts: their sorts and hashes stay in memory
SET work_mem = '64MB'
AS $$
DECLARE
  -- no whole day (an unbounded range too): an empty span at the later end, all of it row by row
  whole_from timestamptz := greatest(from_ts, to_ts);
  whole_to timestamptz := greatest(from_ts, to_ts);
BEGIN
  IF isfinite(from_ts) AND isfinite(to_ts) THEN
    SELECT w.whole_from, w.whole_to INTO whole_from, whole_to FROM kpi.whole_days_span(from_ts, to_ts) w;
  END IF;
  -- EXECUTE plans with the range's values (index ranges of the instants, not a generic plan).
  RETURN QUERY EXECUTE $q$
    WITH c AS MATERIALIZED (
      -- the few carts of the whole days whose horizon is on or after their end (kept rows before
      -- their horizon, by the horizon index), and the range's others followed live
      SELECT f.cart_id, f.created_at, f.recovered FROM public.cart_journey_facts f
      WHERE f.created_at >= $3 AND f.created_at < $4 AND f.horizon >= $4 AND f.horizon < $2 AND f.abandoned_at IS NOT NULL
      UNION ALL
      SELECT r.cart_id, r.created_at, r.recovered
      FROM public.cart_journey_rows($1, $2, ARRAY(SELECT f.cart_id FROM public.cart_journey_facts f
                                                  WHERE f.created_at >= $1 AND f.created_at < $2 AND f.horizon >= $2)) r
      WHERE r.abandoned_at IS NOT NULL
    ), j AS (
      -- the cart lines of the range's carts outside the grid: kept rows before their horizon of
      -- the edge days (their lines by the same creation range, so only its chunks are read) ...
      SELECT f.cart_id, f.recovered, l.sku, l.quantity, l.line_subtotal_cents
      FROM public.cart_journey_facts f
      JOIN public.cart_lines l ON l.cart_id = f.cart_id AND l.created_at = f.created_at AND l.created_at >= $1 AND l.created_at < $3
      WHERE f.created_at >= $1 AND f.created_at < $3 AND f.horizon < $2 AND f.abandoned_at IS NOT NULL
      UNION ALL
      SELECT f.cart_id, f.recovered, l.sku, l.quantity, l.line_subtotal_cents
      FROM public.cart_journey_facts f
      JOIN public.cart_lines l ON l.cart_id = f.cart_id AND l.created_at = f.created_at AND l.created_at >= $4 AND l.created_at < $2
      WHERE f.created_at >= $4 AND f.created_at < $2 AND f.horizon < $2 AND f.abandoned_at IS NOT NULL
      UNION ALL
      -- ... and the others above, their lines from the earliest one's creation on (mostly the
      -- last days: a probe per cart would try every chunk of the range)
      SELECT c.cart_id, c.recovered, l.sku, l.quantity, l.line_subtotal_cents
      FROM c
      JOIN public.cart_lines l ON l.cart_id = c.cart_id AND l.created_at = c.created_at
      WHERE l.created_at >= $1 AND l.created_at < $2 AND l.created_at >= (SELECT min(m.created_at) FROM c m)
    ), a AS (
      SELECT j.sku, count(DISTINCT j.cart_id) AS carts, sum(j.quantity)::bigint AS units, sum(j.line_subtotal_cents) AS cents,
             count(DISTINCT j.cart_id) FILTER (WHERE j.recovered) AS rec
      FROM j
      GROUP BY j.sku
      UNION ALL
      SELECT g.sku, sum(g.carts), sum(g.units), sum(g.cents), sum(g.carts_recovered)
      FROM public.abandoned_product_cells g
      WHERE g.time >= $3 AND g.time < $4 AND g.horizon_before <= $4
      GROUP BY g.sku
    ), t AS (
      SELECT a.sku, sum(a.carts)::bigint AS carts, sum(a.units)::bigint AS units, sum(a.cents) AS cents, sum(a.rec)::bigint AS rec
      FROM a GROUP BY a.sku
    )
    SELECT row_number() OVER (ORDER BY t.cents DESC, t.carts DESC, t.sku), t.sku, p.name, t.carts, t.units, kpi.money(t.cents), t.rec
    FROM t LEFT JOIN public.products p ON p.sku = t.sku
    ORDER BY t.cents DESC, t.carts DESC, t.sku
    LIMIT $5
  $q$ USING from_ts, to_ts, whole_from, whole_to, max_rows;
END
$$;

-- SKUs of the orders that recovered carts created in the range: carts, units, revenue (line
-- subtotal − allocated discount, before refunds).
CREATE FUNCTION kpi.recovered_products(from_ts timestamptz, to_ts timestamptz, max_rows int DEFAULT 10)
RETURNS TABLE (rank bigint, sku text, name text, carts bigint, units bigint, revenue numeric)
LANGUAGE plpgsql STABLE SECURITY DEFINER
SET search_path = pg_catalog, public
AS $$
BEGIN
  -- The recovered carts of kpi.cart_journey_carts(from_ts, to_ts): kept rows before their horizon
  -- (by the partial index of recovered carts), and live the range's others marked recovered by
  -- email that name an order (no other cart can be recovered); then their orders' valid lines.
  -- The lines are joined by order_id, which is not the chunking column of order_lines. For a
  -- range of up to 90 days the join also bounds placed_at: a line carries the placed_at of its
  -- order's row (0001: the loader keeps them in step), so no line of these orders is older than
  -- the earliest row of any of them in order_keys (one row per order row, whatever its status),
  -- and only the chunks from there on are read. A longer range reaches back over most of the
  -- history, where one hash of every line costs less than the probes that find the bound. Both
  -- forms count the same lines.
  IF to_ts - from_ts <= INTERVAL '90 days' THEN
    RETURN QUERY
    WITH j AS MATERIALIZED (
      SELECT f.cart_id, f.valid_order_id AS order_id FROM public.cart_journey_facts f
      WHERE f.recovered AND f.created_at >= from_ts AND f.created_at < to_ts AND f.horizon < to_ts
      UNION ALL
      SELECT r.cart_id, r.order_id
      FROM public.cart_journey_rows(from_ts, to_ts, ARRAY(
             SELECT f.cart_id FROM public.cart_journey_facts f
             WHERE (f.cart_id, f.created_at) IN (SELECT g.cart_id, g.created_at FROM public.cart_journey_facts g
                                                 WHERE g.created_at >= from_ts AND g.created_at < to_ts AND g.horizon >= to_ts)
               AND f.recovered_by_email AND f.order_id IS NOT NULL)) r
      WHERE r.recovered
    ), a AS (
      SELECT l.sku, count(DISTINCT j.cart_id) AS carts, sum(l.quantity)::bigint AS units,
             sum(l.line_subtotal_cents - l.allocated_discount_cents) AS cents
      FROM j
      JOIN public.order_lines l ON l.order_id = j.order_id AND l.order_valid
      WHERE l.placed_at >= (SELECT min(k.placed_at) FROM j JOIN public.order_keys k ON k.order_id = j.order_id)
      GROUP BY l.sku
    )
    SELECT row_number() OVER (ORDER BY a.cents DESC, a.carts DESC, a.sku), a.sku, p.name, a.carts, a.units, kpi.money(a.cents)
    FROM a LEFT JOIN public.products p ON p.sku = a.sku
    ORDER BY a.cents DESC, a.carts DESC, a.sku
    LIMIT max_rows;
    RETURN;
  END IF;
  RETURN QUERY
  WITH a AS (
    SELECT l.sku, count(DISTINCT j.cart_id) AS carts, sum(l.quantity)::bigint AS units,
           sum(l.line_subtotal_cents - l.allocated_discount_cents) AS cents
    FROM (SELECT f.cart_id, f.valid_order_id AS order_id FROM public.cart_journey_facts f
          WHERE f.recovered AND f.created_at >= from_ts AND f.created_at < to_ts AND f.horizon < to_ts
          UNION ALL
          SELECT r.cart_id, r.order_id
          FROM public.cart_journey_rows(from_ts, to_ts, ARRAY(
                 SELECT f.cart_id FROM public.cart_journey_facts f
                 WHERE (f.cart_id, f.created_at) IN (SELECT g.cart_id, g.created_at FROM public.cart_journey_facts g
                                                     WHERE g.created_at >= from_ts AND g.created_at < to_ts AND g.horizon >= to_ts)
                   AND f.recovered_by_email AND f.order_id IS NOT NULL)) r
          WHERE r.recovered) j
    JOIN public.order_lines l ON l.order_id = j.order_id AND l.order_valid
    GROUP BY l.sku
  )
  SELECT row_number() OVER (ORDER BY a.cents DESC, a.carts DESC, a.sku), a.sku, p.name, a.carts, a.units, kpi.money(a.cents)
  FROM a LEFT JOIN public.products p ON p.sku = a.sku
  ORDER BY a.cents DESC, a.carts DESC, a.sku
  LIMIT max_rows;
END
$$;
