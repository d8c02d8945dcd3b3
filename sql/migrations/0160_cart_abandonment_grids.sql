-- Cart abandonment counted per local day × stage, day × country and local hour (a day: the sum of
-- its stage cells) from count grids kept by a row trigger on cart_activity (0105). Abandonment depends on now(): a cart
-- without an order is abandoned once idle for 60 minutes, open until then, and carts created
-- after now() are not counted at all. What the grids keep does not depend on now(): carts created
-- and carts converted (has an order) per cell. The readers take "abandoned = created − converted −
-- open" and read live only the few carts that now() decides: the open ones (no order, activity
-- within the last 60 minutes, by cart_activity's last_activity_at index) and those created after
-- now() (by its created_at index). Counting the carts of every selected day instead cost a year of
-- carts for a 365-day range (~490 k rows at 10× scale, ~200 ms per dashboard target).

-- ------------------------------------------------------------------ cart_activity_keep
-- An upsert of a cart keeps its cart_activity row in place (one UPDATE, none when the report is
-- identical) instead of deleting and inserting it: the grid trigger below then sees an UPDATE,
-- and its WHEN clause skips the common case (only the last activity or subtotal moved). A changed
-- key still moves the row.
CREATE OR REPLACE FUNCTION public.cart_activity_keep() RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, public
AS $$
BEGIN
  IF TG_OP = 'UPDATE' AND NEW.cart_id = OLD.cart_id AND NEW.created_at = OLD.created_at THEN
    UPDATE public.cart_activity a
    SET last_activity_at = NEW.last_activity_at, customer_id = NEW.customer_id, stage = NEW.stage,
        subtotal_cents = NEW.subtotal_cents, country = NEW.country, order_id = NEW.order_id, converted_at = NEW.converted_at
    WHERE a.cart_id = NEW.cart_id AND a.created_at = NEW.created_at
      AND (a.last_activity_at, a.customer_id, a.stage, a.subtotal_cents, a.country, a.order_id, a.converted_at)
          IS DISTINCT FROM (NEW.last_activity_at, NEW.customer_id, NEW.stage, NEW.subtotal_cents, NEW.country, NEW.order_id, NEW.converted_at);
    RETURN NULL;
  END IF;
  IF TG_OP IN ('UPDATE', 'DELETE') THEN
    DELETE FROM public.cart_activity WHERE cart_id = OLD.cart_id AND created_at = OLD.created_at;
  END IF;
  IF TG_OP IN ('INSERT', 'UPDATE') THEN
    INSERT INTO public.cart_activity (cart_id, created_at, last_activity_at, customer_id, stage, subtotal_cents, country, order_id, converted_at)
    VALUES (NEW.cart_id, NEW.created_at, NEW.last_activity_at, NEW.customer_id, NEW.stage, NEW.subtotal_cents, NEW.country, NEW.order_id, NEW.converted_at);
  END IF;
  RETURN NULL;
END
$$;

-- ------------------------------------------------------------------ cells of a cart
-- The local day a cart counts on in the daily views: the day d with day_start(d) <= created_at <
-- day_start(d + 1), as they select it (the local date of created_at, corrected where a zone's
-- midnight is skipped or repeated). The views read live carts through the same function. No SET
-- clause: it keeps both helpers inlinable (the body names nothing outside pg_catalog).
CREATE FUNCTION public.cart_created_day(ts timestamptz) RETURNS date
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$
  SELECT CASE WHEN ((ts AT TIME ZONE {{STORE_TIMEZONE}})::date::timestamp AT TIME ZONE {{STORE_TIMEZONE}}) > ts
              THEN (ts AT TIME ZONE {{STORE_TIMEZONE}})::date - 1
              WHEN (((ts AT TIME ZONE {{STORE_TIMEZONE}})::date + 1)::timestamp AT TIME ZONE {{STORE_TIMEZONE}}) <= ts
              THEN (ts AT TIME ZONE {{STORE_TIMEZONE}})::date + 1
              ELSE (ts AT TIME ZONE {{STORE_TIMEZONE}})::date END
$$;

-- The start of the local hour of a cart's creation, as cart_abandonment_by_hour names it (`time`).
CREATE FUNCTION public.cart_created_hour(ts timestamptz) RETURNS timestamptz
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$ SELECT date_trunc('hour', ts AT TIME ZONE {{STORE_TIMEZONE}}) AT TIME ZONE {{STORE_TIMEZONE}} $$;

