-- requires: helpers
-- KPI snapshots (migration 0090): the stored output of an "as of" function for a window of
-- instants over which its answer cannot change while its source rows do not. Declared as rows of
-- public.kpi_snapshots; refreshed by the ETL (etl/src/kpi/snapshots.ts) after loads and every
-- minute; read by the family's *_at(at) functions, which fall back to the live computation
-- whenever no stored window is exact for `at`.

-- The window of `name` that answers exactly for `at`, or NULL: same source counters as now,
-- `at` inside its validity range, computed in this session's time zone by the fill function of
-- the view set now applied, and younger than max_age (a guard against writers that bypass the
-- triggers, e.g. session_replication_role = replica).
CREATE FUNCTION kpi.snapshot_window(name text, at timestamptz) RETURNS bigint
LANGUAGE sql STABLE SECURITY DEFINER
SET search_path = pg_catalog, public
AS $$
  SELECT w.window_id
  FROM public.kpi_snapshots s
  JOIN public.kpi_snapshot_windows w ON w.snapshot = s.name
  WHERE s.name = $1
    AND w.valid @> $2
    AND w.time_zone = current_setting('TimeZone')
    AND w.fill_oid = to_regprocedure(s.fill_function || '(timestamptz)')::oid
    AND w.computed_at > now() - s.max_age
    AND w.source_changes = (SELECT array_agg(c.changes ORDER BY u.i) FROM unnest(s.sources) WITH ORDINALITY u(source, i)
                            JOIN public.kpi_source_changes c ON c.source = u.source)
  ORDER BY w.window_id DESC
  LIMIT 1
$$;

-- The source counters of a snapshot now, in the order of its declaration.
CREATE FUNCTION kpi.snapshot_source_changes(name text) RETURNS bigint[]
LANGUAGE sql STABLE SECURITY DEFINER
SET search_path = pg_catalog, public
AS $$
  SELECT array_agg(c.changes ORDER BY u.i)
  FROM public.kpi_snapshots s, unnest(s.sources) WITH ORDINALITY u(source, i)
  JOIN public.kpi_source_changes c ON c.source = u.source
  WHERE s.name = $1
$$;

-- Stores the window of `name` containing `at` and returns its validity range. The counters are
-- read before the rows: a write committed in between makes the window's counters older than the
-- table's, so it is never used (never the other way round, which would serve stale rows).
CREATE FUNCTION kpi.refresh_snapshot(name text, at timestamptz) RETURNS tstzrange
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, public
AS $$
DECLARE
  s public.kpi_snapshots;
  changes bigint[];
  valid tstzrange;
  id bigint;
BEGIN
  SELECT * INTO STRICT s FROM public.kpi_snapshots k WHERE k.name = $1;
  changes := kpi.snapshot_source_changes($1);
  EXECUTE format('SELECT %s($1)', s.validity_function) INTO valid USING $2;
  IF NOT valid @> $2 THEN
    RETURN valid;  -- empty: no instant around `at` is safe to store (see the validity function)
  END IF;
  INSERT INTO public.kpi_snapshot_windows (snapshot, computed_for, valid, source_changes, time_zone, fill_oid)
  VALUES ($1, $2, valid, changes, current_setting('TimeZone'), to_regprocedure(s.fill_function || '(timestamptz)')::oid)
  RETURNING window_id INTO id;
  EXECUTE format('INSERT INTO public.%I SELECT $1, f.* FROM %s($2) f', s.snapshot_table, s.fill_function) USING id, $2;
  RETURN valid;
END
$$;

-- Keeps every declared snapshot ready from `at` to `at` + its lookahead: drops the windows that
-- can no longer be used (counters moved, another view set, too old, or ended more than max_age
-- ago: a dashboard's range end stays fixed between its refreshes), then computes the
-- missing windows one after the other (each starts where the previous ends), at most max_windows
-- per snapshot. Returns the number of windows computed. The ETL calls it under its job lock.
CREATE FUNCTION kpi.refresh_snapshots(at timestamptz, max_windows int DEFAULT 10) RETURNS int
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, public
AS $$
DECLARE
  s public.kpi_snapshots;
  t timestamptz;
  w tstzrange;
  n int;
  computed int := 0;
BEGIN
  -- by name: rfm_segments after rfm_customers, whose stored rows its fill reuses
  FOR s IN SELECT * FROM public.kpi_snapshots ORDER BY name LOOP
    DELETE FROM public.kpi_snapshot_windows x
    WHERE x.snapshot = s.name
      AND (x.source_changes IS DISTINCT FROM kpi.snapshot_source_changes(s.name)
           OR x.time_zone <> current_setting('TimeZone')
           OR x.fill_oid IS DISTINCT FROM to_regprocedure(s.fill_function || '(timestamptz)')::oid
           OR upper(x.valid) <= $1 - s.max_age
           OR x.computed_at <= clock_timestamp() - s.max_age + s.lookahead);
    t := $1;
    n := 0;
    WHILE t IS NOT NULL AND t <= $1 + s.lookahead AND n < max_windows LOOP
      SELECT x.valid INTO w FROM public.kpi_snapshot_windows x WHERE x.window_id = kpi.snapshot_window(s.name, t);
      IF w IS NULL THEN
        w := kpi.refresh_snapshot(s.name, t);
        n := n + 1;
        IF isempty(w) THEN
          EXIT;
        END IF;
      END IF;
      t := upper(w);
    END LOOP;
    computed := computed + n;
  END LOOP;
  RETURN computed;
END
$$;

-- A snapshot whose answer does not depend on the instant (only on the rows).
CREATE FUNCTION kpi.unbounded_validity(at timestamptz) RETURNS tstzrange
LANGUAGE sql IMMUTABLE AS $$ SELECT tstzrange(NULL, NULL) $$;

-- The instants around `at` between two order placements and refund issues: an "as of" function
-- that counts orders placed and refunds issued before its instant answers the same for every
-- instant of (previous event, next event], written as the '[)' range shifted by 1 µs (the
-- resolution of timestamptz). Every order and refund counts, valid or not (a narrower window is
-- always safe).
CREATE FUNCTION kpi.order_refund_validity(at timestamptz) RETURNS tstzrange
LANGUAGE sql STABLE SECURITY DEFINER
SET search_path = pg_catalog, public
AS $$
  SELECT tstzrange(
    greatest((SELECT max(placed_at) FROM public.orders WHERE placed_at < $1),
             (SELECT max(refunded_at) FROM public.refunds WHERE refunded_at < $1)) + INTERVAL '1 microsecond',
    least((SELECT min(placed_at) FROM public.orders WHERE placed_at >= $1),
          (SELECT min(refunded_at) FROM public.refunds WHERE refunded_at >= $1)) + INTERVAL '1 microsecond',
    '[)')
$$;
