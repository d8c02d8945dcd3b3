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
-- The triggers never read cart_lines (a hypertable: a probe of one cart's lines plans or opens
-- every chunk, ~0.3 ms a write): the lines are kept summed per cart and sku beside it
-- (cart_sku_lines, by additive row deltas, so whatever the order in which one statement's row
-- events fire), and the counted carts with their cell (abandoned_product_carts).

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

-- Every cart's lines per sku (lines > 0 only), whether or not the cart row exists or counts.
CREATE TABLE cart_sku_lines (
  cart_id     text NOT NULL,
  created_at  timestamptz NOT NULL,
  sku         text NOT NULL,
  lines       int NOT NULL,
  units       bigint NOT NULL,
  cents       bigint NOT NULL,
  PRIMARY KEY (cart_id, created_at, sku)
);
REVOKE ALL ON cart_sku_lines FROM PUBLIC;

-- One row per counted cart (kept journey row abandoned, finite horizon): its cell.
CREATE TABLE abandoned_product_carts (
  cart_id         text NOT NULL,
  created_at      timestamptz NOT NULL,
  time            timestamptz NOT NULL,
  horizon_before  timestamptz NOT NULL,
  recovered       boolean NOT NULL,
  PRIMARY KEY (cart_id, created_at)
);
REVOKE ALL ON abandoned_product_carts FROM PUBLIC;

-- ------------------------------------------------------------------ a cart's cell
-- Moves a cart to the cell its current journey row gives (none when it does not count), with
-- its lines per sku as kept.
CREATE FUNCTION public.abandoned_product_cells_keep_cart(p_cart text, p_created timestamptz) RETURNS void
LANGUAGE plpgsql
SET search_path = pg_catalog, public
AS $$
DECLARE
  o public.abandoned_product_carts%ROWTYPE;
  has_old boolean;
  has_new boolean;
  n_time timestamptz; n_before timestamptz; n_rec boolean;
BEGIN
  SELECT public.cart_created_day(f.created_at)::timestamp AT TIME ZONE {{STORE_TIMEZONE}},
         (public.cart_created_day(f.horizon) + 1)::timestamp AT TIME ZONE {{STORE_TIMEZONE}},
         coalesce(f.recovered, false)
  INTO n_time, n_before, n_rec
  FROM public.cart_journey_facts f
  WHERE f.cart_id = p_cart AND f.created_at = p_created AND f.abandoned_at IS NOT NULL AND f.horizon < 'infinity';
  has_new := FOUND;
  SELECT * INTO o FROM public.abandoned_product_carts a WHERE a.cart_id = p_cart AND a.created_at = p_created FOR UPDATE;
  has_old := FOUND;
  IF has_old AND has_new AND (o.time, o.horizon_before, o.recovered) = (n_time, n_before, n_rec) THEN
    RETURN;
  END IF;
  IF has_old THEN
    UPDATE public.abandoned_product_cells g
    SET carts = g.carts - 1, units = g.units - s.units, cents = g.cents - s.cents, carts_recovered = g.carts_recovered - o.recovered::int
    FROM public.cart_sku_lines s
    WHERE s.cart_id = p_cart AND s.created_at = p_created
      AND g.time = o.time AND g.horizon_before = o.horizon_before AND g.sku = s.sku;
    DELETE FROM public.abandoned_product_cells g
    WHERE g.time = o.time AND g.horizon_before = o.horizon_before AND g.carts = 0
      AND g.sku IN (SELECT s.sku FROM public.cart_sku_lines s WHERE s.cart_id = p_cart AND s.created_at = p_created);
  END IF;
  IF has_new THEN
    INSERT INTO public.abandoned_product_cells AS g (time, horizon_before, sku, carts, units, cents, carts_recovered)
    SELECT n_time, n_before, s.sku, 1, s.units, s.cents, n_rec::int
    FROM public.cart_sku_lines s WHERE s.cart_id = p_cart AND s.created_at = p_created
    ON CONFLICT (time, horizon_before, sku) DO UPDATE
      SET carts = g.carts + 1, units = g.units + EXCLUDED.units, cents = g.cents + EXCLUDED.cents,
          carts_recovered = g.carts_recovered + EXCLUDED.carts_recovered;
    INSERT INTO public.abandoned_product_carts AS a (cart_id, created_at, time, horizon_before, recovered)
    VALUES (p_cart, p_created, n_time, n_before, n_rec)
    ON CONFLICT (cart_id, created_at) DO UPDATE
      SET time = EXCLUDED.time, horizon_before = EXCLUDED.horizon_before, recovered = EXCLUDED.recovered;
  ELSE
    DELETE FROM public.abandoned_product_carts a WHERE a.cart_id = p_cart AND a.created_at = p_created;
  END IF;
END
$$;

