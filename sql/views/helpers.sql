-- Shared helpers of every KPI family: money and rate formatting, the store's local day, the
-- gap-free calendar and catalog lookups. Re-applied with the rest of sql/views as one set.
-- {{STORE_TIMEZONE}} is substituted by the migration runner (quoted literal).

-- The store time zone as text, for views that must agree with the cagg buckets.
CREATE FUNCTION kpi.store_tz() RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$ SELECT {{STORE_TIMEZONE}}::text $$;

-- Money leaves the database as numeric currency units rounded to 2 decimals, computed from cents.
CREATE FUNCTION kpi.money(cents numeric) RETURNS numeric
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$ SELECT round($1 / 100.0, 2) $$;

-- Rates named *_rate are fractions rounded to 4 decimals; NULL when the denominator is 0: "no
-- data" must not read as a 0 % rate.
CREATE FUNCTION kpi.rate(num numeric, den numeric) RETURNS numeric
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$ SELECT round($1 / NULLIF($2, 0), 4) $$;

-- Percent change, 2 decimals.
CREATE FUNCTION kpi.pct_change(val numeric, ref numeric) RETURNS numeric
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$ SELECT round(($1 - $2) * 100.0 / NULLIF($2, 0), 2) $$;

-- Start of a local day as an instant (DST-aware: the zone's offset on that date).
-- The zone is written as a literal, not kpi.store_tz(): an inlined SQL function body is parsed
-- as the querying role, which has no USAGE on schema kpi.
CREATE FUNCTION kpi.day_start(d date) RETURNS timestamptz
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$ SELECT ($1::timestamp AT TIME ZONE {{STORE_TIMEZONE}}) $$;

CREATE FUNCTION kpi.local_day(ts timestamptz) RETURNS date
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$ SELECT ($1 AT TIME ZONE {{STORE_TIMEZONE}})::date $$;

-- The whole local days inside [from_ts, to_ts), as the instants [whole_from, whole_to): range
-- readers take those days from a daily aggregate and only the rest of the range from raw rows. A
-- range without a whole day gives an empty span at the later of its ends, which leaves the whole
-- range to the raw part.
CREATE FUNCTION kpi.whole_days_span(from_ts timestamptz, to_ts timestamptz, OUT whole_from timestamptz, OUT whole_to timestamptz)
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $$
DECLARE
  first_day date := CASE WHEN kpi.day_start(kpi.local_day(from_ts)) = from_ts THEN kpi.local_day(from_ts)
                         ELSE kpi.local_day(from_ts) + 1 END;
  last_day date := kpi.local_day(to_ts) - 1;
BEGIN
  IF to_ts <= from_ts OR first_day > last_day THEN
    whole_from := greatest(from_ts, to_ts);
    whole_to := whole_from;
  ELSE
    whole_from := kpi.day_start(first_day);
    whole_to := kpi.day_start(last_day + 1);
  END IF;
END
$$;

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

-- The first and last instant with any activity (or now(), if later). plpgsql on purpose: an
-- inlined SQL body puts its nine min/max lookups over every hypertable into the plan of each
-- daily view, and planning them (every chunk of each table) cost more than reading the days.
-- SECURITY DEFINER: the KPI roles read the raw tables only through the views.
CREATE FUNCTION kpi.days_bounds(OUT first_ts timestamptz, OUT last_ts timestamptz)
LANGUAGE plpgsql STABLE SECURITY DEFINER
SET search_path = pg_catalog, public
AS $$
BEGIN
  SELECT least((SELECT min(placed_at) FROM public.orders),
               (SELECT min(refunded_at) FROM public.refunds),
               (SELECT min(started_at) FROM public.sessions),
               (SELECT min(created_at) FROM public.carts),
               (SELECT kpi.day_start(min(day)) FROM public.traffic_daily)),
         greatest(now(),
               (SELECT max(placed_at) FROM public.orders),
               (SELECT max(refunded_at) FROM public.refunds),
               (SELECT max(started_at) FROM public.sessions))
    INTO first_ts, last_ts;
END
$$;

-- Every local day from the first day with any activity to today (or the last day with data,
-- if later), so daily series have no gaps: an empty day shows 0, not a missing row.
CREATE VIEW kpi.days AS
SELECT kpi.day_start(g::date) AS time, g::date AS day
FROM kpi.days_bounds() AS bounds,
     generate_series(kpi.local_day(bounds.first_ts)::timestamp, kpi.local_day(bounds.last_ts)::timestamp, INTERVAL '1 day') AS g;
COMMENT ON VIEW kpi.days IS 'Gap-free calendar of local store days: first day with data .. today.';
