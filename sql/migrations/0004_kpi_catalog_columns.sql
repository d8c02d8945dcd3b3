-- Columns the KPI layer needs on the catalog copy (kpi/catalog.json stays the only place they
-- are edited; syncCatalog writes them). target_period says what `target` covers: revenue's
-- target is monthly and the views derive the daily one (÷ days in that month).
ALTER TABLE kpi_catalog ADD COLUMN IF NOT EXISTS target_period text
  CHECK (target_period IN ('day', 'month', 'range'));
ALTER TABLE kpi_catalog ADD COLUMN IF NOT EXISTS view_name text;
ALTER TABLE kpi_catalog ADD COLUMN IF NOT EXISTS formula text;
-- Funnel: benchmark drop-off fraction per step, e.g. {"add_to_cart": 0.90, ...}.
ALTER TABLE kpi_catalog ADD COLUMN IF NOT EXISTS step_benchmarks jsonb;
-- Deviation-from-7-day-average rule: threshold as a fraction and what the volume floor counts.
ALTER TABLE kpi_catalog ADD COLUMN IF NOT EXISTS deviation_threshold numeric;
ALTER TABLE kpi_catalog ADD COLUMN IF NOT EXISTS volume_metric text;
-- Alert rules that are not a plain threshold (e.g. revenue below 50 % of target after 17:00).
ALTER TABLE kpi_catalog ADD COLUMN IF NOT EXISTS alert jsonb;
ALTER TABLE kpi_catalog ADD COLUMN IF NOT EXISTS synced_at timestamptz;

-- Targets as the views read them. A missing catalog row gives NULL targets, never an error.
-- SECURITY DEFINER: functions called from a view run as the caller, and the KPI roles cannot
-- read kpi_catalog directly.
CREATE FUNCTION kpi.catalog_value(kpi_id text, field text) RETURNS numeric
LANGUAGE sql STABLE SECURITY DEFINER
SET search_path = pg_catalog, public
AS $$
  SELECT CASE field
           WHEN 'target' THEN target
           WHEN 'target_low' THEN target_low
           WHEN 'target_high' THEN target_high
           WHEN 'benchmark' THEN benchmark
           WHEN 'volume_floor' THEN volume_floor
           WHEN 'deviation_threshold' THEN deviation_threshold
         END
  FROM public.kpi_catalog WHERE id = kpi_id
$$;

-- Daily revenue target of a local day: the monthly target ÷ the number of days in that month.
CREATE FUNCTION kpi.daily_revenue_target(d date) RETURNS numeric
LANGUAGE sql STABLE SECURITY DEFINER
SET search_path = pg_catalog, public
AS $$
  SELECT round(CASE c.target_period
                 WHEN 'month' THEN c.target
                      / extract(day FROM (date_trunc('month', d) + INTERVAL '1 month - 1 day'))::numeric
                 WHEN 'day' THEN c.target
               END, 2)
  FROM public.kpi_catalog c WHERE c.id = 'revenue'
$$;