-- ------------------------------------------------------------------ a line's delta
-- Adds one line (sign 1) or takes it out (-1): its cart's sku total, and the cell when the cart
-- counts (a sku coming or going changes the cell's carts).
CREATE FUNCTION public.abandoned_product_cells_add_line(p_cart text, p_created timestamptz, p_sku text, sign int, qty bigint, p_cents bigint)
RETURNS void
LANGUAGE plpgsql
SET search_path = pg_catalog, public
AS $$
DECLARE
  o public.abandoned_product_carts%ROWTYPE;
  n_lines int;
BEGIN
  INSERT INTO public.cart_sku_lines AS s (cart_id, created_at, sku, lines, units, cents)
  VALUES (p_cart, p_created, p_sku, sign, sign * qty, sign * p_cents)
  ON CONFLICT (cart_id, created_at, sku) DO UPDATE
    SET lines = s.lines + EXCLUDED.lines, units = s.units + EXCLUDED.units, cents = s.cents + EXCLUDED.cents
  RETURNING s.lines INTO n_lines;
  IF n_lines = 0 THEN
    DELETE FROM public.cart_sku_lines s WHERE s.cart_id = p_cart AND s.created_at = p_created AND s.sku = p_sku;
  END IF;
  SELECT * INTO o FROM public.abandoned_product_carts a WHERE a.cart_id = p_cart AND a.created_at = p_created;
  IF NOT FOUND THEN
    RETURN;
  END IF;
  IF sign > 0 THEN
    INSERT INTO public.abandoned_product_cells AS g (time, horizon_before, sku, carts, units, cents, carts_recovered)
    VALUES (o.time, o.horizon_before, p_sku, 1, qty, p_cents, o.recovered::int)
    ON CONFLICT (time, horizon_before, sku) DO UPDATE
      SET carts = g.carts + (n_lines = 1)::int, units = g.units + EXCLUDED.units, cents = g.cents + EXCLUDED.cents,
          carts_recovered = g.carts_recovered + ((n_lines = 1) AND o.recovered)::int;
  ELSE
    UPDATE public.abandoned_product_cells g
    SET carts = g.carts - (n_lines = 0)::int, units = g.units - qty, cents = g.cents - p_cents,
        carts_recovered = g.carts_recovered - ((n_lines = 0) AND o.recovered)::int
    WHERE g.time = o.time AND g.horizon_before = o.horizon_before AND g.sku = p_sku;
    IF n_lines = 0 THEN
      DELETE FROM public.abandoned_product_cells g
      WHERE g.time = o.time AND g.horizon_before = o.horizon_before AND g.sku = p_sku AND g.carts = 0;
    END IF;
  END IF;
END
$$;

-- ------------------------------------------------------------------ triggers
-- Journey rows: the old and the new cart. Rows are inserted not yet computed (abandoned_at NULL)
-- and recomputed by UPDATE; only an abandoned row (before or after) can count.
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

-- Cart lines: the old line out, the new one in, when something counted changed.
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
    PERFORM public.abandoned_product_cells_add_line(OLD.cart_id, OLD.created_at, OLD.sku, -1, OLD.quantity, OLD.line_subtotal_cents);
  END IF;
  IF TG_OP <> 'DELETE' THEN
    PERFORM public.abandoned_product_cells_add_line(NEW.cart_id, NEW.created_at, NEW.sku, 1, NEW.quantity, NEW.line_subtotal_cents);
  END IF;
  RETURN NULL;
END
$$;

-- ------------------------------------------------------------------ backfill
SET LOCAL work_mem = '256MB';
INSERT INTO cart_sku_lines (cart_id, created_at, sku, lines, units, cents)
SELECT cart_id, created_at, sku, count(*), sum(quantity), sum(line_subtotal_cents)
FROM cart_lines GROUP BY cart_id, created_at, sku;

INSERT INTO abandoned_product_carts (cart_id, created_at, time, horizon_before, recovered)
SELECT f.cart_id, f.created_at,
       public.cart_created_day(f.created_at)::timestamp AT TIME ZONE {{STORE_TIMEZONE}},
       (public.cart_created_day(f.horizon) + 1)::timestamp AT TIME ZONE {{STORE_TIMEZONE}},
       coalesce(f.recovered, false)
FROM cart_journey_facts f
WHERE f.abandoned_at IS NOT NULL AND f.horizon < 'infinity';

INSERT INTO abandoned_product_cells (time, horizon_before, sku, carts, units, cents, carts_recovered)
SELECT a.time, a.horizon_before, s.sku, count(*), sum(s.units), sum(s.cents), count(*) FILTER (WHERE a.recovered)
FROM abandoned_product_carts a
JOIN cart_sku_lines s ON s.cart_id = a.cart_id AND s.created_at = a.created_at
GROUP BY a.time, a.horizon_before, s.sku;

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
ANALYZE cart_sku_lines;
ANALYZE abandoned_product_carts;

-- The carts of a range whose horizon is at or after an instant (the whole days' carts the grid
-- does not hold yet, and those followed live), found without reading the range's other carts.
CREATE INDEX cart_journey_facts_horizon_idx ON cart_journey_facts (horizon, created_at) INCLUDE (cart_id);
