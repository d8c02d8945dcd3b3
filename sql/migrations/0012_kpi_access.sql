-- Access: three read-only login roles, each reading only its own schema of views over `kpi`.
-- Views run with their owner's rights on the relations they name, so the roles need no grant on
-- any raw table; functions run as the caller, hence the SECURITY DEFINER wrappers below (their
-- search_path is pinned and they only call fixed `kpi` functions).
-- Passwords are not set here: the bootstrap sets them from the environment.
-- Roles are cluster-wide, so creation is idempotent (another database may have made them).

DO $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'kpi_admin') THEN CREATE ROLE kpi_admin LOGIN; END IF;
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'kpi_manager') THEN CREATE ROLE kpi_manager LOGIN; END IF;
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'kpi_public') THEN CREATE ROLE kpi_public LOGIN; END IF;
END $$;

ALTER ROLE kpi_admin   WITH LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOINHERIT NOREPLICATION NOBYPASSRLS CONNECTION LIMIT 10;
ALTER ROLE kpi_manager WITH LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOINHERIT NOREPLICATION NOBYPASSRLS CONNECTION LIMIT 10;
ALTER ROLE kpi_public  WITH LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOINHERIT NOREPLICATION NOBYPASSRLS CONNECTION LIMIT 20;
ALTER ROLE kpi_admin   SET statement_timeout = '60s';
ALTER ROLE kpi_manager SET statement_timeout = '30s';
ALTER ROLE kpi_public  SET statement_timeout = '10s';
ALTER ROLE kpi_admin   SET default_transaction_read_only = on;
ALTER ROLE kpi_manager SET default_transaction_read_only = on;
ALTER ROLE kpi_public  SET default_transaction_read_only = on;

-- Nobody but the owner creates in public (PG15+ default; explicit for PG14-era clusters) and
-- nobody reaches the raw schema or the internal kpi schema by default. Temporary tables are a
-- write too: the KPI roles must not create even those (roles that load data are owners or get
-- TEMPORARY granted explicitly).
REVOKE CREATE ON SCHEMA public FROM PUBLIC;
REVOKE ALL ON SCHEMA public FROM PUBLIC;
REVOKE ALL ON ALL TABLES IN SCHEMA public FROM PUBLIC;
REVOKE ALL ON SCHEMA kpi FROM PUBLIC;
REVOKE ALL ON ALL TABLES IN SCHEMA kpi FROM PUBLIC;
-- The embedded PGlite cannot update pg_database inside a migration ("tuple concurrently
-- deleted"); a server can. Embedded mode has no real logins anyway (every socket client is the
-- superuser), so skipping it there loses nothing.
DO $$
BEGIN
  EXECUTE format('REVOKE TEMPORARY ON DATABASE %I FROM PUBLIC', current_database());
EXCEPTION WHEN OTHERS THEN
  RAISE NOTICE 'REVOKE TEMPORARY skipped: %', SQLERRM;
END $$;
REVOKE ALL ON ALL TABLES IN SCHEMA public FROM kpi_admin, kpi_manager, kpi_public;
REVOKE ALL ON SCHEMA kpi FROM kpi_admin, kpi_manager, kpi_public;

CREATE SCHEMA IF NOT EXISTS adm;
CREATE SCHEMA IF NOT EXISTS mgr;
CREATE SCHEMA IF NOT EXISTS pub;
COMMENT ON SCHEMA adm IS 'KPI views for kpi_admin (cost columns included).';
COMMENT ON SCHEMA mgr IS 'KPI views for kpi_manager: no cost data (unit cost, COGS, margin, inventory at cost).';
COMMENT ON SCHEMA pub IS 'Revenue-only KPI views for kpi_public.';

