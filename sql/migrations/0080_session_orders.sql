-- The sessions that carry an order, kept by a row trigger on sessions: `funnel_window` joins the
-- orders placed in its range to the visitor whose session placed them. The sessions hypertable
-- has no index on order_id (one per weekly chunk would be probed for every order), so without this
-- table every window read every session with an order since the store opened.
-- One row per session row with a non-NULL order_id, same key as sessions.
CREATE TABLE session_orders (
  session_id  text NOT NULL,
  started_at  timestamptz NOT NULL,
  visitor_id  text NOT NULL,
  order_id    text NOT NULL,
  PRIMARY KEY (session_id, started_at)
);
CREATE INDEX session_orders_order_idx ON session_orders (order_id);
REVOKE ALL ON session_orders FROM PUBLIC;

-- Row trigger (hypertables take row triggers, not transition tables): an upsert that sets or
-- changes a session's order, visitor or key replaces its row; a session without order has none.
CREATE FUNCTION public.session_orders_keep() RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, public
AS $$
BEGIN
  IF TG_OP IN ('UPDATE', 'DELETE') THEN
    DELETE FROM public.session_orders WHERE session_id = OLD.session_id AND started_at = OLD.started_at;
  END IF;
  IF TG_OP IN ('INSERT', 'UPDATE') AND NEW.order_id IS NOT NULL THEN
    INSERT INTO public.session_orders (session_id, started_at, visitor_id, order_id)
    VALUES (NEW.session_id, NEW.started_at, NEW.visitor_id, NEW.order_id);
  END IF;
  RETURN NULL;
END
$$;
CREATE TRIGGER sessions_keep_session_orders
AFTER INSERT OR UPDATE OR DELETE ON sessions
FOR EACH ROW EXECUTE FUNCTION public.session_orders_keep();

INSERT INTO session_orders (session_id, started_at, visitor_id, order_id)
SELECT session_id, started_at, visitor_id, order_id FROM sessions WHERE order_id IS NOT NULL;