-- ------------------------------------------------------------------ grids
-- Non-empty cells only (a cell whose carts are all gone has no row). `time` is the start of the
-- cell (local midnight of `day`, or the local hour), so a filter on `time` selects cells by index.
-- A day's totals are the sum of its stage cells (every cart has one of three stages): a grid of
-- days alone would cost every cart write one more upsert.
CREATE TABLE cart_abandonment_stage_days (
  time            timestamptz NOT NULL,
  day             date NOT NULL,
  stage           text NOT NULL,
  carts_created   bigint NOT NULL,
  carts_converted bigint NOT NULL,
  PRIMARY KEY (time, stage)
);
REVOKE ALL ON cart_abandonment_stage_days FROM PUBLIC;

-- country is coalesce(country, 'unknown'), as the views group it.
CREATE TABLE cart_abandonment_country_days (
  time            timestamptz NOT NULL,
  day             date NOT NULL,
  country         text NOT NULL,
  carts_created   bigint NOT NULL,
  carts_converted bigint NOT NULL,
  PRIMARY KEY (time, country)
);
REVOKE ALL ON cart_abandonment_country_days FROM PUBLIC;

-- One row per local hour with carts: day, weekday (ISO) and hour_of_day of the carts created in
-- it (the hour start determines them: at a fall-back change both real hours share one local hour).
CREATE TABLE cart_abandonment_hours (
  time            timestamptz PRIMARY KEY,
  day             date NOT NULL,
  weekday         int NOT NULL,
  hour_of_day     int NOT NULL,
  carts_created   bigint NOT NULL,
  carts_converted bigint NOT NULL
);
REVOKE ALL ON cart_abandonment_hours FROM PUBLIC;

-- ------------------------------------------------------------------ trigger
-- The old row is taken out of its cells, the new one added; a cell whose key stays the same only
-- has its converted count moved. Fired only when a counted fact changed (see the WHEN clauses).
CREATE FUNCTION public.cart_abandonment_grids_keep() RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, public
AS $$
DECLARE
  has_old boolean := TG_OP <> 'INSERT';
  has_new boolean := TG_OP <> 'DELETE';
  o_day date; o_time timestamptz; o_hour timestamptz; o_country text; o_conv int;
  n_day date; n_time timestamptz; n_hour timestamptz; n_country text; n_conv int;
  left_n bigint;
BEGIN
  IF has_old THEN
    o_day := public.cart_created_day(OLD.created_at);
    o_time := o_day::timestamp AT TIME ZONE {{STORE_TIMEZONE}};
    o_hour := public.cart_created_hour(OLD.created_at);
    o_country := coalesce(OLD.country, 'unknown');
    o_conv := (OLD.order_id IS NOT NULL)::int;
  END IF;
  IF has_new THEN
    n_day := public.cart_created_day(NEW.created_at);
    n_time := n_day::timestamp AT TIME ZONE {{STORE_TIMEZONE}};
    n_hour := public.cart_created_hour(NEW.created_at);
    n_country := coalesce(NEW.country, 'unknown');
    n_conv := (NEW.order_id IS NOT NULL)::int;
  END IF;

  -- day × stage
  IF has_old AND has_new AND o_day = n_day AND OLD.stage = NEW.stage THEN
    IF o_conv <> n_conv THEN
      UPDATE public.cart_abandonment_stage_days SET carts_converted = carts_converted + n_conv - o_conv WHERE time = n_time AND stage = NEW.stage;
    END IF;
  ELSE
    IF has_old THEN
      UPDATE public.cart_abandonment_stage_days SET carts_created = carts_created - 1, carts_converted = carts_converted - o_conv
      WHERE time = o_time AND stage = OLD.stage RETURNING carts_created INTO left_n;
      IF left_n = 0 THEN DELETE FROM public.cart_abandonment_stage_days WHERE time = o_time AND stage = OLD.stage; END IF;
    END IF;
    IF has_new THEN
      INSERT INTO public.cart_abandonment_stage_days AS g (time, day, stage, carts_created, carts_converted) VALUES (n_time, n_day, NEW.stage, 1, n_conv)
      ON CONFLICT (time, stage) DO UPDATE SET carts_created = g.carts_created + 1, carts_converted = g.carts_converted + EXCLUDED.carts_converted;
    END IF;
  END IF;

  -- day × country
  IF has_old AND has_new AND o_day = n_day AND o_country = n_country THEN
    IF o_conv <> n_conv THEN
      UPDATE public.cart_abandonment_country_days SET carts_converted = carts_converted + n_conv - o_conv WHERE time = n_time AND country = n_country;
    END IF;
  ELSE
    IF has_old THEN
      UPDATE public.cart_abandonment_country_days SET carts_created = carts_created - 1, carts_converted = carts_converted - o_conv
      WHERE time = o_time AND country = o_country RETURNING carts_created INTO left_n;
      IF left_n = 0 THEN DELETE FROM public.cart_abandonment_country_days WHERE time = o_time AND country = o_country; END IF;
    END IF;
    IF has_new THEN
      INSERT INTO public.cart_abandonment_country_days AS g (time, day, country, carts_created, carts_converted) VALUES (n_time, n_day, n_country, 1, n_conv)
      ON CONFLICT (time, country) DO UPDATE SET carts_created = g.carts_created + 1, carts_converted = g.carts_converted + EXCLUDED.carts_converted;
    END IF;
  END IF;

  -- local hour
  IF has_old AND has_new AND o_hour = n_hour THEN
    IF o_conv <> n_conv THEN
      UPDATE public.cart_abandonment_hours SET carts_converted = carts_converted + n_conv - o_conv WHERE time = n_hour;
    END IF;
  ELSE
    IF has_old THEN
      UPDATE public.cart_abandonment_hours SET carts_created = carts_created - 1, carts_converted = carts_converted - o_conv
      WHERE time = o_hour RETURNING carts_created INTO left_n;
      IF left_n = 0 THEN DELETE FROM public.cart_abandonment_hours WHERE time = o_hour; END IF;
    END IF;
    IF has_new THEN
      INSERT INTO public.cart_abandonment_hours AS g (time, day, weekday, hour_of_day, carts_created, carts_converted)
      VALUES (n_hour, (NEW.created_at AT TIME ZONE {{STORE_TIMEZONE}})::date,
              extract(isodow FROM NEW.created_at AT TIME ZONE {{STORE_TIMEZONE}})::int,
              extract(hour FROM NEW.created_at AT TIME ZONE {{STORE_TIMEZONE}})::int, 1, n_conv)
      ON CONFLICT (time) DO UPDATE SET carts_created = g.carts_created + 1, carts_converted = g.carts_converted + EXCLUDED.carts_converted;
    END IF;
  END IF;
  RETURN NULL;
