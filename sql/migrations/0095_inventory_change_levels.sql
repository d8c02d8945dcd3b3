-- Inventory levels kept beside the raw inventory hypertables, so that the stock-out views and the
-- inventory value at an instant read a few rows instead of the whole inventory history.
--
-- inventory_change_levels: one row per inventory change (same key as inventory_changes) with the
-- SKU's level at the change's location before it, and the SKU's quantity summed over all
-- locations before and after it, exactly as kpi.out_of_stock_incidents_daily and
-- kpi.out_of_stock_store_daily define them (sql/views/products.sql):
--   level_before        = the previous change's available_after at this SKU × location (order
--                         changed_at, change_id), or available_after − delta for its first change;
--   location_opening    = available_after − delta on a location's first change, else NULL;
--   store_level_after   = Σ location_opening over every location of the SKU (a location counts
--                         from the start at its opening) + Σ (available_after − level_before) of
--                         the SKU's changes up to this one (order changed_at, change_id);
--   store_level_before  = store_level_after − (available_after − level_before).
-- Because every opening counts from the start, a location's first change (or an earlier change
-- of it arriving later) shifts the store levels of the SKU's earlier rows too; the refresh below
-- does that. day / day_start are the store-local day of changed_at and its first instant
-- (kpi.local_day / kpi.day_start): the store time zone of a database never changes.
CREATE TABLE inventory_change_levels (
  change_id           text NOT NULL,
  changed_at          timestamptz NOT NULL,
  day                 date NOT NULL,
  day_start           timestamptz NOT NULL,
  sku                 text NOT NULL,
  location_id         text NOT NULL,
  available_after     integer NOT NULL,
  level_before        integer NOT NULL,
  location_opening    integer,
  store_level_before  bigint NOT NULL,
  store_level_after   bigint NOT NULL,
  PRIMARY KEY (sku, changed_at, change_id)
);
-- The previous change at a SKU × location, and the latest level before an instant.
CREATE INDEX inventory_change_levels_location_idx ON inventory_change_levels (sku, location_id, changed_at, change_id);
-- Stock-outs (> 0 to ≤ 0) per location and store-wide are a handful of rows: the views read them
-- through these, with the dashboards' time filter on day_start.
CREATE INDEX inventory_change_levels_stockout_idx ON inventory_change_levels (day_start)
  WHERE level_before > 0 AND available_after <= 0;
CREATE INDEX inventory_change_levels_store_stockout_idx ON inventory_change_levels (day_start)
  WHERE store_level_before > 0 AND store_level_after <= 0;
REVOKE ALL ON inventory_change_levels FROM PUBLIC;

-- The SKUs whose levels a statement on inventory_changes must recompute, from which changed_at
-- on. Filled by the row trigger, emptied by the statement trigger of the same statement
-- (hypertables take row and statement triggers, not transition tables). The row lock on a SKU's
-- entry also keeps two concurrent loads of one SKU from recomputing it at the same time.
CREATE TABLE inventory_change_levels_pending (
  sku              text PRIMARY KEY,
  from_changed_at  timestamptz NOT NULL
);
REVOKE ALL ON inventory_change_levels_pending FROM PUBLIC;

-- Every SKU × location that has had an inventory change or count (never removed: one without
-- rows left simply has no level). kpi.inventory_value_at probes each of them.
CREATE TABLE inventory_sku_locations (
  sku          text NOT NULL,
  location_id  text NOT NULL,
  PRIMARY KEY (sku, location_id)
);
REVOKE ALL ON inventory_sku_locations FROM PUBLIC;

-- A plain-table copy of inventory_counts: the latest count before an instant is one index probe
-- here, where the hypertable would be probed once per chunk.
CREATE TABLE inventory_count_history (
  sku          text NOT NULL,
  location_id  text NOT NULL,
  counted_at   timestamptz NOT NULL,
  available    integer NOT NULL,
  PRIMARY KEY (sku, location_id, counted_at)
);
REVOKE ALL ON inventory_count_history FROM PUBLIC;

-- Recomputes the rows of one SKU with changed_at >= p_from from inventory_changes, seeded by its
-- rows before p_from (which an insert, update or delete at or after p_from does not change,
-- except for the shift of their store levels when the sum of openings changes).
CREATE FUNCTION public.inventory_change_levels_refresh(p_sku text, p_from timestamptz) RETURNS void
LANGUAGE plpgsql
SET search_path = pg_catalog, public
AS $$
DECLARE
  old_openings bigint;
  new_openings bigint;
