-- Per-cart journey facts kept by row triggers (hypertables take row triggers, not transition
-- tables). The journey readers (kpi.cart_journey, recovery_by_segment, abandoned / recovered
-- products) followed every cart of their range with per-cart probes of its order, emails and the
-- customer's earlier orders (~47 µs a cart; a year at 10× is ~490 k carts, 20-40 s a read).
--
-- A cart's journey row "as known at to_ts" (kpi.cart_journey_carts_in) only ever compares the
-- cart's own instants with to_ts, always as `instant < to_ts`: emails sent, opens and clicks, the
-- order's placed_at, and last_activity_at + 60 minutes (abandonment). So this table keeps the
-- row as known with everything loaded (to_ts = infinity) plus `horizon`, the latest of those
-- instants: for every to_ts > horizon all the filters pass and the as-of-to_ts row is the kept
-- one. Readers take the kept row when horizon < to_ts and compute the few others live (at
-- to_ts = now: the last hour's carts and carts with future-dated facts). Carts whose row depends
-- on other carts' rows (two carts rows sharing a cart_id: emails are keyed by cart_id alone, and
-- the journey groups a range's carts by cart_id) or that join more than one valid order row
-- (an order_id under two placed_at: the journey yields one row per order row) get horizon =
-- infinity and are always computed live, so the read stays exactly the live definition.

-- ------------------------------------------------------------------ cart_journey_facts
-- One row per carts row (same key). The first columns copy what the journey reads of the cart
-- row (order_id is the cart's, whatever that order's state); the others are the journey row at
-- to_ts = infinity (valid_order_id is the journey's order_id: the cart's order when a valid
-- order row names it). A row is written with horizon = infinity and then computed, so a row not
-- (yet) computed is read live.
CREATE TABLE cart_journey_facts (
  cart_id               text NOT NULL,
  created_at            timestamptz NOT NULL,
  customer_id           text,
  subtotal_cents        bigint NOT NULL,
  last_activity_at      timestamptz NOT NULL,
  recovered_by_email    boolean NOT NULL,
  order_id              text,
  customer_type         text,
  abandoned_at          timestamptz,
  sent1_at              timestamptz,
  sent2_at              timestamptz,
  sent3_at              timestamptz,
  first_sent_at         timestamptz,
  first_opened_at       timestamptz,
  opened_after_sent_at  timestamptz,
  first_clicked_at      timestamptz,
  recovered             boolean,
  recovered_at          timestamptz,
  recovered_cents       bigint,
  recovered_step        smallint,
  recovered_campaign_id text,
  valid_order_id        text,
  horizon               timestamptz NOT NULL DEFAULT 'infinity',
  PRIMARY KEY (cart_id, created_at)
);
-- ranges by creation (journey, products; the carts of a range to follow live are found from the
-- index alone), by first email (recovery by segment) and the recovered ones (recovered products);
-- an order's carts and a customer's later carts are re-keyed by probes
CREATE INDEX cart_journey_facts_created_idx ON cart_journey_facts (created_at) INCLUDE (horizon, cart_id);
CREATE INDEX cart_journey_facts_recovered_idx ON cart_journey_facts (created_at) WHERE recovered;
CREATE INDEX cart_journey_facts_first_sent_idx ON cart_journey_facts (first_sent_at) WHERE first_sent_at IS NOT NULL;
CREATE INDEX cart_journey_facts_order_idx ON cart_journey_facts (order_id) WHERE order_id IS NOT NULL;
CREATE INDEX cart_journey_facts_customer_idx ON cart_journey_facts (customer_id, created_at) WHERE customer_id IS NOT NULL;
REVOKE ALL ON cart_journey_facts FROM PUBLIC;

-- ------------------------------------------------------------------ the journey of given carts
-- The carts with the given cart_ids created in [from_ts, to_ts), as known at to_ts: only emails
-- sent, opens, clicks and orders before to_ts count. A cart is abandoned 60 minutes after its
-- last activity unless it converted before that (a cart that was sent a recovery email was
-- abandoned by then at the latest). Recovered = abandoned, marked recovered by email, and its
-- valid order placed before to_ts; the recovering email is the last one sent before the order.
-- customer_type is the customer's standing when the cart was created: returning with an earlier
-- valid order, new without, guest without a customer. Orders are looked up in order_keys and
-- emails in recovery_email_rows / recovery_emailed_carts (0110), one probe per cart. horizon:
-- see the head of this file (it does not depend on to_ts).
-- One definition for the trigger (to_ts = infinity) and the live reads of kpi.cart_journey_carts_in.
-- No SET and no SECURITY DEFINER, so that it is inlined into its callers (which pin search_path
-- and run as owner): a plpgsql trigger then keeps one cached plan instead of planning this body
-- on every row. Everything it names is schema-qualified.
CREATE FUNCTION public.cart_journey_rows(from_ts timestamptz, to_ts timestamptz, cart_ids text[])
RETURNS TABLE (cart_id text, created_at timestamptz, customer_id text, customer_type text, subtotal_cents bigint,
               abandoned_at timestamptz, sent1_at timestamptz, sent2_at timestamptz, sent3_at timestamptz,
               first_sent_at timestamptz, first_opened_at timestamptz, opened_after_sent_at timestamptz,
               first_clicked_at timestamptz, recovered boolean, recovered_at timestamptz, recovered_cents bigint,
               recovered_step smallint, recovered_campaign_id text, order_id text, horizon timestamptz)
LANGUAGE sql STABLE
AS $$
  WITH c AS (
    SELECT c.cart_id, c.created_at, c.customer_id, c.subtotal_cents, c.last_activity_at, c.recovered_by_email,
           c.order_id AS cart_order_id, o.order_id, o.placed_at AS order_at, o.net_cents AS order_cents,
           CASE WHEN c.customer_id IS NULL THEN 'guest'
                -- an earlier valid order (the cart was created before to_ts, so before to_ts too)
                WHEN EXISTS (SELECT 1 FROM public.order_keys p
                             WHERE p.customer_id = c.customer_id AND p.valid AND p.placed_at < c.created_at) THEN 'returning'
                ELSE 'new' END AS customer_type
    FROM public.cart_journey_facts c
    -- per-cart probes (OFFSET 0 keeps them lateral): a generic plan cannot tell how many carts
    -- are given and would otherwise hash every order and every email
    LEFT JOIN LATERAL (SELECT o.order_id, o.placed_at, o.net_cents FROM public.order_keys o
                       WHERE o.order_id = c.order_id AND o.valid AND o.placed_at < $2 OFFSET 0) o ON true
    WHERE c.created_at >= $1 AND c.created_at < $2 AND c.cart_id IN (SELECT pg_catalog.unnest($3))
  ), e AS (
    SELECT x.cart_id, x.step, x.campaign_id, x.sent_at, x.opened_at, x.clicked_at
    FROM c CROSS JOIN LATERAL (SELECT x.* FROM public.recovery_email_rows x
                               WHERE x.cart_id = c.cart_id AND x.sent_at < $2 OFFSET 0) x
    UNION ALL
    -- probed by cart_id alone (the filters stay outside OFFSET 0): the partial index of carts
    -- without email rows keeps the entries of every cart whose email rows arrived later, and a
    -- probe by sent_at there walks all of them
    SELECT x.cart_id, coalesce(k.recovery_step, 1)::smallint, x.campaign_id, x.sent_at, NULL::timestamptz, NULL::timestamptz
    FROM c CROSS JOIN LATERAL (SELECT x.* FROM public.recovery_emailed_carts x WHERE x.cart_id = c.cart_id OFFSET 0) x
    LEFT JOIN public.campaigns k ON k.campaign_id = x.campaign_id
    WHERE NOT x.has_email_rows AND x.sent_at < $2
  ), per AS (
    SELECT e.cart_id,
           min(e.sent_at) FILTER (WHERE e.step = 1) AS s1, min(e.sent_at) FILTER (WHERE e.step = 2) AS s2,
           min(e.sent_at) FILTER (WHERE e.step = 3) AS s3, min(e.sent_at) AS s0,
           min(e.opened_at) FILTER (WHERE e.opened_at < $2) AS op, min(e.clicked_at) FILTER (WHERE e.clicked_at < $2) AS cl
    FROM e GROUP BY e.cart_id
  ), opened_from AS (
    -- the email that was opened: the last one sent before the first open
    SELECT e.cart_id, max(e.sent_at) AS at FROM e JOIN per ON per.cart_id = e.cart_id AND e.sent_at <= per.op GROUP BY e.cart_id
  ), rec AS (
    SELECT DISTINCT ON (e.cart_id) e.cart_id, e.step, e.campaign_id
    FROM e JOIN c ON c.cart_id = e.cart_id
    WHERE c.recovered_by_email AND c.order_at IS NOT NULL AND e.sent_at <= c.order_at
    ORDER BY e.cart_id, e.sent_at DESC, e.step DESC
  ), j AS (
    SELECT c.*, per.s1, per.s2, per.s3, per.s0, per.op, per.cl,
           CASE WHEN per.s0 IS NOT NULL THEN least(per.s0, c.last_activity_at + INTERVAL '60 minutes')
                WHEN c.last_activity_at + INTERVAL '60 minutes' < $2
                     AND (c.order_at IS NULL OR c.order_at > c.last_activity_at + INTERVAL '60 minutes')
                THEN c.last_activity_at + INTERVAL '60 minutes' END AS ab
    FROM c LEFT JOIN per ON per.cart_id = c.cart_id
  )
  SELECT j.cart_id, j.created_at, j.customer_id, j.customer_type, j.subtotal_cents, j.ab, j.s1, j.s2, j.s3, j.s0, j.op,
         o.at, j.cl,
         (j.ab IS NOT NULL AND j.recovered_by_email AND j.order_at IS NOT NULL AND j.s0 IS NOT NULL),
         CASE WHEN j.ab IS NOT NULL AND j.recovered_by_email AND j.s0 IS NOT NULL THEN j.order_at END,
         CASE WHEN j.ab IS NOT NULL AND j.recovered_by_email AND j.s0 IS NOT NULL AND j.order_at IS NOT NULL THEN j.order_cents ELSE 0 END,
         r.step, r.campaign_id, j.order_id,
         CASE WHEN (SELECT count(*) FROM public.cart_journey_facts d WHERE d.cart_id = j.cart_id) > 1
                OR (SELECT count(*) FROM public.order_keys k WHERE k.order_id = j.cart_order_id AND k.valid) > 1
              THEN 'infinity'::timestamptz
              -- every instant compared with to_ts above (greatest skips NULLs)
              ELSE greatest(j.last_activity_at + INTERVAL '60 minutes',
                            (SELECT max(k.placed_at) FROM public.order_keys k WHERE k.order_id = j.cart_order_id AND k.valid),
                            (SELECT max(greatest(x.sent_at, x.opened_at, x.clicked_at)) FROM public.recovery_email_rows x
                             WHERE x.cart_id = j.cart_id),
                            (SELECT max(x.sent_at) FROM public.recovery_emailed_carts x
                             WHERE x.cart_id = j.cart_id AND NOT x.has_email_rows)) END
  FROM j
  LEFT JOIN opened_from o ON o.cart_id = j.cart_id
  LEFT JOIN rec r ON r.cart_id = j.cart_id
$$;

-- Recomputes the kept journey of every cart with one of these cart_ids; a row that comes out the
-- same is not written.
CREATE FUNCTION public.cart_journey_facts_refresh(ids text[]) RETURNS void
LANGUAGE plpgsql
SET search_path = pg_catalog, public
AS $$
BEGIN
  UPDATE public.cart_journey_facts f
  SET customer_type = r.customer_type, abandoned_at = r.abandoned_at, sent1_at = r.sent1_at, sent2_at = r.sent2_at,
      sent3_at = r.sent3_at, first_sent_at = r.first_sent_at, first_opened_at = r.first_opened_at,
      opened_after_sent_at = r.opened_after_sent_at, first_clicked_at = r.first_clicked_at, recovered = r.recovered,
      recovered_at = r.recovered_at, recovered_cents = r.recovered_cents, recovered_step = r.recovered_step,
      recovered_campaign_id = r.recovered_campaign_id, valid_order_id = r.order_id, horizon = r.horizon
  FROM public.cart_journey_rows('-infinity', 'infinity', ids) r
  WHERE f.cart_id = r.cart_id AND f.created_at = r.created_at
    AND (f.customer_type, f.abandoned_at, f.sent1_at, f.sent2_at, f.sent3_at, f.first_sent_at, f.first_opened_at,
         f.opened_after_sent_at, f.first_clicked_at, f.recovered, f.recovered_at, f.recovered_cents, f.recovered_step,
         f.recovered_campaign_id, f.valid_order_id, f.horizon)
        IS DISTINCT FROM
        (r.customer_type, r.abandoned_at, r.sent1_at, r.sent2_at, r.sent3_at, r.first_sent_at, r.first_opened_at,
         r.opened_after_sent_at, r.first_clicked_at, r.recovered, r.recovered_at, r.recovered_cents, r.recovered_step,
         r.recovered_campaign_id, r.order_id, r.horizon);
END
$$;

-- Carts: copy what the journey reads, then recompute the carts of the old and the new cart_id
-- (a second row under one cart_id changes its sibling too). Named to fire after
-- carts_keep_recovery_emailed (triggers fire in name order): the cart's recovery_emailed_carts row
-- is current by then. An upsert that changes none of these columns leaves everything alone.
CREATE FUNCTION public.cart_journey_facts_keep() RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, public
AS $$
BEGIN
  IF TG_OP = 'UPDATE'
     AND (NEW.cart_id, NEW.created_at, NEW.customer_id, NEW.subtotal_cents, NEW.last_activity_at, NEW.recovered_by_email,
          NEW.order_id, NEW.recovery_email_sent_at, NEW.recovery_campaign_id)
         IS NOT DISTINCT FROM
         (OLD.cart_id, OLD.created_at, OLD.customer_id, OLD.subtotal_cents, OLD.last_activity_at, OLD.recovered_by_email,
          OLD.order_id, OLD.recovery_email_sent_at, OLD.recovery_campaign_id) THEN
    RETURN NULL;
  END IF;
  IF TG_OP = 'DELETE' OR (TG_OP = 'UPDATE' AND (NEW.cart_id, NEW.created_at) IS DISTINCT FROM (OLD.cart_id, OLD.created_at)) THEN
    DELETE FROM public.cart_journey_facts WHERE cart_id = OLD.cart_id AND created_at = OLD.created_at;
  END IF;
  IF TG_OP <> 'DELETE' THEN
    INSERT INTO public.cart_journey_facts AS f (cart_id, created_at, customer_id, subtotal_cents, last_activity_at, recovered_by_email, order_id)
    VALUES (NEW.cart_id, NEW.created_at, NEW.customer_id, NEW.subtotal_cents, NEW.last_activity_at, NEW.recovered_by_email, NEW.order_id)
    ON CONFLICT (cart_id, created_at) DO UPDATE
      SET customer_id = EXCLUDED.customer_id, subtotal_cents = EXCLUDED.subtotal_cents, last_activity_at = EXCLUDED.last_activity_at,
          recovered_by_email = EXCLUDED.recovered_by_email, order_id = EXCLUDED.order_id;
  END IF;
  PERFORM public.cart_journey_facts_refresh(
    CASE WHEN TG_OP = 'INSERT' THEN ARRAY[NEW.cart_id]
         WHEN TG_OP = 'DELETE' THEN ARRAY[OLD.cart_id]
         ELSE ARRAY[NEW.cart_id, OLD.cart_id] END);
  RETURN NULL;
END
$$;
CREATE TRIGGER carts_keep_recovery_journey
AFTER INSERT OR UPDATE OR DELETE ON carts
FOR EACH ROW EXECUTE FUNCTION public.cart_journey_facts_keep();

-- Recovery emails: recompute the carts of the old and the new cart_id. Named to fire after
-- cart_recovery_emails_keep_rows, which has then copied the row and set has_email_rows. The same
-- report again (0110's test: no column the copies hold changed) leaves everything alone.
CREATE FUNCTION public.cart_journey_facts_email_keep() RETURNS trigger
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
  PERFORM public.cart_journey_facts_refresh(
    CASE WHEN TG_OP = 'INSERT' THEN ARRAY[NEW.cart_id]
         WHEN TG_OP = 'DELETE' THEN ARRAY[OLD.cart_id]
         ELSE ARRAY[NEW.cart_id, OLD.cart_id] END);
  RETURN NULL;
END
$$;
CREATE TRIGGER cart_recovery_emails_keep_rows_journey
AFTER INSERT OR UPDATE OR DELETE ON cart_recovery_emails
FOR EACH ROW EXECUTE FUNCTION public.cart_journey_facts_email_keep();

-- Orders: named to fire after orders_keep_order_keys (order_keys is current by then). The carts
-- naming the old or the new order are recomputed (validity, net cents, placed_at); a valid order
-- row that comes, goes or moves changes the customer_type of its customer's carts created after
-- it, which alone is recomputed there (the same expression as cart_journey_rows). The same
-- report again leaves everything alone.
CREATE FUNCTION public.cart_journey_facts_order_keep() RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, public
AS $$
DECLARE
  ids text[];
BEGIN
  IF TG_OP = 'UPDATE'
     AND NEW.order_id = OLD.order_id AND NEW.placed_at = OLD.placed_at
     AND NEW.customer_id IS NOT DISTINCT FROM OLD.customer_id
     AND NEW.status = OLD.status AND NEW.is_test = OLD.is_test
     AND NEW.subtotal_cents = OLD.subtotal_cents AND NEW.discount_cents = OLD.discount_cents THEN
    RETURN NULL;
  END IF;
  ids := ARRAY(SELECT f.cart_id FROM public.cart_journey_facts f
               WHERE f.order_id IN (CASE WHEN TG_OP <> 'DELETE' THEN NEW.order_id END, CASE WHEN TG_OP <> 'INSERT' THEN OLD.order_id END));
  IF cardinality(ids) > 0 THEN
    PERFORM public.cart_journey_facts_refresh(ids);
  END IF;
  IF TG_OP <> 'INSERT' AND OLD.customer_id IS NOT NULL AND OLD.status <> 'cancelled' AND NOT OLD.is_test THEN
    PERFORM public.cart_journey_facts_customer_keep(OLD.customer_id, OLD.placed_at);
  END IF;
  IF TG_OP <> 'DELETE' AND NEW.customer_id IS NOT NULL AND NEW.status <> 'cancelled' AND NOT NEW.is_test THEN
    PERFORM public.cart_journey_facts_customer_keep(NEW.customer_id, NEW.placed_at);
  END IF;
  RETURN NULL;
END
$$;

-- customer_type of a customer's carts created after `after` (the only carts an order placed then
-- can make returning, or new again).
CREATE FUNCTION public.cart_journey_facts_customer_keep(p_customer text, after timestamptz) RETURNS void
LANGUAGE sql
SET search_path = pg_catalog, public
AS $$
  UPDATE public.cart_journey_facts f
  SET customer_type = t.customer_type
  FROM (SELECT g.cart_id, g.created_at,
               CASE WHEN EXISTS (SELECT 1 FROM public.order_keys p
                                 WHERE p.customer_id = g.customer_id AND p.valid AND p.placed_at < g.created_at) THEN 'returning'
                    ELSE 'new' END AS customer_type
        FROM public.cart_journey_facts g
        WHERE g.customer_id = p_customer AND g.created_at > after) t
  WHERE f.cart_id = t.cart_id AND f.created_at = t.created_at AND f.customer_type IS DISTINCT FROM t.customer_type
$$;

CREATE TRIGGER orders_keep_order_keys_journey
AFTER INSERT OR UPDATE OR DELETE ON orders
FOR EACH ROW EXECUTE FUNCTION public.cart_journey_facts_order_keep();

-- Campaigns: the recovery_step of a campaign is the step of the one email a cart row names when
-- the cart has no email rows (a missing campaign counts as step 1). A change of that step, or a
-- campaign coming or going with a step other than 1, recomputes those carts.
CREATE FUNCTION public.cart_journey_facts_campaign_keep() RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, public
AS $$
DECLARE
  ids text[];
BEGIN
  IF TG_OP = 'UPDATE' AND NEW.campaign_id = OLD.campaign_id
     AND coalesce(NEW.recovery_step, 1) = coalesce(OLD.recovery_step, 1) THEN
    RETURN NULL;
  END IF;
  IF TG_OP = 'INSERT' AND coalesce(NEW.recovery_step, 1) = 1 THEN RETURN NULL; END IF;
  IF TG_OP = 'DELETE' AND coalesce(OLD.recovery_step, 1) = 1 THEN RETURN NULL; END IF;
  ids := ARRAY(SELECT DISTINCT r.cart_id FROM public.recovery_emailed_carts r
               WHERE NOT r.has_email_rows
                 AND r.campaign_id IN (CASE WHEN TG_OP <> 'DELETE' THEN NEW.campaign_id END,
                                       CASE WHEN TG_OP <> 'INSERT' THEN OLD.campaign_id END));
  IF cardinality(ids) > 0 THEN
    PERFORM public.cart_journey_facts_refresh(ids);
  END IF;
  RETURN NULL;
END
$$;
CREATE TRIGGER campaigns_keep_recovery_journey
AFTER INSERT OR UPDATE OR DELETE ON campaigns
FOR EACH ROW EXECUTE FUNCTION public.cart_journey_facts_campaign_keep();

-- The existing rows: the carts' columns in one pass, then every journey computed (one pass of
-- per-cart probes; the hash of every cart_id stays in memory).
SET LOCAL work_mem = '256MB';
INSERT INTO cart_journey_facts (cart_id, created_at, customer_id, subtotal_cents, last_activity_at, recovered_by_email, order_id)
SELECT cart_id, created_at, customer_id, subtotal_cents, last_activity_at, recovered_by_email, order_id FROM carts;
ANALYZE cart_journey_facts;
SELECT public.cart_journey_facts_refresh(ARRAY(SELECT DISTINCT cart_id FROM cart_journey_facts));
ANALYZE cart_journey_facts;
