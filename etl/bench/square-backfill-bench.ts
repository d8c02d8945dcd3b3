/**
 * Square backfill benchmark: a 90-day simulated store served by the local Square server, read
 * with the official SDK through the connector runtime into embedded TimescaleDB (in memory).
 * Prints rows per second and API calls per stream.
 *   npm run bench:square -w etl -- [--days 90] [--scale 1]
 */
import { openEmbedded } from '../src/db/embedded';
import { migrate } from '../src/db/migrate';
import { logger } from '../src/log/logger';
import { SourceRunner } from '../src/sources/runtime/syncStream';
import { StoreSimulator } from '../src/sources/simulator';
import { squareSource } from '../src/sources/square';
import { SquareStore } from '../src/sources/square/testServer/store';
import { SquareTestServer } from '../src/sources/square/testServer/server';
import { DAY_MS } from '../src/sources/types';
import { addDays, localDay } from '../src/util/time';

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  const v = i >= 0 ? Number(process.argv[i + 1]) : fallback;
  if (!Number.isFinite(v) || v <= 0) throw new Error(`--${name} must be a positive number`);
  return v;
}

async function main(): Promise<void> {
  const days = arg('days', 90);
  const scale = arg('scale', 1);
  const tz = 'America/New_York';
  const asOf = new Date();
  const from = addDays(localDay(asOf, tz), -(days - 1));
  logger.silent = true;
  let t = Date.now();
  const store = SquareStore.fromSimulator(new StoreSimulator({ seed: 42, scale, timeZone: tz, openedOn: from }), { from, asOf, timeZone: tz });
  const server = new SquareTestServer({ store, token: 'bench' });
  await server.start();
  process.stdout.write(`store: ${days} days, ${store.orders.size} orders, ${store.payments.length} payments, ${store.refunds.length} refunds, ${store.customers.length} customers (built in ${Date.now() - t} ms)\n`);
  const db = await openEmbedded();
  await migrate(db, { timeZone: tz });
  const runner = new SourceRunner(squareSource({ token: 'bench', baseUrl: server.url }), { db, log: logger, backfillStart: (n) => new Date(n.getTime() - (days + 1) * DAY_MS) });
  t = Date.now();
  const runs = await runner.runAll();
  const ms = Date.now() - t;
  let rows = 0;
  let calls = 0;
  process.stdout.write('stream            status  records    rows  pages  api calls      ms\n');
  for (const r of runs) {
    rows += r.rowsMapped;
    calls += r.apiCalls;
    if (r.error) process.stdout.write(`  ${r.error}\n`);
    process.stdout.write(`${r.stream.padEnd(17)} ${r.status.padEnd(6)} ${String(r.rowsRead).padStart(8)} ${String(r.rowsMapped).padStart(7)} ${String(r.pages).padStart(6)} ${String(r.apiCalls).padStart(10)} ${String(r.ms).padStart(7)}\n`);
  }
  process.stdout.write(`total: ${rows} rows in ${(ms / 1000).toFixed(1)} s = ${Math.round(rows / (ms / 1000))} rows/s, ${calls} API calls (server counted ${server.totalCalls()})\n`);
  await server.stop();
  await db.close();
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? err.stack ?? err.message : String(err)}\n`);
  process.exit(1);
});