END
$$;

-- ------------------------------------------------------------------ backfill
INSERT INTO cart_abandonment_stage_days (time, day, stage, carts_created, carts_converted)
SELECT day::timestamp AT TIME ZONE {{STORE_TIMEZONE}}, day, stage, count(*), count(*) FILTER (WHERE converted)
FROM (SELECT public.cart_created_day(created_at) AS day, stage, order_id IS NOT NULL AS converted FROM cart_activity) c
GROUP BY day, stage;

INSERT INTO cart_abandonment_country_days (time, day, country, carts_created, carts_converted)
SELECT day::timestamp AT TIME ZONE {{STORE_TIMEZONE}}, day, country, count(*), count(*) FILTER (WHERE converted)
FROM (SELECT public.cart_created_day(created_at) AS day, coalesce(country, 'unknown') AS country, order_id IS NOT NULL AS converted
      FROM cart_activity) c
GROUP BY day, country;

-- day, weekday and hour_of_day are the same for every cart of one hour start: min() picks that value.
INSERT INTO cart_abandonment_hours (time, day, weekday, hour_of_day, carts_created, carts_converted)
SELECT time, min(day), min(weekday), min(hour_of_day), count(*), count(*) FILTER (WHERE converted)
FROM (SELECT public.cart_created_hour(created_at) AS time,
             (created_at AT TIME ZONE {{STORE_TIMEZONE}})::date AS day,
             extract(isodow FROM created_at AT TIME ZONE {{STORE_TIMEZONE}})::int AS weekday,
             extract(hour FROM created_at AT TIME ZONE {{STORE_TIMEZONE}})::int AS hour_of_day,
             order_id IS NOT NULL AS converted
      FROM cart_activity) c
GROUP BY time;

-- Inserts and deletes always move a cart's cells; an update only when a counted fact changed
-- (its day or hour, stage, country, or whether it has an order), not when only its last activity
-- or subtotal did, which is most upserts.
CREATE TRIGGER cart_activity_keep_grids
AFTER INSERT OR DELETE ON cart_activity
FOR EACH ROW EXECUTE FUNCTION public.cart_abandonment_grids_keep();
CREATE TRIGGER cart_activity_keep_grids_update
AFTER UPDATE ON cart_activity
FOR EACH ROW
WHEN (OLD.created_at IS DISTINCT FROM NEW.created_at OR OLD.stage IS DISTINCT FROM NEW.stage
      OR coalesce(OLD.country, 'unknown') IS DISTINCT FROM coalesce(NEW.country, 'unknown')
      OR (OLD.order_id IS NULL) IS DISTINCT FROM (NEW.order_id IS NULL))
EXECUTE FUNCTION public.cart_abandonment_grids_keep();

ANALYZE cart_abandonment_stage_days;
ANALYZE cart_abandonment_country_days;
ANALYZE cart_abandonment_hours;
