-- System health for the admin role (the system-health dashboard and alerting on it): sync runs,
-- dead letters without their payloads (which may hold customer data), and the HTTP server's
-- per-minute request figures, which the ETL writes so latency is visible without Prometheus.

CREATE TABLE api_request_stats (
  minute    timestamptz NOT NULL,
  route     text NOT NULL,
  requests  integer NOT NULL,
  errors    integer NOT NULL,          -- 5xx answers
  rejected  integer NOT NULL,          -- 4xx answers (bad parameters, tokens, rate limit)
  p50_ms    numeric(10, 2) NOT NULL,
  p99_ms    numeric(10, 2) NOT NULL,
  max_ms    numeric(10, 2) NOT NULL,
  PRIMARY KEY (minute, route)
);

CREATE VIEW adm.etl_runs AS
SELECT finished_at AS time, id, source, stream, started_at, finished_at,
       round(date_part('epoch', finished_at - started_at)::numeric, 3) AS duration_s,
       status, rows_read, rows_upserted, rows_rejected, pages, api_calls, cursor_value, breaker_state, error
FROM public.etl_runs;

CREATE VIEW adm.dead_letters AS
SELECT received_at AS time, id, received_at, source, stream, source_id, reason
FROM public.dead_letters;

CREATE VIEW adm.api_request_stats AS
SELECT minute AS time, route, requests, errors, rejected, p50_ms, p99_ms, max_ms
FROM public.api_request_stats;

REVOKE ALL ON adm.etl_runs, adm.dead_letters, adm.api_request_stats FROM PUBLIC;
GRANT SELECT ON adm.etl_runs, adm.dead_letters, adm.api_request_stats TO kpi_admin;

-- The KPI API reads as the role of each token (SET LOCAL ROLE kpi_admin / kpi_manager /
-- kpi_public), which needs membership in those roles. A superuser has it anyway; an owner that
-- may not grant it is told so (the API then answers 500 until an administrator grants it).
DO $$
BEGIN
  GRANT kpi_admin, kpi_manager, kpi_public TO CURRENT_USER;
EXCEPTION WHEN OTHERS THEN
  RAISE NOTICE 'GRANT kpi roles to the ETL login skipped: %', SQLERRM;
END $$;
