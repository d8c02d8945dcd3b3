-- requires: helpers
-- Products family (docs/kpis.md "Products"). Per-SKU revenue = line subtotal − allocated order
-- discount, before refunds (refunds are not split below the order). COGS = quantity × unit cost
-- stored on the line at sale time. Cost columns (cogs, margin*, inventory value, turnover) are
-- hidden from managers by the role exposure (etl/src/contract/exposure.ts).

CREATE VIEW kpi.product_sales_daily AS
SELECT l.bucket AS time, kpi.local_day(l.bucket) AS day, l.sku, p.name, p.tier,
       l.units,
       kpi.money(l.line_subtotal_cents) AS item_subtotal,
       kpi.money(l.allocated_discount_cents) AS discounts,
       kpi.money(l.line_subtotal_cents - l.allocated_discount_cents) AS revenue,
       kpi.money(l.cogs_cents) AS cogs,
       kpi.money(l.line_subtotal_cents - l.allocated_discount_cents - l.cogs_cents) AS margin,
       round((l.line_subtotal_cents - l.allocated_discount_cents - l.cogs_cents) * 100.0
             / NULLIF(l.line_subtotal_cents - l.allocated_discount_cents, 0), 2) AS margin_pct
FROM kpi.order_lines_daily l
LEFT JOIN public.products p ON p.sku = l.sku;
COMMENT ON COLUMN kpi.product_sales_daily.revenue IS 'before refunds (refunds are not split by SKU)';

-- Every product, zero sellers included (they are what low_performers is about).
-- The range's whole local days come from the order_lines_daily aggregate (same sums, same valid
-- lines) and only its partial edge days from order_lines, so a year costs a year of daily rows
-- per SKU rather than every line of the year.
CREATE FUNCTION kpi.product_performance(from_ts timestamptz, to_ts timestamptz)
RETURNS TABLE (
  sku text, name text, tier text, active boolean, units bigint, revenue numeric,
  rank_by_revenue bigint, rank_by_units bigint, cogs numeric, margin numeric, margin_pct numeric,
  back_office_url text
)
LANGUAGE plpgsql STABLE SECURITY DEFINER
SET search_path = pg_catalog, public
AS $$
DECLARE
  whole_from timestamptz;
  whole_to timestamptz;
BEGIN
  SELECT w.whole_from, w.whole_to INTO whole_from, whole_to FROM kpi.whole_days_span(from_ts, to_ts) w;
  -- EXECUTE plans with the range's values, so the planner keeps only the edge days' chunks.
  RETURN QUERY EXECUTE $q$
    WITH parts AS (
      SELECT x.sku, sum(x.quantity)::bigint AS units,
             sum(x.line_subtotal_cents - x.allocated_discount_cents) AS rev,
             sum(x.quantity::bigint * x.unit_cost_cents) AS cogs
      FROM public.order_lines x
      WHERE x.order_valid AND ((x.placed_at >= $1 AND x.placed_at < $3) OR (x.placed_at >= $4 AND x.placed_at < $2))
      GROUP BY x.sku
      UNION ALL
      SELECT d.sku, sum(d.units)::bigint, sum(d.line_subtotal_cents - d.allocated_discount_cents), sum(d.cogs_cents)
      FROM kpi.order_lines_daily d
      WHERE d.bucket >= $3 AND d.bucket < $4
      GROUP BY d.sku
    ), l AS (
      SELECT parts.sku, sum(parts.units)::bigint AS units, sum(parts.rev) AS rev, sum(parts.cogs) AS cogs
      FROM parts GROUP BY parts.sku
    ), a AS (
      SELECT p.sku, p.name, p.tier, p.active, coalesce(l.units, 0) AS units, coalesce(l.rev, 0) AS rev, coalesce(l.cogs, 0) AS cogs,
             p.back_office_url
      FROM public.products p LEFT JOIN l ON l.sku = p.sku
      UNION ALL
      -- Lines whose SKU is not (yet) in the catalog still count.
      SELECT l.sku, NULL, NULL, NULL, l.units, l.rev, l.cogs, NULL FROM l WHERE NOT EXISTS (SELECT 1 FROM public.products p WHERE p.sku = l.sku)
    )
    SELECT a.sku, a.name, a.tier, a.active, a.units, kpi.money(a.rev),
           rank() OVER (ORDER BY a.rev DESC), rank() OVER (ORDER BY a.units DESC),
           kpi.money(a.cogs), kpi.money(a.rev - a.cogs), round((a.rev - a.cogs) * 100.0 / NULLIF(a.rev, 0), 2),
           a.back_office_url
    FROM a
    ORDER BY a.rev DESC, a.sku
  $q$ USING from_ts, to_ts, whole_from, whole_to;
