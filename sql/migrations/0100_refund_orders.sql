-- Each refund with the facts of its order, kept by row triggers on refunds and orders: the KPI
-- layer's refund figures (revenue per day / hour / source, revenue today, customer revenue) need
-- the order's validity, placed_at, traffic source and customer. Joining every refund to orders by
-- order_id probes the order_id index of every weekly orders chunk, once per refund.
-- refund_day is the local store day of refunded_at (as kpi.local_day), stored so that daily sums
-- need no per-row zone conversion.
-- One row per (refund row, order row with the refund's order_id): exactly the rows of the join
-- refunds ⋈ orders ON order_id. A refund whose order has not arrived yet has one row with NULL
-- order facts and order_valid = false; the order's arrival fills it in.
CREATE TABLE refund_orders (
  refund_id              text NOT NULL,
  refunded_at            timestamptz NOT NULL,
  refund_day             date NOT NULL,
  order_id               text NOT NULL,
  amount_cents           bigint NOT NULL,
  shipping_refund_cents  bigint NOT NULL,
  reason                 text NOT NULL,
  placed_at              timestamptz,
  traffic_source         text,
  customer_id            text,
  order_valid            boolean NOT NULL
);
CREATE INDEX refund_orders_refund_idx ON refund_orders (refund_id, refunded_at);
CREATE INDEX refund_orders_order_idx ON refund_orders (order_id);
CREATE INDEX refund_orders_refunded_idx ON refund_orders (refunded_at) WHERE order_valid;
CREATE INDEX refund_orders_day_idx ON refund_orders (refund_day) WHERE order_valid;
CREATE INDEX refund_orders_placed_idx ON refund_orders (placed_at) WHERE order_valid;
REVOKE ALL ON refund_orders FROM PUBLIC;

-- The rows of one order_id, rebuilt from the raw tables (refunds by its order_id index).
CREATE FUNCTION public.refund_orders_rebuild(p_order_id text) RETURNS void
LANGUAGE plpgsql
SET search_path = pg_catalog, public
AS $$
BEGIN
  DELETE FROM public.refund_orders WHERE order_id = p_order_id;
  INSERT INTO public.refund_orders (refund_id, refunded_at, refund_day, order_id, amount_cents, shipping_refund_cents, reason,
                                    placed_at, traffic_source, customer_id, order_valid)
  SELECT r.refund_id, r.refunded_at, (r.refunded_at AT TIME ZONE {{STORE_TIMEZONE}})::date, r.order_id, r.amount_cents, r.shipping_refund_cents, r.reason,
         o.placed_at, o.traffic_source, o.customer_id, coalesce(o.status <> 'cancelled' AND NOT o.is_test, false)
  FROM public.refunds r
  LEFT JOIN public.orders o ON o.order_id = r.order_id
  WHERE r.order_id = p_order_id;
END
$$;

-- A refund row: replace its rows, joined to the order rows now known.
CREATE FUNCTION public.refund_orders_keep_refund() RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, public
AS $$
BEGIN
  IF TG_OP IN ('UPDATE', 'DELETE') THEN
    DELETE FROM public.refund_orders WHERE refund_id = OLD.refund_id AND refunded_at = OLD.refunded_at;
  END IF;
  IF TG_OP IN ('INSERT', 'UPDATE') THEN
    INSERT INTO public.refund_orders (refund_id, refunded_at, refund_day, order_id, amount_cents, shipping_refund_cents, reason,
                                      placed_at, traffic_source, customer_id, order_valid)
    SELECT NEW.refund_id, NEW.refunded_at, (NEW.refunded_at AT TIME ZONE {{STORE_TIMEZONE}})::date, NEW.order_id, NEW.amount_cents, NEW.shipping_refund_cents, NEW.reason,
           o.placed_at, o.traffic_source, o.customer_id, coalesce(o.status <> 'cancelled' AND NOT o.is_test, false)
    FROM (SELECT 1) one
    LEFT JOIN public.orders o ON o.order_id = NEW.order_id;
  END IF;
  RETURN NULL;
END
$$;
CREATE TRIGGER refunds_keep_refund_orders
AFTER INSERT OR UPDATE OR DELETE ON refunds
FOR EACH ROW EXECUTE FUNCTION public.refund_orders_keep_refund();

-- An order row: only an order_id that has refunds is rebuilt (one probe of refund_orders), so
-- the common order insert costs one index lookup.
CREATE FUNCTION public.refund_orders_keep_order() RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, public
AS $$
BEGIN
  IF TG_OP IN ('UPDATE', 'DELETE') AND EXISTS (SELECT 1 FROM public.refund_orders WHERE order_id = OLD.order_id) THEN
    PERFORM public.refund_orders_rebuild(OLD.order_id);
  END IF;
  IF TG_OP IN ('INSERT', 'UPDATE') AND (TG_OP = 'INSERT' OR NEW.order_id IS DISTINCT FROM OLD.order_id)
     AND EXISTS (SELECT 1 FROM public.refund_orders WHERE order_id = NEW.order_id) THEN
    PERFORM public.refund_orders_rebuild(NEW.order_id);
  END IF;
  RETURN NULL;
END
$$;
CREATE TRIGGER orders_keep_refund_orders_ins
AFTER INSERT OR DELETE ON orders
FOR EACH ROW EXECUTE FUNCTION public.refund_orders_keep_order();
-- Updates that change none of the copied facts (status moving between valid states, totals,
-- identical re-loads) leave the refund rows as they are.
CREATE TRIGGER orders_keep_refund_orders_upd
AFTER UPDATE ON orders
FOR EACH ROW
WHEN ((OLD.order_id, OLD.placed_at, OLD.traffic_source, OLD.customer_id, OLD.status <> 'cancelled' AND NOT OLD.is_test)
      IS DISTINCT FROM
      (NEW.order_id, NEW.placed_at, NEW.traffic_source, NEW.customer_id, NEW.status <> 'cancelled' AND NOT NEW.is_test))
EXECUTE FUNCTION public.refund_orders_keep_order();

INSERT INTO refund_orders (refund_id, refunded_at, refund_day, order_id, amount_cents, shipping_refund_cents, reason,
                           placed_at, traffic_source, customer_id, order_valid)
SELECT r.refund_id, r.refunded_at, (r.refunded_at AT TIME ZONE {{STORE_TIMEZONE}})::date, r.order_id, r.amount_cents, r.shipping_refund_cents, r.reason,
       o.placed_at, o.traffic_source, o.customer_id, coalesce(o.status <> 'cancelled' AND NOT o.is_test, false)
FROM refunds r
LEFT JOIN orders o ON o.order_id = r.order_id;
ANALYZE refund_orders;
