-- requires: helpers, revenue, customers
-- Campaigns family (docs/kpis.md "Marketing"): email, social, paid ads, the marketing
-- efficiency ratio and referrals. Email, social and ad platforms report per calendar day; that
-- day is taken as the store's local day (`time` = its local midnight).

CREATE VIEW kpi.email_daily AS
SELECT kpi.day_start(e.day) AS time, e.day, e.campaign_id, k.name AS campaign_name,
       e.delivered::bigint, e.unique_opens::bigint, e.machine_opens::bigint, e.unique_clicks::bigint,
       kpi.rate(e.unique_opens, e.delivered) AS open_rate,
       kpi.rate(greatest(e.unique_opens - e.machine_opens, 0), e.delivered) AS open_rate_excl_machine,
       kpi.rate(e.unique_clicks, e.delivered) AS click_rate
FROM public.email_stats e
LEFT JOIN public.campaigns k ON k.campaign_id = e.campaign_id;
COMMENT ON COLUMN kpi.email_daily.open_rate_excl_machine IS '(unique_opens - machine_opens) / delivered: machine opens (e.g. Apple MPP) are a subset of unique opens';

CREATE VIEW kpi.email_campaigns AS
SELECT e.campaign_id, k.name AS campaign_name,
       sum(e.delivered)::bigint AS delivered, sum(e.unique_opens)::bigint AS unique_opens,
       sum(e.machine_opens)::bigint AS machine_opens, sum(e.unique_clicks)::bigint AS unique_clicks,
       kpi.rate(sum(e.unique_opens), sum(e.delivered)) AS open_rate,
       kpi.rate(greatest(sum(e.unique_opens) - sum(e.machine_opens), 0), sum(e.delivered)) AS open_rate_excl_machine,
       kpi.rate(sum(e.unique_clicks), sum(e.delivered)) AS click_rate
FROM public.email_stats e
LEFT JOIN public.campaigns k ON k.campaign_id = e.campaign_id
GROUP BY e.campaign_id, k.name;

CREATE VIEW kpi.social_daily AS
SELECT kpi.day_start(s.day) AS time, s.day, s.platform, s.campaign_id,
       sum(s.impressions)::bigint AS impressions,
       sum(s.reactions + s.comments + s.shares + s.saves + s.clicks)::bigint AS engagements,
       kpi.rate(sum(s.reactions + s.comments + s.shares + s.saves + s.clicks), sum(s.impressions)) AS social_engagement_rate
FROM public.social_stats s
GROUP BY s.day, s.platform, s.campaign_id;

CREATE VIEW kpi.ads_campaign_daily AS
SELECT kpi.day_start(a.day) AS time, a.day, a.campaign_id, k.name AS campaign_name,
       kpi.money(a.spend_cents) AS spend, kpi.money(a.purchase_value_cents) AS purchase_value,
       round(a.purchase_value_cents::numeric / NULLIF(a.spend_cents, 0), 4) AS roas,
       a.impressions::bigint AS impressions, a.clicks::bigint AS clicks, a.purchases::bigint AS purchases
FROM public.ad_insights a
LEFT JOIN public.campaigns k ON k.campaign_id = a.campaign_id;
COMMENT ON COLUMN kpi.ads_campaign_daily.purchases IS 'conversions (purchases) the ad platform attributes to the campaign that day';

CREATE VIEW kpi.roas_campaigns AS
SELECT a.campaign_id, k.name AS campaign_name, k.channel,
       kpi.money(sum(a.spend_cents)) AS spend, kpi.money(sum(a.purchase_value_cents)) AS purchase_value,
       round(sum(a.purchase_value_cents) / NULLIF(sum(a.spend_cents), 0), 4) AS roas,
       sum(a.impressions)::bigint AS impressions, sum(a.clicks)::bigint AS clicks, sum(a.purchases)::bigint AS purchases
FROM public.ad_insights a
LEFT JOIN public.campaigns k ON k.campaign_id = a.campaign_id
GROUP BY a.campaign_id, k.name, k.channel;

CREATE VIEW kpi.marketing_daily AS
WITH a AS (
  SELECT day, sum(spend_cents) AS spend, sum(purchase_value_cents) AS pv FROM public.ad_insights GROUP BY day
)
SELECT r.time, r.day,
       kpi.money(coalesce(a.spend, 0)) AS ad_spend,
       kpi.money(coalesce(a.pv, 0)) AS purchase_value,
       round(a.pv / NULLIF(a.spend, 0), 4) AS roas,
       r.revenue,
       round(r.revenue / NULLIF(kpi.money(a.spend), 0), 4) AS mer
