-- The SKUs of abandoned carts (kpi.abandoned_products) counted from a grid kept by row triggers,
-- instead of joining every abandoned cart of the range with its cart lines on each read (a year
-- at 10× is ~360 k abandoned carts and their lines, ~2 s a read).
--
-- A cart's journey row as known at to_ts equals its kept row (0140) when horizon < to_ts. So the
-- grid counts the kept rows that are abandoned with a finite horizon, per cell (local day of
-- creation, start of the local day after the horizon's, sku): a reader that takes the cells of the
-- range's whole local days whose horizon_before <= the end of those days (so horizon < to_ts) gets
-- exactly the journey's figures for those carts, and reads the range's other carts row by row as
-- before (the partial edge days, carts whose horizon is on or after the last whole day's end,
-- carts with horizon = infinity: those sharing a cart_id or an order row, or not computed yet).
-- A kept row with a finite horizon is the only row of its cart_id, so a cart counts once per sku
-- and sums of cells are the journey's count(DISTINCT cart_id) per sku.
--
-- What each kept cart adds to the grid is recorded beside it (abandoned_product_carts), so a
-- trigger takes out exactly what it added and puts back what the cart's current rows give: a cart
-- is reconciled with its current journey row and lines whatever the order in which the row
-- events of one statement fire (row triggers after a statement see all of its rows).

-- ------------------------------------------------------------------ tables
-- time: local midnight of the carts' creation day (public.cart_created_day, as 0160);
-- horizon_before: local midnight of the day after the horizon's day (every cart of the cell has
-- horizon < horizon_before). Non-empty cells only.
CREATE TABLE abandoned_product_cells (
  time            timestamptz NOT NULL,
  horizon_before  timestamptz NOT NULL,
  sku             text NOT NULL,
  carts           bigint NOT NULL,
  units           bigint NOT NULL,
  cents           bigint NOT NULL,
  carts_recovered bigint NOT NULL,
  PRIMARY KEY (time, horizon_before, sku)
);
REVOKE ALL ON abandoned_product_cells FROM PUBLIC;

-- One row per counted cart (abandoned kept journey row, finite horizon, at least one line): its
-- cell and per-sku units and cents (skus sorted), as added to the grid.
CREATE TABLE abandoned_product_carts (
  cart_id         text NOT NULL,
  created_at      timestamptz NOT NULL,
  time            timestamptz NOT NULL,
  horizon_before  timestamptz NOT NULL,
  recovered       boolean NOT NULL,
  skus            text[] NOT NULL,
  units           bigint[] NOT NULL,
  cents           bigint[] NOT NULL,
  PRIMARY KEY (cart_id, created_at)
);
REVOKE ALL ON abandoned_product_carts FROM PUBLIC;

-- ------------------------------------------------------------------ reconcile one cart
CREATE FUNCTION public.abandoned_product_cells_keep_cart(p_cart text, p_created timestamptz) RETURNS void
LANGUAGE plpgsql
SET search_path = pg_catalog, public
AS $$
DECLARE
  o public.abandoned_product_carts%ROWTYPE;
  has_old boolean;
  n_time timestamptz; n_before timestamptz; n_rec boolean;
  n_skus text[]; n_units bigint[]; n_cents bigint[];
