-- KPI snapshots: the stored output of an "as of" KPI function for the instants where it cannot
-- differ from a live computation, refreshed by the ETL. A "now" figure over the whole customer
-- history (RFM, cohorts, CLV, repeat rate, purchase gaps) costs seconds at read time; its stored
-- output costs a lookup. The reader functions (sql/views/customers.sql) use a stored window only
-- when it is exact: no source row changed since it was computed (change counters below), the
-- instant asked for lies in the window's validity range (the span of instants over which the
-- function's answer cannot move with unchanged rows), the session time zone is the one it was
-- computed in, the view set has not been re-applied since (the fill function is the same object)
-- and it is younger than the snapshot's max_age. Otherwise they compute live.

-- One counter per source table, bumped once per transaction that inserted, updated or deleted a
-- row of it. Row triggers, not statement triggers: the loader's upserts skip identical rows
-- (ON CONFLICT ... WHERE ... IS DISTINCT FROM), so a re-load of the same rows fires nothing and
-- leaves the snapshots current; a statement trigger fires for a 0-row upsert too. Hypertables
-- take no transition tables, so a statement trigger could not tell either.
CREATE TABLE kpi_source_changes (
  source   text PRIMARY KEY,
  changes  bigint NOT NULL DEFAULT 0
);
INSERT INTO kpi_source_changes (source) VALUES ('orders'), ('refunds'), ('customers'), ('kpi_catalog');
REVOKE ALL ON kpi_source_changes FROM PUBLIC;

-- The transaction-local setting makes the counter row updated once per transaction and table:
-- a backfill of a year of orders in one transaction costs one counter update, not one per row
-- (repeated updates of one row inside a transaction also grow its version chain). The setting
-- and the update roll back together with a failed (sub)transaction.
CREATE FUNCTION public.kpi_source_changed() RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, public
AS $$
DECLARE
  src text := TG_ARGV[0];  -- not TG_TABLE_NAME: on a hypertable that is the chunk's name
  setting text := 'kpi_source_changed.' || src;
  tx text := txid_current()::text;
BEGIN
  IF current_setting(setting, true) IS DISTINCT FROM tx THEN
    UPDATE public.kpi_source_changes c SET changes = c.changes + 1 WHERE c.source = src;
    PERFORM set_config(setting, tx, true);
  END IF;
  RETURN NULL;
END
$$;

CREATE TRIGGER orders_kpi_source_changed AFTER INSERT OR UPDATE OR DELETE ON orders
FOR EACH ROW EXECUTE FUNCTION public.kpi_source_changed('orders');
CREATE TRIGGER refunds_kpi_source_changed AFTER INSERT OR UPDATE OR DELETE ON refunds
FOR EACH ROW EXECUTE FUNCTION public.kpi_source_changed('refunds');
CREATE TRIGGER customers_kpi_source_changed AFTER INSERT OR UPDATE OR DELETE ON customers
FOR EACH ROW EXECUTE FUNCTION public.kpi_source_changed('customers');
CREATE TRIGGER kpi_catalog_kpi_source_changed AFTER INSERT OR UPDATE OR DELETE ON kpi_catalog
FOR EACH ROW EXECUTE FUNCTION public.kpi_source_changed('kpi_catalog');
-- TRUNCATE has no row triggers; hypertables do not take TRUNCATE triggers, so only the plain
-- tables get one (a hypertable is truncated only by tests and tooling, which also re-create
-- the view set or refresh).
CREATE TRIGGER customers_kpi_source_truncated AFTER TRUNCATE ON customers
FOR EACH STATEMENT EXECUTE FUNCTION public.kpi_source_changed('customers');
CREATE TRIGGER kpi_catalog_kpi_source_truncated AFTER TRUNCATE ON kpi_catalog
FOR EACH STATEMENT EXECUTE FUNCTION public.kpi_source_changed('kpi_catalog');

-- The declaration: which function fills a snapshot, which computes its validity range, which
-- table holds its rows, which source tables it reads, how old a window may be used at most and
-- how far ahead of now the refresh keeps windows ready (a window ends at the next instant its
-- answer changes: an order placed, a customer leaving the 365-day RFM window...).
CREATE TABLE kpi_snapshots (
  name               text PRIMARY KEY,
  live_function      text NOT NULL,
  fill_function      text NOT NULL,
  validity_function  text NOT NULL,
  snapshot_table     text NOT NULL,
  sources            text[] NOT NULL,
  max_age            interval NOT NULL,
  lookahead          interval NOT NULL
);
REVOKE ALL ON kpi_snapshots FROM PUBLIC;

-- One row per stored window: the instant it was computed for, the range of instants it answers
-- for ('[)'), the source counters (in the order of kpi_snapshots.sources) and the fill function
-- object it was computed by (a re-applied view set gets new objects, so old windows stop being used).
CREATE TABLE kpi_snapshot_windows (
  window_id       bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  snapshot        text NOT NULL REFERENCES kpi_snapshots (name),
  computed_for    timestamptz NOT NULL,
  valid           tstzrange NOT NULL,
  source_changes  bigint[] NOT NULL,
  time_zone       text NOT NULL,
  fill_oid        oid NOT NULL,
  computed_at     timestamptz NOT NULL DEFAULT clock_timestamp()
);
CREATE INDEX kpi_snapshot_windows_snapshot_idx ON kpi_snapshot_windows (snapshot, computed_for);
REVOKE ALL ON kpi_snapshot_windows FROM PUBLIC;

