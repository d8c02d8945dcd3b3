-- KPI layer: what the dashboards asked for (dashboards/README.md, "Known gaps"): product pages in
-- the back office, ad delivery counts per campaign, recovery figures that follow the time picker,
-- and CLV / repeat rate as of a chosen instant.

-- ------------------------------------------------------------------ products: back_office_url
-- A function's result columns cannot change in place, so the product functions are dropped and
-- recreated with `back_office_url` last (mgr keeps "adm minus the cost columns"). SQL function
-- bodies are not dependency-tracked: the wrappers go first, then the kpi functions.
DROP FUNCTION adm.best_sellers(timestamptz, timestamptz, int);
DROP FUNCTION adm.low_performers(timestamptz, timestamptz, int);
DROP FUNCTION adm.product_performance(timestamptz, timestamptz);
DROP FUNCTION mgr.best_sellers(timestamptz, timestamptz, int);
DROP FUNCTION mgr.low_performers(timestamptz, timestamptz, int);
DROP FUNCTION mgr.product_performance(timestamptz, timestamptz);
DROP FUNCTION kpi.best_sellers(timestamptz, timestamptz, int);
DROP FUNCTION kpi.low_performers(timestamptz, timestamptz, int);
DROP FUNCTION kpi.product_performance(timestamptz, timestamptz);

CREATE FUNCTION kpi.product_performance(from_ts timestamptz, to_ts timestamptz)
RETURNS TABLE (
  sku text, name text, tier text, active boolean, units bigint, revenue numeric,
  rank_by_revenue bigint, rank_by_units bigint, cogs numeric, margin numeric, margin_pct numeric,
  back_office_url text
)
LANGUAGE sql STABLE SECURITY DEFINER
SET search_path = pg_catalog, public
AS $$
  WITH l AS (
    SELECT x.sku, sum(x.quantity)::bigint AS units,
           sum(x.line_subtotal_cents - x.allocated_discount_cents) AS rev,
           sum(x.quantity::bigint * x.unit_cost_cents) AS cogs
    FROM public.order_lines x
    WHERE x.order_valid AND x.placed_at >= $1 AND x.placed_at < $2
    GROUP BY x.sku
  ), a AS (
    SELECT p.sku, p.name, p.tier, p.active, coalesce(l.units, 0) AS units, coalesce(l.rev, 0) AS rev, coalesce(l.cogs, 0) AS cogs,
           p.back_office_url
    FROM public.products p LEFT JOIN l ON l.sku = p.sku
    UNION ALL
    -- Lines whose SKU is not (yet) in the catalog still count.
    SELECT l.sku, NULL, NULL, NULL, l.units, l.rev, l.cogs, NULL FROM l WHERE NOT EXISTS (SELECT 1 FROM public.products p WHERE p.sku = l.sku)
  )
  SELECT a.sku, a.name, a.tier, a.active, a.units, kpi.money(a.rev),
         rank() OVER (ORDER BY a.rev DESC), rank() OVER (ORDER BY a.units DESC),
         kpi.money(a.cogs), kpi.money(a.rev - a.cogs), round((a.rev - a.cogs) * 100.0 / NULLIF(a.rev, 0), 2),
         a.back_office_url
  FROM a
  ORDER BY a.rev DESC, a.sku
$$;
COMMENT ON FUNCTION kpi.product_performance(timestamptz, timestamptz) IS 'back_office_url: the product page in the store back office as the source reports it (NULL when unknown or the SKU is not in the catalog)';

CREATE FUNCTION kpi.best_sellers(from_ts timestamptz, to_ts timestamptz, max_rows int DEFAULT 10)
RETURNS TABLE (
  sku text, name text, tier text, active boolean, units bigint, revenue numeric,
  rank_by_revenue bigint, rank_by_units bigint, cogs numeric, margin numeric, margin_pct numeric,
  back_office_url text
)
LANGUAGE sql STABLE SECURITY DEFINER
SET search_path = pg_catalog, public
AS $$
  SELECT * FROM kpi.product_performance($1, $2) p WHERE p.units > 0 ORDER BY p.revenue DESC, p.units DESC, p.sku LIMIT $3
