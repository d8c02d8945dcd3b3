/**
 * Depth-KPI benchmark: simulates N days at a scale, loads them, then times the cohort, segment,
 * journey, timing and live-cart functions over the last 30 days and the whole span, and one
 * predictive-CLV fit over every customer.
 *   npm run bench:depth -w etl -- --days 90 --scale 1 [--runs 3]
 * Embedded database in memory unless DATABASE_URL is set (then point it at an empty database).
 */
import { openEmbedded } from '../src/db/embedded';
import { migrate } from '../src/db/migrate';
import { openServer } from '../src/db/server';
import type { Db } from '../src/db/db';
import { loadBatch } from '../src/load/loader';
import { refreshAggregates } from '../src/kpi/aggregates';
import { syncCatalog } from '../src/kpi/catalog';
import { refreshPredictiveClv } from '../src/kpi/predictive/refresh';
import { StoreSimulator } from '../src/sources/simulator';
import { addDays, daysBetween, localDay } from '../src/util/time';

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  const v = i >= 0 ? Number(process.argv[i + 1]) : fallback;
  if (!Number.isFinite(v) || v <= 0) throw new Error(`--${name} must be a positive number`);
  return v;
}

const TZ = process.env.STORE_TIMEZONE ?? 'America/New_York';

async function timed(db: Db, sql: string, params: unknown[], runs: number): Promise<{ ms: number; rows: number }> {
  await db.query(sql, params);
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

const queries = (fromTs: string, toTs: string): { kpi: string; sql: string; params: unknown[] }[] => [
  { kpi: 'adm.cohort_retention_at', sql: 'SELECT * FROM adm.cohort_retention_at($1)', params: [toTs] },
  { kpi: 'adm.rfm_segments_at', sql: 'SELECT * FROM adm.rfm_segments_at($1)', params: [toTs] },
  { kpi: 'adm.cart_journey', sql: 'SELECT * FROM adm.cart_journey($1, $2)', params: [fromTs, toTs] },
  { kpi: 'adm.recovery_by_segment', sql: 'SELECT * FROM adm.recovery_by_segment($1, $2)', params: [fromTs, toTs] },
  { kpi: 'adm.recovery_roi_range', sql: 'SELECT * FROM adm.recovery_roi_range($1, $2)', params: [fromTs, toTs] },
  { kpi: 'adm.abandoned_products', sql: 'SELECT * FROM adm.abandoned_products($1, $2)', params: [fromTs, toTs] },
  { kpi: 'adm.email_conversions', sql: 'SELECT * FROM adm.email_conversions($1, $2)', params: [fromTs, toTs] },
  { kpi: "adm.funnel_window (1 day)", sql: `SELECT * FROM adm.funnel_window($1, $2, '1 day')`, params: [fromTs, toTs] },
  { kpi: 'adm.live_carts_at', sql: 'SELECT * FROM adm.live_carts_at($1)', params: [toTs] },
  { kpi: 'adm.out_of_stock_store_daily', sql: 'SELECT * FROM adm.out_of_stock_store_daily WHERE time >= $1 AND time < $2', params: [fromTs, toTs] },
];

async function main(): Promise<void> {
  const days = arg('days', 90);
  const scale = arg('scale', 1);
  const runs = arg('runs', 3);
  const db: Db = process.env.DATABASE_URL ? openServer(process.env.DATABASE_URL) : await openEmbedded();
  await migrate(db, { timeZone: TZ });
  await syncCatalog(db);
  const now = new Date();
  const today = localDay(now, TZ);
  const openedOn = addDays(today, -(days - 1));
  const sim = new StoreSimulator({ seed: 7, scale, timeZone: TZ, openedOn });
  await loadBatch(db, { source: 'simulator', stream: 'dimensions' }, sim.dimensions());
  let t = Date.now();
  for (const day of daysBetween(openedOn, today)) await loadBatch(db, { source: 'simulator', stream: 'store' }, sim.day(day, now));
  await refreshAggregates(db, null, null);
  process.stderr.write(`backfill and refresh: ${((Date.now() - t) / 1000).toFixed(1)} s\n`);
  const counts = await db.query<{ t: string; n: string }>(
    `SELECT 'orders' t, count(*)::text n FROM orders UNION ALL SELECT 'customers', count(*)::text FROM customers
     UNION ALL SELECT 'carts', count(*)::text FROM carts UNION ALL SELECT 'cart_recovery_emails', count(*)::text FROM cart_recovery_emails
     UNION ALL SELECT 'sessions', count(*)::text FROM sessions`,
  );
  const out: string[] = [`backend: ${db.kind}; ${days} days at scale ${scale}; ${counts.rows.map((r) => `${r.t} ${r.n}`).join(', ')}`];
  for (const span of [30, days]) {
    const fromTs = new Date(now.getTime() - span * 86_400_000).toISOString();
    const toTs = now.toISOString();
    out.push('', `last ${span} days (median of ${runs} runs)`, `${'query'.padEnd(34)} ${'ms'.padStart(9)} ${'rows'.padStart(7)}`);
    for (const q of queries(fromTs, toTs)) {
      t = Date.now();
      const r = await timed(db, q.sql, q.params, runs);
      process.stderr.write(`${q.kpi} over ${span} days: ${((Date.now() - t) / 1000).toFixed(1)} s for ${runs + 1} runs\n`);
      out.push(`${q.kpi.padEnd(34)} ${r.ms.toFixed(1).padStart(9)} ${String(r.rows).padStart(7)}`);
    }
  }
  const fit = await refreshPredictiveClv(db, now);
  out.push('', fit.status === 'fitted'
    ? `predictive CLV fit: ${fit.customers} customers (${fit.repeatCustomers} repeat) in ${(fit.ms / 1000).toFixed(1)} s; store 12-month expected CLV ${(fit.storeClvCents / 100).toFixed(2)}`
    : `predictive CLV fit skipped: ${fit.reason}`);
  process.stdout.write(`${out.join('\n')}\n`);
  await db.close();
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? err.stack ?? err.message : String(err)}\n`);
  process.exit(1);
});
