/**
 * The benchmark's database: embedded, migrated, the simulator's last N days loaded, aggregates
 * refreshed. Run as a child process (`--serve`), it serves the database on a loopback port and
 * runs a 5-second query when told to, off the HTTP server's thread.
 */
import type { Db } from '../src/db/db';
import { openEmbedded, serveEmbedded } from '../src/db/embedded';
import { migrate } from '../src/db/migrate';
import { syncSimulator } from '../src/jobs/syncSimulator';
import { refreshAggregates } from '../src/kpi/aggregates';
import { syncCatalog } from '../src/kpi/catalog';
import { logger } from '../src/log/logger';
import { StoreSimulator } from '../src/sources/simulator';
import { addDays, localDay } from '../src/util/time';

export const TZ = process.env.STORE_TIMEZONE ?? 'America/New_York';

export async function seededDb(days: number): Promise<Db & { pglite: import('@electric-sql/pglite').PGlite }> {
  const db = await openEmbedded();
  await seed(db, days);
  return db;
}

/** Migrates a fresh database and loads the simulator's last `days` days into it. */
export async function seed(db: Db, days: number): Promise<void> {
  logger.silent = true;
  await migrate(db, { timeZone: TZ });
  await syncCatalog(db);
  const now = new Date();
  const openedOn = addDays(localDay(now, TZ), -(days - 1));
  const sim = new StoreSimulator({ seed: 42, scale: 1, timeZone: TZ, openedOn });
  await syncSimulator(db, sim, { timeZone: TZ, openedOn, now, log: logger });
  await refreshAggregates(db, null, null);
}

async function serve(): Promise<void> {
  const days = Number(process.env.BENCH_DAYS ?? 14);
  const db = await seededDb(days);
  const sock = await serveEmbedded(db.pglite, 0);
  process.send?.({ url: sock.url });
  process.on('message', (m: unknown) => {
    if (m === 'busy') {
      const t = Date.now();
      void db.query('SELECT pg_sleep(5)').then(() => process.send?.({ busyMs: Date.now() - t }));
    } else if (m === 'stop') {
      void sock.stop().then(() => db.close()).then(() => process.exit(0));
    }
  });
}

if (process.argv.includes('--serve')) {
  serve().catch((err: unknown) => {
    process.stderr.write(`bench database: ${(err as Error).message}\n`);
    process.exit(1);
  });
}