$$;

CREATE FUNCTION kpi.low_performers(from_ts timestamptz, to_ts timestamptz, max_rows int DEFAULT 10)
RETURNS TABLE (
  sku text, name text, tier text, active boolean, units bigint, revenue numeric,
  rank_by_revenue bigint, rank_by_units bigint, cogs numeric, margin numeric, margin_pct numeric,
  back_office_url text
)
LANGUAGE sql STABLE SECURITY DEFINER
SET search_path = pg_catalog, public
AS $$
  SELECT * FROM kpi.product_performance($1, $2) p WHERE p.active ORDER BY p.units ASC, p.revenue ASC, p.sku LIMIT $3
$$;

CREATE FUNCTION adm.product_performance(from_ts timestamptz, to_ts timestamptz)
RETURNS TABLE (sku text, name text, tier text, active boolean, units bigint, revenue numeric,
  rank_by_revenue bigint, rank_by_units bigint, cogs numeric, margin numeric, margin_pct numeric, back_office_url text)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, public
AS $$ SELECT * FROM kpi.product_performance($1, $2) $$;

CREATE FUNCTION adm.best_sellers(from_ts timestamptz, to_ts timestamptz, max_rows int DEFAULT 10)
RETURNS TABLE (sku text, name text, tier text, active boolean, units bigint, revenue numeric,
  rank_by_revenue bigint, rank_by_units bigint, cogs numeric, margin numeric, margin_pct numeric, back_office_url text)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, public
AS $$ SELECT * FROM kpi.best_sellers($1, $2, $3) $$;

CREATE FUNCTION adm.low_performers(from_ts timestamptz, to_ts timestamptz, max_rows int DEFAULT 10)
RETURNS TABLE (sku text, name text, tier text, active boolean, units bigint, revenue numeric,
  rank_by_revenue bigint, rank_by_units bigint, cogs numeric, margin numeric, margin_pct numeric, back_office_url text)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, public
AS $$ SELECT * FROM kpi.low_performers($1, $2, $3) $$;

CREATE FUNCTION mgr.product_performance(from_ts timestamptz, to_ts timestamptz)
RETURNS TABLE (sku text, name text, tier text, active boolean, units bigint, revenue numeric,
  rank_by_revenue bigint, rank_by_units bigint, back_office_url text)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, public
AS $$ SELECT sku, name, tier, active, units, revenue, rank_by_revenue, rank_by_units, back_office_url FROM kpi.product_performance($1, $2) $$;

CREATE FUNCTION mgr.best_sellers(from_ts timestamptz, to_ts timestamptz, max_rows int DEFAULT 10)
RETURNS TABLE (sku text, name text, tier text, active boolean, units bigint, revenue numeric,
  rank_by_revenue bigint, rank_by_units bigint, back_office_url text)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, public
AS $$ SELECT sku, name, tier, active, units, revenue, rank_by_revenue, rank_by_units, back_office_url FROM kpi.best_sellers($1, $2, $3) $$;

CREATE FUNCTION mgr.low_performers(from_ts timestamptz, to_ts timestamptz, max_rows int DEFAULT 10)
RETURNS TABLE (sku text, name text, tier text, active boolean, units bigint, revenue numeric,
  rank_by_revenue bigint, rank_by_units bigint, back_office_url text)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, public
AS $$ SELECT sku, name, tier, active, units, revenue, rank_by_revenue, rank_by_units, back_office_url FROM kpi.low_performers($1, $2, $3) $$;

-- ------------------------------------------------------------------ ads: delivery counts
-- New columns go last, so the views are replaced in place and keep their grants; the role views
-- were expanded from `SELECT *` when created and must be replaced to show the new columns.
CREATE OR REPLACE VIEW kpi.ads_campaign_daily AS
SELECT kpi.day_start(a.day) AS time, a.day, a.campaign_id, k.name AS campaign_name,
       kpi.money(a.spend_cents) AS spend, kpi.money(a.purchase_value_cents) AS purchase_value,
       round(a.purchase_value_cents::numeric / NULLIF(a.spend_cents, 0), 4) AS roas,
       a.impressions::bigint AS impressions, a.clicks::bigint AS clicks, a.purchases::bigint AS purchases
