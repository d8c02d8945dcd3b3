/**
 * What the source tests share: a logger whose lines the test can read (to prove no token is
 * logged), a runner whose waits are recorded instead of slept, and small readers of the
 * runtime's bookkeeping (sync_state, etl_runs).
 */
import { Writable } from 'node:stream';
import winston from 'winston';
import type { Queryable } from '../../src/db/db';
import type { Logger } from '../../src/log/logger';
import { SourceRunner, type RunnerOptions } from '../../src/sources/runtime/syncStream';
import type { SourceDef } from '../../src/sources/runtime/source';
import type { Db } from '../../src/db/db';

export function captureLogger(): { log: Logger; lines: string[] } {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(chunk.toString());
      done();
    },
  });
  const log = winston.createLogger({ level: 'debug', format: winston.format.json(), transports: [new winston.transports.Stream({ stream })] });
  return { log, lines };
}

export interface Harness<C> {
  runner: SourceRunner<C>;
  waits: number[];
  lines: string[];
}

export function makeRunner<C>(db: Db, def: SourceDef<C>, log: Logger, lines: string[], opts: Partial<RunnerOptions> = {}): Harness<C> {
  const waits: number[] = [];
  const runner = new SourceRunner(def, {
    db, log,
    backfillStart: (now) => new Date(now.getTime() - 100 * 86_400_000),
    retry: { maxAttempts: 4, baseDelayMs: 1, maxDelayMs: 5 },
    breaker: { failureThreshold: 5, coolDownMs: 60_000 },
    sleep: async (ms) => {
      waits.push(ms);
    },
    ...opts,
  });
  return { runner, waits, lines };
}

export async function cursorOf(db: Queryable, source: string, stream: string): Promise<string | null> {
  const r = await db.query<{ cursor: string | null }>('SELECT cursor FROM sync_state WHERE source = $1 AND stream = $2', [source, stream]);
  return r.rows[0]?.cursor ?? null;
}

export async function lastRun(db: Queryable, source: string, stream: string): Promise<{ status: string; rows_upserted: number; pages: number; error: string | null; breaker_state: string }> {
  const r = await db.query<{ status: string; rows_upserted: number; pages: number; error: string | null; breaker_state: string }>(
    'SELECT status, rows_upserted, pages, error, breaker_state FROM etl_runs WHERE source = $1 AND stream = $2 ORDER BY id DESC LIMIT 1',
    [source, stream],
  );
  const row = r.rows[0];
  if (!row) throw new Error(`no etl_runs row for ${source}/${stream}`);
  return row;
}
