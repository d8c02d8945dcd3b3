-- Plain-table mirrors of carts and orders, kept by row triggers, for the "as of now" readers that
-- look for the latest rows: live carts (activity in the 30 minutes before an instant) and the live
-- order feed (the latest orders before an instant); the order mirror also carries the order's
-- operations facts (below). carts and orders are hypertables partitioned
-- by created_at / placed_at: a cart's last activity bounds no chunk, and "the 20 latest orders
-- before T" bounds none either, so every read planned and opened every chunk of the history.
-- A plain table with one btree answers both by an index range, whatever the history.

-- ------------------------------------------------------------------ cart_activity
-- One row per carts row (same key): its last activity and what live carts show of it.
CREATE TABLE cart_activity (
  cart_id           text NOT NULL,
  created_at        timestamptz NOT NULL,
  last_activity_at  timestamptz NOT NULL,
  customer_id       text,
  stage             text NOT NULL,
  subtotal_cents    bigint NOT NULL,
  country           text,
  order_id          text,
  converted_at      timestamptz,
  PRIMARY KEY (cart_id, created_at)
);
CREATE INDEX cart_activity_last_activity_idx ON cart_activity (last_activity_at);
-- The daily cart abandonment reads the carts created on each selected day.
CREATE INDEX cart_activity_created_at_idx ON cart_activity (created_at);
REVOKE ALL ON cart_activity FROM PUBLIC;

-- Row trigger (hypertables take row triggers, not transition tables): an upsert replaces the
-- row of the key it had (a changed key moves it), a delete removes it.
CREATE FUNCTION public.cart_activity_keep() RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, public
AS $$
BEGIN
  IF TG_OP IN ('UPDATE', 'DELETE') THEN
    DELETE FROM public.cart_activity WHERE cart_id = OLD.cart_id AND created_at = OLD.created_at;
  END IF;
  IF TG_OP IN ('INSERT', 'UPDATE') THEN
    INSERT INTO public.cart_activity (cart_id, created_at, last_activity_at, customer_id, stage, subtotal_cents, country, order_id, converted_at)
    VALUES (NEW.cart_id, NEW.created_at, NEW.last_activity_at, NEW.customer_id, NEW.stage, NEW.subtotal_cents, NEW.country, NEW.order_id, NEW.converted_at);
  END IF;
  RETURN NULL;
END
$$;
CREATE TRIGGER carts_keep_cart_activity
AFTER INSERT OR UPDATE OR DELETE ON carts
FOR EACH ROW EXECUTE FUNCTION public.cart_activity_keep();

INSERT INTO cart_activity (cart_id, created_at, last_activity_at, customer_id, stage, subtotal_cents, country, order_id, converted_at)
SELECT cart_id, created_at, last_activity_at, customer_id, stage, subtotal_cents, country, order_id, converted_at FROM carts;

