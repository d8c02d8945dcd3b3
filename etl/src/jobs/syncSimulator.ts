import { GrowthAnalyzer } from '../db/analyze';
import type { Db } from '../db/db';
import { loadBatch } from '../load/loader';
import type { Logger } from '../log/logger';
import { SourceRunner, type StreamRunStats } from '../sources/runtime/syncStream';
import { SIMULATOR_LOOKBACK_MS, type StoreSimulator } from '../sources/simulator';
import { SIMULATOR_SOURCE, simulatorSource } from '../sources/simulator/source';
import { localDayStartUtc } from '../sources/simulator/localTime';
import { ProgressBar } from '../util/progress';
import { addDays, daysBetween, HOUR_MS, localDay } from '../util/time';

export const SIM_SOURCE = SIMULATOR_SOURCE;
/** The simulator's look-back, declared once with its streams. */
export const SIM_LOOKBACK_MS = SIMULATOR_LOOKBACK_MS;

export interface SyncStats {
  days: number;
  received: number;
  changed: number;
  rejected: number;
  minTime: Date | null;
  maxTime: Date | null;
  ms: number;
}

/** The store's opening day is fixed at the first start so the simulated history never shifts. */
export async function simulatorOpenedOn(db: Db, timeZone: string, backfillDays: number, now: Date): Promise<string> {
  const fallback = addDays(localDay(now, timeZone), -Math.max(0, backfillDays - 1));
  await db.query(`INSERT INTO store_settings (key, value) VALUES ('simulator_opened_on', $1) ON CONFLICT (key) DO NOTHING`, [fallback]);
  const r = await db.query<{ value: string }>(`SELECT value FROM store_settings WHERE key = 'simulator_opened_on'`);
  return r.rows[0]?.value ?? fallback;
}

function merge(a: SyncStats, r: { received: number; changed: number; rejected: number; minTime: Date | null; maxTime: Date | null }): void {
  a.received += r.received;
  a.changed += r.changed;
  a.rejected += r.rejected;
  if (r.minTime && (!a.minTime || r.minTime < a.minTime)) a.minTime = r.minTime;
  if (r.maxTime && (!a.maxTime || r.maxTime > a.maxTime)) a.maxTime = r.maxTime;
}

const fromRun = (s: StreamRunStats) => ({ received: s.rowsMapped, changed: s.rowsUpserted, rejected: s.rowsRejected, minTime: s.minTime, maxTime: s.maxTime });

/**
 * Catch-up sync on the connector runtime: on the first run, the whole backfill from the
 * opening day; afterwards every day from the cursor back through the look-back window, as the
 * simulated world knows it now. Each day commits with its cursor, so an interrupted backfill
 * resumes where it stopped.
 */
export async function syncSimulator(
  db: Db,
  sim: StoreSimulator,
  opts: { timeZone: string; openedOn: string; now: Date; log: Logger; progress?: boolean; signal?: AbortSignal; analyze?: boolean },
): Promise<SyncStats> {
  const started = Date.now();
  // `analyze` (the start-up sync, a backfill on a fresh store): the embedded database has no
  // autovacuum, and without statistics taken as the history grows the row triggers keep the
  // plans they made on empty tables (see GrowthAnalyzer): each day loaded cost more than the one
  // before. A server's autovacuum does this itself.
  const analyzer = opts.analyze && db.kind === 'embedded' ? new GrowthAnalyzer(db) : null;
  const source = simulatorSource({ sim, timeZone: opts.timeZone, openedOn: opts.openedOn });
  let bar: ProgressBar | null = null;
  const runner = new SourceRunner(source, {
    db,
    log: opts.log,
    now: () => opts.now,
    backfillStart: () => localDayStartUtc(opts.openedOn, opts.timeZone),
    onPage: async (s) => {
      if (s.stream !== 'store') return;
      // Each page is one local day, committed with its cursor: a stop after it resumes cleanly.
      opts.log.debug('simulator day committed', { page: s.pages, rows: s.rowsMapped, cursor: s.cursor });
      const analyzed = await analyzer?.afterPage(s.pages);
      if (analyzed?.tables) opts.log.debug('tables analyzed', { page: s.pages, ...analyzed });
      if (!opts.progress) return;
      bar ??= new ProgressBar('backfill days', daysBetween(opts.openedOn, localDay(opts.now, opts.timeZone)).length);
      bar.update(s.pages, `${s.rowsMapped} rows`);
    },
    signal: opts.signal,
  });
  const stats: SyncStats = { days: 0, received: 0, changed: 0, rejected: 0, minTime: null, maxTime: null, ms: 0 };
  for (const run of await runner.runAll()) {
    if (run.status !== 'ok') throw new Error(run.error ?? `${run.source}/${run.stream}: ${run.status}`);
    merge(stats, fromRun(run));
    if (run.stream === 'store') stats.days = run.pages;
  }
  if (analyzer) {
    const a = await analyzer.finish();
    opts.log.info('tables analyzed during the sync', a);
  }
  stats.ms = Date.now() - started;
  opts.log.info('simulator sync', { days: stats.days, received: stats.received, changed: stats.changed, rejected: stats.rejected, ms: stats.ms });
  return stats;
}

/** Hot path for live orders: only the current local day (and the previous one just after midnight). */
export async function syncSimulatorLive(db: Db, sim: StoreSimulator, opts: { timeZone: string; openedOn: string; now: Date }): Promise<SyncStats> {
  const started = Date.now();
  const stats: SyncStats = { days: 0, received: 0, changed: 0, rejected: 0, minTime: null, maxTime: null, ms: 0 };
  const first = localDay(new Date(opts.now.getTime() - HOUR_MS), opts.timeZone);
  for (const day of daysBetween(first < opts.openedOn ? opts.openedOn : first, localDay(opts.now, opts.timeZone))) {
    merge(stats, await loadBatch(db, { source: SIM_SOURCE, stream: 'store-live', cursor: opts.now.toISOString() }, sim.day(day, opts.now)));
    stats.days += 1;
  }
  stats.ms = Date.now() - started;
  return stats;
}
