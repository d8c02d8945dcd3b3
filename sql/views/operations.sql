-- requires: helpers
-- Operations family (docs/kpis.md "Operations"). Orders are attributed to the local day they were placed.
-- Verification KPIs cover all non-test orders that required verification (a cancellation is
-- often the outcome of a failed verification, so cancelled orders stay in); shipping time covers
-- valid orders only. The completion rate only counts orders older than 72 h before `at`, since
-- younger ones may still be verified.

-- The orders placed in [from_ts, to_ts) as of `at`, with their verification, refund and shipping
-- facts, read from order_summaries (0105: one row per orders row with the order's first verified
-- verification, first refund for a failed or missing verification and first shipment, trigger-
-- kept): the earliest such row at or before `at` is the first one if that is at or before `at`,
-- else there is none, so the "as of" answer is exact for every instant. The function is plain
-- SQL without SECURITY DEFINER or settings so that a caller's query inlines it: its callers are
-- SECURITY DEFINER themselves, and an inlined body with known bounds reads just the range by the
-- placed_at index. Every name is schema-qualified for that reason.
CREATE FUNCTION kpi.order_operations_in(at timestamptz, from_ts timestamptz, to_ts timestamptz)
RETURNS TABLE (
  order_id text, placed_at timestamptz, day date, requires_verification boolean, matured boolean,
  verified_at timestamptz, refunded_unverified boolean, valid boolean, shipped_at timestamptz
)
LANGUAGE sql STABLE
AS $$
  SELECT o.order_id, o.placed_at, kpi.local_day(o.placed_at), o.requires_verification,
         o.placed_at <= $1 - INTERVAL '72 hours',
         CASE WHEN o.first_verified_at <= $1 THEN o.first_verified_at END,
         coalesce(o.first_verification_refund_at <= $1, false),
         o.status <> 'cancelled',
         CASE WHEN o.first_shipped_at <= $1 THEN o.first_shipped_at END
  FROM public.order_summaries o
  WHERE NOT o.is_test AND o.placed_at <= $1 AND o.placed_at >= $2 AND o.placed_at < $3
$$;

CREATE FUNCTION kpi.order_operations_at(at timestamptz)
RETURNS TABLE (
  order_id text, placed_at timestamptz, day date, requires_verification boolean, matured boolean,
  verified_at timestamptz, refunded_unverified boolean, valid boolean, shipped_at timestamptz
)
LANGUAGE sql STABLE SECURITY DEFINER
SET search_path = pg_catalog, public
AS $$
  SELECT * FROM kpi.order_operations_in($1, '-infinity', 'infinity')
$$;

CREATE FUNCTION kpi.operations_at(at timestamptz)
RETURNS TABLE (
  "time" timestamptz, day date,
  verification_required bigint, verification_required_matured bigint, verified_matured bigint,
  verification_completion_rate numeric, verified_orders bigint, time_to_verification_hours numeric,
  refunded_unverified bigint, refund_rate_unverified numeric,
  shipped_orders bigint, shipping_time_hours numeric
)
LANGUAGE sql STABLE SECURITY DEFINER
SET search_path = pg_catalog, public
AS $$
  WITH a AS (
    SELECT o.day,
           count(*) FILTER (WHERE o.requires_verification) AS req,
           count(*) FILTER (WHERE o.requires_verification AND o.matured) AS req_m,
           count(*) FILTER (WHERE o.requires_verification AND o.matured AND o.verified_at IS NOT NULL) AS ver_m,
           count(*) FILTER (WHERE o.requires_verification AND o.verified_at IS NOT NULL) AS ver,
           avg(extract(epoch FROM (o.verified_at - o.placed_at)) / 3600.0) FILTER (WHERE o.requires_verification) AS ttv,
           count(*) FILTER (WHERE o.requires_verification AND o.refunded_unverified) AS ref_u,
           count(*) FILTER (WHERE o.valid AND o.shipped_at IS NOT NULL) AS shipped,
           avg(extract(epoch FROM (o.shipped_at - CASE WHEN o.requires_verification THEN coalesce(o.verified_at, o.placed_at)
                                                        ELSE o.placed_at END)) / 3600.0) FILTER (WHERE o.valid) AS ship_h
    FROM kpi.order_operations_at($1) o GROUP BY o.day
  )
  SELECT d.time, d.day,
         coalesce(a.req, 0), coalesce(a.req_m, 0), coalesce(a.ver_m, 0), kpi.rate(a.ver_m, a.req_m),
         coalesce(a.ver, 0), round(a.ttv, 2),
         coalesce(a.ref_u, 0), kpi.rate(a.ref_u, a.req),
         coalesce(a.shipped, 0), round(a.ship_h, 2)
  FROM kpi.days d LEFT JOIN a ON a.day = d.day
  WHERE d.day <= kpi.local_day($1)
  ORDER BY d.day