FROM public.ad_insights a
LEFT JOIN public.campaigns k ON k.campaign_id = a.campaign_id;
COMMENT ON COLUMN kpi.ads_campaign_daily.purchases IS 'conversions (purchases) the ad platform attributes to the campaign that day';

CREATE OR REPLACE VIEW kpi.roas_campaigns AS
SELECT a.campaign_id, k.name AS campaign_name, k.channel,
       kpi.money(sum(a.spend_cents)) AS spend, kpi.money(sum(a.purchase_value_cents)) AS purchase_value,
       round(sum(a.purchase_value_cents) / NULLIF(sum(a.spend_cents), 0), 4) AS roas,
       sum(a.impressions)::bigint AS impressions, sum(a.clicks)::bigint AS clicks, sum(a.purchases)::bigint AS purchases
FROM public.ad_insights a
LEFT JOIN public.campaigns k ON k.campaign_id = a.campaign_id
GROUP BY a.campaign_id, k.name, k.channel;

CREATE OR REPLACE VIEW adm.ads_campaign_daily AS SELECT * FROM kpi.ads_campaign_daily;
CREATE OR REPLACE VIEW mgr.ads_campaign_daily AS SELECT * FROM kpi.ads_campaign_daily;
CREATE OR REPLACE VIEW adm.roas_campaigns AS SELECT * FROM kpi.roas_campaigns;
CREATE OR REPLACE VIEW mgr.roas_campaigns AS SELECT * FROM kpi.roas_campaigns;

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

CREATE FUNCTION adm.cart_recovery_range(from_ts timestamptz, to_ts timestamptz)
RETURNS TABLE (campaign_id text, campaign_name text, recovery_step smallint, variant text, carts_emailed bigint,
  carts_recovered bigint, recovery_rate numeric, recovered_revenue numeric, campaign_cost numeric, recovery_roi numeric)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, public
AS $$ SELECT * FROM kpi.cart_recovery_range($1, $2) $$;

CREATE FUNCTION mgr.cart_recovery_range(from_ts timestamptz, to_ts timestamptz)
RETURNS TABLE (campaign_id text, campaign_name text, recovery_step smallint, variant text, carts_emailed bigint,
  carts_recovered bigint, recovery_rate numeric, recovered_revenue numeric, campaign_cost numeric, recovery_roi numeric)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, public
AS $$ SELECT * FROM kpi.cart_recovery_range($1, $2) $$;

-- ------------------------------------------------------------------ lifetime KPIs as of an instant
-- So the dashboards can show CLV and the repeat rate as of the end of the selected range.
CREATE FUNCTION adm.clv_at(at timestamptz)
RETURNS TABLE (customers bigint, clv_historical numeric, cohort_customers bigint, clv_365d numeric, target numeric)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, public
AS $$ SELECT * FROM kpi.clv_at($1) $$;

CREATE FUNCTION mgr.clv_at(at timestamptz)
RETURNS TABLE (customers bigint, clv_historical numeric, cohort_customers bigint, clv_365d numeric, target numeric)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, public
AS $$ SELECT * FROM kpi.clv_at($1) $$;

CREATE FUNCTION adm.repeat_rate_90d_at(at timestamptz)
RETURNS TABLE (eligible_customers bigint, repeat_customers bigint, repeat_rate_90d numeric, target numeric)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, public
AS $$ SELECT * FROM kpi.repeat_rate_90d_at($1) $$;

CREATE FUNCTION mgr.repeat_rate_90d_at(at timestamptz)
RETURNS TABLE (eligible_customers bigint, repeat_customers bigint, repeat_rate_90d numeric, target numeric)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, public
AS $$ SELECT * FROM kpi.repeat_rate_90d_at($1) $$;

-- ------------------------------------------------------------------ grants (as 0012)
-- New functions are executable by PUBLIC by default: take that back before granting the role.
REVOKE ALL ON ALL FUNCTIONS IN SCHEMA adm, mgr FROM PUBLIC;
GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA adm TO kpi_admin;
GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA mgr TO kpi_manager;
