import type { Db } from '../../db/db';
import { loadBatch } from '../../load/loader';
import type { Logger } from '../../log/logger';
import type { Batch, Row, TableName } from '../../schema/tables';
import { CircuitBreaker, DEFAULT_BREAKER, type BreakerOptions, type BreakerState } from './breaker';
import { BreakerOpenError, MalformedPageError, RecordShapeError, SourceHttpError } from './errors';
import { DEFAULT_RETRY, withRetry, type RetryPolicy } from './retry';
import { recordSyncRun } from '../../http/metrics';
import { recordRun } from './runs';
import type { ApiCaller, SourceDef, SyncStream } from './source';

export interface StreamRunStats {
  source: string;
  stream: string;
  status: 'ok' | 'error' | 'skipped';
  rowsRead: number;
  /** Rows the mapped records became (what the loader received). */
  rowsMapped: number;
  rowsUpserted: number;
  rowsRejected: number;
  pages: number;
  apiCalls: number;
  cursor: string | null;
  ms: number;
  minTime: Date | null;
  maxTime: Date | null;
  breakerState: BreakerState;
  error: string | null;
}

export interface RunnerOptions {
  db: Db;
  log: Logger;
  now?: () => Date;
  /** Where a stream with no cursor starts (the first backfill). */
  backfillStart: (now: Date) => Date;
  retry?: RetryPolicy;
  breaker?: Partial<BreakerOptions>;
  sleep?: (ms: number) => Promise<void>;
  /** Overrides every stream's page size (tests use small pages to see pagination). */
  pageSize?: number;
  /** Told after each loaded page (progress bars; awaited, so it may write between pages). */
  onPage?: (stats: StreamRunStats) => void | Promise<void>;
  /** A stop request: the page in flight commits with its cursor, then the run ends there. */
  signal?: AbortSignal;
}

function addBatch(into: Batch, table: TableName, out: Row[] | Batch): number {
  let n = 0;
  const put = (t: TableName, rows: Row[]) => {
    const list = into[t] ?? (into[t] = []);
    for (const r of rows) list.push(r);
    n += rows.length;
  };
  if (Array.isArray(out)) put(table, out);
  else for (const [t, rows] of Object.entries(out) as [TableName, Row[]][]) put(t, rows);
  return n;
}

function defaultCursorOf(field: string): (record: unknown) => Date | null {
  return (record) => {
    const v = (record as Record<string, unknown> | null)?.[field];
    if (typeof v !== 'string' && !(v instanceof Date)) return null;
    const d = new Date(v);
    return Number.isNaN(d.getTime()) ? null : d;
  };
}

/**
 * Runs the declared streams of one source with the generic sync job. Holds the source's
 * breaker across runs, so a source that keeps failing is left alone for its cool-down while the
 * other sources (each with its own runner) keep syncing.
 */
export class SourceRunner<Client> {
  readonly breaker: CircuitBreaker;
  private readonly now: () => Date;
  private readonly retry: RetryPolicy;

  constructor(readonly def: SourceDef<Client>, private readonly opts: RunnerOptions) {
    this.now = opts.now ?? (() => new Date());
    this.retry = opts.retry ?? DEFAULT_RETRY;
    this.breaker = new CircuitBreaker(def.name, {
      ...DEFAULT_BREAKER,
      ...opts.breaker,
      onStateChange: (from, to) => opts.log.warn('circuit breaker', { source: def.name, from, to }),
    });
  }

  /** Every stream in order; once the breaker opens, the rest are recorded as skipped. */
  async runAll(): Promise<StreamRunStats[]> {
    const out: StreamRunStats[] = [];
    for (const s of this.def.streams) {
      if (this.opts.signal?.aborted) break;
      out.push(await this.runStream(s));
    }
    return out;
  }

  private caller(stream: string): ApiCaller {
    let calls = 0;
    const { def, breaker, retry, opts } = this;
    return {
      get calls() {
        return calls;
      },
      call: <T>(label: string, fn: () => Promise<T>) =>
        withRetry(
          retry,
          () =>
            breaker.run(
              async () => {
                calls += 1;
                try {
                  return await fn();
                } catch (err) {
                  throw def.normalizeError(err);
                }
              },
              // Only the source's own trouble (5xx, 429, timeouts) counts toward opening the breaker.
              (err) => err instanceof SourceHttpError && err.retryable,
            ),
          {
            sleep: opts.sleep,
            onRetry: ({ attempt, delayMs, error }) =>
              opts.log.warn('source call retried', { source: def.name, stream, call: label, attempt, delayMs, status: error.status, error: error.message }),
          },
        ),
    };
  }

  async readCursor<Raw>(stream: SyncStream<Client, Raw>): Promise<Date | null> {
    const r = await this.opts.db.query<{ cursor: string | null }>('SELECT cursor FROM sync_state WHERE source = $1 AND stream = $2', [this.def.name, stream.name]);
    const raw = r.rows[0]?.cursor;
    if (!raw) return null;
    const d = stream.parseCursor ? stream.parseCursor(raw) : new Date(raw);
    if (Number.isNaN(d.getTime())) throw new Error(`sync_state ${this.def.name}/${stream.name}: unreadable cursor ${raw}`);
    return d;
  }

