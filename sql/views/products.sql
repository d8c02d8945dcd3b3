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
CREATE FUNCTION kpi.product_performance(from_ts timestamptz, to_ts timestamptz)
RETURNS TABLE (
  sku text, name text, tier text, active boolean, units bigint, revenue numeric,
  rank_by_revenue bigint, rank_by_units bigint, cogs numeric, margin numeric, margin_pct numeric,
  back_office_url text
)
LANGUAGE sql STABLE SECURITY DEFINER
SET search_path = pg_catalog, public
AS $$
  WITH l AS (
    SELECT x.sku, sum(x.quantity)::bigint AS units,
           sum(x.line_subtotal_cents - x.allocated_discount_cents) AS rev,
           sum(x.quantity::bigint * x.unit_cost_cents) AS cogs
    FROM public.order_lines x
    WHERE x.order_valid AND x.placed_at >= $1 AND x.placed_at < $2
    GROUP BY x.sku
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
-- > 0 to <= 0. The previous level is the previous change's available_after, or (first change
-- seen) this change's available_after − delta.
CREATE VIEW kpi.out_of_stock_incidents_daily AS
WITH c AS (
  SELECT sku, changed_at, available_after,
         coalesce(lag(available_after) OVER (PARTITION BY sku, location_id ORDER BY changed_at, change_id),
                  available_after - delta) AS prev
  FROM public.inventory_changes
)
SELECT kpi.day_start(kpi.local_day(c.changed_at)) AS time, kpi.local_day(c.changed_at) AS day, c.sku, p.name,
       count(*) AS incidents
FROM c LEFT JOIN public.products p ON p.sku = c.sku
WHERE c.prev > 0 AND c.available_after <= 0
GROUP BY 1, 2, c.sku, p.name;

-- Inventory level at an instant = the latest of inventory counts and changes before it, per
-- SKU and location; valued at the product's current unit cost; negative stock is worth 0.
CREATE FUNCTION kpi.inventory_value_at(at timestamptz)
RETURNS TABLE (sku text, units bigint, value_cents numeric)
LANGUAGE sql STABLE SECURITY DEFINER
SET search_path = pg_catalog, public
AS $$
  WITH ev AS (
    SELECT sku, location_id, changed_at AS ts, available_after AS avail, 1 AS pri FROM public.inventory_changes WHERE changed_at < $1
    UNION ALL
    SELECT sku, location_id, counted_at, available, 0 FROM public.inventory_counts WHERE counted_at < $1
  ), last AS (
    SELECT DISTINCT ON (sku, location_id) sku, location_id, avail FROM ev ORDER BY sku, location_id, ts DESC, pri DESC
  )
  SELECT l.sku, sum(greatest(l.avail, 0))::bigint, sum(greatest(l.avail, 0)::numeric * coalesce(p.unit_cost_cents, 0))
  FROM last l LEFT JOIN public.products p ON p.sku = l.sku
  GROUP BY l.sku
$$;

CREATE FUNCTION kpi.inventory_turnover(from_ts timestamptz, to_ts timestamptz)
RETURNS TABLE (sku text, cogs numeric, inventory_value_start numeric, inventory_value_end numeric,
               avg_inventory_value numeric, inventory_turnover numeric)
LANGUAGE sql STABLE SECURITY DEFINER
SET search_path = pg_catalog, public
AS $$
  WITH c AS (
    SELECT x.sku, sum(x.quantity::bigint * x.unit_cost_cents) AS cogs FROM public.order_lines x
    WHERE x.order_valid AND x.placed_at >= $1 AND x.placed_at < $2 GROUP BY x.sku
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
$$;

-- ------------------------------------------------------------------ out of stock, store-wide
-- Beside the per SKU × location view (out_of_stock_incidents_daily): a store-wide incident is a
-- change that takes the SKU's quantity summed over all locations from > 0 to <= 0. Each location
-- starts at its first change's available_after − delta (as there); each change moves the total by
-- available_after − the location's previous level.
CREATE VIEW kpi.out_of_stock_store_daily AS
WITH c AS (
  SELECT sku, location_id, changed_at, change_id, available_after,
         available_after - coalesce(lag(available_after) OVER (PARTITION BY sku, location_id ORDER BY changed_at, change_id),
                                    available_after - delta) AS move,
         CASE WHEN row_number() OVER (PARTITION BY sku, location_id ORDER BY changed_at, change_id) = 1
              THEN available_after - delta ELSE 0 END AS opening
  FROM public.inventory_changes
), t AS (
  SELECT sku, changed_at,
         sum(opening) OVER (PARTITION BY sku) + sum(move) OVER (PARTITION BY sku ORDER BY changed_at, change_id ROWS UNBOUNDED PRECEDING) AS total,
         sum(opening) OVER (PARTITION BY sku)
           + coalesce(sum(move) OVER (PARTITION BY sku ORDER BY changed_at, change_id ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0) AS before
  FROM c
)
SELECT kpi.day_start(kpi.local_day(t.changed_at)) AS time, kpi.local_day(t.changed_at) AS day, t.sku, p.name,
       count(*) AS incidents
FROM t LEFT JOIN public.products p ON p.sku = t.sku
WHERE t.before > 0 AND t.total <= 0
GROUP BY 1, 2, t.sku, p.name;
