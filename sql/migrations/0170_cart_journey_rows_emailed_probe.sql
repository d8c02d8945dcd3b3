-- The journey of given carts (0140) again, with one change: the horizon's latest email of a cart
-- without email rows, max(sent_at) over its recovery_emailed_carts rows, is read through a probe
-- by cart_id (OFFSET 0, as the function's other probes). Written as a plain max() the planner
-- may turn it into a walk of the sent_at index from the end until a row of that cart turns up,
-- which it does whenever it has no statistics: on an empty database, where the triggers' one
-- cached plan of cart_journey_facts_refresh (0142) is made at the first cart written, and on the
-- embedded database, which never analyzes. That walk reads every emailed cart without email rows
-- for each cart or email written (quadratic in the history: a 90-day embedded backfill took
-- minutes per month loaded). The probe reads the cart's own rows by the primary key whatever the
-- statistics. Same signature, same rows; the callers (triggers, sql/views/recovery.sql) pick it
-- up as they are.
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
                            (SELECT max(x.sent_at)
                             FROM (SELECT x.sent_at, x.has_email_rows FROM public.recovery_emailed_carts x
                                   WHERE x.cart_id = j.cart_id OFFSET 0) x
                             WHERE NOT x.has_email_rows)) END
  FROM j
  LEFT JOIN opened_from o ON o.cart_id = j.cart_id
  LEFT JOIN rec r ON r.cart_id = j.cart_id
$$;