-- ------------------------------------------------------------------ plain views
-- Same name and columns as in kpi. Views that hold no cost data go to adm and mgr alike.
DO $$
DECLARE
  v text;
  shared text[] := ARRAY[
    'revenue_daily', 'revenue_hourly', 'revenue_trend', 'revenue_today', 'revenue_by_tier_daily',
    'revenue_by_source_daily', 'order_feed',
    'conversion_daily', 'conversion_by_channel_daily', 'cart_abandonment_daily', 'cart_abandonment_by_stage_daily',
    'cart_abandonment_by_hour', 'cart_abandonment_by_country_daily', 'cart_recovery', 'cart_recovery_daily',
    'new_vs_returning_daily', 'clv', 'repeat_rate_90d', 'days_between_purchases',
    'email_daily', 'email_campaigns', 'social_daily', 'ads_campaign_daily', 'roas_campaigns', 'marketing_daily',
    'referrals_daily', 'operations_daily', 'support_daily', 'out_of_stock_incidents_daily', 'kpi_deviation_daily'];
  public_views text[] := ARRAY['revenue_daily', 'revenue_hourly', 'revenue_trend', 'revenue_today'];
BEGIN
  FOREACH v IN ARRAY shared LOOP
    EXECUTE format('CREATE VIEW adm.%I AS SELECT * FROM kpi.%I', v, v);
    EXECUTE format('CREATE VIEW mgr.%I AS SELECT * FROM kpi.%I', v, v);
  END LOOP;
  FOREACH v IN ARRAY public_views LOOP
    EXECUTE format('CREATE VIEW pub.%I AS SELECT * FROM kpi.%I', v, v);
  END LOOP;
END $$;

CREATE VIEW adm.product_sales_daily AS SELECT * FROM kpi.product_sales_daily;
CREATE VIEW mgr.product_sales_daily AS
  SELECT time, day, sku, name, tier, units, item_subtotal, discounts, revenue FROM kpi.product_sales_daily;

-- The catalog (targets, benchmarks) is not cost data; both roles may read it.
CREATE VIEW adm.kpi_catalog AS SELECT * FROM public.kpi_catalog;
CREATE VIEW mgr.kpi_catalog AS SELECT * FROM public.kpi_catalog WHERE 'kpi_manager' = ANY (roles);

-- ------------------------------------------------------------------ function wrappers
CREATE FUNCTION pub.revenue_comparison(at timestamptz)
RETURNS TABLE (
  at timestamptz, day date, day_start timestamptz, time_of_day interval, revenue numeric, orders bigint, aov numeric,
  yesterday_revenue numeric, yesterday_orders bigint, avg7_revenue numeric, avg7_orders numeric,
  target_day numeric, target_to_time numeric, vs_yesterday_pct numeric, vs_avg7_pct numeric, vs_target_pct numeric,
  target_attainment_rate numeric)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, public
AS $$ SELECT * FROM kpi.revenue_comparison($1) $$;

CREATE FUNCTION adm.revenue_comparison(at timestamptz)
RETURNS TABLE (
  at timestamptz, day date, day_start timestamptz, time_of_day interval, revenue numeric, orders bigint, aov numeric,
  yesterday_revenue numeric, yesterday_orders bigint, avg7_revenue numeric, avg7_orders numeric,
  target_day numeric, target_to_time numeric, vs_yesterday_pct numeric, vs_avg7_pct numeric, vs_target_pct numeric,
  target_attainment_rate numeric)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, public
AS $$ SELECT * FROM kpi.revenue_comparison($1) $$;

CREATE FUNCTION mgr.revenue_comparison(at timestamptz)
RETURNS TABLE (
  at timestamptz, day date, day_start timestamptz, time_of_day interval, revenue numeric, orders bigint, aov numeric,
  yesterday_revenue numeric, yesterday_orders bigint, avg7_revenue numeric, avg7_orders numeric,
  target_day numeric, target_to_time numeric, vs_yesterday_pct numeric, vs_avg7_pct numeric, vs_target_pct numeric,
  target_attainment_rate numeric)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, public
AS $$ SELECT * FROM kpi.revenue_comparison($1) $$;

CREATE FUNCTION adm.conversion_range(from_ts timestamptz, to_ts timestamptz)
RETURNS TABLE (sessions bigint, visitors bigint, add_to_cart_sessions bigint, checkout_sessions bigint,
  completed_checkout_sessions bigint, purchase_sessions bigint, conversion_rate numeric, add_to_cart_rate numeric,
  checkout_completion_rate numeric)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, public