END
$$;
COMMENT ON FUNCTION kpi.product_performance(timestamptz, timestamptz) IS 'back_office_url: the product page in the store back office as the source reports it (NULL when unknown or the SKU is not in the catalog)';

CREATE FUNCTION kpi.best_sellers(from_ts timestamptz, to_ts timestamptz, max_rows int DEFAULT 10)
RETURNS TABLE (
  sku text, name text, tier text, active boolean, units bigint, revenue numeric,
  rank_by_revenue bigint, rank_by_units bigint, cogs numeric, margin numeric, margin_pct numeric,
  back_office_url text
)
LANGUAGE sql STABLE SECURITY DEFINER
SET search_path = pg_catalog, public
AS $$
  SELECT * FROM kpi.product_performance($1, $2) p WHERE p.units > 0 ORDER BY p.revenue DESC, p.units DESC, p.sku LIMIT $3
$$;

CREATE FUNCTION kpi.low_performers(from_ts timestamptz, to_ts timestamptz, max_rows int DEFAULT 10)
RETURNS TABLE (
  sku text, name text, tier text, active boolean, units bigint, revenue numeric,
  rank_by_revenue bigint, rank_by_units bigint, cogs numeric, margin numeric, margin_pct numeric,
  back_office_url text
)
LANGUAGE sql STABLE SECURITY DEFINER
SET search_path = pg_catalog, public
AS $$
  SELECT * FROM kpi.product_performance($1, $2) p WHERE p.active ORDER BY p.units ASC, p.revenue ASC, p.sku LIMIT $3
$$;

-- A stock-out incident is a change that takes a SKU's available quantity at a location from
-- > 0 to <= 0. The previous level is the previous change's available_after (order changed_at,
-- change_id), or (first change seen) this change's available_after − delta. Those levels are kept
-- per change in public.inventory_change_levels (0095), recomputed by the triggers of
-- inventory_changes in the statement that changes it; stock-outs are read through its partial
-- index on day_start, so a time filter on `time` reads only the selected days' incidents.
CREATE VIEW kpi.out_of_stock_incidents_daily AS
SELECT l.day_start AS time, l.day, l.sku, p.name, count(*) AS incidents
FROM public.inventory_change_levels l LEFT JOIN public.products p ON p.sku = l.sku
WHERE l.level_before > 0 AND l.available_after <= 0
GROUP BY l.day_start, l.day, l.sku, p.name;

-- Inventory level at an instant = the latest of inventory counts and changes before it, per
-- SKU and location (a change wins over a count at the same instant; of two changes at the same
-- instant, the later in change_id order, as in the stock-out order); valued at the product's
-- current unit cost; negative stock is worth 0. One index probe per SKU × location into each of
-- inventory_change_levels and inventory_count_history (plain tables kept by the triggers of the
-- raw inventory tables, 0095).
CREATE FUNCTION kpi.inventory_value_at(at timestamptz)
RETURNS TABLE (sku text, units bigint, value_cents numeric)
LANGUAGE sql STABLE SECURITY DEFINER
SET search_path = pg_catalog, public
AS $$
  WITH last AS (
    SELECT s.sku,
           CASE WHEN k.counted_at IS NULL OR c.changed_at >= k.counted_at THEN c.available_after ELSE k.available END AS avail
    FROM public.inventory_sku_locations s
    LEFT JOIN LATERAL (
      SELECT l.changed_at, l.available_after FROM public.inventory_change_levels l
      WHERE l.sku = s.sku AND l.location_id = s.location_id AND l.changed_at < $1
      ORDER BY l.changed_at DESC, l.change_id DESC LIMIT 1
    ) c ON true
    LEFT JOIN LATERAL (
      SELECT h.counted_at, h.available FROM public.inventory_count_history h
      WHERE h.sku = s.sku AND h.location_id = s.location_id AND h.counted_at < $1
      ORDER BY h.counted_at DESC LIMIT 1
    ) k ON true
    WHERE c.changed_at IS NOT NULL OR k.counted_at IS NOT NULL
  )
  SELECT l.sku, sum(greatest(l.avail, 0))::bigint, sum(greatest(l.avail, 0)::numeric * coalesce(p.unit_cost_cents, 0))
  FROM last l LEFT JOIN public.products p ON p.sku = l.sku
  GROUP BY l.sku
$$;

