import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { Client } from 'pg';
import { openEmbeddedChild, type EmbeddedChildDb } from '../../src/db/embeddedChild';
import { openEmbeddedThread } from '../../src/db/embeddedThread';

const running = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/**
 * The embedded database in its own process (as the daemon runs it), served on a loopback port:
 * a long query from a socket client leaves the main thread free, and each client starts from
 * the default session.
 */
describe('embedded database process and socket', () => {
  let db: EmbeddedChildDb;
  let url: string;
  beforeAll(async () => {
    db = await openEmbeddedChild();
    await db.exec(`CREATE TABLE m (t timestamptz NOT NULL, v int NOT NULL);
      SELECT create_hypertable('m', 't');
      CREATE MATERIALIZED VIEW m_daily WITH (timescaledb.continuous) AS SELECT time_bucket('1 day', t) AS d, sum(v) AS s FROM m GROUP BY 1 WITH NO DATA;`);
    url = (await db.serve(0, { queueTimeoutMs: 3_000 })).url;
  }, 120_000);
  afterAll(async () => {
    await db?.shutdown(5_000);
  });

  const connect = async () => {
    const c = new Client({ connectionString: url });
    await c.connect();
    return c;
  };

  it('a 5-second query on the socket leaves a 100 ms main-thread timer on time', () => {
    // In its own process, as the daemon runs: this jest process's heap (every suite's databases)
    // would add its own garbage-collection pauses to the figure.
    const r = spawnSync(process.execPath, ['--import', 'tsx', 'bench/socket-responsiveness.ts', '--seconds', '5', '--json'], {
      cwd: path.resolve(__dirname, '../..'),
      encoding: 'utf8',
      timeout: 120_000,
    });
    expect(r.status).toBe(0);
    const m = JSON.parse(r.stdout.trim().split('\n').pop() ?? '{}') as { queryMs: number; ticks: number; worstLateMs: number; p50LateMs: number };
    process.stderr.write(`tick lateness during a ${m.queryMs} ms socket query: ${m.ticks} ticks, p50 ${m.p50LateMs} ms, worst ${m.worstLateMs} ms late\n`);
    expect(m.queryMs).toBeGreaterThanOrEqual(5_000);
    expect(m.ticks).toBeGreaterThanOrEqual(40);
    expect(m.worstLateMs).toBeLessThanOrEqual(200);
  }, 150_000);

  it('client A changes the session and leaves; client B sees the defaults', async () => {
    const b0 = await connect();
    const defaults = (await b0.query<{ tz: string; sp: string; who: string }>(`SELECT current_setting('TimeZone') AS tz, current_setting('search_path') AS sp, current_user AS who`)).rows[0];
    await b0.end();

    const a = await connect();
    await a.query(`SET TIME ZONE 'Asia/Kathmandu'`);
    await a.query(`SET search_path TO pg_catalog`);
    await a.query(`CREATE ROLE kpi_reader_probe NOLOGIN`);
    await a.query(`SET ROLE kpi_reader_probe`);
    await a.query(`PREPARE leftover AS SELECT 1`);
    await a.query('BEGIN');
    await a.query(`SELECT 1`);
    await a.end(); // leaves inside an open transaction

    const b = await connect();
    try {
      const seen = (await b.query<{ tz: string; sp: string; who: string }>(`SELECT current_setting('TimeZone') AS tz, current_setting('search_path') AS sp, current_user AS who`)).rows[0];
      expect(seen).toEqual(defaults);
      expect(seen?.tz).not.toBe('Asia/Kathmandu');
      expect((await b.query(`SELECT name FROM pg_prepared_statements`)).rows).toEqual([]);
      // Not inside A's transaction: a failing statement does not poison the next one.
      await expect(b.query('SELECT 1/0')).rejects.toThrow(/division by zero/);
      expect((await b.query<{ one: number }>('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
      // TimescaleDB is still initialised after the reset.
      await b.query(`INSERT INTO m VALUES ('2026-11-20T12:00:00Z', 3)`);
      await b.query(`CALL refresh_continuous_aggregate('m_daily', NULL, NULL)`);
      expect((await b.query<{ s: string }>('SELECT s::text FROM m_daily')).rows).toEqual([{ s: '3' }]);
    } finally {
      await b.end();
    }
    // The daemon's own session is reset too.
    const own = await db.query<{ tz: string }>(`SELECT current_setting('TimeZone') AS tz`);
    expect(own.rows[0]?.tz).toBe(defaults?.tz);
  }, 30_000);

  it('a client waiting behind a held connection is refused with a reason after the queue timeout', async () => {
    const holder = await connect();
    await holder.query('BEGIN');
    const waiter = new Client({ connectionString: url });
    const t0 = Date.now();
    await expect(waiter.connect()).rejects.toThrow(/embedded database busy/);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(2_900);
    await holder.query('ROLLBACK');
    await holder.end();
    const next = await connect();
    expect((await next.query<{ one: number }>('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
    await next.end();
  }, 30_000);

  it('values keep their types across the process boundary', async () => {
    const r = await db.query<{ at: Date; big: bigint | number; bytes: Uint8Array; n: null }>(
      `SELECT '2026-11-20T12:00:00.123Z'::timestamptz AS at, 9007199254740993::int8 AS big, '\\x00ff'::bytea AS bytes, NULL AS n`,
    );
    const row = r.rows[0];
    // Jest's test realm has its own Date constructor: check the value's class, not instanceof.
    expect(Object.prototype.toString.call(row?.at)).toBe('[object Date]');
    expect(row?.at.toISOString()).toBe('2026-11-20T12:00:00.123Z');
    expect(String(row?.big)).toBe('9007199254740993');
    expect(Array.from(row?.bytes ?? [])).toEqual([0, 255]);
    expect(row?.n).toBeNull();
  });

  it('ignores SIGINT and SIGTERM: Ctrl-C reaches the whole process group, the daemon closes it', async () => {
    process.kill(db.pid, 'SIGINT');
    process.kill(db.pid, 'SIGTERM');
    await new Promise((r) => setTimeout(r, 300));
    expect(running(db.pid)).toBe(true);
    expect((await db.query<{ one: number }>('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
  });

  it('transactions through the process commit and roll back', async () => {
    await db.transaction(async (tx) => {
      await tx.query(`INSERT INTO m VALUES ('2026-11-21T12:00:00Z', 5)`);
    });
    await expect(
      db.transaction(async (tx) => {
        await tx.query(`INSERT INTO m VALUES ('2026-11-22T12:00:00Z', 7)`);
        throw new Error('batch failed');
      }),
    ).rejects.toThrow('batch failed');
    const r = await db.query<{ v: number }>(`SELECT v FROM m ORDER BY t`);
    expect(r.rows.map((x) => x.v)).toEqual([3, 5]);
    await expect(db.query('SELECT * FROM no_such_table')).rejects.toMatchObject({ code: '42P01' });
  });
});

describe('stopping the embedded database process', () => {
  it('stops within its budget while a client holds the connection and another waits', async () => {
    const db = await openEmbeddedChild();
    const { url } = await db.serve(0);
    const holder = new Client({ connectionString: url });
    holder.on('error', () => undefined);
    await holder.connect();
    await holder.query('BEGIN');
    const waiter = new Client({ connectionString: url });
    waiter.on('error', () => undefined);
    const waiting = waiter.connect().catch(() => 'refused');
    await new Promise((r) => setTimeout(r, 200));
    const t0 = Date.now();
    await db.unserve(2_500);
    const outcome = await db.shutdown(5_000);
    const ms = Date.now() - t0;
    process.stderr.write(`process stop with a held and a queued client: ${ms} ms (${outcome})\n`);
    expect(outcome).toBe('closed');
    expect(ms).toBeLessThan(5_000);
    expect(await waiting).toBe('refused');
    expect(running(db.pid)).toBe(false);
  }, 60_000);

  it('ends a process kept busy by a long query once the budget is spent', async () => {
    const db = await openEmbeddedChild();
    const { url } = await db.serve(0);
    const c = new Client({ connectionString: url });
    c.on('error', () => undefined);
    await c.connect();
    void c.query('SELECT pg_sleep(30)').catch(() => undefined);
    await new Promise((r) => setTimeout(r, 300));
    const t0 = Date.now();
    const outcome = await db.shutdown(2_000);
    expect(outcome).toBe('terminated');
    expect(Date.now() - t0).toBeLessThan(4_000);
    expect(running(db.pid)).toBe(false);
    await expect(db.query('SELECT 1')).rejects.toThrow(/exited/);
  }, 60_000);

  it('a process that dies on its own is reported once as a crash, and pending queries fail', async () => {
    const db = await openEmbeddedChild();
    const crashes: Error[] = [];
    db.onCrash((err) => crashes.push(err));
    const inFlight = db.query('SELECT pg_sleep(10)');
    await new Promise((r) => setTimeout(r, 200));
    process.kill(db.pid, 'SIGKILL');
    await expect(inFlight).rejects.toThrow('embedded database process exited (signal SIGKILL)');
    expect(crashes.map((e) => e.message)).toEqual(['embedded database process exited (signal SIGKILL)']);
    await expect(db.query('SELECT 1')).rejects.toThrow(/exited/);
    expect(await db.shutdown(1_000)).toBe('closed');
  }, 60_000);

  it('a stop while opening ends the process at once', async () => {
    const stop = new AbortController();
    let pid = 0;
    const opening = openEmbeddedChild(undefined, { signal: stop.signal, onStart: (p) => (pid = p) });
    await new Promise((r) => setTimeout(r, 300));
    stop.abort();
    await expect(opening).rejects.toThrow('opening the embedded database was stopped');
    expect(pid).toBeGreaterThan(0);
    expect(running(pid)).toBe(false);
  }, 60_000);
});

/** The worker-thread placement the API benchmark compares with: same worker code and protocol. */
describe('embedded database thread', () => {
  it('answers, commits and closes', async () => {
    const db = await openEmbeddedThread();
    try {
      await db.exec('CREATE TABLE t (v int NOT NULL)');
      await db.transaction(async (tx) => {
        await tx.query('INSERT INTO t VALUES ($1), ($2)', [2, 3]);
      });
      expect((await db.query<{ s: string }>('SELECT sum(v)::text AS s FROM t')).rows).toEqual([{ s: '5' }]);
    } finally {
      expect(await db.shutdown(5_000)).toBe('closed');
    }
    await expect(db.query('SELECT 1')).rejects.toThrow(/exited/);
  }, 60_000);
});
