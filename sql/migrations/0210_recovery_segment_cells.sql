-- The carts first emailed in a range (kpi.recovery_first_emailed_carts, behind
-- kpi.recovery_by_segment and kpi.recovery_by_email_step) counted from a grid kept by row
-- triggers on cart_journey_facts, instead of reading and grouping every emailed cart of the range
-- on each read (a year at 10× is ~160 k carts, 0.3-1 s a read).
--
-- A cart's journey row as known at to_ts equals its kept row (0140) when horizon < to_ts. The
-- readers take the carts whose first email was sent in [from_ts, to_ts), created in
-- [from_ts − 7 days, to_ts). A kept row with a finite horizon whose first email came less than
-- 7 × 24 hours after its creation (and not before it) meets the creation bound for every from_ts
-- at least 7 × 24 hours before its first email, so those rows are counted per cell (local day of
-- the first email, start of the local day after the horizon's, customer_type): a reader that
-- takes the cells of whole local days of its range whose horizon_before <= the end of those days
-- (so horizon < to_ts) gets exactly those carts' figures, and reads the range's other carts row by
-- row (edge days, horizons on or after the whole days' end, the rows below, horizon = infinity).
-- A kept row with a finite horizon is the only row of its cart_id, so every cart counts once.
--
-- Rows outside the grid with a first email (sent 7 × 24 hours or more after creation, or before
-- it) are read row by row through a partial index by their first email.

-- ------------------------------------------------------------------ table
-- time: local midnight of the first email's day (public.cart_created_day, as 0160);
-- horizon_before: local midnight of the day after the horizon's day (every cart of the cell has
-- horizon < horizon_before). Per cell: carts, those recovered and their recovered cents, and per
-- email step k the carts sent step k, those recovered by step k (recovered_step = k) and their
-- recovered cents. Non-empty cells only. customer_type is never NULL on a computed row (only
-- those have a finite horizon); the key still treats NULL as one value.
CREATE TABLE recovery_segment_cells (
  time             timestamptz NOT NULL,
  horizon_before   timestamptz NOT NULL,
  customer_type    text,
  carts            bigint NOT NULL,
  carts_recovered  bigint NOT NULL,
  recovered_cents  bigint NOT NULL,
  sent1            bigint NOT NULL,
  recovered1       bigint NOT NULL,
  recovered1_cents bigint NOT NULL,
  sent2            bigint NOT NULL,
  recovered2       bigint NOT NULL,
  recovered2_cents bigint NOT NULL,
  sent3            bigint NOT NULL,
  recovered3       bigint NOT NULL,
  recovered3_cents bigint NOT NULL
);
CREATE UNIQUE INDEX recovery_segment_cells_key ON recovery_segment_cells (time, horizon_before, customer_type) NULLS NOT DISTINCT;
REVOKE ALL ON recovery_segment_cells FROM PUBLIC;

-- ------------------------------------------------------------------ a row's cell
-- What one kept row adds to its cell; NULL when it is not counted.
CREATE FUNCTION public.recovery_segment_cell_of(f public.cart_journey_facts) RETURNS public.recovery_segment_cells
LANGUAGE sql IMMUTABLE
SET search_path = pg_catalog, public
AS $$
  SELECT CASE WHEN f.horizon < 'infinity' AND f.first_sent_at IS NOT NULL AND f.first_sent_at >= f.created_at
                   AND f.first_sent_at - f.created_at < INTERVAL '7 days' THEN
    ROW(public.cart_created_day(f.first_sent_at)::timestamp AT TIME ZONE {{STORE_TIMEZONE}},
        (public.cart_created_day(f.horizon) + 1)::timestamp AT TIME ZONE {{STORE_TIMEZONE}},
        f.customer_type,
        1, r.rec::int, CASE WHEN r.rec THEN coalesce(f.recovered_cents, 0) ELSE 0 END,
        (f.sent1_at IS NOT NULL)::int, r.rec1::int, CASE WHEN r.rec1 THEN coalesce(f.recovered_cents, 0) ELSE 0 END,
        (f.sent2_at IS NOT NULL)::int, r.rec2::int, CASE WHEN r.rec2 THEN coalesce(f.recovered_cents, 0) ELSE 0 END,
        (f.sent3_at IS NOT NULL)::int, r.rec3::int, CASE WHEN r.rec3 THEN coalesce(f.recovered_cents, 0) ELSE 0 END
       )::public.recovery_segment_cells END
  FROM (SELECT f.recovered IS TRUE AS rec,
               (f.sent1_at IS NOT NULL AND f.recovered AND f.recovered_step = 1) IS TRUE AS rec1,
               (f.sent2_at IS NOT NULL AND f.recovered AND f.recovered_step = 2) IS TRUE AS rec2,
               (f.sent3_at IS NOT NULL AND f.recovered AND f.recovered_step = 3) IS TRUE AS rec3) r
$$;

-- Adds a row's cell (sign 1) or takes it out (-1). Additive, so the order in which row events
-- fire does not matter; a cell left all zero is deleted.
CREATE FUNCTION public.recovery_segment_cells_add(sign int, c public.recovery_segment_cells) RETURNS void
LANGUAGE plpgsql
SET search_path = pg_catalog, public
AS $$
DECLARE
  left_carts bigint;
BEGIN
  IF c.time IS NULL THEN
    RETURN;
  END IF;
  INSERT INTO public.recovery_segment_cells AS g
    (time, horizon_before, customer_type, carts, carts_recovered, recovered_cents, sent1, recovered1, recovered1_cents,
     sent2, recovered2, recovered2_cents, sent3, recovered3, recovered3_cents)
  VALUES (c.time, c.horizon_before, c.customer_type, sign * c.carts, sign * c.carts_recovered, sign * c.recovered_cents,
          sign * c.sent1, sign * c.recovered1, sign * c.recovered1_cents, sign * c.sent2, sign * c.recovered2,
          sign * c.recovered2_cents, sign * c.sent3, sign * c.recovered3, sign * c.recovered3_cents)
  ON CONFLICT (time, horizon_before, customer_type) DO UPDATE
    SET carts = g.carts + EXCLUDED.carts, carts_recovered = g.carts_recovered + EXCLUDED.carts_recovered,
        recovered_cents = g.recovered_cents + EXCLUDED.recovered_cents,
        sent1 = g.sent1 + EXCLUDED.sent1, recovered1 = g.recovered1 + EXCLUDED.recovered1,
        recovered1_cents = g.recovered1_cents + EXCLUDED.recovered1_cents,
        sent2 = g.sent2 + EXCLUDED.sent2, recovered2 = g.recovered2 + EXCLUDED.recovered2,
        recovered2_cents = g.recovered2_cents + EXCLUDED.recovered2_cents,
        sent3 = g.sent3 + EXCLUDED.sent3, recovered3 = g.recovered3 + EXCLUDED.recovered3,
        recovered3_cents = g.recovered3_cents + EXCLUDED.recovered3_cents
  RETURNING g.carts INTO left_carts;
  IF left_carts = 0 THEN
    DELETE FROM public.recovery_segment_cells g
    WHERE g.time = c.time AND g.horizon_before = c.horizon_before AND g.customer_type IS NOT DISTINCT FROM c.customer_type
      AND g.carts = 0 AND g.carts_recovered = 0 AND g.recovered_cents = 0
      AND g.sent1 = 0 AND g.recovered1 = 0 AND g.recovered1_cents = 0 AND g.sent2 = 0 AND g.recovered2 = 0
      AND g.recovered2_cents = 0 AND g.sent3 = 0 AND g.recovered3 = 0 AND g.recovered3_cents = 0;
  END IF;
END
$$;

-- ------------------------------------------------------------------ trigger
-- The old row's cell out, the new row's in; nothing when both are the same.
CREATE FUNCTION public.recovery_segment_cells_keep() RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, public
AS $$
DECLARE
  o public.recovery_segment_cells;
  n public.recovery_segment_cells;
BEGIN
  IF TG_OP <> 'INSERT' THEN o := public.recovery_segment_cell_of(OLD); END IF;
  IF TG_OP <> 'DELETE' THEN n := public.recovery_segment_cell_of(NEW); END IF;
  IF o IS NOT DISTINCT FROM n THEN
    RETURN NULL;
  END IF;
  IF o.time IS NOT NULL THEN
    PERFORM public.recovery_segment_cells_add(-1, o);
  END IF;
  IF n.time IS NOT NULL THEN
    PERFORM public.recovery_segment_cells_add(1, n);
  END IF;
  RETURN NULL;
END
$$;

-- ------------------------------------------------------------------ backfill
SET LOCAL work_mem = '256MB';
INSERT INTO recovery_segment_cells
  (time, horizon_before, customer_type, carts, carts_recovered, recovered_cents, sent1, recovered1, recovered1_cents,
   sent2, recovered2, recovered2_cents, sent3, recovered3, recovered3_cents)
SELECT c.time, c.horizon_before, c.customer_type, sum(c.carts), sum(c.carts_recovered), sum(c.recovered_cents),
       sum(c.sent1), sum(c.recovered1), sum(c.recovered1_cents), sum(c.sent2), sum(c.recovered2), sum(c.recovered2_cents),
       sum(c.sent3), sum(c.recovered3), sum(c.recovered3_cents)
FROM cart_journey_facts f CROSS JOIN LATERAL public.recovery_segment_cell_of(f) c
WHERE f.first_sent_at IS NOT NULL AND c.time IS NOT NULL
GROUP BY c.time, c.horizon_before, c.customer_type;

CREATE TRIGGER cart_journey_facts_keep_segment_cells_delete
AFTER DELETE ON cart_journey_facts
FOR EACH ROW WHEN (OLD.first_sent_at IS NOT NULL)
EXECUTE FUNCTION public.recovery_segment_cells_keep();
CREATE TRIGGER cart_journey_facts_keep_segment_cells_insert
AFTER INSERT ON cart_journey_facts
FOR EACH ROW WHEN (NEW.first_sent_at IS NOT NULL)
EXECUTE FUNCTION public.recovery_segment_cells_keep();
CREATE TRIGGER cart_journey_facts_keep_segment_cells_update
AFTER UPDATE ON cart_journey_facts
FOR EACH ROW
WHEN ((OLD.first_sent_at IS NOT NULL OR NEW.first_sent_at IS NOT NULL)
      AND ((OLD.created_at, OLD.first_sent_at, OLD.horizon, OLD.customer_type, OLD.recovered, OLD.recovered_cents,
            OLD.recovered_step, OLD.sent1_at IS NULL, OLD.sent2_at IS NULL, OLD.sent3_at IS NULL)
           IS DISTINCT FROM
           (NEW.created_at, NEW.first_sent_at, NEW.horizon, NEW.customer_type, NEW.recovered, NEW.recovered_cents,
            NEW.recovered_step, NEW.sent1_at IS NULL, NEW.sent2_at IS NULL, NEW.sent3_at IS NULL)))
EXECUTE FUNCTION public.recovery_segment_cells_keep();

ANALYZE recovery_segment_cells;

-- The kept rows with a first email that the grid does not count (sent 7 × 24 hours or more after
-- the cart's creation, or before it), read row by row by their first email.
CREATE INDEX cart_journey_facts_late_first_sent_idx ON cart_journey_facts (first_sent_at) INCLUDE (created_at, horizon)
WHERE first_sent_at IS NOT NULL AND (first_sent_at < created_at OR first_sent_at - created_at >= INTERVAL '7 days');
