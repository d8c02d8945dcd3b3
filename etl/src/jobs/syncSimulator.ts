import type { Db } from '../db/db';
import { loadBatch } from '../load/loader';
import type { Logger } from '../log/logger';
import type { StoreSimulator } from '../sources/simulator';
import { ProgressBar } from '../util/progress';
import { addDays, DAY_MS, daysBetween, HOUR_MS, localDay } from '../util/time';

export const SIM_SOURCE = 'simulator';
const STREAM = 'store';
/** Longest lifecycle the simulator reports late (verification expiry at 72 h, then refund or shipment). */
export const SIM_LOOKBACK_MS = 7 * DAY_MS;

interface Cursor {
  loadedThrough: string;
  asOf: string;
}

export interface SyncStats {
  days: number;
  received: number;
  changed: number;
  rejected: number;
  minTime: Date | null;
  maxTime: Date | null;
  ms: number;
}

async function readCursor(db: Db): Promise<Cursor | null> {
  const r = await db.query<{ cursor: string | null }>('SELECT cursor FROM sync_state WHERE source = $1 AND stream = $2', [SIM_SOURCE, STREAM]);
  const raw = r.rows[0]?.cursor;
  if (!raw) return null;
  const c = JSON.parse(raw) as Partial<Cursor>;
  if (typeof c.loadedThrough !== 'string' || typeof c.asOf !== 'string') throw new Error(`sync_state ${SIM_SOURCE}/${STREAM}: unreadable cursor ${raw}`);
  return { loadedThrough: c.loadedThrough, asOf: c.asOf };
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

/**
 * Catch-up sync: on the first run, the whole backfill from the opening day; afterwards every
 * day from the cursor back through the look-back window, as the simulated world knows it now.
 * Each day commits with its cursor, so an interrupted backfill resumes where it stopped.
 */
export async function syncSimulator(
  db: Db,
  sim: StoreSimulator,
  opts: { timeZone: string; openedOn: string; now: Date; log: Logger; progress?: boolean; signal?: AbortSignal },
): Promise<SyncStats> {
  const started = Date.now();
  const today = localDay(opts.now, opts.timeZone);
  const cursor = await readCursor(db);
  const stats: SyncStats = { days: 0, received: 0, changed: 0, rejected: 0, minTime: null, maxTime: null, ms: 0 };
  let from: string;
  if (!cursor) {
    merge(stats, await loadBatch(db, { source: SIM_SOURCE, stream: 'dimensions' }, sim.dimensions()));
    from = opts.openedOn;
  } else {
    const lookbackDay = localDay(new Date(new Date(cursor.asOf).getTime() - SIM_LOOKBACK_MS), opts.timeZone);
    from = cursor.loadedThrough < lookbackDay ? cursor.loadedThrough : lookbackDay;
    if (from < opts.openedOn) from = opts.openedOn;
  }
  const days = daysBetween(from, today);
  const bar = opts.progress ? new ProgressBar('backfill days', days.length) : null;
  for (const [i, day] of days.entries()) {
    // Between days, never inside one: each day commits with its cursor, so a stop here resumes cleanly.
    if (opts.signal?.aborted) break;
    const next: Cursor = { loadedThrough: day, asOf: opts.now.toISOString() };
    const r = await loadBatch(db, { source: SIM_SOURCE, stream: STREAM, cursor: JSON.stringify(next) }, sim.day(day, opts.now));
    merge(stats, r);
    stats.days += 1;
    bar?.update(i + 1, `${stats.received} rows`);
    opts.log.debug('simulator day committed', { day, received: r.received });
  }
  stats.ms = Date.now() - started;
  opts.log.info('simulator sync', { from, to: today, days: stats.days, received: stats.received, changed: stats.changed, rejected: stats.rejected, ms: stats.ms });
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
