/**
 * Two API servers on one Redis namespace, as two replicas of the daemon: the first-level cache of
 * each is invalidated by the other's sync over the real Redis, follows the Redis TTL, steps aside
 * when Redis stops; the rate limit is one budget per token across both, exact for small budgets
 * and within the documented slack for large ones.
 */
import { randomUUID } from 'node:crypto';
import Redis from 'ioredis';
import { RedisKpiCache } from '../../src/http/cache';
import { batchedRedisStore } from '../../src/http/rateLimitStore';
import { connectRedis } from '../../src/http/service';
import type { TestDb } from '../helpers/testDb';
import { createSeededKpiDb } from '../kpi/fixture';
import { counting, get, SHARED_REDIS, startTestServer, token, type CountingDb } from './helpers';
import { startOwnRedis } from './redisServer';

let base: TestDb;
let db: CountingDb;
let redis: Redis;
let admin: string;

beforeAll(async () => {
  base = await createSeededKpiDb();
  db = counting(base);
  redis = new Redis(SHARED_REDIS);
  admin = await token('admin');
}, 120_000);
afterAll(async () => {
  redis?.disconnect();
  await base?.close();
});

const dashboard = (url: string, path: string, tok: string) => get(`${url}/api/v1/dashboard/${path}`, tok);

async function eventually(check: () => Promise<boolean>, ms = 2000): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (await check()) return true;
    await new Promise((r) => setTimeout(r, 10));
  }
  return check();
}

describe('first-level cache across replicas', () => {
  it("an early invalidation on one replica reaches the other's first level over Redis", async () => {
    const a = await startTestServer(db);
    const b = await startTestServer(db, { prefix: a.prefix });
    try {
      const l1 = b.cache as RedisKpiCache;
      expect(await eventually(async () => l1.l1Active && (a.cache as RedisKpiCache).l1Active)).toBe(true);
      const path = 'conversion-funnel?from=2026-03-05&to=2026-03-06';
      expect((await dashboard(b.url, path, admin)).headers.get('x-cache')).toBe('miss');
      // B's copy is now local: served with neither a database query nor a Redis read.
      const q = db.counts.queries;
      await redis.del(l1.valueKey('testdb:admin:conversion-funnel:range=2026-03-05T05:00:00.000Z..2026-03-07T05:00:00.000Z'));
      expect((await dashboard(b.url, path, admin)).headers.get('x-cache')).toBe('hit');
      expect(db.counts.queries).toBe(q);
      expect(l1.l1Size).toBeGreaterThan(0);
      // A sync on A changes 2026-03-06: B's local copy goes too.
      await a.cache.invalidateDays(['2026-03-06']);
      expect(await eventually(async () => l1.l1Size === 0)).toBe(true);
      expect((await dashboard(b.url, path, admin)).headers.get('x-cache')).toBe('miss');
      expect(db.counts.queries).toBeGreaterThan(q);
    } finally {
      await b.close();
      await a.close();
    }
  });

  it('a local copy lives as long as its Redis entry, no longer', async () => {
    const prefix = `kpi-test:${randomUUID()}:`;
    const c = new RedisKpiCache(await connectRedis(SHARED_REDIS), { prefix });
    try {
      expect(await eventually(async () => c.l1Active)).toBe(true);
      let computed = 0;
      const spec = { key: 'k', ttlS: 1, days: ['2026-03-05'] };
      const compute = async () => String(++computed);
      expect((await c.getOrCompute(spec, compute)).value).toBe('1');
      expect(await c.getOrCompute(spec, compute)).toMatchObject({ hit: true, value: '1' });
      await new Promise((r) => setTimeout(r, 1100));
      expect(await c.getOrCompute(spec, compute)).toMatchObject({ hit: false, value: '2' });
    } finally {
      const keys = await redis.keys(`${prefix}*`);
      if (keys.length) await redis.del(...keys);
      await c.close();
    }
  });

  it('Redis stopped: the first level is dropped (it could miss invalidations) and the API answers 200 from the database', async () => {
    const own = await startOwnRedis();
    const s = await startTestServer(db, { redisUrl: own.url });
    try {
      const cache = s.cache as RedisKpiCache;
      expect(await eventually(async () => cache.l1Active)).toBe(true);
      const path = 'top-products?from=2026-03-05&to=2026-03-11';
      await dashboard(s.url, path, admin);
      expect((await dashboard(s.url, path, admin)).headers.get('x-cache')).toBe('hit');
      expect(cache.l1Size).toBeGreaterThan(0);
      await own.kill();
      const q = db.counts.queries;
      const r = await dashboard(s.url, path, admin);
      expect(r.status).toBe(200);
      expect(r.headers.get('x-cache')).toBe('miss');
      expect(db.counts.queries).toBeGreaterThan(q);
      expect(cache.l1Active).toBe(false);
      expect(cache.l1Size).toBe(0);
    } finally {
      await own.kill();
      await s.close();
    }
  });
});

