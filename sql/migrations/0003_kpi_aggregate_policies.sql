-- Refresh policies for the KPI continuous aggregates. On a TimescaleDB server the background
-- scheduler runs them; the embedded PGlite has no background workers (the job is only
-- registered there) and the ETL refreshes after each load instead, so both paths stay correct.
-- if_not_exists keeps this idempotent on both. The windows re-materialize recent buckets that
-- late-arriving rows or status changes (cancellation, test flag) may have touched; older changes
-- are picked up by the ETL's own refresh over the loaded range.

SELECT add_continuous_aggregate_policy('kpi.orders_hourly',
  start_offset => INTERVAL '3 days', end_offset => INTERVAL '1 hour',
  schedule_interval => INTERVAL '15 minutes', if_not_exists => true);

SELECT add_continuous_aggregate_policy('kpi.orders_daily',
  start_offset => INTERVAL '7 days', end_offset => INTERVAL '1 hour',
  schedule_interval => INTERVAL '30 minutes', if_not_exists => true);

SELECT add_continuous_aggregate_policy('kpi.order_lines_daily',
  start_offset => INTERVAL '7 days', end_offset => INTERVAL '1 hour',
  schedule_interval => INTERVAL '30 minutes', if_not_exists => true);

SELECT add_continuous_aggregate_policy('kpi.sessions_daily',
  start_offset => INTERVAL '7 days', end_offset => INTERVAL '1 hour',
  schedule_interval => INTERVAL '30 minutes', if_not_exists => true);
