-- Distinct visitors over any range, exact, without folding every session of the range per visitor.
-- A visitor has a step-X session in [a, b) exactly when one of its step-X sessions s has
-- a <= s.started_at < b and its previous step-X session (prev_at) is before a or absent: that s is
-- the visitor's first step-X session of the range. So the distinct count is a count of rows.
--   visitor_step_sessions  one row per (funnel step, session) for the sessions reaching the step
--                          (1 any session, 2 added_to_cart, 3 began_checkout, 4 order_id IS NOT
--                          NULL), with prev_at = started_at of the same visitor's previous session
--                          of that step, ordered by (started_at, session_id); NULL = none.
--   visitor_step_days      the same rows counted per step × local day of started_at × local day of
--                          prev_at ('-infinity' = none): whole days of a range are a sum of cells.
-- Kept by triggers on sessions: the row trigger adds and removes the rows a session change adds
-- or removes and queues the visitor from the changed instant on; the statement trigger then
-- recomputes prev_at of every queued visitor's rows from that instant on (the rows before it do
-- not change) and moves the grid by the difference, set-based, once per statement. prev_at is
-- recomputed from visitor_step_sessions itself (never from sessions): within a multi-row statement
-- the sessions table already holds rows whose trigger has not run yet, and sessions has no index
-- on visitor_id.
CREATE TABLE visitor_step_sessions (
  step              smallint NOT NULL,
  session_id        text NOT NULL,
  started_at        timestamptz NOT NULL,
  visitor_id        text NOT NULL,
  prev_at           timestamptz,
  -- The prev_day under which the row is counted in visitor_step_days (local day of prev_at, or
  -- '-infinity'); NULL while it is not counted yet (between the row and the statement trigger).
  counted_prev_day  date,
  PRIMARY KEY (step, session_id, started_at)
);
REVOKE ALL ON visitor_step_sessions FROM PUBLIC;

CREATE TABLE visitor_step_days (
  step      smallint NOT NULL,
  day       date NOT NULL,
  prev_day  date NOT NULL,
  sessions  bigint NOT NULL,
  PRIMARY KEY (step, day, prev_day)
);
REVOKE ALL ON visitor_step_days FROM PUBLIC;

-- The visitors whose prev_at a statement must recompute, from which started_at on. Filled by the
-- row trigger, emptied by the statement trigger of the same statement. The row lock on a
-- visitor's entry also keeps two concurrent loads of one visitor from recomputing it together.
CREATE TABLE visitor_step_pending (
  visitor_id  text PRIMARY KEY,
  from_at     timestamptz NOT NULL
);
REVOKE ALL ON visitor_step_pending FROM PUBLIC;

-- Grid contributions of the rows the row trigger removed (one -1 per counted row), applied by
-- the statement trigger with the rest.
CREATE TABLE visitor_step_day_removals (
  step      smallint NOT NULL,
  day       date NOT NULL,
  prev_day  date NOT NULL
);
REVOKE ALL ON visitor_step_day_removals FROM PUBLIC;

-- The funnel steps a session row reaches.
CREATE FUNCTION public.visitor_session_steps(added_to_cart boolean, began_checkout boolean, order_id text) RETURNS smallint[]
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$
  SELECT ARRAY[1::smallint]
         || CASE WHEN added_to_cart THEN ARRAY[2::smallint] ELSE '{}'::smallint[] END
         || CASE WHEN began_checkout THEN ARRAY[3::smallint] ELSE '{}'::smallint[] END
         || CASE WHEN order_id IS NOT NULL THEN ARRAY[4::smallint] ELSE '{}'::smallint[] END
$$;

CREATE FUNCTION public.visitor_step_sessions_mark() RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, public
AS $$
DECLARE
  old_steps smallint[] := '{}';
  new_steps smallint[] := '{}';
  kept smallint[];
