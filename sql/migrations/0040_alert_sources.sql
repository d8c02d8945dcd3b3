-- Alert rule sources. Grafana-managed alert rules query the role schemas like the dashboards do;
-- two alerts need data no view exposed yet:
--  * site down reads the uptime probes (admin only: operations data, not a KPI);
--  * the abandonment spike needs the cart abandonment rate over a rolling window (the last 24 h
--    before the evaluation instant), not per local day.
-- Both take the instant from the caller (Grafana passes $__timeTo()), never now(), so a rule can be
-- evaluated "at" any instant.

CREATE VIEW kpi.uptime_probes AS
SELECT probed_at AS time, target, probed_at, ok, status_code, latency_ms
FROM public.uptime_probes;
COMMENT ON VIEW kpi.uptime_probes IS 'One row per probe of the store site or the ETL health endpoint (ok = answered 2xx in time).';

CREATE VIEW adm.uptime_probes AS SELECT * FROM kpi.uptime_probes;
GRANT SELECT ON adm.uptime_probes TO kpi_admin;

-- Carts created in [from_ts, to_ts), decided relative to to_ts: converted when they have an order,
-- abandoned when they have none and were idle for more than 60 minutes before to_ts, otherwise
-- still open (not counted in the rate yet), as in kpi.cart_status_at.
CREATE FUNCTION kpi.cart_abandonment_window(from_ts timestamptz, to_ts timestamptz)
RETURNS TABLE (carts_created bigint, carts_converted bigint, carts_abandoned bigint, carts_open bigint,
  carts_decided bigint, cart_abandonment_rate numeric)
LANGUAGE sql STABLE SECURITY DEFINER
SET search_path = pg_catalog, public
AS $$
  WITH c AS (
    SELECT count(*) AS n,
           count(*) FILTER (WHERE order_id IS NOT NULL) AS conv,
           count(*) FILTER (WHERE order_id IS NULL AND last_activity_at < $2 - INTERVAL '60 minutes') AS ab
    FROM public.carts
    WHERE created_at >= $1 AND created_at < $2
  )
  SELECT n, conv, ab, n - conv - ab, conv + ab, round(1 - conv::numeric / NULLIF(conv + ab, 0), 4) FROM c
$$;
REVOKE ALL ON FUNCTION kpi.cart_abandonment_window(timestamptz, timestamptz) FROM PUBLIC;

CREATE FUNCTION adm.cart_abandonment_window(from_ts timestamptz, to_ts timestamptz)
RETURNS TABLE (carts_created bigint, carts_converted bigint, carts_abandoned bigint, carts_open bigint,
  carts_decided bigint, cart_abandonment_rate numeric)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, public
AS $$ SELECT * FROM kpi.cart_abandonment_window($1, $2) $$;

CREATE FUNCTION mgr.cart_abandonment_window(from_ts timestamptz, to_ts timestamptz)
RETURNS TABLE (carts_created bigint, carts_converted bigint, carts_abandoned bigint, carts_open bigint,
  carts_decided bigint, cart_abandonment_rate numeric)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, public
AS $$ SELECT * FROM kpi.cart_abandonment_window($1, $2) $$;

REVOKE ALL ON FUNCTION adm.cart_abandonment_window(timestamptz, timestamptz) FROM PUBLIC;
REVOKE ALL ON FUNCTION mgr.cart_abandonment_window(timestamptz, timestamptz) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION adm.cart_abandonment_window(timestamptz, timestamptz) TO kpi_admin;
GRANT EXECUTE ON FUNCTION mgr.cart_abandonment_window(timestamptz, timestamptz) TO kpi_manager;
