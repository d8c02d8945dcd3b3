/**
 * Backfill benchmark: simulates N days at a scale, loads them, refreshes the aggregates, then
 * times each KPI query on the continuous aggregates against the same query on the raw tables.
 *   npm run bench -w etl -- --days 365 --scale 1 [--runs 5]
 * Uses the embedded database in memory (or on disk with --data-dir DIR, for large runs) unless
 * DATABASE_URL is set (then point it at an empty database).
 * What the daemon costs once the history is in (CPU and RSS under live sync, per minute) is
 * bench/steady-state.ts: `npm run bench:steady -w etl`.
 */
import { openEmbedded } from '../src/db/embedded';
import { migrate } from '../src/db/migrate';
import { openServer } from '../src/db/server';
import type { Db } from '../src/db/db';
import { loadBatch } from '../src/load/loader';
import { refreshAggregates } from '../src/kpi/aggregates';
import { syncCatalog } from '../src/kpi/catalog';
import { StoreSimulator } from '../src/sources/simulator';
import { ProgressBar } from '../src/util/progress';
import { addDays, daysBetween, localDay } from '../src/util/time';

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  const v = i >= 0 ? Number(process.argv[i + 1]) : fallback;
  if (!Number.isFinite(v) || v <= 0) throw new Error(`--${name} must be a positive number`);
  return v;
}

const TZ = process.env.STORE_TIMEZONE ?? 'America/New_York';

async function timed(db: Db, sql: string, params: unknown[], runs: number): Promise<{ ms: number; rows: number }> {
  await db.query(sql, params); // warm-up: plan and cache
  const times: number[] = [];
  let rows = 0;
  for (let i = 0; i < runs; i++) {
    const t = process.hrtime.bigint();
    rows = (await db.query(sql, params)).rows.length;
    times.push(Number(process.hrtime.bigint() - t) / 1e6);
  }
  times.sort((a, b) => a - b);
  return { ms: times[Math.floor(times.length / 2)] ?? 0, rows };
}

/** Pairs of the same question: answered from a continuous aggregate, and from raw rows. */
function queryPairs(fromTs: string, toTs: string): { kpi: string; cagg: string; raw: string; params: unknown[] }[] {
  const valid = `status <> 'cancelled' AND NOT is_test`;
  return [
    {
      kpi: 'revenue by day (range)',
      cagg: `SELECT bucket, sum(orders) o, sum(subtotal_cents - discount_cents) net FROM kpi.orders_daily WHERE bucket >= $1 AND bucket < $2 GROUP BY 1 ORDER BY 1`,
      raw: `SELECT time_bucket('1 day', placed_at, '${TZ}') b, count(*) o, sum(subtotal_cents - discount_cents) net FROM orders WHERE ${valid} AND placed_at >= $1 AND placed_at < $2 GROUP BY 1 ORDER BY 1`,
      params: [fromTs, toTs],
    },
    {
      kpi: 'revenue by traffic source (range)',
      cagg: `SELECT traffic_source, sum(subtotal_cents - discount_cents) FROM kpi.orders_daily WHERE bucket >= $1 AND bucket < $2 GROUP BY 1`,
      raw: `SELECT traffic_source, sum(subtotal_cents - discount_cents) FROM orders WHERE ${valid} AND placed_at >= $1 AND placed_at < $2 GROUP BY 1`,
      params: [fromTs, toTs],
    },
    {
      kpi: 'revenue by tier (range)',
      cagg: `SELECT p.tier, sum(l.line_subtotal_cents - l.allocated_discount_cents) FROM kpi.order_lines_daily l JOIN products p USING (sku) WHERE l.bucket >= $1 AND l.bucket < $2 GROUP BY 1`,
      raw: `SELECT p.tier, sum(l.line_subtotal_cents - l.allocated_discount_cents) FROM order_lines l JOIN products p USING (sku) WHERE l.order_valid AND l.placed_at >= $1 AND l.placed_at < $2 GROUP BY 1`,
      params: [fromTs, toTs],
    },
    {
      kpi: 'margin by SKU (range)',
      cagg: `SELECT sku, sum(line_subtotal_cents - allocated_discount_cents - cogs_cents) FROM kpi.order_lines_daily WHERE bucket >= $1 AND bucket < $2 GROUP BY 1`,
      raw: `SELECT sku, sum(line_subtotal_cents - allocated_discount_cents - quantity * unit_cost_cents) FROM order_lines WHERE order_valid AND placed_at >= $1 AND placed_at < $2 GROUP BY 1`,
      params: [fromTs, toTs],
    },
    {
      kpi: 'sessions and funnel by day (range)',
      cagg: `SELECT bucket, sum(sessions), sum(add_to_cart_sessions), sum(checkout_sessions), sum(purchase_sessions) FROM kpi.sessions_daily WHERE bucket >= $1 AND bucket < $2 GROUP BY 1`,
      raw: `SELECT time_bucket('1 day', started_at, '${TZ}'), count(*), count(*) FILTER (WHERE added_to_cart), count(*) FILTER (WHERE began_checkout), count(order_id) FROM sessions WHERE started_at >= $1 AND started_at < $2 GROUP BY 1`,
      params: [fromTs, toTs],
    },
    {
      kpi: 'orders by hour (range)',
      cagg: `SELECT bucket, sum(orders) FROM kpi.orders_hourly WHERE bucket >= $1 AND bucket < $2 GROUP BY 1`,
      raw: `SELECT time_bucket('1 hour', placed_at), count(*) FROM orders WHERE ${valid} AND placed_at >= $1 AND placed_at < $2 GROUP BY 1`,
      params: [fromTs, toTs],
    },
  ];
}

