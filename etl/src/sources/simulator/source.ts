/**
 * The simulator as a source on the connector runtime: its "API" answers one local day per
 * page, as the simulated world knows that day at the run's instant. The cursor is the instant
 * the loaded days are known through, so the next run re-reads the look-back window before it.
 */
import type { Batch } from '../../schema/tables';
import { addDays, localDay } from '../../util/time';
import type { SourceDef, SyncStream } from '../runtime/source';
import { localDayStartUtc } from './localTime';
import type { StoreSimulator } from './simulator';
import { SIMULATOR_LOOKBACK_MS } from './streams';

export const SIMULATOR_SOURCE = 'simulator';

interface DayRecord {
  day: string;
  /** min(asOf, end of the day): how far this day is known. */
  knownThrough: Date;
  batch: Batch;
}

export interface SimulatorSourceOptions {
  sim: StoreSimulator;
  timeZone: string;
  openedOn: string;
}

function dimensionsStream(): SyncStream<StoreSimulator, Batch> {
  return {
    name: 'dimensions', table: 'products', primaryKey: ['sku'], cursorField: 'none', lookbackMs: 0, pageSize: 1,
    fetch: async (sim) => ({ records: [sim.dimensions()], nextPageToken: null }),
    cursorOf: () => null,
    map: (b) => b,
  };
}

function storeStream(o: SimulatorSourceOptions): SyncStream<StoreSimulator, DayRecord> {
  const clampDay = (day: string) => (day < o.openedOn ? o.openedOn : day);
  return {
    name: 'store',
    table: 'orders',
    primaryKey: ['order_id', 'placed_at'],
    cursorField: 'knownThrough',
    lookbackMs: SIMULATOR_LOOKBACK_MS,
    pageSize: 1,
    async fetch(sim, req) {
      const today = localDay(req.until, o.timeZone);
      const day = req.pageToken ?? clampDay(localDay(req.since, o.timeZone));
      if (day > today) return { records: [], nextPageToken: null };
      const end = localDayStartUtc(addDays(day, 1), o.timeZone);
      const knownThrough = end < req.until ? end : req.until;
      return { records: [{ day, knownThrough, batch: sim.day(day, req.until) }], nextPageToken: day < today ? addDays(day, 1) : null };
    },
    cursorOf: (r) => r.knownThrough,
    // Cursors written before the runtime were JSON {loadedThrough, asOf}.
    parseCursor(raw) {
      if (!raw.startsWith('{')) return new Date(raw);
      const c = JSON.parse(raw) as { loadedThrough?: string; asOf?: string };
      if (typeof c.loadedThrough !== 'string' || typeof c.asOf !== 'string') return new Date(NaN);
      const end = localDayStartUtc(addDays(c.loadedThrough, 1), o.timeZone);
      const asOf = new Date(c.asOf);
      return end < asOf ? end : asOf;
    },
    map: (r) => r.batch,
  };
}

export function simulatorSource(o: SimulatorSourceOptions): SourceDef<StoreSimulator> {
  return {
    name: SIMULATOR_SOURCE,
    client: o.sim,
    streams: [dimensionsStream(), storeStream(o)],
    normalizeError: (err) => err,
  };
}