BEGIN
  WITH d AS (
    DELETE FROM public.inventory_change_levels WHERE sku = p_sku AND changed_at >= p_from RETURNING location_opening
  )
  SELECT coalesce(sum(location_opening), 0) INTO old_openings FROM d;

  WITH c AS (
    SELECT x.change_id, x.changed_at, x.location_id, x.delta, x.available_after,
           lag(x.available_after) OVER w AS prev_after, row_number() OVER w AS n
    FROM public.inventory_changes x
    WHERE x.sku = p_sku AND x.changed_at >= p_from
    WINDOW w AS (PARTITION BY x.location_id ORDER BY x.changed_at, x.change_id)
  ), prior AS (
    SELECT loc.location_id, p.available_after
    FROM (SELECT DISTINCT location_id FROM c) loc
    CROSS JOIN LATERAL (
      SELECT l.available_after FROM public.inventory_change_levels l
      WHERE l.sku = p_sku AND l.location_id = loc.location_id AND l.changed_at < p_from
      ORDER BY l.changed_at DESC, l.change_id DESC LIMIT 1
    ) p
  ), before AS (
    SELECT l.store_level_after FROM public.inventory_change_levels l
    WHERE l.sku = p_sku AND l.changed_at < p_from
    ORDER BY l.changed_at DESC, l.change_id DESC LIMIT 1
  ), lv AS (
    SELECT c.change_id, c.changed_at, c.location_id, c.available_after,
           coalesce(c.prev_after, pr.available_after, c.available_after - c.delta) AS level_before,
           CASE WHEN c.n = 1 AND pr.location_id IS NULL THEN c.available_after - c.delta END AS opening
    FROM c LEFT JOIN prior pr ON pr.location_id = c.location_id
  ), z AS (
    SELECT lv.*,
           sum(lv.available_after - lv.level_before) OVER (ORDER BY lv.changed_at, lv.change_id ROWS UNBOUNDED PRECEDING) AS run,
           lv.available_after - lv.level_before AS move,
           -- the earlier rows' level, with the openings recomputed here in place of the old ones
           coalesce((SELECT b.store_level_after FROM before b) - old_openings, 0)
             + coalesce(sum(lv.opening) OVER (), 0) AS base
    FROM lv
  ), ins AS (
    INSERT INTO public.inventory_change_levels
      (change_id, changed_at, day, day_start, sku, location_id, available_after, level_before, location_opening,
       store_level_before, store_level_after)
    SELECT z.change_id, z.changed_at,
           (z.changed_at AT TIME ZONE {{STORE_TIMEZONE}})::date,
           ((z.changed_at AT TIME ZONE {{STORE_TIMEZONE}})::date)::timestamp AT TIME ZONE {{STORE_TIMEZONE}},
           p_sku, z.location_id, z.available_after, z.level_before, z.opening,
           z.base + z.run - z.move, z.base + z.run
    FROM z
    RETURNING location_id, location_opening
  ), seen AS (
    INSERT INTO public.inventory_sku_locations (sku, location_id)
    SELECT DISTINCT p_sku, ins.location_id FROM ins
    ON CONFLICT DO NOTHING
  )
  SELECT coalesce(sum(ins.location_opening), 0) INTO new_openings FROM ins;

  IF new_openings <> old_openings THEN
    UPDATE public.inventory_change_levels
    SET store_level_before = store_level_before + (new_openings - old_openings),
        store_level_after = store_level_after + (new_openings - old_openings)
    WHERE sku = p_sku AND changed_at < p_from;
  END IF;
END
$$;

CREATE FUNCTION public.inventory_change_levels_mark() RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, public
AS $$
BEGIN
  IF TG_OP IN ('UPDATE', 'DELETE') THEN
    INSERT INTO public.inventory_change_levels_pending AS p (sku, from_changed_at) VALUES (OLD.sku, OLD.changed_at)
    ON CONFLICT (sku) DO UPDATE SET from_changed_at = least(p.from_changed_at, EXCLUDED.from_changed_at);
  END IF;
  IF TG_OP IN ('INSERT', 'UPDATE') THEN
    INSERT INTO public.inventory_change_levels_pending AS p (sku, from_changed_at) VALUES (NEW.sku, NEW.changed_at)
    ON CONFLICT (sku) DO UPDATE SET from_changed_at = least(p.from_changed_at, EXCLUDED.from_changed_at);
  END IF;
  RETURN NULL;
END
$$;

