/**
 * Refreshing the KPI continuous aggregates. The embedded PGlite runs no background jobs, so the
 * ETL calls this after each load on every backend (a server also has policies, harmless overlap).
 */
import type { Queryable } from '../db/db';
import { withLockWaiting, type JobLock } from '../jobs/lock';
import { DAY_MS } from '../util/time';

/**
 * Refresh order: a hierarchical cagg must come after its base. All of today's caggs are built
 * on raw hypertables (a local day is not a whole number of UTC hours in half-hour zones, so
 * daily is not stacked on hourly); keep the order anyway for when one is.
 */
export const CONTINUOUS_AGGREGATES = ['kpi.orders_hourly', 'kpi.orders_daily', 'kpi.order_lines_daily', 'kpi.sessions_daily'] as const;

export type ContinuousAggregate = (typeof CONTINUOUS_AGGREGATES)[number];

/**
 * Materializes [fromUtc, toUtc) of every cagg (null = unbounded). TimescaleDB widens nothing:
 * only buckets fully inside the window are materialized, so callers pass the loaded range and
 * this pads it by two days on each side, more than the partial local day at each edge needs, so
 * a refresh never stops one bucket short in any zone or on a 25-hour DST day.
 * refresh_continuous_aggregate refuses to run in a transaction block, hence one statement per call.
 */
export async function refreshAggregates(db: Queryable, fromUtc: Date | null, toUtc: Date | null, serialize?: RefreshSerializer): Promise<void> {
  const from = fromUtc ? new Date(fromUtc.getTime() - 2 * DAY_MS).toISOString() : null;
  const to = toUtc ? new Date(toUtc.getTime() + 2 * DAY_MS).toISOString() : null;
  for (const name of CONTINUOUS_AGGREGATES) {
    const refresh = () => db.query('CALL refresh_continuous_aggregate($1::regclass, $2::timestamptz, $3::timestamptz)', [name, from, to]);
    if (!serialize) {
      await refresh();
      continue;
    }
    // Waits rather than skips: the other refresh may have started before this load committed.
    const r = await withLockWaiting(serialize.lock, `refresh:${name}`, { ttlMs: REFRESH_TTL_MS, waitMs: serialize.waitMs ?? REFRESH_TTL_MS, signal: serialize.signal }, refresh);
    if (!r.ran) throw new Error(`refresh of ${name} gave up waiting for another refresh of it${serialize.signal?.aborted ? ' (shutting down)' : ''}`);
  }
}

const REFRESH_TTL_MS = 10 * 60_000;

/**
 * Two refreshes of one continuous aggregate at once fail on a server ("due to a concurrent
 * refresh"): with a serializer, each aggregate is refreshed under its own lock
 * (`refresh:<aggregate>`), shared by every job and every replica using the same lock store.
 */
export interface RefreshSerializer {
  lock: JobLock;
  waitMs?: number;
  signal?: AbortSignal;
}
