-- requires: helpers
-- Cart recovery family (docs/kpis.md "Cart recovery"): recovery emails sent to abandoned carts,
-- the carts they recovered and the revenue and return on cost of each recovery campaign.

-- ------------------------------------------------------------------ cart recovery
-- Emailed = an abandoned cart that was sent a recovery email; recovered = the source marks it
-- recovered by that email and it has an order. Recovered revenue is the order's item subtotal
-- minus discounts (valid orders only), before refunds.
CREATE VIEW kpi.cart_recovery_carts AS
SELECT c.cart_id, c.created_at, c.recovery_email_sent_at, kpi.local_day(c.recovery_email_sent_at) AS sent_day,
       c.recovery_campaign_id,
       (c.recovered_by_email AND c.order_id IS NOT NULL) AS recovered,
       CASE WHEN c.recovered_by_email AND o.order_id IS NOT NULL THEN o.subtotal_cents - o.discount_cents ELSE 0 END AS recovered_cents
FROM public.carts c
LEFT JOIN public.orders o ON o.order_id = c.order_id AND o.status <> 'cancelled' AND NOT o.is_test
WHERE c.recovery_email_sent_at IS NOT NULL;

CREATE VIEW kpi.cart_recovery AS
SELECT k.campaign_id, k.name AS campaign_name, k.recovery_step, k.variant,
       count(r.cart_id) AS carts_emailed,
       count(r.cart_id) FILTER (WHERE r.recovered) AS carts_recovered,
       kpi.rate(count(r.cart_id) FILTER (WHERE r.recovered), count(r.cart_id)) AS recovery_rate,
       kpi.money(coalesce(sum(r.recovered_cents), 0)) AS recovered_revenue,
       kpi.money(k.cost_cents) AS campaign_cost,
       round(coalesce(sum(r.recovered_cents), 0) / NULLIF(k.cost_cents, 0)::numeric, 4) AS recovery_roi
FROM public.campaigns k
LEFT JOIN kpi.cart_recovery_carts r ON r.recovery_campaign_id = k.campaign_id
WHERE k.kind = 'cart_recovery'
GROUP BY k.campaign_id, k.name, k.recovery_step, k.variant, k.cost_cents;

CREATE VIEW kpi.cart_recovery_daily AS
SELECT kpi.day_start(r.sent_day) AS time, r.sent_day AS day,
       count(*) AS carts_emailed,
       count(*) FILTER (WHERE r.recovered) AS carts_recovered,
       kpi.rate(count(*) FILTER (WHERE r.recovered), count(*)) AS recovery_rate,
       kpi.money(sum(r.recovered_cents)) AS recovered_revenue
FROM kpi.cart_recovery_carts r
GROUP BY r.sent_day;

-- ------------------------------------------------------------------ cart recovery over a range
-- As cart_recovery, for the carts whose recovery email was sent in [from_ts, to_ts). Every
-- recovery campaign is listed (0 where it sent nothing in the range). Campaigns carry one total
-- cost, not a cost per day, so campaign_cost and recovery_roi use the campaign's whole cost.
CREATE FUNCTION kpi.cart_recovery_range(from_ts timestamptz, to_ts timestamptz)
RETURNS TABLE (
  campaign_id text, campaign_name text, recovery_step smallint, variant text, carts_emailed bigint,
  carts_recovered bigint, recovery_rate numeric, recovered_revenue numeric, campaign_cost numeric, recovery_roi numeric
)
LANGUAGE sql STABLE SECURITY DEFINER
SET search_path = pg_catalog, public
AS $$
  SELECT k.campaign_id, k.name, k.recovery_step, k.variant,
         count(r.cart_id),
         count(r.cart_id) FILTER (WHERE r.recovered),
         kpi.rate(count(r.cart_id) FILTER (WHERE r.recovered), count(r.cart_id)),
         kpi.money(coalesce(sum(r.recovered_cents), 0)),
         kpi.money(k.cost_cents),
         round(coalesce(sum(r.recovered_cents), 0) / NULLIF(k.cost_cents, 0)::numeric, 4)
  FROM public.campaigns k
  LEFT JOIN kpi.cart_recovery_carts r
         ON r.recovery_campaign_id = k.campaign_id AND r.recovery_email_sent_at >= $1 AND r.recovery_email_sent_at < $2
  WHERE k.kind = 'cart_recovery'
  GROUP BY k.campaign_id, k.name, k.recovery_step, k.variant, k.cost_cents
  ORDER BY k.recovery_step, k.variant, k.campaign_id
$$;