/** The KPI views the dashboards read (no raw twin: they already sit on the aggregates or are functions). */
function viewQueries(fromTs: string, toTs: string): { kpi: string; sql: string; params: unknown[] }[] {
  return [
    { kpi: 'adm.revenue_daily (range)', sql: `SELECT * FROM adm.revenue_daily WHERE time >= $1 AND time < $2`, params: [fromTs, toTs] },
    { kpi: 'adm.revenue_today', sql: `SELECT * FROM adm.revenue_today`, params: [] },
    { kpi: 'adm.funnel (range)', sql: `SELECT * FROM adm.funnel($1, $2)`, params: [fromTs, toTs] },
    { kpi: 'adm.conversion_daily (range)', sql: `SELECT * FROM adm.conversion_daily WHERE time >= $1 AND time < $2`, params: [fromTs, toTs] },
    { kpi: 'adm.product_performance (range)', sql: `SELECT * FROM adm.product_performance($1, $2)`, params: [fromTs, toTs] },
    { kpi: 'adm.repeat_rate_90d', sql: `SELECT * FROM adm.repeat_rate_90d`, params: [] },
    { kpi: 'adm.clv', sql: `SELECT * FROM adm.clv`, params: [] },
    { kpi: 'adm.operations_daily (range)', sql: `SELECT * FROM adm.operations_daily WHERE time >= $1 AND time < $2`, params: [fromTs, toTs] },
  ];
}

async function main(): Promise<void> {
  const days = arg('days', 30);
  const scale = arg('scale', 1);
  const runs = arg('runs', 5);
  const dirAt = process.argv.indexOf('--data-dir');
  const dataDir = dirAt >= 0 ? process.argv[dirAt + 1] : undefined;
  const db: Db = process.env.DATABASE_URL ? openServer(process.env.DATABASE_URL) : await openEmbedded(dataDir);
  await migrate(db, { timeZone: TZ });
  await syncCatalog(db);
  const now = new Date();
  const today = localDay(now, TZ);
  const openedOn = addDays(today, -(days - 1));
  const sim = new StoreSimulator({ seed: 7, scale, timeZone: TZ, openedOn });

  let rows = 0;
  let genMs = 0;
  let loadMs = 0;
  await loadBatch(db, { source: 'simulator', stream: 'dimensions' }, sim.dimensions());
  const bar = new ProgressBar(`backfill ${days} d × scale ${scale}`, days);
  const all = daysBetween(openedOn, today);
  for (const [i, day] of all.entries()) {
    let t = Date.now();
    const batch = sim.day(day, now);
    genMs += Date.now() - t;
    t = Date.now();
    const r = await loadBatch(db, { source: 'simulator', stream: 'store' }, batch);
    loadMs += Date.now() - t;
    rows += r.received;
    bar.update(i + 1, `${rows} rows`);
  }
  const t = Date.now();
  await refreshAggregates(db, null, null);
  const refreshMs = Date.now() - t;

  const counts = await db.query<{ t: string; n: string }>(
    `SELECT 'orders' t, count(*)::text n FROM orders UNION ALL SELECT 'order_lines', count(*)::text FROM order_lines UNION ALL SELECT 'sessions', count(*)::text FROM sessions`,
  );
  const out: string[] = [];
  out.push(`backend: ${db.kind === 'embedded' ? `embedded PGlite-TimescaleDB (${dataDir ? `on disk: ${dataDir}` : 'in memory'})` : 'TimescaleDB server'}; ${days} days at scale ${scale}; time zone ${TZ}`);
  out.push(`rows: ${rows} (${counts.rows.map((r) => `${r.t} ${r.n}`).join(', ')})`);
  out.push(`generate: ${(genMs / 1000).toFixed(1)} s; load: ${(loadMs / 1000).toFixed(1)} s = ${Math.round(rows / (loadMs / 1000))} rows/s; refresh aggregates: ${(refreshMs / 1000).toFixed(1)} s`);

  for (const span of [30, days]) {
    const fromTs = new Date(now.getTime() - span * 86_400_000).toISOString();
    const toTs = now.toISOString();
    out.push('', `KPI query latency over the last ${span} days (median of ${runs} runs)`, `${'query'.padEnd(36)} ${'cagg ms'.padStart(9)} ${'raw ms'.padStart(9)} ${'speed-up'.padStart(9)}`);
    for (const q of queryPairs(fromTs, toTs)) {
      const c = await timed(db, q.cagg, q.params, runs);
      const r = await timed(db, q.raw, q.params, runs);
      out.push(`${q.kpi.padEnd(36)} ${c.ms.toFixed(1).padStart(9)} ${r.ms.toFixed(1).padStart(9)} ${`${(r.ms / Math.max(c.ms, 0.01)).toFixed(1)}×`.padStart(9)}`);
    }
    out.push(`${'view'.padEnd(36)} ${'ms'.padStart(9)} ${'rows'.padStart(9)}`);
    for (const v of viewQueries(fromTs, toTs)) {
      const r = await timed(db, v.sql, v.params, runs);
      out.push(`${v.kpi.padEnd(36)} ${r.ms.toFixed(1).padStart(9)} ${String(r.rows).padStart(9)}`);
    }
  }
  process.stdout.write(`\n${out.join('\n')}\n`);
  await db.close();
}

main().catch((err: unknown) => {
  process.stderr.write(`bench failed: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