$$;
CREATE VIEW kpi.operations_daily AS SELECT * FROM kpi.operations_at(now());
COMMENT ON COLUMN kpi.operations_daily.shipping_time_hours IS 'mean hours from placed (or verified, when verification was required) to first shipment; valid orders';

CREATE VIEW kpi.support_daily AS
WITH t AS (
  SELECT kpi.local_day(opened_at) AS day, count(*) AS tickets, count(first_reply_at) AS replied,
         avg(extract(epoch FROM (first_reply_at - opened_at)) / 3600.0) AS resp_h
  FROM public.support_tickets GROUP BY 1
), days AS (
  SELECT time, day FROM kpi.days
  UNION
  SELECT kpi.day_start(day), day FROM t
)
SELECT d.time, d.day, coalesce(t.tickets, 0) AS tickets, coalesce(t.replied, 0) AS replied_tickets,
       round(t.resp_h, 2) AS support_response_hours
FROM days d LEFT JOIN t ON t.day = d.day;

-- plpgsql EXECUTE plans the query with the range's values: order_operations_in is inlined with
-- them (an index range of order_summaries), and only the range's chunks of support_tickets are
-- planned and opened.
CREATE FUNCTION kpi.operations_range(from_ts timestamptz, to_ts timestamptz)
RETURNS TABLE (
  verification_required bigint, verification_required_matured bigint, verified_matured bigint,
  verification_completion_rate numeric, time_to_verification_hours numeric,
  refunded_unverified bigint, refund_rate_unverified numeric,
  shipped_orders bigint, shipping_time_hours numeric,
  tickets bigint, replied_tickets bigint, support_response_hours numeric
)
LANGUAGE plpgsql STABLE SECURITY DEFINER
SET search_path = pg_catalog, public
AS $$
BEGIN
  -- The orders of the range only: order_operations_at(now()) would build every order of the
  -- history first, then filter.
  RETURN QUERY EXECUTE $q$
    WITH o AS (
      SELECT * FROM kpi.order_operations_in($3, $1, $2)
    ), a AS (
      SELECT count(*) FILTER (WHERE requires_verification) AS req,
             count(*) FILTER (WHERE requires_verification AND matured) AS req_m,
             count(*) FILTER (WHERE requires_verification AND matured AND verified_at IS NOT NULL) AS ver_m,
             avg(extract(epoch FROM (verified_at - placed_at)) / 3600.0) FILTER (WHERE requires_verification) AS ttv,
             count(*) FILTER (WHERE requires_verification AND refunded_unverified) AS ref_u,
             count(*) FILTER (WHERE valid AND shipped_at IS NOT NULL) AS shipped,
             avg(extract(epoch FROM (shipped_at - CASE WHEN requires_verification THEN coalesce(verified_at, placed_at)
                                                      ELSE placed_at END)) / 3600.0) FILTER (WHERE valid) AS ship_h
      FROM o
    ), t AS (
      SELECT count(*) AS tickets, count(first_reply_at) AS replied,
             avg(extract(epoch FROM (first_reply_at - opened_at)) / 3600.0) AS resp_h
      FROM public.support_tickets WHERE opened_at >= $1 AND opened_at < $2
    )
    SELECT a.req, a.req_m, a.ver_m, kpi.rate(a.ver_m, a.req_m), round(a.ttv, 2), a.ref_u, kpi.rate(a.ref_u, a.req),
           a.shipped, round(a.ship_h, 2), t.tickets, t.replied, round(t.resp_h, 2)
    FROM a, t
  $q$ USING from_ts, to_ts, now();
END
$$;
