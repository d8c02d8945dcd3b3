-- COGS of the lines of valid orders per store-local day and SKU, kept by a row trigger on
-- order_lines: kpi.inventory_turnover sums the whole local days of its range here and reads only
-- the partial first and last day from order_lines, where it summed every line of the range.
-- Exact at every moment (unlike a continuous aggregate between refreshes): each insert, update or
-- delete adds or removes its line. `lines` counts the valid lines, so a SKU whose lines all turned
-- invalid (lines = 0) is known to have none.
CREATE TABLE order_line_cogs_daily (
  day         date NOT NULL,
  sku         text NOT NULL,
  lines       bigint NOT NULL,
  cogs_cents  bigint NOT NULL,
  PRIMARY KEY (day, sku)
);
REVOKE ALL ON order_line_cogs_daily FROM PUBLIC;

CREATE FUNCTION public.order_line_cogs_daily_keep() RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, public
AS $$
BEGIN
  IF TG_OP = 'UPDATE' AND (OLD.order_valid, OLD.placed_at, OLD.sku, OLD.quantity, OLD.unit_cost_cents)
                          IS NOT DISTINCT FROM (NEW.order_valid, NEW.placed_at, NEW.sku, NEW.quantity, NEW.unit_cost_cents) THEN
    RETURN NULL;
  END IF;
  IF TG_OP IN ('UPDATE', 'DELETE') AND OLD.order_valid THEN
    INSERT INTO public.order_line_cogs_daily AS t (day, sku, lines, cogs_cents)
    VALUES ((OLD.placed_at AT TIME ZONE {{STORE_TIMEZONE}})::date, OLD.sku, -1, -(OLD.quantity::bigint * OLD.unit_cost_cents))
    ON CONFLICT (day, sku) DO UPDATE SET lines = t.lines + EXCLUDED.lines, cogs_cents = t.cogs_cents + EXCLUDED.cogs_cents;
  END IF;
  IF TG_OP IN ('INSERT', 'UPDATE') AND NEW.order_valid THEN
    INSERT INTO public.order_line_cogs_daily AS t (day, sku, lines, cogs_cents)
    VALUES ((NEW.placed_at AT TIME ZONE {{STORE_TIMEZONE}})::date, NEW.sku, 1, NEW.quantity::bigint * NEW.unit_cost_cents)
    ON CONFLICT (day, sku) DO UPDATE SET lines = t.lines + EXCLUDED.lines, cogs_cents = t.cogs_cents + EXCLUDED.cogs_cents;
  END IF;
  RETURN NULL;
END
$$;

CREATE FUNCTION public.order_line_cogs_daily_truncate() RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, public
AS $$
BEGIN
  DELETE FROM public.order_line_cogs_daily;
  RETURN NULL;
END
$$;

CREATE TRIGGER order_lines_keep_cogs_daily
AFTER INSERT OR UPDATE OR DELETE ON order_lines
FOR EACH ROW EXECUTE FUNCTION public.order_line_cogs_daily_keep();
CREATE TRIGGER order_lines_truncate_cogs_daily
AFTER TRUNCATE ON order_lines
FOR EACH STATEMENT EXECUTE FUNCTION public.order_line_cogs_daily_truncate();

INSERT INTO order_line_cogs_daily (day, sku, lines, cogs_cents)
SELECT (placed_at AT TIME ZONE {{STORE_TIMEZONE}})::date, sku, count(*), sum(quantity::bigint * unit_cost_cents)
FROM order_lines WHERE order_valid
GROUP BY 1, 2;