INSERT INTO kpi_snapshots (name, live_function, fill_function, validity_function, snapshot_table, sources, max_age, lookahead) VALUES
  ('rfm_customers', 'kpi.rfm_customers_live', 'kpi.rfm_customers_fill', 'kpi.rfm_validity', 'kpi_snapshot_rfm_customers',
   ARRAY['customers', 'orders', 'refunds'], INTERVAL '15 minutes', INTERVAL '3 minutes'),
  ('rfm_segments', 'kpi.rfm_segments_live', 'kpi.rfm_segments_fill', 'kpi.rfm_validity', 'kpi_snapshot_rfm_segments',
   ARRAY['customers', 'orders', 'refunds'], INTERVAL '15 minutes', INTERVAL '3 minutes'),
  ('cohort_retention', 'kpi.cohort_retention_live', 'kpi.cohort_retention_fill', 'kpi.cohort_retention_validity', 'kpi_snapshot_cohort_retention',
   ARRAY['orders', 'refunds'], INTERVAL '15 minutes', INTERVAL '3 minutes'),
  ('clv', 'kpi.clv_live', 'kpi.clv_fill', 'kpi.clv_validity', 'kpi_snapshot_clv',
   ARRAY['kpi_catalog', 'orders', 'refunds'], INTERVAL '15 minutes', INTERVAL '3 minutes'),
  ('repeat_rate_90d', 'kpi.repeat_rate_90d_live', 'kpi.repeat_rate_90d_fill', 'kpi.repeat_rate_90d_validity', 'kpi_snapshot_repeat_rate_90d',
   ARRAY['kpi_catalog', 'orders'], INTERVAL '15 minutes', INTERVAL '3 minutes'),
  ('days_between_purchases', 'kpi.days_between_purchases_live', 'kpi.days_between_purchases_fill', 'kpi.unbounded_validity', 'kpi_snapshot_days_between_purchases',
   ARRAY['orders'], INTERVAL '15 minutes', INTERVAL '3 minutes');

-- Snapshot rows: the first column is the window, deleted with it.
CREATE TABLE kpi_snapshot_rfm_customers (
  window_id      bigint NOT NULL REFERENCES kpi_snapshot_windows ON DELETE CASCADE,
  ord            bigint NOT NULL,
  customer_id    text NOT NULL,
  customer_name  text,
  last_at        timestamptz NOT NULL,  -- recency_days is computed from it for the instant asked
  frequency      bigint NOT NULL,
  monetary       numeric NOT NULL,
  r_score        int NOT NULL,
  f_score        int NOT NULL,
  m_score        int NOT NULL,
  rfm            text NOT NULL,
  segment        text NOT NULL,
  PRIMARY KEY (window_id, ord)
);

-- avg_recency_days moves with the instant asked; it is kept exact from each member's last order
-- instant split into whole and remaining 0.01-day steps (see kpi.rfm_segments_at).
CREATE TABLE kpi_snapshot_rfm_segments (
  window_id        bigint NOT NULL REFERENCES kpi_snapshot_windows ON DELETE CASCADE,
  ord              bigint NOT NULL,
  segment          text NOT NULL,
  customers        bigint NOT NULL,
  customer_share   numeric,
  revenue          numeric NOT NULL,
  revenue_share    numeric,
  avg_frequency    numeric,
  recency_steps    numeric,   -- Σ over members of floor((last_at µs − 432e6) ÷ 864e6)
  recency_rests    bigint[],  -- each member's (last_at µs − 432e6) mod 864e6, ascending
  PRIMARY KEY (window_id, ord)
);

CREATE TABLE kpi_snapshot_cohort_retention (
  window_id                        bigint NOT NULL REFERENCES kpi_snapshot_windows ON DELETE CASCADE,
  ord                              bigint NOT NULL,
  cohort_month                     date,
  "time"                           timestamptz,
  months_since                     int,
  cohort_customers                 bigint,
  active_customers                 bigint,
  retention_rate                   numeric,
  revenue                          numeric,
  revenue_per_customer             numeric,
  cumulative_revenue_per_customer  numeric,
  PRIMARY KEY (window_id, ord)
);

CREATE TABLE kpi_snapshot_clv (
  window_id         bigint NOT NULL REFERENCES kpi_snapshot_windows ON DELETE CASCADE,
  customers         bigint,
  clv_historical    numeric,
  cohort_customers  bigint,
  clv_365d          numeric,
  target            numeric
);
CREATE INDEX kpi_snapshot_clv_window_idx ON kpi_snapshot_clv (window_id);

CREATE TABLE kpi_snapshot_repeat_rate_90d (
  window_id           bigint NOT NULL REFERENCES kpi_snapshot_windows ON DELETE CASCADE,
  eligible_customers  bigint,
  repeat_customers    bigint,
  repeat_rate_90d     numeric,
  target              numeric
);
CREATE INDEX kpi_snapshot_repeat_rate_90d_window_idx ON kpi_snapshot_repeat_rate_90d (window_id);

CREATE TABLE kpi_snapshot_days_between_purchases (
  window_id    bigint NOT NULL REFERENCES kpi_snapshot_windows ON DELETE CASCADE,
  gaps         bigint,
  customers    bigint,
  mean_days    numeric,
  median_days  numeric
);
CREATE INDEX kpi_snapshot_days_between_purchases_window_idx ON kpi_snapshot_days_between_purchases (window_id);

REVOKE ALL ON kpi_snapshot_rfm_customers, kpi_snapshot_rfm_segments, kpi_snapshot_cohort_retention, kpi_snapshot_clv,
              kpi_snapshot_repeat_rate_90d, kpi_snapshot_days_between_purchases FROM PUBLIC;
