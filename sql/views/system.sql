-- System family: the daemon's own health for the admin role (the system-health dashboard):
-- sync runs, dead letters without their payloads (which may hold customer data), and the HTTP
-- server's per-minute request figures. Not KPIs; no other role reads them.

CREATE VIEW kpi.etl_runs AS
SELECT finished_at AS time, id, source, stream, started_at, finished_at,
       round(date_part('epoch', finished_at - started_at)::numeric, 3) AS duration_s,
       status, rows_read, rows_upserted, rows_rejected, pages, api_calls, cursor_value, breaker_state, error
FROM public.etl_runs;

CREATE VIEW kpi.dead_letters AS
SELECT received_at AS time, id, received_at, source, stream, source_id, reason
FROM public.dead_letters;

CREATE VIEW kpi.api_request_stats AS
SELECT minute AS time, route, requests, errors, rejected, p50_ms, p99_ms, max_ms
FROM public.api_request_stats;

-- One row per probe of the store site or the ETL health endpoint (ok = answered 2xx in time);
-- the site-down alert reads it.
CREATE VIEW kpi.uptime_probes AS
SELECT probed_at AS time, target, probed_at, ok, status_code, latency_ms
FROM public.uptime_probes;
COMMENT ON VIEW kpi.uptime_probes IS 'One row per probe of the store site or the ETL health endpoint (ok = answered 2xx in time).';
