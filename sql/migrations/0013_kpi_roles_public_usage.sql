-- Let every KPI role resolve names in schema public, so dashboard SQL can call TimescaleDB's
-- functions there (Grafana's $__timeGroup expands to time_bucket(...) when the datasource has
-- `timescaledb: true`, and time_bucket_gapfill lives there too). USAGE on a schema grants no access
-- to its tables: the raw tables stay unreadable ("permission denied for table ...") because no
-- table privilege is granted, except kpi_manager's column grant on products from 0012.
GRANT USAGE ON SCHEMA public TO kpi_admin, kpi_manager, kpi_public;