BEGIN
  SELECT public.cart_created_day(f.created_at)::timestamp AT TIME ZONE {{STORE_TIMEZONE}},
         (public.cart_created_day(f.horizon) + 1)::timestamp AT TIME ZONE {{STORE_TIMEZONE}},
         coalesce(f.recovered, false)
  INTO n_time, n_before, n_rec
  FROM public.cart_journey_facts f
  WHERE f.cart_id = p_cart AND f.created_at = p_created AND f.abandoned_at IS NOT NULL AND f.horizon < 'infinity';
  IF FOUND THEN
    SELECT array_agg(s.sku ORDER BY s.sku), array_agg(s.u ORDER BY s.sku), array_agg(s.c ORDER BY s.sku)
    INTO n_skus, n_units, n_cents
    FROM (SELECT l.sku, sum(l.quantity)::bigint AS u, sum(l.line_subtotal_cents)::bigint AS c
          FROM public.cart_lines l WHERE l.cart_id = p_cart AND l.created_at = p_created GROUP BY l.sku) s;
  END IF;

  SELECT * INTO o FROM public.abandoned_product_carts a WHERE a.cart_id = p_cart AND a.created_at = p_created FOR UPDATE;
  has_old := FOUND;
  IF has_old AND n_skus IS NOT NULL
     AND (o.time, o.horizon_before, o.recovered, o.skus, o.units, o.cents)
         IS NOT DISTINCT FROM (n_time, n_before, n_rec, n_skus, n_units, n_cents) THEN
    RETURN;
  END IF;
  IF NOT has_old AND n_skus IS NULL THEN
    RETURN;
  END IF;

  IF has_old THEN
    UPDATE public.abandoned_product_cells g
    SET carts = g.carts - 1, units = g.units - x.u, cents = g.cents - x.c, carts_recovered = g.carts_recovered - o.recovered::int
    FROM unnest(o.skus, o.units, o.cents) x(sku, u, c)
    WHERE g.time = o.time AND g.horizon_before = o.horizon_before AND g.sku = x.sku;
    DELETE FROM public.abandoned_product_cells g
    WHERE g.time = o.time AND g.horizon_before = o.horizon_before AND g.sku = ANY (o.skus) AND g.carts = 0;
    DELETE FROM public.abandoned_product_carts a WHERE a.cart_id = p_cart AND a.created_at = p_created;
  END IF;
  IF n_skus IS NOT NULL THEN
    INSERT INTO public.abandoned_product_cells AS g (time, horizon_before, sku, carts, units, cents, carts_recovered)
    SELECT n_time, n_before, x.sku, 1, x.u, x.c, n_rec::int FROM unnest(n_skus, n_units, n_cents) x(sku, u, c)
    ON CONFLICT (time, horizon_before, sku) DO UPDATE
      SET carts = g.carts + 1, units = g.units + EXCLUDED.units, cents = g.cents + EXCLUDED.cents,
          carts_recovered = g.carts_recovered + EXCLUDED.carts_recovered;
    INSERT INTO public.abandoned_product_carts (cart_id, created_at, time, horizon_before, recovered, skus, units, cents)
    VALUES (p_cart, p_created, n_time, n_before, n_rec, n_skus, n_units, n_cents);
  END IF;
END
$$;

-- ------------------------------------------------------------------ triggers
-- Journey rows: the old and the new cart. Rows are inserted not yet computed (abandoned_at NULL)
-- and recomputed by UPDATE; only an abandoned row (before or after) can be counted.
CREATE FUNCTION public.abandoned_product_cells_facts_keep() RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, public
AS $$
BEGIN
  IF TG_OP <> 'INSERT' THEN
    PERFORM public.abandoned_product_cells_keep_cart(OLD.cart_id, OLD.created_at);
  END IF;
  IF TG_OP = 'INSERT' OR (TG_OP = 'UPDATE' AND (NEW.cart_id, NEW.created_at) IS DISTINCT FROM (OLD.cart_id, OLD.created_at)) THEN
    PERFORM public.abandoned_product_cells_keep_cart(NEW.cart_id, NEW.created_at);
  END IF;
  RETURN NULL;
END
$$;

-- Cart lines: the cart of the old and of the new line, when something counted changed.
CREATE FUNCTION public.abandoned_product_cells_lines_keep() RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, public
AS $$
BEGIN
  IF TG_OP = 'UPDATE'
     AND (NEW.cart_id, NEW.created_at, NEW.sku, NEW.quantity, NEW.line_subtotal_cents)
         IS NOT DISTINCT FROM (OLD.cart_id, OLD.created_at, OLD.sku, OLD.quantity, OLD.line_subtotal_cents) THEN
    RETURN NULL;
  END IF;
  IF TG_OP <> 'INSERT' THEN
    PERFORM public.abandoned_product_cells_keep_cart(OLD.cart_id, OLD.created_at);
  END IF;
  IF TG_OP = 'INSERT' OR (TG_OP = 'UPDATE' AND (NEW.cart_id, NEW.created_at) IS DISTINCT FROM (OLD.cart_id, OLD.created_at)) THEN
    PERFORM public.abandoned_product_cells_keep_cart(NEW.cart_id, NEW.created_at);
  END IF;
  RETURN NULL;