-- ------------------------------------------------------------------ order_summaries
-- One row per orders row (same key, test orders included): what the live feed shows, the order_id
-- lookup live carts make (was the cart's order placed by then?), and the order's operations
-- facts, so that the verification and shipping KPIs of a range read the range's rows of one plain
-- table by its placed_at index. The verifications, refunds and shipments hypertables are
-- partitioned by their own times, which bound nothing about the orders of a range: grouping them
-- per order read their whole history, and a lookup per order probes every chunk's index.
-- The facts are first instants, which answer every "as of at" question exactly (the earliest
-- such row at or before `at` exists iff the first one is at or before `at`, and is that one):
--   first_verified_at             min(verified_at) of the order's verifications with status 'verified'
--   first_verification_refund_at  min(refunded_at) of its refunds for reason verification_failed/_missing
--   first_shipped_at              min(shipped_at) of its shipments
-- They are computed from the source rows when the order row is written (a verification may
-- arrive before its order) and recomputed for the order when one of its source rows changes.
CREATE TABLE order_summaries (
  order_id                      text NOT NULL,
  placed_at                     timestamptz NOT NULL,
  customer_id                   text,
  status                        text NOT NULL,
  is_test                       boolean NOT NULL,
  requires_verification         boolean NOT NULL,
  total_cents                   bigint NOT NULL,
  traffic_source                text NOT NULL,
  items_summary                 text,
  first_verified_at             timestamptz,
  first_verification_refund_at  timestamptz,
  first_shipped_at              timestamptz,
  PRIMARY KEY (order_id, placed_at)
);
CREATE INDEX order_summaries_placed_at_idx ON order_summaries (placed_at);
REVOKE ALL ON order_summaries FROM PUBLIC;

-- The three first instants of one order, from the source tables (each through its order_id index).
CREATE FUNCTION public.order_operation_firsts(oid text, OUT verified timestamptz, OUT verification_refund timestamptz, OUT shipped timestamptz)
LANGUAGE sql STABLE
SET search_path = pg_catalog, public
AS $$
  SELECT (SELECT min(x.verified_at) FROM public.verifications x WHERE x.order_id = oid AND x.status = 'verified'),
         (SELECT min(x.refunded_at) FROM public.refunds x
          WHERE x.order_id = oid AND x.reason IN ('verification_failed', 'verification_missing')),
         (SELECT min(x.shipped_at) FROM public.shipments x WHERE x.order_id = oid)
$$;

CREATE FUNCTION public.order_summaries_keep() RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, public
AS $$
BEGIN
  IF TG_OP IN ('UPDATE', 'DELETE') THEN
    DELETE FROM public.order_summaries WHERE order_id = OLD.order_id AND placed_at = OLD.placed_at;
  END IF;
  IF TG_OP IN ('INSERT', 'UPDATE') THEN
    INSERT INTO public.order_summaries (order_id, placed_at, customer_id, status, is_test, requires_verification, total_cents,
                                        traffic_source, items_summary, first_verified_at, first_verification_refund_at, first_shipped_at)
    SELECT NEW.order_id, NEW.placed_at, NEW.customer_id, NEW.status, NEW.is_test, NEW.requires_verification, NEW.total_cents,
           NEW.traffic_source, NEW.items_summary, f.verified, f.verification_refund, f.shipped
    FROM public.order_operation_firsts(NEW.order_id) f;
  END IF;
  RETURN NULL;
END
$$;
CREATE TRIGGER orders_keep_order_summaries
AFTER INSERT OR UPDATE OR DELETE ON orders
FOR EACH ROW EXECUTE FUNCTION public.order_summaries_keep();

-- TG_ARGV[0] names the source table (the trigger fires on its chunks, whose names differ). An
-- update that changes none of the columns read here (a re-load of the same row, another column
-- filled in) leaves the facts as they are; otherwise the old and the new order are recomputed.
CREATE FUNCTION public.order_summaries_facts_keep() RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, public
AS $$
DECLARE
  oid text;
BEGIN
  IF TG_OP = 'UPDATE' AND NEW.order_id IS NOT DISTINCT FROM OLD.order_id THEN
    IF TG_ARGV[0] = 'verifications' THEN
      IF (NEW.status, NEW.verified_at) IS NOT DISTINCT FROM (OLD.status, OLD.verified_at) THEN RETURN NULL; END IF;
    ELSIF TG_ARGV[0] = 'refunds' THEN
      IF (NEW.reason, NEW.refunded_at) IS NOT DISTINCT FROM (OLD.reason, OLD.refunded_at) THEN RETURN NULL; END IF;
    ELSIF NEW.shipped_at IS NOT DISTINCT FROM OLD.shipped_at THEN
      RETURN NULL;
    END IF;
  END IF;
  FOR oid IN
    SELECT DISTINCT x FROM unnest(ARRAY[CASE WHEN TG_OP <> 'INSERT' THEN OLD.order_id END,
                                        CASE WHEN TG_OP <> 'DELETE' THEN NEW.order_id END]) x
    WHERE x IS NOT NULL
  LOOP
    UPDATE public.order_summaries s
    SET first_verified_at = f.verified, first_verification_refund_at = f.verification_refund, first_shipped_at = f.shipped
    FROM public.order_operation_firsts(oid) f
    WHERE s.order_id = oid
      AND (s.first_verified_at, s.first_verification_refund_at, s.first_shipped_at)
          IS DISTINCT FROM (f.verified, f.verification_refund, f.shipped);
  END LOOP;
  RETURN NULL;
END
$$;
CREATE TRIGGER verifications_keep_order_summaries
AFTER INSERT OR UPDATE OR DELETE ON verifications
FOR EACH ROW EXECUTE FUNCTION public.order_summaries_facts_keep('verifications');
CREATE TRIGGER refunds_keep_order_summaries
AFTER INSERT OR UPDATE OR DELETE ON refunds
FOR EACH ROW EXECUTE FUNCTION public.order_summaries_facts_keep('refunds');
CREATE TRIGGER shipments_keep_order_summaries
AFTER INSERT OR UPDATE OR DELETE ON shipments
FOR EACH ROW EXECUTE FUNCTION public.order_summaries_facts_keep('shipments');

INSERT INTO order_summaries (order_id, placed_at, customer_id, status, is_test, requires_verification, total_cents,
                             traffic_source, items_summary, first_verified_at, first_verification_refund_at, first_shipped_at)
SELECT o.order_id, o.placed_at, o.customer_id, o.status, o.is_test, o.requires_verification, o.total_cents,
       o.traffic_source, o.items_summary, v.first_at, r.first_at, s.first_at
FROM orders o
LEFT JOIN (SELECT order_id, min(verified_at) AS first_at FROM verifications WHERE status = 'verified' GROUP BY order_id) v
  ON v.order_id = o.order_id
LEFT JOIN (SELECT order_id, min(refunded_at) AS first_at FROM refunds
           WHERE reason IN ('verification_failed', 'verification_missing') GROUP BY order_id) r ON r.order_id = o.order_id
LEFT JOIN (SELECT order_id, min(shipped_at) AS first_at FROM shipments GROUP BY order_id) s ON s.order_id = o.order_id;
