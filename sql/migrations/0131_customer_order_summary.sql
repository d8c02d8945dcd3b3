-- Per customer: the latest valid order and the number of valid orders, kept by a row trigger on
-- customer_valid_orders (0101, itself kept from orders). The RFM segment of a few customers as
-- of an instant (kpi.rfm_segment_of_customers) needs every member's last order and order count
-- then: read from here for the customers with no order since, and recounted only for those who
-- ordered since, instead of grouping every valid order by customer on each read.
CREATE TABLE customer_order_summary (
  customer_id text PRIMARY KEY,
  last_at     timestamptz NOT NULL,
  orders      bigint NOT NULL
);
CREATE INDEX customer_order_summary_last_idx ON customer_order_summary (last_at) INCLUDE (orders);
REVOKE ALL ON customer_order_summary FROM PUBLIC;

-- Recounts a customer from customer_valid_orders: exact whatever order rows arrive, change or go.
CREATE FUNCTION public.customer_order_summary_recount(p_customer text) RETURNS void
LANGUAGE plpgsql
SET search_path = pg_catalog, public
AS $$
DECLARE
  n record;
BEGIN
  SELECT max(placed_at) AS last_at, count(*) AS orders INTO n FROM public.customer_valid_orders WHERE customer_id = p_customer;
  IF n.orders = 0 THEN
    DELETE FROM public.customer_order_summary WHERE customer_id = p_customer;
  ELSE
    INSERT INTO public.customer_order_summary AS t (customer_id, last_at, orders) VALUES (p_customer, n.last_at, n.orders)
    ON CONFLICT (customer_id) DO UPDATE SET last_at = EXCLUDED.last_at, orders = EXCLUDED.orders
    WHERE (t.last_at, t.orders) IS DISTINCT FROM (EXCLUDED.last_at, EXCLUDED.orders);
  END IF;
END
$$;

CREATE FUNCTION public.customer_order_summary_keep() RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, public
AS $$
BEGIN
  IF TG_OP <> 'INSERT' THEN PERFORM public.customer_order_summary_recount(OLD.customer_id); END IF;
  IF TG_OP <> 'DELETE' AND (TG_OP = 'INSERT' OR NEW.customer_id IS DISTINCT FROM OLD.customer_id) THEN
    PERFORM public.customer_order_summary_recount(NEW.customer_id);
  END IF;
  RETURN NULL;
END
$$;
CREATE TRIGGER customer_valid_orders_keep_summary
AFTER INSERT OR DELETE ON customer_valid_orders
FOR EACH ROW EXECUTE FUNCTION public.customer_order_summary_keep();
-- The first-order marks (is_first) change nothing here.
CREATE TRIGGER customer_valid_orders_keep_summary_upd
AFTER UPDATE ON customer_valid_orders
FOR EACH ROW
WHEN ((OLD.customer_id, OLD.placed_at) IS DISTINCT FROM (NEW.customer_id, NEW.placed_at))
EXECUTE FUNCTION public.customer_order_summary_keep();

INSERT INTO customer_order_summary (customer_id, last_at, orders)
SELECT customer_id, max(placed_at), count(*) FROM customer_valid_orders GROUP BY customer_id;
ANALYZE customer_order_summary;