END
$$;

-- ------------------------------------------------------------------ backfill
SET LOCAL work_mem = '256MB';
INSERT INTO abandoned_product_carts (cart_id, created_at, time, horizon_before, recovered, skus, units, cents)
SELECT f.cart_id, f.created_at,
       public.cart_created_day(f.created_at)::timestamp AT TIME ZONE {{STORE_TIMEZONE}},
       (public.cart_created_day(f.horizon) + 1)::timestamp AT TIME ZONE {{STORE_TIMEZONE}},
       coalesce(f.recovered, false),
       array_agg(s.sku ORDER BY s.sku), array_agg(s.u ORDER BY s.sku), array_agg(s.c ORDER BY s.sku)
FROM cart_journey_facts f
JOIN (SELECT l.cart_id, l.created_at, l.sku, sum(l.quantity)::bigint AS u, sum(l.line_subtotal_cents)::bigint AS c
      FROM cart_lines l GROUP BY l.cart_id, l.created_at, l.sku) s
  ON s.cart_id = f.cart_id AND s.created_at = f.created_at
WHERE f.abandoned_at IS NOT NULL AND f.horizon < 'infinity'
GROUP BY f.cart_id, f.created_at, f.horizon, f.recovered;

INSERT INTO abandoned_product_cells (time, horizon_before, sku, carts, units, cents, carts_recovered)
SELECT a.time, a.horizon_before, x.sku, count(*), sum(x.u), sum(x.c), count(*) FILTER (WHERE a.recovered)
FROM abandoned_product_carts a CROSS JOIN LATERAL unnest(a.skus, a.units, a.cents) x(sku, u, c)
GROUP BY a.time, a.horizon_before, x.sku;

CREATE TRIGGER cart_journey_facts_keep_product_cells_delete
AFTER DELETE ON cart_journey_facts
FOR EACH ROW WHEN (OLD.abandoned_at IS NOT NULL)
EXECUTE FUNCTION public.abandoned_product_cells_facts_keep();
CREATE TRIGGER cart_journey_facts_keep_product_cells_insert
AFTER INSERT ON cart_journey_facts
FOR EACH ROW WHEN (NEW.abandoned_at IS NOT NULL)
EXECUTE FUNCTION public.abandoned_product_cells_facts_keep();
CREATE TRIGGER cart_journey_facts_keep_product_cells_update
AFTER UPDATE ON cart_journey_facts
FOR EACH ROW
WHEN ((OLD.abandoned_at IS NOT NULL OR NEW.abandoned_at IS NOT NULL)
      AND ((OLD.cart_id, OLD.created_at, OLD.abandoned_at IS NULL, OLD.horizon, OLD.recovered)
           IS DISTINCT FROM (NEW.cart_id, NEW.created_at, NEW.abandoned_at IS NULL, NEW.horizon, NEW.recovered)))
EXECUTE FUNCTION public.abandoned_product_cells_facts_keep();
CREATE TRIGGER cart_lines_keep_product_cells
AFTER INSERT OR UPDATE OR DELETE ON cart_lines
FOR EACH ROW EXECUTE FUNCTION public.abandoned_product_cells_lines_keep();

ANALYZE abandoned_product_cells;
ANALYZE abandoned_product_carts;

-- The carts of a range whose horizon is at or after an instant (the whole days' carts the grid
-- does not hold yet, and those followed live), found without reading the range's other carts.
CREATE INDEX cart_journey_facts_horizon_idx ON cart_journey_facts (horizon, created_at) INCLUDE (cart_id);
