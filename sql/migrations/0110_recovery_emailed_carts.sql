-- Cart recovery facts kept by row triggers (hypertables take row triggers, not transition
-- tables). Recovery is counted by the day an email was sent and follows each cart to its order
-- by order_id and to its customer's earlier orders, none of which is the chunking time of the
-- table read: without these tables every read hashed all carts, all orders and all recovery
-- emails since the store opened.

-- ------------------------------------------------------------------ order_keys
-- One row per orders row (same key): its customer, whether it is valid (not cancelled, not
-- test) and its item subtotal minus discounts. A lookup by order_id or by a customer's valid
-- orders is one probe here instead of one per weekly chunk.
CREATE TABLE order_keys (
  order_id    text NOT NULL,
  placed_at   timestamptz NOT NULL,
  customer_id text,
  valid       boolean NOT NULL,
  net_cents   bigint NOT NULL,
  PRIMARY KEY (order_id, placed_at)
);
CREATE INDEX order_keys_customer_valid_idx ON order_keys (customer_id, placed_at) WHERE valid AND customer_id IS NOT NULL;
REVOKE ALL ON order_keys FROM PUBLIC;

-- ------------------------------------------------------------------ recovery_email_rows
-- One row per cart_recovery_emails row (same key), readable by cart and by campaign.
CREATE TABLE recovery_email_rows (
  cart_id     text NOT NULL,
  step        smallint NOT NULL,
  sent_at     timestamptz NOT NULL,
  campaign_id text,
  opened_at   timestamptz,
  clicked_at  timestamptz,
  PRIMARY KEY (cart_id, step, sent_at)
);
CREATE INDEX recovery_email_rows_campaign_idx ON recovery_email_rows (campaign_id, sent_at);
REVOKE ALL ON recovery_email_rows FROM PUBLIC;

