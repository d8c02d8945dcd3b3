-- One row per run of a sync job (any source and stream), written by the connector runtime at the
-- end of each run. The system-health dashboard and /readyz read it, so sync lag, errors, rows
-- per run and breaker state are visible without Prometheus.
CREATE TABLE etl_runs (
  id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  source         text NOT NULL,
  stream         text NOT NULL,
  started_at     timestamptz NOT NULL,
  finished_at    timestamptz NOT NULL,
  status         text NOT NULL CHECK (status IN ('ok', 'error', 'skipped')),
  rows_read      integer NOT NULL DEFAULT 0,
  rows_upserted  integer NOT NULL DEFAULT 0,
  rows_rejected  integer NOT NULL DEFAULT 0,
  pages          integer NOT NULL DEFAULT 0,
  api_calls      integer NOT NULL DEFAULT 0,
  cursor_value   text,
  breaker_state  text CHECK (breaker_state IN ('closed', 'open', 'half_open')),
  error          text
);
CREATE INDEX etl_runs_stream_finished ON etl_runs (source, stream, finished_at DESC);
CREATE INDEX etl_runs_finished ON etl_runs (finished_at DESC);
