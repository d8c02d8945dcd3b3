import Redis from 'ioredis';
import { RedisJobLock } from '../../src/jobs/lock';
import { CONTINUOUS_AGGREGATES, refreshAggregates } from '../../src/kpi/aggregates';
import type { Queryable } from '../../src/db/db';
import { createSeededKpiDb } from './fixture';

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