-- ------------------------------------------------------------------ recovery_emailed_carts
-- One row per carts row with recovery_email_sent_at (same key). recovered = marked recovered by
-- email and has an order; recovered_cents = the net cents of its valid order rows when
-- recovered, else 0; has_email_rows = recovery_email_rows holds an email of this cart_id (else the
-- cart row's own email stands for its emails).
CREATE TABLE recovery_emailed_carts (
  cart_id         text NOT NULL,
  created_at      timestamptz NOT NULL,
  sent_at         timestamptz NOT NULL,
  sent_day        date NOT NULL,
  campaign_id     text,
  recovered       boolean NOT NULL,
  order_id        text,
  recovered_cents bigint NOT NULL,
  has_email_rows  boolean NOT NULL,
  PRIMARY KEY (cart_id, created_at)
);
CREATE INDEX recovery_emailed_carts_sent_idx ON recovery_emailed_carts (sent_at);
CREATE INDEX recovery_emailed_carts_order_idx ON recovery_emailed_carts (order_id) WHERE recovered;
CREATE INDEX recovery_emailed_carts_alone_idx ON recovery_emailed_carts (campaign_id, sent_at) WHERE NOT has_email_rows;
REVOKE ALL ON recovery_emailed_carts FROM PUBLIC;

-- ------------------------------------------------------------------ recovery_emailed_daily
-- Per local day of the email and campaign (NULL = none named): carts emailed and recovered and
-- the recovered cents. A key whose carts are all gone has no row.
CREATE TABLE recovery_emailed_daily (
  sent_day        date NOT NULL,
  campaign_id     text,
  carts_emailed   bigint NOT NULL,
  carts_recovered bigint NOT NULL,
  recovered_cents bigint NOT NULL,
  CONSTRAINT recovery_emailed_daily_key UNIQUE NULLS NOT DISTINCT (sent_day, campaign_id)
);
REVOKE ALL ON recovery_emailed_daily FROM PUBLIC;

-- The recovered cents of a cart whose order is order_id: its valid rows' net cents.
CREATE FUNCTION public.recovery_order_cents(order_id text) RETURNS bigint
LANGUAGE sql STABLE
SET search_path = pg_catalog, public
AS $$ SELECT coalesce(sum(k.net_cents), 0)::bigint FROM public.order_keys k WHERE k.order_id = $1 AND k.valid $$;

-- Orders: keep order_keys, then re-price the recovered carts naming the order (an order may
-- arrive before or after its cart). The same report again leaves everything alone.
CREATE FUNCTION public.order_keys_keep() RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, public
AS $$
BEGIN
  IF TG_OP = 'UPDATE'
     AND NEW.order_id = OLD.order_id AND NEW.placed_at = OLD.placed_at
     AND NEW.customer_id IS NOT DISTINCT FROM OLD.customer_id
     AND NEW.status = OLD.status AND NEW.is_test = OLD.is_test
     AND NEW.subtotal_cents = OLD.subtotal_cents AND NEW.discount_cents = OLD.discount_cents THEN
    RETURN NULL;
  END IF;
  IF TG_OP IN ('UPDATE', 'DELETE') THEN
    DELETE FROM public.order_keys WHERE order_id = OLD.order_id AND placed_at = OLD.placed_at;
  END IF;
  IF TG_OP IN ('INSERT', 'UPDATE') THEN
    INSERT INTO public.order_keys (order_id, placed_at, customer_id, valid, net_cents)
    VALUES (NEW.order_id, NEW.placed_at, NEW.customer_id, NEW.status <> 'cancelled' AND NOT NEW.is_test,
            NEW.subtotal_cents - NEW.discount_cents);
  END IF;
  UPDATE public.recovery_emailed_carts r SET recovered_cents = public.recovery_order_cents(r.order_id)
  WHERE r.recovered
    AND r.order_id IN (CASE WHEN TG_OP <> 'DELETE' THEN NEW.order_id END, CASE WHEN TG_OP <> 'INSERT' THEN OLD.order_id END)
    AND r.recovered_cents <> public.recovery_order_cents(r.order_id);
  RETURN NULL;
END
$$;
CREATE TRIGGER orders_keep_order_keys
AFTER INSERT OR UPDATE OR DELETE ON orders
FOR EACH ROW EXECUTE FUNCTION public.order_keys_keep();

-- Recovery emails: keep recovery_email_rows, then tell the emailed carts of that cart_id whether
-- they have email rows (an email may arrive before or after its cart).
CREATE FUNCTION public.recovery_email_rows_keep() RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, public
AS $$
BEGIN
  IF TG_OP = 'UPDATE'
     AND NEW.cart_id = OLD.cart_id AND NEW.step = OLD.step AND NEW.sent_at = OLD.sent_at
     AND NEW.campaign_id IS NOT DISTINCT FROM OLD.campaign_id
     AND NEW.opened_at IS NOT DISTINCT FROM OLD.opened_at AND NEW.clicked_at IS NOT DISTINCT FROM OLD.clicked_at THEN
    RETURN NULL;
  END IF;
  IF TG_OP IN ('UPDATE', 'DELETE') THEN
    DELETE FROM public.recovery_email_rows WHERE cart_id = OLD.cart_id AND step = OLD.step AND sent_at = OLD.sent_at;
  END IF;
  IF TG_OP IN ('INSERT', 'UPDATE') THEN
    INSERT INTO public.recovery_email_rows (cart_id, step, sent_at, campaign_id, opened_at, clicked_at)
    VALUES (NEW.cart_id, NEW.step, NEW.sent_at, NEW.campaign_id, NEW.opened_at, NEW.clicked_at);
  END IF;
  UPDATE public.recovery_emailed_carts r
  SET has_email_rows = EXISTS (SELECT 1 FROM public.recovery_email_rows e WHERE e.cart_id = r.cart_id)
  WHERE r.cart_id IN (CASE WHEN TG_OP <> 'DELETE' THEN NEW.cart_id END, CASE WHEN TG_OP <> 'INSERT' THEN OLD.cart_id END)
    AND r.has_email_rows <> EXISTS (SELECT 1 FROM public.recovery_email_rows e WHERE e.cart_id = r.cart_id);
  RETURN NULL;
END
$$;
CREATE TRIGGER cart_recovery_emails_keep_rows
AFTER INSERT OR UPDATE OR DELETE ON cart_recovery_emails
FOR EACH ROW EXECUTE FUNCTION public.recovery_email_rows_keep();

-- Carts: an upsert that changes what the row says about its recovery email replaces its row.
CREATE FUNCTION public.recovery_emailed_carts_keep() RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, public
AS $$
BEGIN
  IF TG_OP = 'UPDATE'
     AND NEW.cart_id = OLD.cart_id AND NEW.created_at = OLD.created_at
     AND NEW.recovery_email_sent_at IS NOT DISTINCT FROM OLD.recovery_email_sent_at
     AND NEW.recovery_campaign_id IS NOT DISTINCT FROM OLD.recovery_campaign_id
     AND NEW.recovered_by_email = OLD.recovered_by_email
     AND NEW.order_id IS NOT DISTINCT FROM OLD.order_id THEN
    RETURN NULL;
  END IF;
  IF TG_OP IN ('UPDATE', 'DELETE') THEN
    DELETE FROM public.recovery_emailed_carts WHERE cart_id = OLD.cart_id AND created_at = OLD.created_at;
  END IF;
  IF TG_OP IN ('INSERT', 'UPDATE') AND NEW.recovery_email_sent_at IS NOT NULL THEN
    INSERT INTO public.recovery_emailed_carts (cart_id, created_at, sent_at, sent_day, campaign_id, recovered, order_id,
                                               recovered_cents, has_email_rows)
    VALUES (NEW.cart_id, NEW.created_at, NEW.recovery_email_sent_at,
            (NEW.recovery_email_sent_at AT TIME ZONE {{STORE_TIMEZONE}})::date,
            NEW.recovery_campaign_id, NEW.recovered_by_email AND NEW.order_id IS NOT NULL, NEW.order_id,
            CASE WHEN NEW.recovered_by_email AND NEW.order_id IS NOT NULL THEN public.recovery_order_cents(NEW.order_id) ELSE 0 END,
            EXISTS (SELECT 1 FROM public.recovery_email_rows e WHERE e.cart_id = NEW.cart_id));
  END IF;
  RETURN NULL;
END
$$;
CREATE TRIGGER carts_keep_recovery_emailed
AFTER INSERT OR UPDATE OR DELETE ON carts
FOR EACH ROW EXECUTE FUNCTION public.recovery_emailed_carts_keep();

-- The daily totals follow the cart rows: the old row is taken out, the new one added.
CREATE FUNCTION public.recovery_emailed_daily_keep() RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, public
AS $$
BEGIN
  IF TG_OP = 'UPDATE' AND NEW.sent_day = OLD.sent_day AND NEW.campaign_id IS NOT DISTINCT FROM OLD.campaign_id
     AND NEW.recovered = OLD.recovered AND NEW.recovered_cents = OLD.recovered_cents THEN
    RETURN NULL;
  END IF;
  IF TG_OP IN ('UPDATE', 'DELETE') THEN
    INSERT INTO public.recovery_emailed_daily AS d (sent_day, campaign_id, carts_emailed, carts_recovered, recovered_cents)
    VALUES (OLD.sent_day, OLD.campaign_id, -1, -(OLD.recovered::int), -OLD.recovered_cents)
    ON CONFLICT ON CONSTRAINT recovery_emailed_daily_key DO UPDATE
      SET carts_emailed = d.carts_emailed + EXCLUDED.carts_emailed,
          carts_recovered = d.carts_recovered + EXCLUDED.carts_recovered,
          recovered_cents = d.recovered_cents + EXCLUDED.recovered_cents;
  END IF;
  IF TG_OP IN ('INSERT', 'UPDATE') THEN
    INSERT INTO public.recovery_emailed_daily AS d (sent_day, campaign_id, carts_emailed, carts_recovered, recovered_cents)
    VALUES (NEW.sent_day, NEW.campaign_id, 1, NEW.recovered::int, NEW.recovered_cents)
    ON CONFLICT ON CONSTRAINT recovery_emailed_daily_key DO UPDATE
      SET carts_emailed = d.carts_emailed + EXCLUDED.carts_emailed,
          carts_recovered = d.carts_recovered + EXCLUDED.carts_recovered,
          recovered_cents = d.recovered_cents + EXCLUDED.recovered_cents;
  END IF;
  IF TG_OP IN ('UPDATE', 'DELETE') THEN
    DELETE FROM public.recovery_emailed_daily d
    WHERE d.sent_day = OLD.sent_day AND d.campaign_id IS NOT DISTINCT FROM OLD.campaign_id AND d.carts_emailed = 0;
  END IF;
  RETURN NULL;
END
$$;

-- The existing rows in one pass each; the triggers keep them from here on.
INSERT INTO order_keys (order_id, placed_at, customer_id, valid, net_cents)
SELECT order_id, placed_at, customer_id, status <> 'cancelled' AND NOT is_test, subtotal_cents - discount_cents FROM orders;

INSERT INTO recovery_email_rows (cart_id, step, sent_at, campaign_id, opened_at, clicked_at)
SELECT cart_id, step, sent_at, campaign_id, opened_at, clicked_at FROM cart_recovery_emails;

INSERT INTO recovery_emailed_carts (cart_id, created_at, sent_at, sent_day, campaign_id, recovered, order_id, recovered_cents, has_email_rows)
SELECT c.cart_id, c.created_at, c.recovery_email_sent_at, (c.recovery_email_sent_at AT TIME ZONE {{STORE_TIMEZONE}})::date,
       c.recovery_campaign_id, c.recovered_by_email AND c.order_id IS NOT NULL, c.order_id,
       CASE WHEN c.recovered_by_email AND c.order_id IS NOT NULL THEN coalesce(o.cents, 0) ELSE 0 END,
       h.cart_id IS NOT NULL
FROM carts c
LEFT JOIN (SELECT order_id, sum(net_cents)::bigint AS cents FROM order_keys WHERE valid GROUP BY order_id) o ON o.order_id = c.order_id
LEFT JOIN (SELECT DISTINCT cart_id FROM recovery_email_rows) h ON h.cart_id = c.cart_id
WHERE c.recovery_email_sent_at IS NOT NULL;

INSERT INTO recovery_emailed_daily (sent_day, campaign_id, carts_emailed, carts_recovered, recovered_cents)
SELECT sent_day, campaign_id, count(*), count(*) FILTER (WHERE recovered), sum(recovered_cents)
FROM recovery_emailed_carts GROUP BY sent_day, campaign_id;

CREATE TRIGGER recovery_emailed_carts_keep_daily
AFTER INSERT OR UPDATE OR DELETE ON recovery_emailed_carts
FOR EACH ROW EXECUTE FUNCTION public.recovery_emailed_daily_keep();

-- Statistics now, so the first reads are planned on the real sizes.
ANALYZE order_keys;
ANALYZE recovery_email_rows;
ANALYZE recovery_emailed_carts;
ANALYZE recovery_emailed_daily;