AS $$ SELECT * FROM kpi.conversion_range($1, $2) $$;

CREATE FUNCTION mgr.conversion_range(from_ts timestamptz, to_ts timestamptz)
RETURNS TABLE (sessions bigint, visitors bigint, add_to_cart_sessions bigint, checkout_sessions bigint,
  completed_checkout_sessions bigint, purchase_sessions bigint, conversion_rate numeric, add_to_cart_rate numeric,
  checkout_completion_rate numeric)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, public
AS $$ SELECT * FROM kpi.conversion_range($1, $2) $$;

CREATE FUNCTION adm.funnel(from_ts timestamptz, to_ts timestamptz)
RETURNS TABLE (step_no int, step text, visitors bigint, step_rate numeric, drop_off_pct numeric,
  benchmark_drop_off_pct numeric, excess_drop_off_pct numeric, is_bottleneck boolean)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, public
AS $$ SELECT * FROM kpi.funnel($1, $2) $$;

CREATE FUNCTION mgr.funnel(from_ts timestamptz, to_ts timestamptz)
RETURNS TABLE (step_no int, step text, visitors bigint, step_rate numeric, drop_off_pct numeric,
  benchmark_drop_off_pct numeric, excess_drop_off_pct numeric, is_bottleneck boolean)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, public
AS $$ SELECT * FROM kpi.funnel($1, $2) $$;

CREATE FUNCTION adm.top_customers(from_ts timestamptz, to_ts timestamptz, max_rows int DEFAULT 10)
RETURNS TABLE (rank bigint, customer_id text, customer_name text, orders bigint, revenue numeric)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, public
AS $$ SELECT * FROM kpi.top_customers($1, $2, $3) $$;

CREATE FUNCTION mgr.top_customers(from_ts timestamptz, to_ts timestamptz, max_rows int DEFAULT 10)
RETURNS TABLE (rank bigint, customer_id text, customer_name text, orders bigint, revenue numeric)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, public
AS $$ SELECT * FROM kpi.top_customers($1, $2, $3) $$;

CREATE FUNCTION adm.marketing_range(from_ts timestamptz, to_ts timestamptz)
RETURNS TABLE (ad_spend numeric, purchase_value numeric, roas numeric, revenue numeric, mer numeric)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, public
AS $$ SELECT * FROM kpi.marketing_range($1, $2) $$;

CREATE FUNCTION mgr.marketing_range(from_ts timestamptz, to_ts timestamptz)
RETURNS TABLE (ad_spend numeric, purchase_value numeric, roas numeric, revenue numeric, mer numeric)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, public
AS $$ SELECT * FROM kpi.marketing_range($1, $2) $$;

CREATE FUNCTION adm.operations_range(from_ts timestamptz, to_ts timestamptz)
RETURNS TABLE (verification_required bigint, verification_required_matured bigint, verified_matured bigint,
  verification_completion_rate numeric, time_to_verification_hours numeric, refunded_unverified bigint,
  refund_rate_unverified numeric, shipped_orders bigint, shipping_time_hours numeric, tickets bigint,
  replied_tickets bigint, support_response_hours numeric)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, public
AS $$ SELECT * FROM kpi.operations_range($1, $2) $$;

CREATE FUNCTION mgr.operations_range(from_ts timestamptz, to_ts timestamptz)
RETURNS TABLE (verification_required bigint, verification_required_matured bigint, verified_matured bigint,
  verification_completion_rate numeric, time_to_verification_hours numeric, refunded_unverified bigint,
  refund_rate_unverified numeric, shipped_orders bigint, shipping_time_hours numeric, tickets bigint,
  replied_tickets bigint, support_response_hours numeric)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, public
AS $$ SELECT * FROM kpi.operations_range($1, $2) $$;

-- Products: adm with cost columns, mgr without.
CREATE FUNCTION adm.product_performance(from_ts timestamptz, to_ts timestamptz)
RETURNS TABLE (sku text, name text, tier text, active boolean, units bigint, revenue numeric,
  rank_by_revenue bigint, rank_by_units bigint, cogs numeric, margin numeric, margin_pct numeric)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, public
