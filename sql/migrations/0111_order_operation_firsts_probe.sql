-- The first verification, verification refund and shipment of one order, read by the triggers
-- that keep order_summaries (0105) for every verification, refund and shipment row written.
-- As first written, each min() was planned as "the earliest row by the time index whose order is
-- this one", a backward walk of every chunk's time index that finds nothing for most orders, and
-- the SQL function was planned again on every call: with a year of history each call cost
-- 25-110 ms and grew with the store's history. FILTER keeps the planner from that rewrite (the
-- rows come from each chunk's order_id index), and plpgsql keeps the plans for the session.
CREATE OR REPLACE FUNCTION public.order_operation_firsts(oid text, OUT verified timestamptz, OUT verification_refund timestamptz, OUT shipped timestamptz)
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, public
AS $$
BEGIN
  SELECT min(x.verified_at) FILTER (WHERE x.status = 'verified') INTO verified
  FROM public.verifications x WHERE x.order_id = oid;
  SELECT min(x.refunded_at) FILTER (WHERE x.reason IN ('verification_failed', 'verification_missing')) INTO verification_refund
  FROM public.refunds x WHERE x.order_id = oid;
  SELECT min(x.shipped_at) FILTER (WHERE x.order_id = oid) INTO shipped
  FROM public.shipments x WHERE x.order_id = oid;
END
$$;
