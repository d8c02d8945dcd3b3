/**
 * Refreshing the KPI snapshots (migration 0090, sql/views/snapshots.sql): the stored output of the
 * customers family's "as of" functions, which cost seconds to compute over the whole history.
 * The readers use a stored window only while it is exact (no source row changed since, the
 * instant inside its validity range), so a refresh is needed after each load that changed a
 * source and whenever time moves past the stored windows: the ETL calls this after its loads
 * and every minute, and each call keeps windows ready for the next few minutes.
 */
import type { Queryable } from '../db/db';
import { withLockWaiting, type JobLock } from '../jobs/lock';

const SNAPSHOT_TTL_MS = 10 * 60_000;
const LOCK_NAME = 'refresh:kpi-snapshots';

/**
 * Drops the windows that can no longer be used and computes the missing ones from the database's
 * clock on; returns how many windows were computed. With a lock, runs under `refresh:kpi-snapshots`
 * (shared by every job and replica), waiting for a refresh in flight: it may have started before
 * this load committed.
 */
export async function refreshSnapshots(db: Queryable, lock?: { lock: JobLock; waitMs?: number; signal?: AbortSignal }): Promise<number> {
  const refresh = async () => {
    const r = await db.query<{ n: number | string }>('SELECT kpi.refresh_snapshots(clock_timestamp()) AS n');
    return Number(r.rows[0]?.n ?? 0);
  };
  if (!lock) return refresh();
  const r = await withLockWaiting(lock.lock, LOCK_NAME, { ttlMs: SNAPSHOT_TTL_MS, waitMs: lock.waitMs ?? SNAPSHOT_TTL_MS, signal: lock.signal }, refresh);
  if (!r.ran) throw new Error(`refresh of the KPI snapshots gave up waiting for another one${lock.signal?.aborted ? ' (shutting down)' : ''}`);
  return r.value;
}