  /**
   * The generic sync job: from the stored cursor minus the stream's look-back, page through the
   * API, map each page, and load it with the advanced cursor in the same transaction. A page
   * that fails to map is an error naming source, stream and page; nothing of it is written and
   * the cursor stays where the last good page left it.
   */
  async runStream<Raw>(stream: SyncStream<Client, Raw>): Promise<StreamRunStats> {
    const { db, log } = this.opts;
    const startedAt = new Date();
    const now = this.now();
    const api = this.caller(stream.name);
    const stats: StreamRunStats = {
      source: this.def.name, stream: stream.name, status: 'ok', rowsRead: 0, rowsMapped: 0, rowsUpserted: 0, rowsRejected: 0, pages: 0, apiCalls: 0,
      cursor: null, ms: 0, minTime: null, maxTime: null, breakerState: this.breaker.state, error: null,
    };
    const cursorOf = stream.cursorOf ?? defaultCursorOf(stream.cursorField);
    try {
      if (this.breaker.state === 'open') throw new BreakerOpenError(this.def.name, 0);
      let cursor = await this.readCursor(stream);
      stats.cursor = cursor?.toISOString() ?? null;
      const since = cursor ? new Date(cursor.getTime() - stream.lookbackMs) : this.opts.backfillStart(now);
      const pageSize = this.opts.pageSize ?? stream.pageSize;
      let pageToken: string | null = null;
      do {
        const page = stats.pages + 1;
        let res: { records: Raw[]; nextPageToken: string | null };
        try {
          res = await stream.fetch(this.def.client, { since, until: now, pageToken, pageSize }, api);
        } catch (err) {
          if (err instanceof RecordShapeError || err instanceof SyntaxError) throw new MalformedPageError(this.def.name, stream.name, page, err.message);
          throw err;
        }
        const batch: Batch = {};
        let next = cursor;
        for (const [i, record] of res.records.entries()) {
          try {
            addBatch(batch, stream.table, stream.map(record));
          } catch (err) {
            throw new MalformedPageError(this.def.name, stream.name, page, `record ${i}: ${err instanceof Error ? err.message : String(err)}`);
          }
          const at = cursorOf(record);
          // The cursor never moves past the run's own clock: a record stamped in the future
          // (clock skew) would otherwise make later runs skip what happens until then.
          if (at && (!next || at > next)) next = at > now ? now : at;
        }
        const r = await loadBatch(db, { source: this.def.name, stream: stream.name, cursor: next?.toISOString() ?? null }, batch);
        cursor = next;
        stats.pages = page;
        stats.rowsRead += res.records.length;
        stats.rowsMapped += r.received;
        stats.rowsUpserted += r.changed;
        stats.rowsRejected += r.rejected;
        if (r.minTime && (!stats.minTime || r.minTime < stats.minTime)) stats.minTime = r.minTime;
        if (r.maxTime && (!stats.maxTime || r.maxTime > stats.maxTime)) stats.maxTime = r.maxTime;
        stats.cursor = cursor?.toISOString() ?? null;
        pageToken = res.nextPageToken;
        await this.opts.onPage?.(stats);
      } while (pageToken && !this.opts.signal?.aborted);
    } catch (err) {
      stats.status = err instanceof BreakerOpenError ? 'skipped' : 'error';
      stats.error = err instanceof Error ? err.message : String(err);
      if (!(err instanceof MalformedPageError) && !(err instanceof BreakerOpenError) && !stats.error.startsWith(`${this.def.name}/`)) {
        stats.error = `${this.def.name}/${stream.name} page ${stats.pages + 1}: ${stats.error}`;
      }
    }
    stats.apiCalls = api.calls;
    stats.breakerState = this.breaker.state;
    const finishedAt = new Date();
    stats.ms = finishedAt.getTime() - startedAt.getTime();
    // /metrics follows etl_runs: every run counts, whatever its outcome (the lag moves on success).
    recordSyncRun({
      source: stats.source, stream: stats.stream, status: stats.status, rowsRead: stats.rowsRead, rowsUpserted: stats.rowsUpserted,
      rowsRejected: stats.rowsRejected, breakerState: stats.breakerState, finishedAt,
    });
    await recordRun(db, { ...stats, startedAt, finishedAt }).catch((err: unknown) =>
      log.error('etl_runs write failed', { source: this.def.name, stream: stream.name, error: err instanceof Error ? err.message : String(err) }),
    );
    const line = {
      source: stats.source, stream: stats.stream, status: stats.status, rowsRead: stats.rowsRead, rowsUpserted: stats.rowsUpserted,
      rowsRejected: stats.rowsRejected, pages: stats.pages, apiCalls: stats.apiCalls, cursor: stats.cursor, ms: stats.ms,
      breaker: stats.breakerState, ...(stats.error ? { error: stats.error } : {}),
    };
    if (stats.status === 'ok') log.info('sync run', line);
    else if (stats.status === 'skipped') log.warn('sync run', line);
    else log.error('sync run', line);
    return stats;
  }
}
