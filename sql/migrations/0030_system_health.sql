-- The HTTP server's per-minute request figures, which the ETL writes so latency is visible
-- without Prometheus (sql/views/system.sql exposes them, with sync runs and dead letters, to the
-- admin role).

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

-- The KPI API reads as the role of each token (SET LOCAL ROLE kpi_admin / kpi_manager /
-- kpi_public), which needs membership in those roles. A superuser has it anyway; an owner that
-- may not grant it is told so (the API then answers 500 until an administrator grants it).
DO $$
BEGIN
  GRANT kpi_admin, kpi_manager, kpi_public TO CURRENT_USER;
EXCEPTION WHEN OTHERS THEN
  RAISE NOTICE 'GRANT kpi roles to the ETL login skipped: %', SQLERRM;
END $$;
