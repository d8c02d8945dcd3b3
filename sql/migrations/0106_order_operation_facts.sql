-- Per order, the first instant of each operations fact the verification and shipping KPIs read,
-- kept by row triggers on verifications, refunds and shipments. Those hypertables are partitioned
-- by their own times, which bound nothing about the orders of a range, so grouping them per order
-- read their whole history for any range, and a lookup per order probes every chunk's index.
-- A first instant answers every "as of at" question exactly: the earliest such row at or before
-- `at` exists iff the first one is at or before `at`, and then it is that first one.
--   first_verified_at            min(verified_at) of the order's verifications with status 'verified'
--   first_verification_refund_at min(refunded_at) of its refunds for reason verification_failed/_missing
--   first_shipped_at             min(shipped_at) of its shipments
-- A row exists while any of the three is known; it is recomputed from the source rows of the
-- order on every change of one of them (an update moving a row to another order recomputes both).
CREATE TABLE order_operation_facts (
  order_id                      text PRIMARY KEY,
  first_verified_at             timestamptz,
  first_verification_refund_at  timestamptz,
  first_shipped_at              timestamptz
);
REVOKE ALL ON order_operation_facts FROM PUBLIC;

-- Recompute one order's row from the three source tables (each probe goes through its order_id
-- index). Called by the triggers for the old and the new order of a changed row.
CREATE FUNCTION public.order_operation_facts_refresh(oid text) RETURNS void
LANGUAGE plpgsql
SET search_path = pg_catalog, public
AS $$
DECLARE
  v timestamptz;
  r timestamptz;
  s timestamptz;
BEGIN
  SELECT min(x.verified_at) INTO v FROM public.verifications x WHERE x.order_id = oid AND x.status = 'verified';
  SELECT min(x.refunded_at) INTO r FROM public.refunds x
  WHERE x.order_id = oid AND x.reason IN ('verification_failed', 'verification_missing');
  SELECT min(x.shipped_at) INTO s FROM public.shipments x WHERE x.order_id = oid;
  IF v IS NULL AND r IS NULL AND s IS NULL THEN
    DELETE FROM public.order_operation_facts WHERE order_id = oid;
  ELSE
    INSERT INTO public.order_operation_facts (order_id, first_verified_at, first_verification_refund_at, first_shipped_at)
    VALUES (oid, v, r, s)
    ON CONFLICT (order_id) DO UPDATE SET first_verified_at = EXCLUDED.first_verified_at,
      first_verification_refund_at = EXCLUDED.first_verification_refund_at, first_shipped_at = EXCLUDED.first_shipped_at
    WHERE (order_operation_facts.first_verified_at, order_operation_facts.first_verification_refund_at, order_operation_facts.first_shipped_at)
          IS DISTINCT FROM (EXCLUDED.first_verified_at, EXCLUDED.first_verification_refund_at, EXCLUDED.first_shipped_at);
  END IF;
END
$$;

CREATE FUNCTION public.order_operation_facts_keep() RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, public
AS $$
BEGIN
  -- TG_ARGV[0] names the source table (the trigger fires on its chunks, whose names differ).
  -- An update that changes none of the columns read here (a re-load of the same row, a new
  -- column filled in) leaves the facts as they are.
  IF TG_OP = 'UPDATE' AND NEW.order_id IS NOT DISTINCT FROM OLD.order_id THEN
    IF TG_ARGV[0] = 'verifications' THEN
      IF (NEW.status, NEW.verified_at) IS NOT DISTINCT FROM (OLD.status, OLD.verified_at) THEN RETURN NULL; END IF;
    ELSIF TG_ARGV[0] = 'refunds' THEN
      IF (NEW.reason, NEW.refunded_at) IS NOT DISTINCT FROM (OLD.reason, OLD.refunded_at) THEN RETURN NULL; END IF;
    ELSIF NEW.shipped_at IS NOT DISTINCT FROM OLD.shipped_at THEN
      RETURN NULL;
    END IF;
  END IF;
  IF TG_OP IN ('UPDATE', 'DELETE') THEN
    PERFORM public.order_operation_facts_refresh(OLD.order_id);
  END IF;
  IF TG_OP = 'INSERT' OR (TG_OP = 'UPDATE' AND NEW.order_id IS DISTINCT FROM OLD.order_id) THEN
    PERFORM public.order_operation_facts_refresh(NEW.order_id);
  END IF;
  RETURN NULL;
END
$$;
CREATE TRIGGER verifications_keep_order_operation_facts
AFTER INSERT OR UPDATE OR DELETE ON verifications
FOR EACH ROW EXECUTE FUNCTION public.order_operation_facts_keep('verifications');
CREATE TRIGGER refunds_keep_order_operation_facts
AFTER INSERT OR UPDATE OR DELETE ON refunds
FOR EACH ROW EXECUTE FUNCTION public.order_operation_facts_keep('refunds');
CREATE TRIGGER shipments_keep_order_operation_facts
AFTER INSERT OR UPDATE OR DELETE ON shipments
FOR EACH ROW EXECUTE FUNCTION public.order_operation_facts_keep('shipments');

INSERT INTO order_operation_facts (order_id, first_verified_at, first_verification_refund_at, first_shipped_at)
SELECT order_id, min(v), min(r), min(s) FROM (
  SELECT order_id, verified_at AS v, NULL::timestamptz AS r, NULL::timestamptz AS s FROM verifications WHERE status = 'verified' AND verified_at IS NOT NULL
  UNION ALL
  SELECT order_id, NULL, refunded_at, NULL FROM refunds WHERE reason IN ('verification_failed', 'verification_missing')
  UNION ALL
  SELECT order_id, NULL, NULL, shipped_at FROM shipments
) x GROUP BY order_id;