BEGIN
  IF TG_OP <> 'INSERT' THEN
    old_steps := public.visitor_session_steps(OLD.added_to_cart, OLD.began_checkout, OLD.order_id);
  END IF;
  IF TG_OP <> 'DELETE' THEN
    new_steps := public.visitor_session_steps(NEW.added_to_cart, NEW.began_checkout, NEW.order_id);
  END IF;
  -- A flag change of the same session keeps the rows of the steps it stays in (their prev_at and
  -- their successors' do not move); anything else replaces all of the session's rows.
  IF TG_OP = 'UPDATE' AND OLD.session_id = NEW.session_id AND OLD.started_at = NEW.started_at
     AND OLD.visitor_id = NEW.visitor_id THEN
    kept := ARRAY(SELECT unnest(old_steps) INTERSECT SELECT unnest(new_steps));
    old_steps := ARRAY(SELECT unnest(old_steps) EXCEPT SELECT unnest(kept));
    new_steps := ARRAY(SELECT unnest(new_steps) EXCEPT SELECT unnest(kept));
  END IF;
  IF cardinality(old_steps) > 0 THEN
    WITH d AS (
      DELETE FROM public.visitor_step_sessions
      WHERE step = ANY (old_steps) AND session_id = OLD.session_id AND started_at = OLD.started_at
      RETURNING step, counted_prev_day
    )
    INSERT INTO public.visitor_step_day_removals (step, day, prev_day)
    SELECT d.step, (OLD.started_at AT TIME ZONE {{STORE_TIMEZONE}})::date, d.counted_prev_day
    FROM d WHERE d.counted_prev_day IS NOT NULL;
    INSERT INTO public.visitor_step_pending AS p (visitor_id, from_at) VALUES (OLD.visitor_id, OLD.started_at)
    ON CONFLICT (visitor_id) DO UPDATE SET from_at = least(p.from_at, EXCLUDED.from_at);
  END IF;
  IF cardinality(new_steps) > 0 THEN
    INSERT INTO public.visitor_step_sessions (step, session_id, started_at, visitor_id)
    SELECT s, NEW.session_id, NEW.started_at, NEW.visitor_id FROM unnest(new_steps) AS s;
    INSERT INTO public.visitor_step_pending AS p (visitor_id, from_at) VALUES (NEW.visitor_id, NEW.started_at)
    ON CONFLICT (visitor_id) DO UPDATE SET from_at = least(p.from_at, EXCLUDED.from_at);
  END IF;
  RETURN NULL;
END
$$;

-- After the row triggers of the statement: every queued visitor's rows from its earliest touched
-- instant on get their prev_at again (the lag over the visitor's rows of the step; the first of
-- them takes the latest row before that instant), and the grid moves by the difference: -1 in the
-- cell a row was counted in, +1 in its new cell, plus the removed rows' -1. Cells that reach 0
-- are dropped, so the grid holds exactly the non-empty cells.
CREATE FUNCTION public.visitor_step_sessions_apply() RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, public
AS $$
DECLARE
  z_step smallint[];
  z_day date[];
  z_prev date[];
BEGIN
  WITH p AS (
    DELETE FROM public.visitor_step_pending RETURNING visitor_id, from_at
  ), w AS (
    SELECT v.step, v.session_id, v.started_at, v.prev_at, v.counted_prev_day, p.visitor_id, p.from_at,
           lag(v.started_at) OVER (PARTITION BY v.visitor_id, v.step ORDER BY v.started_at, v.session_id) AS lag_at,
           row_number() OVER (PARTITION BY v.visitor_id, v.step ORDER BY v.started_at, v.session_id) AS n
    FROM p JOIN public.visitor_step_sessions v ON v.visitor_id = p.visitor_id AND v.started_at >= p.from_at
  ), r AS (
    SELECT w.*,
           CASE WHEN w.n = 1 THEN
             (SELECT max(b.started_at) FROM public.visitor_step_sessions b
              WHERE b.visitor_id = w.visitor_id AND b.step = w.step AND b.started_at < w.from_at)
           ELSE w.lag_at END AS new_prev
    FROM w
  ), c AS (
    SELECT r.*, coalesce((r.new_prev AT TIME ZONE {{STORE_TIMEZONE}})::date, '-infinity'::date) AS new_prev_day
    FROM r
    WHERE r.counted_prev_day IS NULL OR r.new_prev IS DISTINCT FROM r.prev_at
  ), u AS (
    UPDATE public.visitor_step_sessions v SET prev_at = c.new_prev, counted_prev_day = c.new_prev_day
    FROM c WHERE v.step = c.step AND v.session_id = c.session_id AND v.started_at = c.started_at
  ), gone AS (
    DELETE FROM public.visitor_step_day_removals RETURNING step, day, prev_day
  ), delta AS (
    SELECT step, day, prev_day, sum(n) AS n FROM (
      SELECT c.step, (c.started_at AT TIME ZONE {{STORE_TIMEZONE}})::date AS day, c.counted_prev_day AS prev_day, -1 AS n
      FROM c WHERE c.counted_prev_day IS NOT NULL
      UNION ALL
      SELECT c.step, (c.started_at AT TIME ZONE {{STORE_TIMEZONE}})::date, c.new_prev_day, 1 FROM c
      UNION ALL
      SELECT gone.step, gone.day, gone.prev_day, -1 FROM gone
    ) x
    GROUP BY step, day, prev_day
    HAVING sum(n) <> 0
  ), g AS (
    INSERT INTO public.visitor_step_days AS t (step, day, prev_day, sessions)
    SELECT step, day, prev_day, n FROM delta ORDER BY step, day, prev_day
    ON CONFLICT (step, day, prev_day) DO UPDATE SET sessions = t.sessions + EXCLUDED.sessions
    RETURNING t.step, t.day, t.prev_day, t.sessions
  )
  SELECT array_agg(g.step), array_agg(g.day), array_agg(g.prev_day) INTO z_step, z_day, z_prev
  FROM g WHERE g.sessions = 0;
  IF z_step IS NOT NULL THEN
    DELETE FROM public.visitor_step_days t
    USING unnest(z_step, z_day, z_prev) AS z(step, day, prev_day)
    WHERE t.step = z.step AND t.day = z.day AND t.prev_day = z.prev_day AND t.sessions = 0;
  END IF;
  RETURN NULL;
END
$$;

CREATE FUNCTION public.visitor_step_sessions_truncate() RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, public
AS $$
BEGIN
  DELETE FROM public.visitor_step_sessions;
  DELETE FROM public.visitor_step_days;
  DELETE FROM public.visitor_step_pending;
  DELETE FROM public.visitor_step_day_removals;
  RETURN NULL;
END
$$;

-- The history so far: prev_at by one window over every session, the grid from it.
SET LOCAL work_mem = '256MB';
SET LOCAL maintenance_work_mem = '512MB';
INSERT INTO visitor_step_sessions (step, session_id, started_at, visitor_id, prev_at, counted_prev_day)
SELECT x.step, x.session_id, x.started_at, x.visitor_id, x.prev_at,
       coalesce((x.prev_at AT TIME ZONE {{STORE_TIMEZONE}})::date, '-infinity'::date)
FROM (
  SELECT st.step, s.session_id, s.started_at, s.visitor_id,
         lag(s.started_at) OVER (PARTITION BY st.step, s.visitor_id ORDER BY s.started_at, s.session_id) AS prev_at
  FROM sessions s
  CROSS JOIN LATERAL unnest(public.visitor_session_steps(s.added_to_cart, s.began_checkout, s.order_id)) AS st(step)
) x;

INSERT INTO visitor_step_days (step, day, prev_day, sessions)
SELECT step, (started_at AT TIME ZONE {{STORE_TIMEZONE}})::date, counted_prev_day, count(*)
FROM visitor_step_sessions GROUP BY 1, 2, 3;

-- Readers: the rows of a step in an instant range with their prev_at (the partial edge days of a
-- range), and the rows whose previous session lies in an instant range (the sessions of whole
-- days whose visitor was last seen earlier on the range's first, partial, day).
CREATE INDEX visitor_step_sessions_started_idx ON visitor_step_sessions (step, started_at) INCLUDE (prev_at);
CREATE INDEX visitor_step_sessions_prev_idx ON visitor_step_sessions (step, prev_at) INCLUDE (started_at);
-- The triggers: a visitor's rows of a step in order, and the latest one before an instant.
CREATE INDEX visitor_step_sessions_visitor_idx ON visitor_step_sessions (visitor_id, step, started_at, session_id);
-- Whole days of a range whose visitors were last seen before it: few cells by prev_day for long
-- ranges (the primary key serves the short ones).
CREATE INDEX visitor_step_days_prev_idx ON visitor_step_days (step, prev_day, day) INCLUDE (sessions);

CREATE TRIGGER sessions_mark_visitor_steps
AFTER INSERT OR DELETE ON sessions
FOR EACH ROW EXECUTE FUNCTION public.visitor_step_sessions_mark();
-- Only changes of what the rows hold: other columns and identical re-loads fire nothing.
CREATE TRIGGER sessions_mark_visitor_steps_upd
AFTER UPDATE ON sessions
FOR EACH ROW
WHEN ((OLD.session_id, OLD.started_at, OLD.visitor_id, OLD.added_to_cart, OLD.began_checkout, OLD.order_id IS NULL)
      IS DISTINCT FROM
      (NEW.session_id, NEW.started_at, NEW.visitor_id, NEW.added_to_cart, NEW.began_checkout, NEW.order_id IS NULL))
EXECUTE FUNCTION public.visitor_step_sessions_mark();
CREATE TRIGGER sessions_apply_visitor_steps
AFTER INSERT OR UPDATE OR DELETE ON sessions
FOR EACH STATEMENT EXECUTE FUNCTION public.visitor_step_sessions_apply();
CREATE TRIGGER sessions_truncate_visitor_steps
AFTER TRUNCATE ON sessions
FOR EACH STATEMENT EXECUTE FUNCTION public.visitor_step_sessions_truncate();

ANALYZE visitor_step_sessions;
ANALYZE visitor_step_days;
