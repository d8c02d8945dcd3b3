-- New vs returning per local day, kept by a row trigger on orders. Telling a customer's first
-- valid order from a returning one needs the customer's whole order history (a window over every
-- valid order); the daily figures are kept instead, exact after every insert, update or delete:
--   customer_valid_orders   one row per valid order with a customer, is_first marking the
--                           customer's earliest by (placed_at, order_id)
--   customer_order_days     per customer × local day: first / returning orders and their net cents
--   new_vs_returning_days   per local day: the sums, guest orders and the number of customers with
--                           a returning order that day
-- State is recounted from customer_valid_orders (never from orders): within one multi-row
-- statement the orders table already holds rows whose trigger has not run yet.
-- Net cents = subtotal − discount; local day in the store zone, as the daily caggs.
CREATE TABLE customer_valid_orders (
  order_id     text NOT NULL,
  placed_at    timestamptz NOT NULL,
  customer_id  text NOT NULL,
  day          date NOT NULL,
  net_cents    bigint NOT NULL,
  is_first     boolean NOT NULL DEFAULT false,
  PRIMARY KEY (order_id, placed_at)
);
CREATE INDEX customer_valid_orders_customer_idx ON customer_valid_orders (customer_id, placed_at, order_id);
CREATE INDEX customer_valid_orders_placed_idx ON customer_valid_orders (placed_at);
REVOKE ALL ON customer_valid_orders FROM PUBLIC;

CREATE TABLE customer_order_days (
  customer_id      text NOT NULL,
  day              date NOT NULL,
  first_orders     bigint NOT NULL,
  first_cents      bigint NOT NULL,
  returning_orders bigint NOT NULL,
  returning_cents  bigint NOT NULL,
  PRIMARY KEY (customer_id, day)
);
REVOKE ALL ON customer_order_days FROM PUBLIC;

CREATE TABLE new_vs_returning_days (
  day                  date PRIMARY KEY,
  new_orders           bigint NOT NULL DEFAULT 0,
  returning_orders     bigint NOT NULL DEFAULT 0,
  guest_orders         bigint NOT NULL DEFAULT 0,
  returning_customers  bigint NOT NULL DEFAULT 0,
  new_cents            bigint NOT NULL DEFAULT 0,
  returning_cents      bigint NOT NULL DEFAULT 0
);
REVOKE ALL ON new_vs_returning_days FROM PUBLIC;

-- Recounts one customer × day from customer_valid_orders and moves the day's sums by the change.
CREATE FUNCTION public.customer_order_days_recount(p_customer text, p_day date) RETURNS void
LANGUAGE plpgsql
SET search_path = pg_catalog, public
AS $$
DECLARE
  n record;
  o record;
BEGIN
  SELECT count(*) FILTER (WHERE is_first) AS fo, coalesce(sum(net_cents) FILTER (WHERE is_first), 0) AS fc,
         count(*) FILTER (WHERE NOT is_first) AS ro, coalesce(sum(net_cents) FILTER (WHERE NOT is_first), 0) AS rc
  INTO n
  FROM public.customer_valid_orders WHERE customer_id = p_customer AND day = p_day;
  SELECT first_orders AS fo, first_cents AS fc, returning_orders AS ro, returning_cents AS rc
  INTO o
  FROM public.customer_order_days WHERE customer_id = p_customer AND day = p_day;
  IF NOT FOUND THEN
    SELECT 0::bigint AS fo, 0::bigint AS fc, 0::bigint AS ro, 0::bigint AS rc INTO o;
  END IF;
  IF (n.fo, n.fc, n.ro, n.rc) IS NOT DISTINCT FROM (o.fo, o.fc, o.ro, o.rc) THEN
    RETURN;
  END IF;
  IF n.fo = 0 AND n.ro = 0 THEN
    DELETE FROM public.customer_order_days WHERE customer_id = p_customer AND day = p_day;
  ELSE
    INSERT INTO public.customer_order_days (customer_id, day, first_orders, first_cents, returning_orders, returning_cents)
    VALUES (p_customer, p_day, n.fo, n.fc, n.ro, n.rc)
    ON CONFLICT (customer_id, day) DO UPDATE
      SET first_orders = EXCLUDED.first_orders, first_cents = EXCLUDED.first_cents,
          returning_orders = EXCLUDED.returning_orders, returning_cents = EXCLUDED.returning_cents;
  END IF;
  INSERT INTO public.new_vs_returning_days AS t (day, new_orders, returning_orders, returning_customers, new_cents, returning_cents)
  VALUES (p_day, n.fo - o.fo, n.ro - o.ro, (n.ro > 0)::int - (o.ro > 0)::int, n.fc - o.fc, n.rc - o.rc)
  ON CONFLICT (day) DO UPDATE
    SET new_orders = t.new_orders + EXCLUDED.new_orders,
        returning_orders = t.returning_orders + EXCLUDED.returning_orders,
        returning_customers = t.returning_customers + EXCLUDED.returning_customers,
        new_cents = t.new_cents + EXCLUDED.new_cents,
        returning_cents = t.returning_cents + EXCLUDED.returning_cents;
END
$$;

-- Re-marks a customer's first valid order; recounts the days whose first order changed.
CREATE FUNCTION public.customer_valid_orders_refirst(p_customer text) RETURNS SETOF date
LANGUAGE plpgsql
SET search_path = pg_catalog, public
AS $$
DECLARE
  f record;
BEGIN
  SELECT order_id, placed_at INTO f FROM public.customer_valid_orders
  WHERE customer_id = p_customer ORDER BY placed_at, order_id LIMIT 1;
  RETURN QUERY
  UPDATE public.customer_valid_orders c
     SET is_first = (c.order_id = f.order_id AND c.placed_at = f.placed_at)
   WHERE c.customer_id = p_customer
     AND c.is_first IS DISTINCT FROM (c.order_id = f.order_id AND c.placed_at = f.placed_at)
  RETURNING c.day;
