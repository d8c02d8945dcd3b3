import { Socket } from 'node:net';
import Redis from 'ioredis';
import { Client } from 'pg';
import { migrate } from '../../src/db/migrate';
import { openServer } from '../../src/db/server';
import { RedisJobLock } from '../../src/jobs/lock';
import { CONTINUOUS_AGGREGATES, refreshAggregates } from '../../src/kpi/aggregates';
import type { Queryable } from '../../src/db/db';
import { createSeededKpiDb, loadFixture } from './fixture';

const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

/**
 * Two replicas (two lock owners on one real Redis) refreshing the same aggregates at the same
 * moment: with the per-aggregate lock no two refreshes of one aggregate are ever in flight at
 * once; without it they are. Locks of another database id do not wait for them.
 */
describe('continuous aggregate refreshes never overlap', () => {
  const run = `kpi:test:refresh:${process.pid}:${Date.now()}`;
  const redis: Redis[] = [];
  let db: Awaited<ReturnType<typeof createSeededKpiDb>>;
  beforeAll(async () => {
    db = await createSeededKpiDb();
  }, 180_000);
  afterAll(async () => {
    const keys = await redis[0]?.keys(`${run}*`);
    if (keys?.length) await redis[0]?.del(...keys);
    redis.forEach((r) => r.disconnect());
    await db?.close();
  });
  const replica = (dbId: string) => {
    const r = new Redis(REDIS_URL);
    redis.push(r);
    return new RedisJobLock(r, `${run}:${dbId}:`);
  };

  /** Records every refresh call's [start, end] per aggregate, each held 150 ms like a slow server refresh. */
  const recorder = () => {
    const spans: { agg: string; start: number; end: number }[] = [];
    const q: Queryable = {
      async query<T>(sql: string, params?: unknown[]) {
        const start = Date.now();
        const r = await db.query<T>(sql, params);
        await new Promise((res) => setTimeout(res, 150));
        spans.push({ agg: String(params?.[0]), start, end: Date.now() });
        return r;
      },
      exec: (sql: string) => db.exec(sql),
    };
    const overlaps = () => {
      let n = 0;
      for (const a of spans) for (const b of spans) if (a !== b && a.agg === b.agg && a.start < b.end && b.start < a.end) n++;
      return n / 2;
    };
    return { q, spans, overlaps };
  };

  it('without a lock, two simultaneous refreshes overlap (the failure on a server)', async () => {
    const r = recorder();
    await Promise.all([refreshAggregates(r.q, null, null), refreshAggregates(r.q, null, null)]);
    expect(r.overlaps()).toBeGreaterThan(0);
  }, 60_000);

  it('with the per-aggregate lock, two replicas of one database take turns on each aggregate', async () => {
    const r = recorder();
    const a = replica('db-one');
    const b = replica('db-one');
    await Promise.all([refreshAggregates(r.q, null, null, { lock: a }), refreshAggregates(r.q, null, null, { lock: b }), refreshAggregates(r.q, null, null, { lock: a })]);
    expect(r.spans.length).toBe(3 * CONTINUOUS_AGGREGATES.length);
    expect(r.overlaps()).toBe(0);
    expect(await redis[0]?.keys(`${run}:db-one:*`)).toEqual([]);
  }, 60_000);

  it('the lock keys carry the database id: another database does not wait', async () => {
    const holder = replica('db-one');
    const other = replica('db-two');
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const held = holder.withLock(`refresh:${CONTINUOUS_AGGREGATES[0]}`, 10_000, () => gate);
    await new Promise((r) => setTimeout(r, 50));
    expect(await redis[0]?.exists(`${run}:db-one:refresh:${CONTINUOUS_AGGREGATES[0]}`)).toBe(1);
    const t0 = Date.now();
    await refreshAggregates(db, null, null, { lock: other, waitMs: 5_000 });
    expect(Date.now() - t0).toBeLessThan(5_000);
    // The same database waits for the holder, and gives up with a clear error when told to.
    await expect(refreshAggregates(db, null, null, { lock: replica('db-one'), waitMs: 300 })).rejects.toThrow(`refresh of ${CONTINUOUS_AGGREGATES[0]} gave up waiting for another refresh of it`);
    release();
    await held;
  }, 60_000);
});

const SERVER = { host: '127.0.0.1', port: 5434 };
const reachable = (): Promise<boolean> =>
  new Promise((resolve) => {
    const s = new Socket();
    s.setTimeout(1000);
    s.once('connect', () => (s.destroy(), resolve(true)));
    s.once('error', () => resolve(false));
    s.once('timeout', () => (s.destroy(), resolve(false)));
    s.connect(SERVER.port, SERVER.host);
  });

/** The failure itself, on a native TimescaleDB server: two pools (two replicas) refreshing together. */
describe('refreshes on a real TimescaleDB server', () => {
  const name = `kpi_refresh_${process.pid}_${Date.now()}`;
  const run = `kpi:test:refresh-server:${process.pid}:${Date.now()}:`;
  let up = false;
  let admin: Client | null = null;
  let a: ReturnType<typeof openServer>;
  let b: ReturnType<typeof openServer>;
  const redis: Redis[] = [];
  beforeAll(async () => {
    up = await reachable();
    if (!up) {
      process.stdout.write(`skipping the real-server refresh test: no TimescaleDB on ${SERVER.host}:${SERVER.port}\n`);
      return;
    }
    admin = new Client({ ...SERVER, user: 'postgres', database: 'postgres' });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${name}`);
    const url = `postgresql://postgres@${SERVER.host}:${SERVER.port}/${name}`;
    a = openServer(url);
    b = openServer(url);
    await migrate(a, { timeZone: 'America/New_York' });
    await loadFixture(a);
  }, 120_000);
  afterAll(async () => {
    if (!up) return;
    await a?.close();
    await b?.close();
    const keys = await redis[0]?.keys(`${run}*`);
    if (keys?.length) await redis[0]?.del(...keys);
    redis.forEach((r) => r.disconnect());
    await admin?.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await admin?.end();
  });

  const rounds = async (serialize: (i: number) => RedisJobLock | undefined) => {
    const errors: string[] = [];
    for (let round = 0; round < 4; round++) {
      const results = await Promise.allSettled([a, b, a].map((db, i) => refreshAggregates(db, null, null, serialize(i) ? { lock: serialize(i) as RedisJobLock } : undefined)));
      for (const r of results) if (r.status === 'rejected') errors.push((r.reason as Error).message);
      // New invalidations, so the next round has work to do.
      await a.query(`UPDATE orders SET subtotal_cents = subtotal_cents + 1`);
    }
    return errors;
  };

  it('without the lock, refreshes collide ("due to a concurrent refresh"); with it, none does', async () => {
    if (!up) return;
    const unlocked = await rounds(() => undefined);
    const locks = [0, 1, 2].map(() => {
      const r = new Redis(REDIS_URL);
      redis.push(r);
      return new RedisJobLock(r, run);
    });
    const locked = await rounds((i) => locks[i]);
    process.stderr.write(`real server, 4 rounds of 3 simultaneous refreshes: ${unlocked.length} collisions without the lock, ${locked.length} with it\n`);
    expect(unlocked.length).toBeGreaterThan(0);
    expect(unlocked.every((m) => /due to a concurrent refresh/.test(m))).toBe(true);
    expect(locked).toEqual([]);
  }, 120_000);
});
