import type { Queryable } from '../../db/db';
import type { BreakerState } from './breaker';

export interface RunRecord {
  source: string;
  stream: string;
  startedAt: Date;
  finishedAt: Date;
  status: 'ok' | 'error' | 'skipped';
  rowsRead: number;
  rowsUpserted: number;
  rowsRejected: number;
  pages: number;
  apiCalls: number;
  cursor: string | null;
  breakerState: BreakerState | null;
  error: string | null;
}

/** One row per run in etl_runs, which health checks and the system dashboard read. */
export async function recordRun(db: Queryable, r: RunRecord): Promise<void> {
  await db.query(
    `INSERT INTO etl_runs (source, stream, started_at, finished_at, status, rows_read, rows_upserted, rows_rejected, pages, api_calls,
                           cursor_value, breaker_state, error)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)`,
    [
      r.source, r.stream, r.startedAt.toISOString(), r.finishedAt.toISOString(), r.status, r.rowsRead, r.rowsUpserted, r.rowsRejected,
      r.pages, r.apiCalls, r.cursor, r.breakerState, r.error === null ? null : r.error.slice(0, 2000),
    ],
  );
}
