/**
 * The API cache observed on a real Redis (the shared one, under a unique key prefix; and a
 * private redis-server that is killed mid-test), and the in-process cache with the same rules.
 */
import Redis from 'ioredis';
import { RedisKpiCache } from '../../src/http/cache';
import { connectRedis } from '../../src/http/service';
import type { TestDb } from '../helpers/testDb';
import { createSeededKpiDb } from '../kpi/fixture';
import { counting, get, SHARED_REDIS, startTestServer, token, type CountingDb, type TestServer } from './helpers';
import { startOwnRedis } from './redisServer';

let base: TestDb;
let db: CountingDb;
let srv: TestServer;
let redis: Redis;
let admin: string;
let manager: string;

beforeAll(async () => {
  base = await createSeededKpiDb();
  db = counting(base);
  srv = await startTestServer(db);
  redis = new Redis(SHARED_REDIS);
  [admin, manager] = await Promise.all([token('admin'), token('manager')]);
}, 120_000);
afterAll(async () => {
  await srv?.close();
  redis?.disconnect();
  await base?.close();
});

const api = (s: TestServer, path: string, tok: string) => get(`${s.url}/api/v1/dashboard/${path}`, tok);
const keysOf = async (s: TestServer, pattern: string) => redis.keys(`${s.prefix}v:*${pattern}*`);

describe('Redis cache', () => {
  it('the second call is a hit served without a database query', async () => {
    const q0 = db.counts.queries;
    const first = await api(srv, 'top-products?from=2026-03-05&to=2026-03-11', admin);
    expect(first.headers.get('x-cache')).toBe('miss');
    const q1 = db.counts.queries;
    expect(q1).toBeGreaterThan(q0);
    const second = await api(srv, 'top-products?from=2026-03-05&to=2026-03-11', admin);
    expect(second.status).toBe(200);
    expect(second.headers.get('x-cache')).toBe('hit');
    expect(db.counts.queries).toBe(q1);
    expect(second.body).toEqual(first.body);
    // Stored on Redis, under role + endpoint + normalised parameters + database identity.
    const keys = await keysOf(srv, 'top-products');
    expect(keys).toEqual([`${srv.prefix}v:testdb:admin:top-products:range=2026-03-05T05:00:00.000Z..2026-03-12T04:00:00.000Z&limit=10&sort=revenue`]);
    expect(JSON.parse((await redis.get(keys[0] as string)) as string)).toEqual(first.body);
  });

  it('parameters are normalised: defaults spelt out or not, in any order, share one entry', async () => {
    await api(srv, 'top-products?timeframe=7d', admin);
    const q = db.counts.queries;
    const r = await api(srv, 'top-products?sort=revenue&limit=10&timeframe=7d', admin);
    expect(r.headers.get('x-cache')).toBe('hit');
    expect(db.counts.queries).toBe(q);
    // Another role is another entry (a manager must never get the admin's margin from the cache).
    const m = await api(srv, 'top-products?timeframe=7d', manager);
    expect(m.headers.get('x-cache')).toBe('miss');
    expect(JSON.stringify(m.body)).not.toMatch(/margin|cogs/);
  });

  it('each kind of figure gets its configured TTL: revenue 5 min, product rankings 15 min, historical 1 h', async () => {
    await api(srv, 'revenue-today', admin);
    await api(srv, 'top-products?timeframe=30d', admin);
    await api(srv, 'conversion-funnel?timeframe=7d', admin);
    await api(srv, 'top-products?from=2026-03-01&to=2026-03-07', admin); // a past range is historical
    const ttl = async (pattern: string) => {
      const keys = await keysOf(srv, pattern);
      expect(keys).toHaveLength(1);
      return redis.ttl(keys[0] as string);
    };
    expect(await ttl('revenue-today:at=now')).toBeGreaterThan(290);
    expect(await ttl('revenue-today:at=now')).toBeLessThanOrEqual(300);
    expect(await ttl('top-products:range=30d')).toBeGreaterThan(890);
    expect(await ttl('top-products:range=30d')).toBeLessThanOrEqual(900);
    expect(await ttl('conversion-funnel:range=7d')).toBeGreaterThan(3590);
    expect(await ttl('top-products:range=2026-03-01')).toBeGreaterThan(3590);
    expect(await ttl('top-products:range=2026-03-01')).toBeLessThanOrEqual(3600);
  });

  it('live orders never touch the cache', async () => {
    const q0 = db.counts.queries;
    const a = await api(srv, 'live-orders?limit=5', admin);
    const q1 = db.counts.queries;
    const b = await api(srv, 'live-orders?limit=5', admin);
    expect([a.headers.get('x-cache'), b.headers.get('x-cache')]).toEqual(['bypass', 'bypass']);
    expect(q1).toBeGreaterThan(q0);
    expect(db.counts.queries).toBeGreaterThan(q1);
    expect(await keysOf(srv, 'live-orders')).toEqual([]);
  });

  it('a sync that changes a day drops the entries of that day early, and only those', async () => {
    const touched = 'conversion-funnel?from=2026-03-05&to=2026-03-06';
    const other = 'conversion-funnel?from=2026-03-09&to=2026-03-11';
    const lifetime = 'customer-insights?from=2026-03-09&to=2026-03-11'; // CLV depends on every earlier day
    for (const p of [touched, other, lifetime]) await api(srv, p, admin);
    for (const p of [touched, other, lifetime]) expect((await api(srv, p, admin)).headers.get('x-cache')).toBe('hit');
    expect(await srv.cache.invalidateDays(['2026-03-06'])).toBeGreaterThanOrEqual(2);
    expect((await api(srv, touched, admin)).headers.get('x-cache')).toBe('miss');
    expect((await api(srv, lifetime, admin)).headers.get('x-cache')).toBe('miss');
    expect((await api(srv, other, admin)).headers.get('x-cache')).toBe('hit');
  });

  it('one recomputation per key at a time: 20 concurrent cold requests cost one computation', async () => {
    const path = 'campaign-performance?from=2026-03-05&to=2026-03-08';
    const t0 = db.counts.transactions;
    const all = await Promise.all(Array.from({ length: 20 }, () => api(srv, path, admin)));
    expect(all.every((r) => r.status === 200)).toBe(true);
    expect(db.counts.transactions - t0).toBe(1);
    expect(new Set(all.map((r) => JSON.stringify(r.body))).size).toBe(1);
  });

  it('across processes too: two caches on one Redis compute a cold key once (lock, then wait for the value)', async () => {
    const c1 = new RedisKpiCache(await connectRedis(SHARED_REDIS), { prefix: `${srv.prefix}x:` });
    const c2 = new RedisKpiCache(await connectRedis(SHARED_REDIS), { prefix: `${srv.prefix}x:` });
    try {
      let computations = 0;
      const compute = async () => {
        computations++;
        await new Promise((r) => setTimeout(r, 200));
        return '{"v":1}';
      };
      const spec = { key: 'k', ttlS: 60, days: ['2026-03-05'] };
      const out = await Promise.all([c1.getOrCompute(spec, compute), c2.getOrCompute(spec, compute), c2.getOrCompute(spec, compute)]);
      expect(computations).toBe(1);
      expect(out.map((o) => o.value)).toEqual(['{"v":1}', '{"v":1}', '{"v":1}']);
    } finally {
      const keys = await redis.keys(`${srv.prefix}x:*`);
      if (keys.length) await redis.del(...keys);
      await c1.close();
      await c2.close();
    }
  });

  it('a value computed while its day was invalidated is not stored (it would already be stale)', async () => {
    const cache = new RedisKpiCache(await connectRedis(SHARED_REDIS), { prefix: `${srv.prefix}y:` });
    try {
      let release!: () => void;
      const gate = new Promise<void>((r) => (release = r));
      const spec = { key: 'k', ttlS: 60, days: ['2026-03-05'] };
      const pending = cache.getOrCompute(spec, async () => {
        await gate;
        return 'old';
      });
      await new Promise((r) => setTimeout(r, 50));
      await cache.invalidateDays(['2026-03-05']);
      release();
      expect((await pending).value).toBe('old');
      expect(await redis.exists(cache.valueKey('k'))).toBe(0);
      expect((await cache.getOrCompute(spec, async () => 'new')).value).toBe('new');
      expect(await redis.get(cache.valueKey('k'))).toBe('new');
    } finally {
      const keys = await redis.keys(`${srv.prefix}y:*`);
      if (keys.length) await redis.del(...keys);
      await cache.close();
    }
  });
});