END
$$;

CREATE FUNCTION public.customer_valid_orders_keep() RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, public
AS $$
DECLARE
  old_in boolean := TG_OP <> 'INSERT' AND OLD.status <> 'cancelled' AND NOT OLD.is_test;
  new_in boolean := TG_OP <> 'DELETE' AND NEW.status <> 'cancelled' AND NOT NEW.is_test;
  old_day date;
  new_day date;
  c text;
  d date;
  days date[];
BEGIN
  IF TG_OP <> 'INSERT' THEN old_day := (OLD.placed_at AT TIME ZONE {{STORE_TIMEZONE}})::date; END IF;
  IF TG_OP <> 'DELETE' THEN new_day := (NEW.placed_at AT TIME ZONE {{STORE_TIMEZONE}})::date; END IF;
  -- Guest orders have no history: the day's count moves with the row.
  IF old_in AND OLD.customer_id IS NULL THEN
    INSERT INTO public.new_vs_returning_days AS t (day, guest_orders) VALUES (old_day, -1)
    ON CONFLICT (day) DO UPDATE SET guest_orders = t.guest_orders - 1;
  END IF;
  IF new_in AND NEW.customer_id IS NULL THEN
    INSERT INTO public.new_vs_returning_days AS t (day, guest_orders) VALUES (new_day, 1)
    ON CONFLICT (day) DO UPDATE SET guest_orders = t.guest_orders + 1;
  END IF;
  IF TG_OP <> 'INSERT' THEN
    DELETE FROM public.customer_valid_orders WHERE order_id = OLD.order_id AND placed_at = OLD.placed_at;
  END IF;
  IF new_in AND NEW.customer_id IS NOT NULL THEN
    INSERT INTO public.customer_valid_orders (order_id, placed_at, customer_id, day, net_cents)
    VALUES (NEW.order_id, NEW.placed_at, NEW.customer_id, new_day, NEW.subtotal_cents - NEW.discount_cents);
  END IF;
  -- Every customer the change touches: re-mark the first order, recount the touched days.
  FOR c IN SELECT DISTINCT x FROM unnest(ARRAY[CASE WHEN old_in THEN OLD.customer_id END,
                                              CASE WHEN new_in THEN NEW.customer_id END]) AS x WHERE x IS NOT NULL LOOP
    days := ARRAY(SELECT public.customer_valid_orders_refirst(c));
    IF old_in AND OLD.customer_id = c THEN days := days || old_day; END IF;
    IF new_in AND NEW.customer_id = c THEN days := days || new_day; END IF;
    FOR d IN SELECT DISTINCT y FROM unnest(days) AS y LOOP
      PERFORM public.customer_order_days_recount(c, d);
    END LOOP;
  END LOOP;
  RETURN NULL;
END
$$;
CREATE TRIGGER orders_keep_customer_valid_orders_ins
AFTER INSERT OR DELETE ON orders
FOR EACH ROW EXECUTE FUNCTION public.customer_valid_orders_keep();
-- Only changes of what the figures read: status moving between valid states, totals other than
-- subtotal/discount and identical re-loads leave everything as it is.
CREATE TRIGGER orders_keep_customer_valid_orders_upd
AFTER UPDATE ON orders
FOR EACH ROW
WHEN ((OLD.order_id, OLD.placed_at, OLD.customer_id, OLD.subtotal_cents, OLD.discount_cents, OLD.status <> 'cancelled' AND NOT OLD.is_test)
      IS DISTINCT FROM
      (NEW.order_id, NEW.placed_at, NEW.customer_id, NEW.subtotal_cents, NEW.discount_cents, NEW.status <> 'cancelled' AND NOT NEW.is_test))
EXECUTE FUNCTION public.customer_valid_orders_keep();

-- Backfill from the orders present now.
INSERT INTO customer_valid_orders (order_id, placed_at, customer_id, day, net_cents, is_first)
SELECT order_id, placed_at, customer_id, (placed_at AT TIME ZONE {{STORE_TIMEZONE}})::date, subtotal_cents - discount_cents,
       row_number() OVER (PARTITION BY customer_id ORDER BY placed_at, order_id) = 1
FROM orders
WHERE customer_id IS NOT NULL AND status <> 'cancelled' AND NOT is_test;

INSERT INTO customer_order_days (customer_id, day, first_orders, first_cents, returning_orders, returning_cents)
SELECT customer_id, day,
       count(*) FILTER (WHERE is_first), coalesce(sum(net_cents) FILTER (WHERE is_first), 0),
       count(*) FILTER (WHERE NOT is_first), coalesce(sum(net_cents) FILTER (WHERE NOT is_first), 0)
FROM customer_valid_orders GROUP BY customer_id, day;

INSERT INTO new_vs_returning_days (day, new_orders, returning_orders, guest_orders, returning_customers, new_cents, returning_cents)
SELECT day, sum(fo), sum(ro), sum(go), sum(rcust), sum(fc), sum(rc)
FROM (
  SELECT day, first_orders AS fo, returning_orders AS ro, 0 AS go, (returning_orders > 0)::int AS rcust,
         first_cents AS fc, returning_cents AS rc
  FROM customer_order_days
  UNION ALL
  SELECT (placed_at AT TIME ZONE {{STORE_TIMEZONE}})::date, 0, 0, 1, 0, 0, 0
  FROM orders WHERE customer_id IS NULL AND status <> 'cancelled' AND NOT is_test
) x
GROUP BY day;
ANALYZE customer_valid_orders;
ANALYZE customer_order_days;
ANALYZE new_vs_returning_days;
