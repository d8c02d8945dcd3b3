-- The customers of customer_order_summary (0131) counted per local day of their last valid order
-- × number of valid orders, kept by a row trigger on customer_order_summary. RFM scores of a few
-- customers as of an instant (kpi.rfm_segment_of_customers) need, over every member (last valid
-- order in the 365 days before the instant), the number of members and the frequency histogram,
-- and per wanted customer the members with an earlier last order: whole days of the window are
-- cell sums here, and only the window's partial first and last day and each wanted customer's
-- own day are read from customer_order_summary by its last_at index, instead of every member
-- (~100 k at 10× scale) on each read.
--
-- The day is public.cart_created_day(last_at) (0160): the local day d with
-- d::timestamp AT TIME ZONE store zone <= last_at < (d + 1)::timestamp AT TIME ZONE store zone,
-- the same bounds kpi.day_start gives. Non-empty cells only (a cell whose customers are all gone
-- has no row).
CREATE TABLE customer_last_order_days (
  day        date NOT NULL,
  orders     bigint NOT NULL,
  customers  bigint NOT NULL,
  PRIMARY KEY (day, orders)
);
REVOKE ALL ON customer_last_order_days FROM PUBLIC;

-- The old row leaves its cell, the new one joins its cell; nothing when both are the same cell.
CREATE FUNCTION public.customer_last_order_days_keep() RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, public
AS $$
DECLARE
  o_day date;
  n_day date;
  left_n bigint;
BEGIN
  IF TG_OP <> 'INSERT' THEN o_day := public.cart_created_day(OLD.last_at); END IF;
  IF TG_OP <> 'DELETE' THEN n_day := public.cart_created_day(NEW.last_at); END IF;
  IF TG_OP = 'UPDATE' AND o_day = n_day AND OLD.orders = NEW.orders THEN
    RETURN NULL;
  END IF;
  IF TG_OP <> 'INSERT' THEN
    UPDATE public.customer_last_order_days SET customers = customers - 1
    WHERE day = o_day AND orders = OLD.orders
    RETURNING customers INTO left_n;
    IF left_n = 0 THEN
      DELETE FROM public.customer_last_order_days WHERE day = o_day AND orders = OLD.orders AND customers = 0;
    END IF;
  END IF;
  IF TG_OP <> 'DELETE' THEN
    INSERT INTO public.customer_last_order_days AS g (day, orders, customers) VALUES (n_day, NEW.orders, 1)
    ON CONFLICT (day, orders) DO UPDATE SET customers = g.customers + 1;
  END IF;
  RETURN NULL;
END
$$;
CREATE TRIGGER customer_order_summary_keep_days
AFTER INSERT OR DELETE ON customer_order_summary
FOR EACH ROW EXECUTE FUNCTION public.customer_last_order_days_keep();
CREATE TRIGGER customer_order_summary_keep_days_upd
AFTER UPDATE ON customer_order_summary
FOR EACH ROW
WHEN ((OLD.last_at, OLD.orders) IS DISTINCT FROM (NEW.last_at, NEW.orders))
EXECUTE FUNCTION public.customer_last_order_days_keep();

-- TRUNCATE has no row triggers: the grid empties with the summary.
CREATE FUNCTION public.customer_last_order_days_truncated() RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, public
AS $$
BEGIN
  TRUNCATE public.customer_last_order_days;
  RETURN NULL;
END
$$;
CREATE TRIGGER customer_order_summary_truncate_days
AFTER TRUNCATE ON customer_order_summary
FOR EACH STATEMENT EXECUTE FUNCTION public.customer_last_order_days_truncated();

INSERT INTO customer_last_order_days (day, orders, customers)
SELECT public.cart_created_day(last_at), orders, count(*) FROM customer_order_summary GROUP BY 1, 2;
ANALYZE customer_last_order_days;