describe('Redis stopped mid-test', () => {
  it('still answers 200 from the database; /readyz says Redis is unreachable', async () => {
    const own = await startOwnRedis();
    const s = await startTestServer(db, { redisUrl: own.url });
    try {
      const path = 'top-products?from=2026-03-05&to=2026-03-11';
      const first = await api(s, path, admin);
      expect((await api(s, path, admin)).headers.get('x-cache')).toBe('hit');
      expect((await get(`${s.url}/readyz`)).status).toBe(200);
      await own.kill();
      const q0 = db.counts.queries;
      const after = await api(s, path, admin);
      expect(after.status).toBe(200);
      expect(after.headers.get('x-cache')).toBe('miss');
      expect(db.counts.queries).toBeGreaterThan(q0);
      expect((after.body as { products: unknown }).products).toEqual((first.body as { products: unknown }).products);
      expect((await api(s, 'revenue-today', admin)).status).toBe(200);
      const ready = await get(`${s.url}/readyz`);
      expect(ready.status).toBe(503);
      expect(ready.type).toMatch(/^application\/problem\+json/);
      expect(ready.body.detail).toMatch(/redis unreachable/);
    } finally {
      await own.kill();
      await s.close();
    }
  });
});

describe('in-process cache (no Redis)', () => {
  it('same rules: hit without a query, TTL, live orders bypass, early invalidation, one computation per key', async () => {
    const s = await startTestServer(db, { redisUrl: null, ttls: { productRankings: 120 } });
    try {
      const path = 'top-products?timeframe=7d';
      await api(s, path, manager);
      const q = db.counts.queries;
      expect((await api(s, path, manager)).headers.get('x-cache')).toBe('hit');
      expect(db.counts.queries).toBe(q);
      const mem = s.cache as import('../../src/http/cache').MemoryKpiCache;
      expect(mem.ttl('testdb:manager:top-products:range=7d&limit=10&sort=revenue')).toBe(120);
      expect((await api(s, 'live-orders', manager)).headers.get('x-cache')).toBe('bypass');
      const today = new Intl.DateTimeFormat('en-CA', { timeZone: 'America/New_York' }).format(new Date());
      await s.cache.invalidateDays([today]);
      expect((await api(s, path, manager)).headers.get('x-cache')).toBe('miss');
      const t0 = db.counts.transactions;
      await Promise.all(Array.from({ length: 10 }, () => api(s, 'conversion-funnel?timeframe=90d', manager)));
      expect(db.counts.transactions - t0).toBe(1);
    } finally {
      await s.close();
    }
  });
});
