-- Plain-table mirrors of carts and orders, kept by row triggers, for the "as of now" readers that
-- look for the latest rows: live carts (activity in the 30 minutes before an instant) and the live
-- order feed (the latest orders before an instant). carts and orders are hypertables partitioned
-- by created_at / placed_at: a cart's last activity bounds no chunk, and "the 20 latest orders
-- before T" bounds none either, so every read planned and opened every chunk of the history.
-- A plain table with one btree answers both by an index range, whatever the history.

-- ------------------------------------------------------------------ cart_activity
-- One row per carts row (same key): its last activity and what live carts show of it.
CREATE TABLE cart_activity (
  cart_id           text NOT NULL,
  created_at        timestamptz NOT NULL,
  last_activity_at  timestamptz NOT NULL,
  customer_id       text,
  stage             text NOT NULL,
  subtotal_cents    bigint NOT NULL,
  country           text,
  order_id          text,
  converted_at      timestamptz,
  PRIMARY KEY (cart_id, created_at)
);
CREATE INDEX cart_activity_last_activity_idx ON cart_activity (last_activity_at);
-- The daily cart abandonment reads the carts created on each selected day.
CREATE INDEX cart_activity_created_at_idx ON cart_activity (created_at);
REVOKE ALL ON cart_activity FROM PUBLIC;

-- Row trigger (hypertables take row triggers, not transition tables): an upsert replaces the
-- row of the key it had (a changed key moves it), a delete removes it.
CREATE FUNCTION public.cart_activity_keep() RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, public
AS $$
BEGIN
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
CREATE TRIGGER carts_keep_cart_activity
AFTER INSERT OR UPDATE OR DELETE ON carts
FOR EACH ROW EXECUTE FUNCTION public.cart_activity_keep();

INSERT INTO cart_activity (cart_id, created_at, last_activity_at, customer_id, stage, subtotal_cents, country, order_id, converted_at)
SELECT cart_id, created_at, last_activity_at, customer_id, stage, subtotal_cents, country, order_id, converted_at FROM carts;

-- ------------------------------------------------------------------ order_summaries
-- One row per orders row (same key, test orders included): what the live feed shows, and the
-- order_id lookup live carts make (was the cart's order placed by then?).
CREATE TABLE order_summaries (
  order_id        text NOT NULL,
  placed_at       timestamptz NOT NULL,
  customer_id     text,
  status          text NOT NULL,
  is_test         boolean NOT NULL,
  total_cents     bigint NOT NULL,
  traffic_source  text NOT NULL,
  items_summary   text,
  PRIMARY KEY (order_id, placed_at)
);
CREATE INDEX order_summaries_placed_at_idx ON order_summaries (placed_at);
REVOKE ALL ON order_summaries FROM PUBLIC;

CREATE FUNCTION public.order_summaries_keep() RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, public
AS $$
BEGIN
  IF TG_OP IN ('UPDATE', 'DELETE') THEN
    DELETE FROM public.order_summaries WHERE order_id = OLD.order_id AND placed_at = OLD.placed_at;
  END IF;
  IF TG_OP IN ('INSERT', 'UPDATE') THEN
    INSERT INTO public.order_summaries (order_id, placed_at, customer_id, status, is_test, total_cents, traffic_source, items_summary)
    VALUES (NEW.order_id, NEW.placed_at, NEW.customer_id, NEW.status, NEW.is_test, NEW.total_cents, NEW.traffic_source, NEW.items_summary);
  END IF;
  RETURN NULL;
END
$$;
CREATE TRIGGER orders_keep_order_summaries
AFTER INSERT OR UPDATE OR DELETE ON orders
FOR EACH ROW EXECUTE FUNCTION public.order_summaries_keep();

INSERT INTO order_summaries (order_id, placed_at, customer_id, status, is_test, total_cents, traffic_source, items_summary)
SELECT order_id, placed_at, customer_id, status, is_test, total_cents, traffic_source, items_summary FROM orders;
