-- The funnel window (kpi.funnel_window) asks, for each visitor's first session in a range, when
-- the visitor's first valid order placed at or after that session was, through the orders of any
-- of the visitor's sessions (session_orders, 0080). Answering it per query joined every order of
-- the range and its window to every session of the range (a year: 5.5 M sessions). The instant
-- is kept instead on each step-1 row of visitor_step_sessions (0120), exact after every insert,
-- update or delete of sessions, session_orders or orders:
--   next_valid_order_at   step 1: min(placed_at) of the valid orders (status <> 'cancelled' AND
--                         NOT is_test) of the visitor's session_orders rows with placed_at >=
--                         the row's started_at; NULL when there is none, and on the other steps
-- A range then reads only its sessions that have such an order (a partial index), and the
-- window is applied at read time (started_at + window depends on the session time zone).
-- State is recomputed from plain tables only (session_orders, order_summaries, this one), never
-- from the sessions or orders hypertables: within one multi-row statement those already hold
-- rows whose triggers have not run yet, and a lookup by order_id would probe every chunk.
ALTER TABLE visitor_step_sessions ADD COLUMN next_valid_order_at timestamptz;

-- The orders of a visitor: session_orders by visitor, then order_summaries by its key's order_id.
CREATE INDEX session_orders_visitor_idx ON session_orders (visitor_id, order_id);
-- The step-1 sessions of a visitor, which an order of the visitor may start or stop converting,
-- are read by visitor_step_sessions_visitor_idx (visitor_id, step, started_at, session_id; 0120).
-- The sessions of a range followed by a valid order: the range read of kpi.funnel_window, index
-- only (prev_at tells the visitor's first session of the range).
CREATE INDEX visitor_step_sessions_converting_idx ON visitor_step_sessions (started_at)
  INCLUDE (prev_at, next_valid_order_at) WHERE step = 1 AND next_valid_order_at IS NOT NULL;

-- The helpers are plpgsql, not sql: a trigger calls them once per row, and plpgsql keeps their
-- plans for the session where a sql function is planned again on every call.

-- A valid order placed at p_at now converts the visitor: its sessions started at or before it
-- whose next order was later (or none) now have this one.
CREATE FUNCTION public.visitor_next_valid_order_gained(p_visitor text, p_at timestamptz) RETURNS void
LANGUAGE plpgsql
SET search_path = pg_catalog, public
AS $$
BEGIN
  UPDATE public.visitor_step_sessions
     SET next_valid_order_at = p_at
   WHERE visitor_id = p_visitor AND step = 1 AND started_at <= p_at
     AND (next_valid_order_at IS NULL OR next_valid_order_at > p_at);
END
$$;

-- A valid order placed at p_at no longer counts for the visitor (cancelled, test, moved, deleted
-- or unlinked): the sessions that had it as their next order are recomputed (another link to the
-- same order, or another order at the same instant, may keep it).
CREATE FUNCTION public.visitor_next_valid_order_lost(p_visitor text, p_at timestamptz) RETURNS void
LANGUAGE plpgsql
SET search_path = pg_catalog, public
AS $$
BEGIN
  UPDATE public.visitor_step_sessions t
     SET next_valid_order_at = x.next_at
    FROM (SELECT s.session_id, s.started_at,
                 (SELECT min(o.placed_at)
                  FROM public.session_orders so JOIN public.order_summaries o ON o.order_id = so.order_id
                  WHERE so.visitor_id = p_visitor AND o.placed_at >= s.started_at
                    AND o.status <> 'cancelled' AND NOT o.is_test) AS next_at
          FROM public.visitor_step_sessions s
          WHERE s.visitor_id = p_visitor AND s.step = 1 AND s.started_at <= p_at AND s.next_valid_order_at = p_at) x
   WHERE t.step = 1 AND t.session_id = x.session_id AND t.started_at = x.started_at
     AND x.next_at IS DISTINCT FROM p_at;
END
$$;

-- A step-1 row written by the sessions trigger (0120) takes its next order from the current
-- state; an update that keeps its visitor and start keeps the value. Rows of the other steps
-- (inserted with NULL) do not call it.
CREATE FUNCTION public.visitor_step_sessions_next_order_fill() RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, public
AS $$
BEGIN
  IF NEW.step <> 1 THEN
    NEW.next_valid_order_at := NULL;
  ELSIF TG_OP = 'INSERT' OR (NEW.visitor_id, NEW.started_at, NEW.step) IS DISTINCT FROM (OLD.visitor_id, OLD.started_at, OLD.step) THEN
    SELECT min(o.placed_at) INTO NEW.next_valid_order_at
    FROM public.session_orders so JOIN public.order_summaries o ON o.order_id = so.order_id
    WHERE so.visitor_id = NEW.visitor_id AND o.placed_at >= NEW.started_at AND o.status <> 'cancelled' AND NOT o.is_test;
  END IF;
  RETURN NEW;
END
$$;
CREATE TRIGGER visitor_step_sessions_fill_next_valid_order
BEFORE INSERT OR UPDATE OF step, visitor_id, started_at ON visitor_step_sessions
FOR EACH ROW WHEN (NEW.step = 1 OR NEW.next_valid_order_at IS NOT NULL) EXECUTE FUNCTION public.visitor_step_sessions_next_order_fill();

-- An order row (through its plain mirror, 0105) gained or lost validity, moved or went away:
-- every visitor with a session carrying it loses the old instant and gains the new one. An
-- update that changes none of these columns' meaning (another fact filled in) does nothing.
CREATE FUNCTION public.order_summaries_next_order_keep() RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, public
AS $$
DECLARE
  old_valid boolean := TG_OP <> 'INSERT' AND OLD.status <> 'cancelled' AND NOT OLD.is_test;
  new_valid boolean := TG_OP <> 'DELETE' AND NEW.status <> 'cancelled' AND NOT NEW.is_test;
  v text;
BEGIN
  IF TG_OP = 'UPDATE' AND old_valid = new_valid AND (NEW.order_id, NEW.placed_at) IS NOT DISTINCT FROM (OLD.order_id, OLD.placed_at) THEN
    RETURN NULL;
  END IF;
  IF old_valid THEN
    FOR v IN SELECT DISTINCT so.visitor_id FROM public.session_orders so WHERE so.order_id = OLD.order_id LOOP
      PERFORM public.visitor_next_valid_order_lost(v, OLD.placed_at);
    END LOOP;
  END IF;
  IF new_valid THEN
    FOR v IN SELECT DISTINCT so.visitor_id FROM public.session_orders so WHERE so.order_id = NEW.order_id LOOP
      PERFORM public.visitor_next_valid_order_gained(v, NEW.placed_at);
    END LOOP;
  END IF;
  RETURN NULL;
END
$$;
CREATE TRIGGER order_summaries_keep_next_valid_order
AFTER INSERT OR DELETE OR UPDATE OF order_id, placed_at, status, is_test ON order_summaries
FOR EACH ROW EXECUTE FUNCTION public.order_summaries_next_order_keep();

-- A session's order link appeared, changed or went away (0080 replaces the row on any change):
-- the visitor gains or loses that order's valid instants (an order may arrive before or after
-- its session).
CREATE FUNCTION public.session_orders_next_order_keep() RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, public
AS $$
DECLARE
  p timestamptz;
