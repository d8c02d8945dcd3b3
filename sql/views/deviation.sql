-- requires: helpers, revenue, conversion
-- Deviation family (docs/kpis.md "Deviation from the 7-day average"): each daily KPI against
-- the mean of its 7 previous local days. A row is flagged when the day is complete, the
-- deviation exceeds the catalog threshold and the baseline has enough volume (catalog
-- volume_floor, counted in the KPI's volume_metric per day) to mean something.

CREATE VIEW kpi.kpi_deviation_daily AS
WITH v AS (
  SELECT time, day, 'revenue'::text AS kpi_id, revenue AS value, orders::numeric AS volume FROM kpi.revenue_daily
  UNION ALL SELECT time, day, 'orders', orders, orders FROM kpi.revenue_daily
  UNION ALL SELECT time, day, 'aov', aov, orders FROM kpi.revenue_daily
  UNION ALL SELECT time, day, 'sessions', sessions, sessions FROM kpi.conversion_daily
  UNION ALL SELECT time, day, 'conversion_rate', conversion_rate, sessions FROM kpi.conversion_daily
  UNION ALL SELECT time, day, 'add_to_cart_rate', add_to_cart_rate, sessions FROM kpi.conversion_daily
  UNION ALL SELECT time, day, 'checkout_completion_rate', checkout_completion_rate, checkout_sessions FROM kpi.conversion_daily
  UNION ALL SELECT time, day, 'cart_abandonment_rate', cart_abandonment_rate, carts_converted + carts_abandoned FROM kpi.cart_abandonment_daily
), b AS (
  SELECT v.*,
         avg(value) OVER w AS baseline_raw,
         count(value) OVER w AS baseline_days,
         avg(volume) OVER w AS baseline_volume_raw
  FROM v
  WINDOW w AS (PARTITION BY kpi_id ORDER BY day ROWS BETWEEN 7 PRECEDING AND 1 PRECEDING)
)
SELECT b.time, b.day, b.kpi_id, b.value,
       round(b.baseline_raw, 4) AS baseline,
       round((b.value - b.baseline_raw) / NULLIF(b.baseline_raw, 0), 4) AS deviation,
       round((b.value - b.baseline_raw) * 100 / NULLIF(b.baseline_raw, 0), 2) AS deviation_pct,
       b.baseline_days,
       round(b.baseline_volume_raw, 2) AS baseline_volume,
       c.volume_floor,
       c.deviation_threshold AS threshold,
       (b.day < kpi.local_day(now())) AS day_complete,
       coalesce(b.day < kpi.local_day(now())
                AND b.baseline_days = 7
                AND b.baseline_volume_raw >= c.volume_floor
                AND abs((b.value - b.baseline_raw) / NULLIF(b.baseline_raw, 0)) > c.deviation_threshold, false) AS flagged,
       format('%s on %s = %s vs %s, the mean of the %s previous local days; deviation %s%% (threshold %s%%); '
              'baseline volume %s %s (floor %s)',
              b.kpi_id, b.day, b.value, round(b.baseline_raw, 4), b.baseline_days,
              coalesce(round((b.value - b.baseline_raw) * 100 / NULLIF(b.baseline_raw, 0), 2)::text, 'n/a'),
              coalesce(round(c.deviation_threshold * 100, 2)::text, 'n/a'),
              round(b.baseline_volume_raw, 2), coalesce(c.volume_metric, 'per day'),
              coalesce(c.volume_floor::text, 'n/a')) AS method
FROM b LEFT JOIN public.kpi_catalog c ON c.id = b.kpi_id;
COMMENT ON VIEW kpi.kpi_deviation_daily IS 'Daily KPI vs the mean of the 7 previous local days, with the catalog volume floor and threshold.';