-- Planned at each call with the range's values (EXECUTE): a plan of order_lines for unknown
-- bounds opens every chunk of the hypertable (over 100 ms at a year of weekly chunks, whatever
-- the range); with the values, only the chunks of the range's first and last day are planned.
CREATE FUNCTION kpi.inventory_turnover(from_ts timestamptz, to_ts timestamptz)
RETURNS TABLE (sku text, cogs numeric, inventory_value_start numeric, inventory_value_end numeric,
               avg_inventory_value numeric, inventory_turnover numeric)
LANGUAGE plpgsql STABLE SECURITY DEFINER
SET search_path = pg_catalog, public
AS $fn$
BEGIN
  RETURN QUERY EXECUTE $q$
    -- COGS of the valid lines placed in [from, to): the whole local days d0 <= day < d1 from
    -- public.order_line_cogs_daily (kept by a row trigger on order_lines, 0096), the rest from
    -- order_lines: [from, start of d0) and [start of d1, to), where d0 = the first local day that
    -- starts at or after from and d1 = the local day of to (when from and to fall in one local day,
    -- d0 = d1 + 1: the head is [from, to) and the tail is empty). The bounds are expressions of $1
    -- and $2, which the hypertable's chunk exclusion and index bounds take.
    WITH parts AS (
      SELECT x.sku, x.lines, x.cogs_cents AS cogs FROM public.order_line_cogs_daily x
      WHERE x.day >= kpi.local_day($1) + (kpi.day_start(kpi.local_day($1)) < $1)::int AND x.day < kpi.local_day($2)
      UNION ALL
      SELECT x.sku, 1, x.quantity::bigint * x.unit_cost_cents FROM public.order_lines x
      WHERE x.order_valid AND x.placed_at >= $1
        AND x.placed_at < least($2, kpi.day_start(kpi.local_day($1) + (kpi.day_start(kpi.local_day($1)) < $1)::int))
      UNION ALL
      SELECT x.sku, 1, x.quantity::bigint * x.unit_cost_cents FROM public.order_lines x
      WHERE x.order_valid AND x.placed_at < $2
        AND x.placed_at >= greatest(kpi.day_start(kpi.local_day($2)), kpi.day_start(kpi.local_day($1) + (kpi.day_start(kpi.local_day($1)) < $1)::int))
    ), c AS (
      SELECT sku, sum(cogs) AS cogs FROM parts GROUP BY sku HAVING sum(lines) > 0
    ), s AS (SELECT * FROM kpi.inventory_value_at($1)),
       e AS (SELECT * FROM kpi.inventory_value_at($2)),
    k AS (
      SELECT sku FROM c UNION SELECT sku FROM s UNION SELECT sku FROM e
    ), per AS (
      SELECT k.sku, coalesce(c.cogs, 0) AS cogs, coalesce(s.value_cents, 0) AS v0, coalesce(e.value_cents, 0) AS v1
      FROM k LEFT JOIN c ON c.sku = k.sku LEFT JOIN s ON s.sku = k.sku LEFT JOIN e ON e.sku = k.sku
    ), rows AS (
      SELECT sku, cogs, v0, v1, 1 AS ord FROM per
      UNION ALL
      SELECT '*', coalesce(sum(cogs), 0), coalesce(sum(v0), 0), coalesce(sum(v1), 0), 0 FROM per
    )
    SELECT sku, kpi.money(cogs), kpi.money(v0), kpi.money(v1), kpi.money((v0 + v1) / 2.0),
           round(cogs / NULLIF((v0 + v1) / 2.0, 0), 4)
    FROM rows ORDER BY ord, sku
  $q$ USING from_ts, to_ts;
END
$fn$;

-- ------------------------------------------------------------------ out of stock, store-wide
-- Beside the per SKU × location view (out_of_stock_incidents_daily): a store-wide incident is a
-- change that takes the SKU's quantity summed over all locations from > 0 to <= 0. Each location
-- starts at its first change's available_after − delta (as there); each change moves the total by
-- available_after − the location's previous level.
-- The levels are kept per change in public.inventory_change_levels (0095: store_level_before /
-- store_level_after, recomputed by the triggers of inventory_changes, earlier rows of the SKU
-- included when a location's opening changes); stock-outs are read through its partial index.
CREATE VIEW kpi.out_of_stock_store_daily AS
SELECT l.day_start AS time, l.day, l.sku, p.name, count(*) AS incidents
FROM public.inventory_change_levels l LEFT JOIN public.products p ON p.sku = l.sku
WHERE l.store_level_before > 0 AND l.store_level_after <= 0
GROUP BY l.day_start, l.day, l.sku, p.name;
