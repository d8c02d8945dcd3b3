-- The cart journey over a long range (kpi.cart_journey) from a grid of kept journey rows and from
-- per-stage duration indexes, instead of reading every cart of the range and sorting its
-- durations once per stage on each read (a year at 10× is ~490 k carts, ~1 s a read).
--
-- A cart's journey row as known at to_ts equals its kept row (0140) when horizon < to_ts. As in
-- 0200, a cell holds the kept rows with a finite horizon of one local creation day whose horizon
-- falls before horizon_before (local midnight after the horizon's day): a reader that takes the
-- cells of the range's whole local days with horizon_before <= the end of those days gets the
-- journey's counts and values for exactly those carts, and reads the range's other carts row by
-- row. The cells carry, per stage, the carts reaching it, their value and how many of them have
-- a time from the previous stage (the median's input: percentile_cont skips NULL durations).
--
-- Medians are not sums. The same carts' durations are read from one partial index per stage,
-- ordered by the duration (the expression kpi.cart_journey's percentile sorts by) and carrying
-- created_at and horizon, so the reader walks the index in order, keeping the whole days' rows
-- with horizon before their end, merged with the other carts' durations, and stops at the
-- middle rank: the exact percentile_cont(0.5) inputs, without sorting the range.

-- ------------------------------------------------------------------ the grid
-- time: local midnight of the carts' creation day (public.cart_created_day, as 0160 and 0200);
-- horizon_before: local midnight of the day after the horizon's day. Non-empty cells only.
-- Stage columns: n_* carts reaching the stage, cents_* their cart subtotals (recovered: the
-- recovered orders' cents), timed_* those with a time from the previous stage.
CREATE TABLE cart_journey_cells (
  time               timestamptz NOT NULL,
  horizon_before     timestamptz NOT NULL,
  carts              bigint NOT NULL,
  cents              bigint NOT NULL,
  n_abandoned        bigint NOT NULL,
  cents_abandoned    bigint NOT NULL,
  n_email1           bigint NOT NULL,
  cents_email1       bigint NOT NULL,
  timed_email1       bigint NOT NULL,
  n_email2           bigint NOT NULL,
  cents_email2       bigint NOT NULL,
  timed_email2       bigint NOT NULL,
  n_email3           bigint NOT NULL,
  cents_email3       bigint NOT NULL,
  timed_email3       bigint NOT NULL,
  n_opened           bigint NOT NULL,
  cents_opened       bigint NOT NULL,
  timed_opened       bigint NOT NULL,
  n_clicked          bigint NOT NULL,
  cents_clicked      bigint NOT NULL,
  timed_clicked      bigint NOT NULL,
  n_recovered        bigint NOT NULL,
  cents_recovered    bigint NOT NULL,
  timed_recovered    bigint NOT NULL,
  PRIMARY KEY (time, horizon_before)
);
REVOKE ALL ON cart_journey_cells FROM PUBLIC;

-- ------------------------------------------------------------------ a row in or out
-- Adds a kept journey row to its cell (sign 1) or takes it out (-1). Only rows with a finite
-- horizon count.
CREATE FUNCTION public.cart_journey_cells_add(f public.cart_journey_facts, sign int) RETURNS void
LANGUAGE plpgsql
SET search_path = pg_catalog, public
AS $$
DECLARE
  t timestamptz;
  b timestamptz;
  left_carts bigint;
BEGIN
  IF f.horizon = 'infinity' THEN
    RETURN;
  END IF;
  t := public.cart_created_day(f.created_at)::timestamp AT TIME ZONE {{STORE_TIMEZONE}};
  b := (public.cart_created_day(f.horizon) + 1)::timestamp AT TIME ZONE {{STORE_TIMEZONE}};
  INSERT INTO public.cart_journey_cells AS g
  VALUES (t, b, sign, sign * f.subtotal_cents,
          sign * (f.abandoned_at IS NOT NULL)::int, sign * CASE WHEN f.abandoned_at IS NOT NULL THEN f.subtotal_cents ELSE 0 END,
          sign * (f.sent1_at IS NOT NULL)::int, sign * CASE WHEN f.sent1_at IS NOT NULL THEN f.subtotal_cents ELSE 0 END,
          sign * (f.sent1_at IS NOT NULL AND f.abandoned_at IS NOT NULL)::int,
          sign * (f.sent2_at IS NOT NULL)::int, sign * CASE WHEN f.sent2_at IS NOT NULL THEN f.subtotal_cents ELSE 0 END,
          sign * (f.sent2_at IS NOT NULL AND f.sent1_at IS NOT NULL)::int,
          sign * (f.sent3_at IS NOT NULL)::int, sign * CASE WHEN f.sent3_at IS NOT NULL THEN f.subtotal_cents ELSE 0 END,
          sign * (f.sent3_at IS NOT NULL AND f.sent2_at IS NOT NULL)::int,
          sign * (f.first_opened_at IS NOT NULL)::int, sign * CASE WHEN f.first_opened_at IS NOT NULL THEN f.subtotal_cents ELSE 0 END,
          sign * (f.first_opened_at IS NOT NULL AND f.opened_after_sent_at IS NOT NULL)::int,
          sign * (f.first_clicked_at IS NOT NULL)::int, sign * CASE WHEN f.first_clicked_at IS NOT NULL THEN f.subtotal_cents ELSE 0 END,
          sign * (f.first_clicked_at IS NOT NULL AND coalesce(f.first_opened_at, f.first_sent_at) IS NOT NULL)::int,
          sign * (f.recovered IS TRUE)::int, sign * CASE WHEN f.recovered THEN coalesce(f.recovered_cents, 0) ELSE 0 END,
          sign * (f.recovered IS TRUE AND f.recovered_at IS NOT NULL
                  AND coalesce(f.first_clicked_at, f.first_opened_at, f.first_sent_at) IS NOT NULL)::int)
  ON CONFLICT (time, horizon_before) DO UPDATE SET
    carts = g.carts + EXCLUDED.carts, cents = g.cents + EXCLUDED.cents,
    n_abandoned = g.n_abandoned + EXCLUDED.n_abandoned, cents_abandoned = g.cents_abandoned + EXCLUDED.cents_abandoned,
    n_email1 = g.n_email1 + EXCLUDED.n_email1, cents_email1 = g.cents_email1 + EXCLUDED.cents_email1, timed_email1 = g.timed_email1 + EXCLUDED.timed_email1,
    n_email2 = g.n_email2 + EXCLUDED.n_email2, cents_email2 = g.cents_email2 + EXCLUDED.cents_email2, timed_email2 = g.timed_email2 + EXCLUDED.timed_email2,
    n_email3 = g.n_email3 + EXCLUDED.n_email3, cents_email3 = g.cents_email3 + EXCLUDED.cents_email3, timed_email3 = g.timed_email3 + EXCLUDED.timed_email3,
    n_opened = g.n_opened + EXCLUDED.n_opened, cents_opened = g.cents_opened + EXCLUDED.cents_opened, timed_opened = g.timed_opened + EXCLUDED.timed_opened,
    n_clicked = g.n_clicked + EXCLUDED.n_clicked, cents_clicked = g.cents_clicked + EXCLUDED.cents_clicked, timed_clicked = g.timed_clicked + EXCLUDED.timed_clicked,
    n_recovered = g.n_recovered + EXCLUDED.n_recovered, cents_recovered = g.cents_recovered + EXCLUDED.cents_recovered,
    timed_recovered = g.timed_recovered + EXCLUDED.timed_recovered
  RETURNING g.carts INTO left_carts;
  IF left_carts = 0 THEN
    DELETE FROM public.cart_journey_cells g WHERE g.time = t AND g.horizon_before = b AND g.carts = 0;
  END IF;
END
$$;

-- Journey rows: the old row out, the new one in (additive, so any order of row events holds).
CREATE FUNCTION public.cart_journey_cells_keep() RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, public
AS $$
BEGIN
  IF TG_OP <> 'INSERT' THEN
    PERFORM public.cart_journey_cells_add(OLD, -1);
  END IF;
  IF TG_OP <> 'DELETE' THEN
    PERFORM public.cart_journey_cells_add(NEW, 1);
  END IF;
  RETURN NULL;
END
$$;

-- Emptying the journey rows empties the grid.
CREATE FUNCTION public.cart_journey_cells_clear() RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, public
AS $$
BEGIN
  TRUNCATE public.cart_journey_cells;
  RETURN NULL;
END
$$;

-- ------------------------------------------------------------------ backfill
SET LOCAL work_mem = '256MB';
INSERT INTO cart_journey_cells
SELECT public.cart_created_day(f.created_at)::timestamp AT TIME ZONE {{STORE_TIMEZONE}},
       (public.cart_created_day(f.horizon) + 1)::timestamp AT TIME ZONE {{STORE_TIMEZONE}},
       count(*), sum(f.subtotal_cents),
       count(*) FILTER (WHERE f.abandoned_at IS NOT NULL), coalesce(sum(f.subtotal_cents) FILTER (WHERE f.abandoned_at IS NOT NULL), 0),
       count(*) FILTER (WHERE f.sent1_at IS NOT NULL), coalesce(sum(f.subtotal_cents) FILTER (WHERE f.sent1_at IS NOT NULL), 0),
       count(*) FILTER (WHERE f.sent1_at IS NOT NULL AND f.abandoned_at IS NOT NULL),
       count(*) FILTER (WHERE f.sent2_at IS NOT NULL), coalesce(sum(f.subtotal_cents) FILTER (WHERE f.sent2_at IS NOT NULL), 0),
       count(*) FILTER (WHERE f.sent2_at IS NOT NULL AND f.sent1_at IS NOT NULL),
       count(*) FILTER (WHERE f.sent3_at IS NOT NULL), coalesce(sum(f.subtotal_cents) FILTER (WHERE f.sent3_at IS NOT NULL), 0),
       count(*) FILTER (WHERE f.sent3_at IS NOT NULL AND f.sent2_at IS NOT NULL),
       count(*) FILTER (WHERE f.first_opened_at IS NOT NULL), coalesce(sum(f.subtotal_cents) FILTER (WHERE f.first_opened_at IS NOT NULL), 0),
       count(*) FILTER (WHERE f.first_opened_at IS NOT NULL AND f.opened_after_sent_at IS NOT NULL),
       count(*) FILTER (WHERE f.first_clicked_at IS NOT NULL), coalesce(sum(f.subtotal_cents) FILTER (WHERE f.first_clicked_at IS NOT NULL), 0),
       count(*) FILTER (WHERE f.first_clicked_at IS NOT NULL AND coalesce(f.first_opened_at, f.first_sent_at) IS NOT NULL),
       count(*) FILTER (WHERE f.recovered), coalesce(sum(coalesce(f.recovered_cents, 0)) FILTER (WHERE f.recovered), 0),
       count(*) FILTER (WHERE f.recovered AND f.recovered_at IS NOT NULL AND coalesce(f.first_clicked_at, f.first_opened_at, f.first_sent_at) IS NOT NULL)
FROM cart_journey_facts f
WHERE f.horizon < 'infinity'
GROUP BY 1, 2;

CREATE TRIGGER cart_journey_facts_keep_journey_cells_delete
AFTER DELETE ON cart_journey_facts
FOR EACH ROW WHEN (OLD.horizon < 'infinity')
EXECUTE FUNCTION public.cart_journey_cells_keep();
CREATE TRIGGER cart_journey_facts_keep_journey_cells_insert
AFTER INSERT ON cart_journey_facts
FOR EACH ROW WHEN (NEW.horizon < 'infinity')
EXECUTE FUNCTION public.cart_journey_cells_keep();
CREATE TRIGGER cart_journey_facts_keep_journey_cells_update
AFTER UPDATE ON cart_journey_facts
FOR EACH ROW
WHEN ((OLD.horizon < 'infinity' OR NEW.horizon < 'infinity')
      AND ((OLD.created_at, OLD.horizon, OLD.subtotal_cents, OLD.abandoned_at, OLD.sent1_at, OLD.sent2_at, OLD.sent3_at,
            OLD.first_sent_at, OLD.first_opened_at, OLD.opened_after_sent_at, OLD.first_clicked_at, OLD.recovered,
            OLD.recovered_at, OLD.recovered_cents)
           IS DISTINCT FROM
           (NEW.created_at, NEW.horizon, NEW.subtotal_cents, NEW.abandoned_at, NEW.sent1_at, NEW.sent2_at, NEW.sent3_at,
            NEW.first_sent_at, NEW.first_opened_at, NEW.opened_after_sent_at, NEW.first_clicked_at, NEW.recovered,
            NEW.recovered_at, NEW.recovered_cents)))
EXECUTE FUNCTION public.cart_journey_cells_keep();
CREATE TRIGGER cart_journey_facts_keep_journey_cells_truncate
AFTER TRUNCATE ON cart_journey_facts
FOR EACH STATEMENT EXECUTE FUNCTION public.cart_journey_cells_clear();

ANALYZE cart_journey_cells;

-- ------------------------------------------------------------------ durations by stage
-- One per stage with a time from the previous one: the expression kpi.cart_journey's median
-- sorts by, for the rows that have it; created_at and horizon select the whole days' settled
-- rows, and the expression's columns let the walk read the index alone.
CREATE INDEX cart_journey_facts_abandoned_hours_idx ON cart_journey_facts
  ((extract(epoch FROM abandoned_at - created_at)::float8)) INCLUDE (created_at, horizon, abandoned_at)
  WHERE abandoned_at IS NOT NULL;
CREATE INDEX cart_journey_facts_email1_hours_idx ON cart_journey_facts
  ((extract(epoch FROM sent1_at - abandoned_at)::float8)) INCLUDE (created_at, horizon, sent1_at, abandoned_at)
  WHERE sent1_at IS NOT NULL AND abandoned_at IS NOT NULL;
CREATE INDEX cart_journey_facts_email2_hours_idx ON cart_journey_facts
  ((extract(epoch FROM sent2_at - sent1_at)::float8)) INCLUDE (created_at, horizon, sent2_at, sent1_at)
  WHERE sent2_at IS NOT NULL AND sent1_at IS NOT NULL;
CREATE INDEX cart_journey_facts_email3_hours_idx ON cart_journey_facts
  ((extract(epoch FROM sent3_at - sent2_at)::float8)) INCLUDE (created_at, horizon, sent3_at, sent2_at)
  WHERE sent3_at IS NOT NULL AND sent2_at IS NOT NULL;
CREATE INDEX cart_journey_facts_opened_hours_idx ON cart_journey_facts
  ((extract(epoch FROM first_opened_at - opened_after_sent_at)::float8)) INCLUDE (created_at, horizon, first_opened_at, opened_after_sent_at)
  WHERE first_opened_at IS NOT NULL AND opened_after_sent_at IS NOT NULL;
CREATE INDEX cart_journey_facts_clicked_hours_idx ON cart_journey_facts
  ((extract(epoch FROM first_clicked_at - coalesce(first_opened_at, first_sent_at))::float8))
  INCLUDE (created_at, horizon, first_clicked_at, first_opened_at, first_sent_at)
  WHERE first_clicked_at IS NOT NULL AND coalesce(first_opened_at, first_sent_at) IS NOT NULL;
CREATE INDEX cart_journey_facts_recovered_hours_idx ON cart_journey_facts
  ((extract(epoch FROM recovered_at - coalesce(first_clicked_at, first_opened_at, first_sent_at))::float8))
  INCLUDE (created_at, horizon, recovered, recovered_at, first_clicked_at, first_opened_at, first_sent_at)
  WHERE recovered AND recovered_at IS NOT NULL AND coalesce(first_clicked_at, first_opened_at, first_sent_at) IS NOT NULL;
