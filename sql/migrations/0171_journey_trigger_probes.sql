-- The row triggers' plans are made once per backend and kept (0142: one generic plan for the
-- journey's recompute). A fresh store makes them at its first writes, when every table is empty or
-- nearly, and the embedded database (no autovacuum) may never re-plan them: with no statistics
-- every path looks like one row, and two of those plans read the whole history on every write.
-- A fresh 30-day embedded backfill spent ~70 % of its time there, growing with each day loaded.
-- Both are rewritten so that their only index paths are probes by key, whatever the
-- statistics; same rows, same signatures.
--
-- 1. The journey of given carts (0170) again, with two changes. The carts are taken from the
--    given cart_ids, each probed by cart_journey_facts' primary key: written as "created in the
--    range and cart_id IN (the ids)" the plan made on an empty table walks the creation index over
--    the whole range (the trigger's range is all time) and matches every cart against the ids.
--    A cart's email rows are probed by cart_id alone (the sent_at filter outside OFFSET 0, as
--    0170 did for the emailed carts): with both conditions in the probe that plan walked the
--    sent_at index over every email row. The count of a cart's rows (horizon) reads the rows by
--    the primary key rather than from an index alone, which could be the whole creation index.
--    The callers (triggers, sql/views/recovery.sql) pick it up as they are.
CREATE OR REPLACE FUNCTION public.cart_journey_rows(from_ts timestamptz, to_ts timestamptz, cart_ids text[])
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
    -- the given cart_ids (each once), each probed by the primary key; the creation range stays
    -- outside OFFSET 0 so that it cannot turn the probe into a walk of the creation index
    FROM (SELECT DISTINCT i.cart_id FROM pg_catalog.unnest($3) AS i(cart_id)) i
    CROSS JOIN LATERAL (SELECT c.* FROM public.cart_journey_facts c WHERE c.cart_id = i.cart_id OFFSET 0) c
    -- per-cart probes (OFFSET 0 keeps them lateral): a generic plan cannot tell how many carts
    -- are given and would otherwise hash every order and every email
    LEFT JOIN LATERAL (SELECT o.order_id, o.placed_at, o.net_cents FROM public.order_keys o
                       WHERE o.order_id = c.order_id AND o.valid AND o.placed_at < $2 OFFSET 0) o ON true
    WHERE c.created_at >= $1 AND c.created_at < $2
  ), e AS (
    SELECT x.cart_id, x.step, x.campaign_id, x.sent_at, x.opened_at, x.clicked_at
    FROM c CROSS JOIN LATERAL (SELECT x.* FROM public.recovery_email_rows x WHERE x.cart_id = c.cart_id OFFSET 0) x
    WHERE x.sent_at < $2
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
         -- count(subtotal_cents), never NULL, is count(*) read from the row: counted from an index
         -- alone the plan may walk the whole creation index (it includes cart_id) per cart
         CASE WHEN (SELECT count(d.subtotal_cents) FROM public.cart_journey_facts d WHERE d.cart_id = j.cart_id) > 1
                OR (SELECT count(*) FROM public.order_keys k WHERE k.order_id = j.cart_order_id AND k.valid) > 1
              THEN 'infinity'::timestamptz
              -- every instant compared with to_ts above (greatest skips NULLs)
              ELSE greatest(j.last_activity_at + INTERVAL '60 minutes',
                            (SELECT max(k.placed_at) FROM public.order_keys k WHERE k.order_id = j.cart_order_id AND k.valid),
                            (SELECT max(greatest(x.sent_at, x.opened_at, x.clicked_at)) FROM public.recovery_email_rows x
                             WHERE x.cart_id = j.cart_id),
                            (SELECT max(x.sent_at)
                             FROM (SELECT x.sent_at, x.has_email_rows FROM public.recovery_emailed_carts x
                                   WHERE x.cart_id = j.cart_id OFFSET 0) x
                             WHERE NOT x.has_email_rows)) END
  FROM j
  LEFT JOIN opened_from o ON o.cart_id = j.cart_id
  LEFT JOIN rec r ON r.cart_id = j.cart_id
$$;

-- 2. Recovery emails (0110): the test "has this cart email rows" was planned as a hash of every
--    email row, built on each email written; OFFSET 0 keeps it a probe of the cart's rows by the
--    primary key (an EXISTS with an OFFSET is not turned into a hashed subplan).
CREATE OR REPLACE FUNCTION public.recovery_email_rows_keep() RETURNS trigger
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
  SET has_email_rows = EXISTS (SELECT 1 FROM public.recovery_email_rows e WHERE e.cart_id = r.cart_id OFFSET 0)
  WHERE r.cart_id IN (CASE WHEN TG_OP <> 'DELETE' THEN NEW.cart_id END, CASE WHEN TG_OP <> 'INSERT' THEN OLD.cart_id END)
    AND r.has_email_rows <> EXISTS (SELECT 1 FROM public.recovery_email_rows e WHERE e.cart_id = r.cart_id OFFSET 0);
  RETURN NULL;
END
$$;