describe('rate limit across replicas', () => {
  it('a small budget is exact: 3 per minute spread over two replicas, the 4th is refused on either', async () => {
    const a = await startTestServer(db, { rateLimitPerMin: 3 });
    const b = await startTestServer(db, { rateLimitPerMin: 3, prefix: a.prefix });
    try {
      const t = await token('public');
      const at = (s: { url: string }) => get(`${s.url}/api/v1/dashboard/revenue-today`, t).then((r) => r.status);
      expect([await at(a), await at(b), await at(a)]).toEqual([200, 200, 200]);
      expect(await at(b)).toBe(429);
      expect(await at(a)).toBe(429);
      // Another token has its own budget.
      expect((await get(`${b.url}/api/v1/dashboard/revenue-today`, await token('public'))).status).toBe(200);
    } finally {
      await b.close();
      await a.close();
    }
  });

  it('a large budget is counted in batches: over two replicas a token gets at least its budget and at most budget + slack', async () => {
    const a = await startTestServer(db, { rateLimitPerMin: 200, rateLimitSlack: 0.05 });
    const b = await startTestServer(db, { rateLimitPerMin: 200, rateLimitSlack: 0.05, prefix: a.prefix });
    try {
      const t = await token('public');
      let ok = 0;
      let refused = 0;
      for (let i = 0; i < 300; i++) {
        const s = i % 2 === 0 ? a : b;
        const status = (await get(`${s.url}/api/v1/dashboard/revenue-today`, t)).status;
        if (status === 200) ok++;
        else if (status === 429) refused++;
      }
      // slack = 5 % of 200 = 10 per replica; the other replica's unsent count is the only error.
      expect(ok).toBeGreaterThanOrEqual(200);
      expect(ok).toBeLessThanOrEqual(210);
      expect(ok + refused).toBe(300);
    } finally {
      await b.close();
      await a.close();
    }
  });

  it('the store alone: two processes counting one key concurrently stay within max + slack', async () => {
    const nameSpace = `kpi-test:${randomUUID()}:rl:`;
    const [r1, r2] = [await connectRedis(SHARED_REDIS), await connectRedis(SHARED_REDIS)];
    const S1 = batchedRedisStore({ redis: r1, nameSpace, slackRatio: 0.01, flushMs: 20 });
    const S2 = batchedRedisStore({ redis: r2, nameSpace, slackRatio: 0.01, flushMs: 20 });
    const [s1, s2] = [new S1(), new S2()];
    try {
      const max = 1000;
      let admitted = 0;
      const one = (s: InstanceType<typeof S1>) =>
        new Promise<void>((resolve, reject) =>
          s.incr('tok', (err, res) => {
            if (err || !res) return reject(err ?? new Error('no result'));
            if (res.current <= max) admitted++;
            resolve();
          }, 60_000, max),
        );
      // 3000 requests in rounds of 100 per store, with time for batches to travel in between.
      for (let round = 0; round < 15; round++) {
        await Promise.all(Array.from({ length: 100 }, (_, i) => one(i % 2 ? s1 : s2)));
        await Promise.all(Array.from({ length: 100 }, (_, i) => one(i % 2 ? s2 : s1)));
        await new Promise((r) => setTimeout(r, 5));
      }
      expect(admitted).toBeGreaterThanOrEqual(max);
      expect(admitted).toBeLessThanOrEqual(max + 10);
      s1.flushAll();
      s2.flushAll();
      expect(await eventually(async () => Number(await redis.get(`${nameSpace}tok`)) === 3000)).toBe(true);
      expect(await redis.pttl(`${nameSpace}tok`)).toBeGreaterThan(50_000);
    } finally {
      await redis.del(`${nameSpace}tok`);
      r1.disconnect();
      r2.disconnect();
    }
  });
});
