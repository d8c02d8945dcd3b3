-- Per customer: valid orders, their net cents (item subtotal − discounts) and the refunds of those
-- orders, over the whole history, kept by row triggers on customer_valid_orders (0101) and
-- refund_orders (0100). A customer's sums over a range that covers most of the history are the
-- lifetime totals minus the orders outside the range (kpi.top_customers), so a year's ranking
-- reads the few orders outside the year instead of every order in it.
CREATE TABLE customer_lifetime_totals (
  customer_id   text PRIMARY KEY,
  orders        bigint NOT NULL,
  net_cents     bigint NOT NULL,
  refund_cents  bigint NOT NULL
);
REVOKE ALL ON customer_lifetime_totals FROM PUBLIC;

-- Moves one customer's totals by a signed change; a customer left with nothing has no row.
CREATE FUNCTION public.customer_lifetime_totals_add(p_customer text, p_orders bigint, p_net bigint, p_refund bigint) RETURNS void
LANGUAGE plpgsql
SET search_path = pg_catalog, public
AS $$
BEGIN
  INSERT INTO public.customer_lifetime_totals AS t (customer_id, orders, net_cents, refund_cents)
  VALUES (p_customer, p_orders, p_net, p_refund)
  ON CONFLICT (customer_id) DO UPDATE
    SET orders = t.orders + EXCLUDED.orders, net_cents = t.net_cents + EXCLUDED.net_cents,
        refund_cents = t.refund_cents + EXCLUDED.refund_cents;
  DELETE FROM public.customer_lifetime_totals
  WHERE customer_id = p_customer AND orders = 0 AND net_cents = 0 AND refund_cents = 0;
END
$$;

-- A valid order row in or out: its count and net cents move with it.
CREATE FUNCTION public.customer_lifetime_totals_keep_orders() RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, public
AS $$
BEGIN
  IF TG_OP <> 'INSERT' THEN PERFORM public.customer_lifetime_totals_add(OLD.customer_id, -1, -OLD.net_cents, 0); END IF;
  IF TG_OP <> 'DELETE' THEN PERFORM public.customer_lifetime_totals_add(NEW.customer_id, 1, NEW.net_cents, 0); END IF;
  RETURN NULL;
END
$$;
CREATE TRIGGER customer_valid_orders_keep_lifetime
AFTER INSERT OR DELETE ON customer_valid_orders
FOR EACH ROW EXECUTE FUNCTION public.customer_lifetime_totals_keep_orders();
-- The first-order marks (is_first) change nothing here.
CREATE TRIGGER customer_valid_orders_keep_lifetime_upd
AFTER UPDATE ON customer_valid_orders
FOR EACH ROW
WHEN ((OLD.customer_id, OLD.net_cents) IS DISTINCT FROM (NEW.customer_id, NEW.net_cents))
EXECUTE FUNCTION public.customer_lifetime_totals_keep_orders();

-- A refund row counts when its order is valid and has a customer, the rows top_customers reads.
CREATE FUNCTION public.customer_lifetime_totals_keep_refunds() RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, public
AS $$
BEGIN
  IF TG_OP <> 'INSERT' AND OLD.order_valid AND OLD.customer_id IS NOT NULL THEN
    PERFORM public.customer_lifetime_totals_add(OLD.customer_id, 0, 0, -OLD.amount_cents);
  END IF;
  IF TG_OP <> 'DELETE' AND NEW.order_valid AND NEW.customer_id IS NOT NULL THEN
    PERFORM public.customer_lifetime_totals_add(NEW.customer_id, 0, 0, NEW.amount_cents);
  END IF;
  RETURN NULL;
END
$$;
CREATE TRIGGER refund_orders_keep_lifetime
AFTER INSERT OR DELETE ON refund_orders
FOR EACH ROW EXECUTE FUNCTION public.customer_lifetime_totals_keep_refunds();
CREATE TRIGGER refund_orders_keep_lifetime_upd
AFTER UPDATE ON refund_orders
FOR EACH ROW
WHEN ((OLD.order_valid AND OLD.customer_id IS NOT NULL, OLD.customer_id, OLD.amount_cents)
      IS DISTINCT FROM (NEW.order_valid AND NEW.customer_id IS NOT NULL, NEW.customer_id, NEW.amount_cents))
EXECUTE FUNCTION public.customer_lifetime_totals_keep_refunds();

-- Refunds are read by the order's placed_at outside a range, with their customer.
CREATE INDEX refund_orders_customer_placed_idx ON refund_orders (placed_at) INCLUDE (customer_id, amount_cents)
WHERE order_valid AND customer_id IS NOT NULL;

INSERT INTO customer_lifetime_totals (customer_id, orders, net_cents, refund_cents)
SELECT coalesce(o.customer_id, r.customer_id), coalesce(o.n, 0), coalesce(o.net, 0), coalesce(r.refunds, 0)
FROM (SELECT customer_id, count(*) AS n, sum(net_cents)::bigint AS net FROM customer_valid_orders GROUP BY customer_id) o
FULL JOIN (SELECT customer_id, sum(amount_cents)::bigint AS refunds FROM refund_orders
           WHERE order_valid AND customer_id IS NOT NULL GROUP BY customer_id) r ON r.customer_id = o.customer_id;
-- The valid orders of a range with what a ranking sums, read from the index alone.
CREATE INDEX customer_valid_orders_placed_sums_idx ON customer_valid_orders (placed_at) INCLUDE (customer_id, net_cents);
-- Customers in lifetime order: the ranking reads them in this order and stops after the rows it shows.
CREATE INDEX customer_lifetime_totals_rank_idx ON customer_lifetime_totals ((net_cents - refund_cents) DESC, customer_id)
WHERE orders > 0;
ANALYZE customer_lifetime_totals;