FROM kpi.revenue_daily r LEFT JOIN a ON a.day = r.day;

CREATE FUNCTION kpi.marketing_range(from_ts timestamptz, to_ts timestamptz)
RETURNS TABLE (ad_spend numeric, purchase_value numeric, roas numeric, revenue numeric, mer numeric)
LANGUAGE sql STABLE SECURITY DEFINER
SET search_path = pg_catalog, public
AS $$
  WITH m AS (
    SELECT sum(ad_spend) AS spend, sum(purchase_value) AS pv, sum(revenue) AS rev
    FROM kpi.marketing_daily WHERE time >= $1 AND time < $2
  )
  SELECT coalesce(spend, 0), coalesce(pv, 0), round(pv / NULLIF(spend, 0), 4), coalesce(rev, 0), round(rev / NULLIF(spend, 0), 4) FROM m
$$;

-- Converted = the referred customer's first valid order was placed after the referral was sent.
-- The first valid order is one probe of order_keys (migration 0110, trigger-kept from orders),
-- made only for the referrals a day filter keeps, not a numbering of every order ever placed.
CREATE VIEW kpi.referrals_daily AS
WITH r AS (
  SELECT kpi.local_day(x.sent_at) AS day,
         coalesce((SELECT min(k.placed_at) FROM public.order_keys k
                   WHERE k.customer_id = x.referred_customer_id AND k.valid) >= x.sent_at, false) AS converted
  FROM public.referrals x
)
SELECT kpi.day_start(day) AS time, day, count(*) AS referrals_sent,
       count(*) FILTER (WHERE converted) AS referrals_converted,
       kpi.rate(count(*) FILTER (WHERE converted), count(*)) AS referral_conversion_rate
FROM r GROUP BY day;

-- ------------------------------------------------------------------ email conversions
-- Per email campaign (marketing and cart recovery): delivered emails on the local days that
-- overlap [from_ts, to_ts), valid orders placed in the range attributed to the campaign
-- (orders.campaign_id, set from UTM or the sender's attribution), email_conversion_rate =
-- orders ÷ delivered, revenue (item subtotal − discounts, before refunds) and revenue per
-- delivered email (4 decimals: it is often below a cent). Campaigns with neither deliveries
-- nor orders in the range are left out.
CREATE FUNCTION kpi.email_conversions(from_ts timestamptz, to_ts timestamptz)
RETURNS TABLE (campaign_id text, campaign_name text, kind text, delivered bigint, orders bigint,
               email_conversion_rate numeric, revenue numeric, revenue_per_delivered numeric)
LANGUAGE sql STABLE SECURITY DEFINER
SET search_path = pg_catalog, public
AS $$
  WITH d AS (
    SELECT s.campaign_id, sum(s.delivered)::bigint AS delivered FROM public.email_stats s
    WHERE s.day >= kpi.local_day($1) AND s.day <= kpi.local_day($2 - INTERVAL '1 microsecond')
    GROUP BY s.campaign_id
  ), o AS (
    SELECT o.campaign_id, count(*) AS n, sum(o.subtotal_cents - o.discount_cents) AS cents FROM public.orders o
    WHERE o.status <> 'cancelled' AND NOT o.is_test AND o.placed_at >= $1 AND o.placed_at < $2 AND o.campaign_id IS NOT NULL
    GROUP BY o.campaign_id
  )
  SELECT k.campaign_id, k.name, k.kind, coalesce(d.delivered, 0), coalesce(o.n, 0),
         kpi.rate(coalesce(o.n, 0), d.delivered), kpi.money(coalesce(o.cents, 0)),
         round(coalesce(o.cents, 0) / 100.0 / NULLIF(d.delivered, 0), 4)
  FROM public.campaigns k
  LEFT JOIN d ON d.campaign_id = k.campaign_id
  LEFT JOIN o ON o.campaign_id = k.campaign_id
  WHERE k.channel = 'email' AND (d.delivered > 0 OR o.n > 0)
  ORDER BY coalesce(o.cents, 0) DESC, k.campaign_id
$$;