BEGIN
  IF TG_OP IN ('UPDATE', 'DELETE') THEN
    FOR p IN SELECT DISTINCT o.placed_at FROM public.order_summaries o
             WHERE o.order_id = OLD.order_id AND o.status <> 'cancelled' AND NOT o.is_test LOOP
      PERFORM public.visitor_next_valid_order_lost(OLD.visitor_id, p);
    END LOOP;
  END IF;
  IF TG_OP IN ('UPDATE', 'INSERT') THEN
    FOR p IN SELECT DISTINCT o.placed_at FROM public.order_summaries o
             WHERE o.order_id = NEW.order_id AND o.status <> 'cancelled' AND NOT o.is_test LOOP
      PERFORM public.visitor_next_valid_order_gained(NEW.visitor_id, p);
    END LOOP;
  END IF;
  RETURN NULL;
END
$$;
CREATE TRIGGER session_orders_keep_next_valid_order
AFTER INSERT OR UPDATE OR DELETE ON session_orders
FOR EACH ROW EXECUTE FUNCTION public.session_orders_next_order_keep();

-- Fill: only visitors with a valid order can have a value; their valid order instants are
-- gathered once, then each of their step-1 rows takes the first at or after it.
CREATE TEMPORARY TABLE visitor_valid_order_instants ON COMMIT DROP AS
SELECT DISTINCT so.visitor_id, o.placed_at
FROM session_orders so JOIN order_summaries o ON o.order_id = so.order_id
WHERE o.status <> 'cancelled' AND NOT o.is_test;
CREATE INDEX ON visitor_valid_order_instants (visitor_id, placed_at);
ANALYZE visitor_valid_order_instants;

UPDATE visitor_step_sessions t
   SET next_valid_order_at = x.next_at
  FROM (SELECT s.session_id, s.started_at,
               (SELECT min(i.placed_at) FROM visitor_valid_order_instants i
                WHERE i.visitor_id = s.visitor_id AND i.placed_at >= s.started_at) AS next_at
        FROM visitor_step_sessions s
        WHERE s.step = 1 AND s.visitor_id IN (SELECT visitor_id FROM visitor_valid_order_instants)) x
 WHERE t.step = 1 AND t.session_id = x.session_id AND t.started_at = x.started_at AND x.next_at IS NOT NULL;

-- The planner needs the filled column's statistics: most rows have none, and the range read
-- is planned as an index range only when it knows that.
ANALYZE visitor_step_sessions;