-- After the row triggers of the statement: each SKU it touched is recomputed once, from its
-- earliest touched change on (an in-order append recomputes just the new rows).
CREATE FUNCTION public.inventory_change_levels_apply() RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, public
AS $$
DECLARE
  r record;
BEGIN
  FOR r IN
    WITH d AS (DELETE FROM public.inventory_change_levels_pending RETURNING sku, from_changed_at)
    SELECT sku, from_changed_at FROM d ORDER BY sku
  LOOP
    PERFORM public.inventory_change_levels_refresh(r.sku, r.from_changed_at);
  END LOOP;
  RETURN NULL;
END
$$;

CREATE FUNCTION public.inventory_change_levels_truncate() RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, public
AS $$
BEGIN
  DELETE FROM public.inventory_change_levels;
  DELETE FROM public.inventory_change_levels_pending;
  RETURN NULL;
END
$$;

CREATE TRIGGER inventory_changes_mark_levels
AFTER INSERT OR UPDATE OR DELETE ON inventory_changes
FOR EACH ROW EXECUTE FUNCTION public.inventory_change_levels_mark();
CREATE TRIGGER inventory_changes_apply_levels
AFTER INSERT OR UPDATE OR DELETE ON inventory_changes
FOR EACH STATEMENT EXECUTE FUNCTION public.inventory_change_levels_apply();
CREATE TRIGGER inventory_changes_truncate_levels
AFTER TRUNCATE ON inventory_changes
FOR EACH STATEMENT EXECUTE FUNCTION public.inventory_change_levels_truncate();

-- inventory_count_history follows inventory_counts: each key an insert, update or delete touched
-- is copied again from the hypertable as the statement left it (so a multi-row update that
-- swaps keys ends right whatever order its rows fire in).
CREATE FUNCTION public.inventory_count_history_keep() RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, public
AS $$
BEGIN
  IF TG_OP IN ('UPDATE', 'DELETE') THEN
    DELETE FROM public.inventory_count_history h
    WHERE h.sku = OLD.sku AND h.location_id = OLD.location_id AND h.counted_at = OLD.counted_at;
    INSERT INTO public.inventory_count_history (sku, location_id, counted_at, available)
    SELECT c.sku, c.location_id, c.counted_at, c.available FROM public.inventory_counts c
    WHERE c.sku = OLD.sku AND c.location_id = OLD.location_id AND c.counted_at = OLD.counted_at
    ON CONFLICT (sku, location_id, counted_at) DO UPDATE SET available = EXCLUDED.available;
  END IF;
  IF TG_OP IN ('INSERT', 'UPDATE') THEN
    DELETE FROM public.inventory_count_history h
    WHERE h.sku = NEW.sku AND h.location_id = NEW.location_id AND h.counted_at = NEW.counted_at;
    INSERT INTO public.inventory_count_history (sku, location_id, counted_at, available)
    SELECT c.sku, c.location_id, c.counted_at, c.available FROM public.inventory_counts c
    WHERE c.sku = NEW.sku AND c.location_id = NEW.location_id AND c.counted_at = NEW.counted_at
    ON CONFLICT (sku, location_id, counted_at) DO UPDATE SET available = EXCLUDED.available;
    INSERT INTO public.inventory_sku_locations (sku, location_id) VALUES (NEW.sku, NEW.location_id)
    ON CONFLICT DO NOTHING;
  END IF;
  RETURN NULL;
END
$$;

CREATE FUNCTION public.inventory_count_history_truncate() RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, public
AS $$
BEGIN
  DELETE FROM public.inventory_count_history;
  RETURN NULL;
END
$$;

CREATE TRIGGER inventory_counts_keep_history
AFTER INSERT OR UPDATE OR DELETE ON inventory_counts
FOR EACH ROW EXECUTE FUNCTION public.inventory_count_history_keep();
CREATE TRIGGER inventory_counts_truncate_history
AFTER TRUNCATE ON inventory_counts
FOR EACH STATEMENT EXECUTE FUNCTION public.inventory_count_history_truncate();

-- The history so far.
INSERT INTO inventory_count_history (sku, location_id, counted_at, available)
SELECT sku, location_id, counted_at, available FROM inventory_counts;
INSERT INTO inventory_sku_locations (sku, location_id)
SELECT DISTINCT sku, location_id FROM inventory_counts
ON CONFLICT DO NOTHING;
SELECT public.inventory_change_levels_refresh(s.sku, '-infinity') FROM (SELECT DISTINCT sku FROM inventory_changes) s;
