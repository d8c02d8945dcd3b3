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
-- Kept by triggers on sessions (hypertables take row and statement triggers, not transition
-- tables). The row trigger only notes what changed: a new session (or the steps an update adds to
-- it) in visitor_step_staged, and removes the rows of the steps a session leaves, noting them in
-- visitor_step_removed. The statement trigger then, set-based and once per statement, inserts the
-- staged rows and recomputes prev_at of each touched visitor's rows from its earliest touched
-- instant on (the rows before it do not change), and moves the grid by the difference. prev_at is
-- recomputed from visitor_step_sessions itself (never from sessions): within a multi-row
-- statement the sessions table already holds rows whose trigger has not run yet, and sessions has
-- no index on visitor_id.
CREATE TABLE visitor_step_sessions (
  step        smallint NOT NULL,
  session_id  text NOT NULL,
  started_at  timestamptz NOT NULL,
  visitor_id  text NOT NULL,
  prev_at     timestamptz,
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

-- Session rows (and the steps of each) to add, from the row trigger to the statement trigger of
-- the same statement: always empty between statements.
CREATE TABLE visitor_step_staged (
  session_id  text NOT NULL,
  started_at  timestamptz NOT NULL,
  visitor_id  text NOT NULL,
  s1          boolean NOT NULL,
  s2          boolean NOT NULL,
  s3          boolean NOT NULL,
  s4          boolean NOT NULL
);
REVOKE ALL ON visitor_step_staged FROM PUBLIC;

-- visitor_step_sessions rows the row trigger removed, for the statement trigger: their grid cell
-- loses one and their visitor's later rows get prev_at again.
CREATE TABLE visitor_step_removed (
  step        smallint NOT NULL,
  visitor_id  text NOT NULL,
  started_at  timestamptz NOT NULL,
  prev_at     timestamptz
);
REVOKE ALL ON visitor_step_removed FROM PUBLIC;

-- A new session is one plain insert (the common case: loads append sessions). An update removes
-- the rows of the steps the session leaves and stages those it enters; a change of visitor or of
-- the key replaces all of them.
CREATE FUNCTION public.visitor_step_sessions_mark() RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, public
AS $$
DECLARE
  same_row boolean;
BEGIN
  IF TG_OP = 'INSERT' THEN
    INSERT INTO public.visitor_step_staged VALUES
      (NEW.session_id, NEW.started_at, NEW.visitor_id, true, NEW.added_to_cart, NEW.began_checkout, NEW.order_id IS NOT NULL);
    RETURN NULL;
  END IF;
  same_row := TG_OP = 'UPDATE' AND OLD.session_id = NEW.session_id AND OLD.started_at = NEW.started_at
              AND OLD.visitor_id = NEW.visitor_id;
  WITH d AS (
    DELETE FROM public.visitor_step_sessions
    WHERE session_id = OLD.session_id AND started_at = OLD.started_at
      AND step = ANY (CASE WHEN same_row
                           THEN ARRAY[CASE WHEN OLD.added_to_cart AND NOT NEW.added_to_cart THEN 2 END,
                                      CASE WHEN OLD.began_checkout AND NOT NEW.began_checkout THEN 3 END,
                                      CASE WHEN OLD.order_id IS NOT NULL AND NEW.order_id IS NULL THEN 4 END]::smallint[]
                           ELSE ARRAY[1, 2, 3, 4]::smallint[] END)
    RETURNING step, visitor_id, started_at, prev_at
  )
  INSERT INTO public.visitor_step_removed (step, visitor_id, started_at, prev_at)
  SELECT step, visitor_id, started_at, prev_at FROM d;
  IF TG_OP = 'UPDATE' THEN
    IF same_row THEN
      IF (NEW.added_to_cart AND NOT OLD.added_to_cart) OR (NEW.began_checkout AND NOT OLD.began_checkout)
         OR (NEW.order_id IS NOT NULL AND OLD.order_id IS NULL) THEN
        INSERT INTO public.visitor_step_staged VALUES
          (NEW.session_id, NEW.started_at, NEW.visitor_id, false, NEW.added_to_cart AND NOT OLD.added_to_cart,
           NEW.began_checkout AND NOT OLD.began_checkout, NEW.order_id IS NOT NULL AND OLD.order_id IS NULL);
      END IF;
    ELSE
      INSERT INTO public.visitor_step_staged VALUES
        (NEW.session_id, NEW.started_at, NEW.visitor_id, true, NEW.added_to_cart, NEW.began_checkout, NEW.order_id IS NOT NULL);
    END IF;
  END IF;
  RETURN NULL;
END
$$;

-- After the row triggers of the statement. The rows of every touched visitor from its earliest
-- touched instant on (the staged ones and those already kept) get prev_at by a lag over the
-- visitor's rows of the step; the first of them takes the latest kept row before that instant.
-- The grid moves by the difference: +1 per new row, -1/+1 per kept row whose prev_at moved, -1 per
-- removed row; cells that reach 0 are dropped, so the grid holds exactly the non-empty cells.
-- One advisory lock serializes this part of concurrent session loads until they commit: a load
-- recomputes with the rows of every load committed before it, so concurrent loads of one visitor
-- end as if they ran one after the other. Every join here is a probe by index (the touched
-- visitors are few next to the kept rows), which the planner cannot tell from the staged rows'
-- estimates, nor from a plan cached while visitor_step_sessions was still small: hash and merge
-- joins and sequential scans are off (and JIT, which the penalized costs would set off: compiling
-- took longer than the statement).
CREATE FUNCTION public.visitor_step_sessions_apply() RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, public
SET enable_hashjoin = off
SET enable_mergejoin = off
SET enable_seqscan = off
SET jit = off
AS $$
DECLARE
  z_step smallint[];
  z_day date[];
  z_prev date[];
  u_step smallint[];
  u_session text[];
  u_started timestamptz[];
  u_prev timestamptz[];
BEGIN
  IF NOT EXISTS (SELECT 1 FROM public.visitor_step_staged) AND NOT EXISTS (SELECT 1 FROM public.visitor_step_removed) THEN
    RETURN NULL;
  END IF;
  PERFORM pg_advisory_xact_lock(7746321094);
  WITH staged AS MATERIALIZED (
    DELETE FROM public.visitor_step_staged RETURNING *
  ), added AS (
    SELECT st.step, n.session_id, n.started_at, n.visitor_id
    FROM staged n
    CROSS JOIN LATERAL (VALUES (1::smallint, n.s1), (2::smallint, n.s2), (3::smallint, n.s3), (4::smallint, n.s4)) AS st(step, reached)
    WHERE st.reached
  ), gone AS MATERIALIZED (
    DELETE FROM public.visitor_step_removed RETURNING step, visitor_id, started_at, prev_at
  ), marks AS MATERIALIZED (
    -- each touched instant with its visitor's earliest one (no join of the two lists: a window)
    SELECT m.*, min(m.started_at) OVER (PARTITION BY m.visitor_id) AS from_at
    FROM (SELECT a.visitor_id, a.started_at, a.step, a.session_id, true AS is_new FROM added a
          UNION ALL
          SELECT g.visitor_id, g.started_at, g.step, NULL, false FROM gone g) m
  ), p AS (
    SELECT visitor_id, min(from_at) AS from_at FROM marks GROUP BY visitor_id
  ), touched AS (
    SELECT m.step, m.session_id, m.started_at, m.visitor_id, m.from_at, true AS is_new, NULL::timestamptz AS prev_at
    FROM marks m WHERE m.is_new
    UNION ALL
    SELECT v.step, v.session_id, v.started_at, v.visitor_id, p.from_at, false, v.prev_at
    FROM p CROSS JOIN LATERAL (
      SELECT k.step, k.session_id, k.started_at, k.visitor_id, k.prev_at FROM public.visitor_step_sessions k
      WHERE k.visitor_id = p.visitor_id AND k.step IN (1, 2, 3, 4) AND k.started_at >= p.from_at
      OFFSET 0  -- kept a subquery: probed per visitor, never joined the other way round
    ) v
  ), w AS MATERIALIZED (
    SELECT t.*, lag(t.started_at) OVER (PARTITION BY t.visitor_id, t.step ORDER BY t.started_at, t.session_id) AS lag_at
    FROM touched t
  ), r AS MATERIALIZED (
    SELECT w.step, w.session_id, w.started_at, w.visitor_id, w.is_new, w.prev_at,
           coalesce(w.lag_at, (SELECT max(b.started_at) FROM public.visitor_step_sessions b
                               WHERE b.visitor_id = w.visitor_id AND b.step = w.step AND b.started_at < w.from_at)) AS new_prev
    FROM w
  ), c AS (
    SELECT r.* FROM r WHERE r.is_new OR r.new_prev IS DISTINCT FROM r.prev_at
  ), ins AS (
    INSERT INTO public.visitor_step_sessions (step, session_id, started_at, visitor_id, prev_at)
    SELECT c.step, c.session_id, c.started_at, c.visitor_id, c.new_prev FROM c WHERE c.is_new
  ), delta AS (
    SELECT x.step, x.day, x.prev_day, sum(x.n) AS n FROM (
      SELECT c.step, (c.started_at AT TIME ZONE {{STORE_TIMEZONE}})::date AS day,
             coalesce((c.new_prev AT TIME ZONE {{STORE_TIMEZONE}})::date, '-infinity'::date) AS prev_day, 1 AS n
      FROM c
      UNION ALL
      SELECT c.step, (c.started_at AT TIME ZONE {{STORE_TIMEZONE}})::date,
             coalesce((c.prev_at AT TIME ZONE {{STORE_TIMEZONE}})::date, '-infinity'::date), -1
      FROM c WHERE NOT c.is_new
      UNION ALL
      SELECT g.step, (g.started_at AT TIME ZONE {{STORE_TIMEZONE}})::date,
             coalesce((g.prev_at AT TIME ZONE {{STORE_TIMEZONE}})::date, '-infinity'::date), -1
      FROM gone g
    ) x
    GROUP BY x.step, x.day, x.prev_day
    HAVING sum(x.n) <> 0
  ), g AS (
    INSERT INTO public.visitor_step_days AS t (step, day, prev_day, sessions)
    SELECT step, day, prev_day, n FROM delta ORDER BY step, day, prev_day
    ON CONFLICT (step, day, prev_day) DO UPDATE SET sessions = t.sessions + EXCLUDED.sessions
    RETURNING t.step, t.day, t.prev_day, t.sessions
  )
  SELECT (SELECT array_agg(g.step) FROM g WHERE g.sessions = 0), (SELECT array_agg(g.day) FROM g WHERE g.sessions = 0),
         (SELECT array_agg(g.prev_day) FROM g WHERE g.sessions = 0),
         (SELECT array_agg(c.step) FROM c WHERE NOT c.is_new), (SELECT array_agg(c.session_id) FROM c WHERE NOT c.is_new),
         (SELECT array_agg(c.started_at) FROM c WHERE NOT c.is_new), (SELECT array_agg(c.new_prev) FROM c WHERE NOT c.is_new)
  INTO z_step, z_day, z_prev, u_step, u_session, u_started, u_prev;
  -- Kept rows whose prev_at moved (few when sessions arrive in order). EXECUTE plans with the
  -- arrays' sizes and the table's current size: a plan cached while the table was small would scan it.
  IF u_step IS NOT NULL THEN
    EXECUTE $q$
      UPDATE public.visitor_step_sessions v SET prev_at = u.prev_at
      FROM unnest($1, $2, $3, $4) AS u(step, session_id, started_at, prev_at)
      WHERE v.step = u.step AND v.session_id = u.session_id AND v.started_at = u.started_at
    $q$ USING u_step, u_session, u_started, u_prev;
  END IF;
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
  DELETE FROM public.visitor_step_staged;
  DELETE FROM public.visitor_step_removed;
  RETURN NULL;
END
$$;

-- The history so far: prev_at by one window over every session, the grid from it.
SET LOCAL work_mem = '256MB';
SET LOCAL maintenance_work_mem = '512MB';
INSERT INTO visitor_step_sessions (step, session_id, started_at, visitor_id, prev_at)
SELECT st.step, s.session_id, s.started_at, s.visitor_id,
       lag(s.started_at) OVER (PARTITION BY st.step, s.visitor_id ORDER BY s.started_at, s.session_id)
FROM sessions s
CROSS JOIN LATERAL (VALUES (1::smallint, true), (2::smallint, s.added_to_cart), (3::smallint, s.began_checkout),
                           (4::smallint, s.order_id IS NOT NULL)) AS st(step, reached)
WHERE st.reached;

INSERT INTO visitor_step_days (step, day, prev_day, sessions)
SELECT step, (started_at AT TIME ZONE {{STORE_TIMEZONE}})::date,
       coalesce((prev_at AT TIME ZONE {{STORE_TIMEZONE}})::date, '-infinity'::date), count(*)
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