AS $$ SELECT * FROM kpi.product_performance($1, $2) $$;

CREATE FUNCTION adm.best_sellers(from_ts timestamptz, to_ts timestamptz, max_rows int DEFAULT 10)
RETURNS TABLE (sku text, name text, tier text, active boolean, units bigint, revenue numeric,
  rank_by_revenue bigint, rank_by_units bigint, cogs numeric, margin numeric, margin_pct numeric)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, public
AS $$ SELECT * FROM kpi.best_sellers($1, $2, $3) $$;

CREATE FUNCTION adm.low_performers(from_ts timestamptz, to_ts timestamptz, max_rows int DEFAULT 10)
RETURNS TABLE (sku text, name text, tier text, active boolean, units bigint, revenue numeric,
  rank_by_revenue bigint, rank_by_units bigint, cogs numeric, margin numeric, margin_pct numeric)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, public
AS $$ SELECT * FROM kpi.low_performers($1, $2, $3) $$;

CREATE FUNCTION adm.inventory_turnover(from_ts timestamptz, to_ts timestamptz)
RETURNS TABLE (sku text, cogs numeric, inventory_value_start numeric, inventory_value_end numeric,
  avg_inventory_value numeric, inventory_turnover numeric)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, public
AS $$ SELECT * FROM kpi.inventory_turnover($1, $2) $$;

CREATE FUNCTION mgr.product_performance(from_ts timestamptz, to_ts timestamptz)
RETURNS TABLE (sku text, name text, tier text, active boolean, units bigint, revenue numeric,
  rank_by_revenue bigint, rank_by_units bigint)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, public
AS $$ SELECT sku, name, tier, active, units, revenue, rank_by_revenue, rank_by_units FROM kpi.product_performance($1, $2) $$;

CREATE FUNCTION mgr.best_sellers(from_ts timestamptz, to_ts timestamptz, max_rows int DEFAULT 10)
RETURNS TABLE (sku text, name text, tier text, active boolean, units bigint, revenue numeric,
  rank_by_revenue bigint, rank_by_units bigint)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, public
AS $$ SELECT sku, name, tier, active, units, revenue, rank_by_revenue, rank_by_units FROM kpi.best_sellers($1, $2, $3) $$;

CREATE FUNCTION mgr.low_performers(from_ts timestamptz, to_ts timestamptz, max_rows int DEFAULT 10)
RETURNS TABLE (sku text, name text, tier text, active boolean, units bigint, revenue numeric,
  rank_by_revenue bigint, rank_by_units bigint)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, public
AS $$ SELECT sku, name, tier, active, units, revenue, rank_by_revenue, rank_by_units FROM kpi.low_performers($1, $2, $3) $$;

-- ------------------------------------------------------------------ grants
REVOKE ALL ON SCHEMA adm, mgr, pub FROM PUBLIC;
REVOKE ALL ON ALL TABLES IN SCHEMA adm, mgr, pub FROM PUBLIC;
REVOKE ALL ON ALL FUNCTIONS IN SCHEMA adm, mgr, pub FROM PUBLIC;

GRANT USAGE ON SCHEMA adm TO kpi_admin;
GRANT SELECT ON ALL TABLES IN SCHEMA adm TO kpi_admin;
GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA adm TO kpi_admin;

GRANT USAGE ON SCHEMA mgr TO kpi_manager;
GRANT SELECT ON ALL TABLES IN SCHEMA mgr TO kpi_manager;
GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA mgr TO kpi_manager;
-- The product list without its cost, for ad-hoc lookups; unit_cost_cents stays denied.
GRANT USAGE ON SCHEMA public TO kpi_manager;
GRANT SELECT (sku, name, tier, price_cents, active) ON public.products TO kpi_manager;

GRANT USAGE ON SCHEMA pub TO kpi_public;
GRANT SELECT ON ALL TABLES IN SCHEMA pub TO kpi_public;
GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA pub TO kpi_public;
