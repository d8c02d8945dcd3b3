-- An order's visitors (0125's order_summaries trigger: the sessions carrying the order) are read
-- through session_orders' order_id index. Written as SELECT DISTINCT visitor_id ... WHERE
-- order_id = $1, TimescaleDB plans a SkipScan over the (visitor_id, order_id) index, estimated
-- at almost nothing, that walks the whole index with the order_id as a filter: ~10 ms per order
-- written at a year of history, twice when an order changes, growing with the history. The
-- probe by order_id (OFFSET 0: planned on its own) reads the order's few rows, then DISTINCT.
-- Same visitors, same signature.
CREATE OR REPLACE FUNCTION public.order_summaries_next_order_keep() RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, public
AS $$
DECLARE
  old_valid boolean := TG_OP <> 'INSERT' AND OLD.status <> 'cancelled' AND NOT OLD.is_test;
  new_valid boolean := TG_OP <> 'DELETE' AND NEW.status <> 'cancelled' AND NOT NEW.is_test;
  v text;
BEGIN
  IF TG_OP = 'UPDATE' AND old_valid = new_valid AND (NEW.order_id, NEW.placed_at) IS NOT DISTINCT FROM (OLD.order_id, OLD.placed_at) THEN
    RETURN NULL;
  END IF;
  IF old_valid THEN
    FOR v IN SELECT DISTINCT so.visitor_id FROM (SELECT so.visitor_id FROM public.session_orders so WHERE so.order_id = OLD.order_id OFFSET 0) so LOOP
      PERFORM public.visitor_next_valid_order_lost(v, OLD.placed_at);
    END LOOP;
  END IF;
  IF new_valid THEN
    FOR v IN SELECT DISTINCT so.visitor_id FROM (SELECT so.visitor_id FROM public.session_orders so WHERE so.order_id = NEW.order_id OFFSET 0) so LOOP
      PERFORM public.visitor_next_valid_order_gained(v, NEW.placed_at);
    END LOOP;
  END IF;
  RETURN NULL;
END
$$;
