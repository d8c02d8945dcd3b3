import { logger } from '../../src/log/logger';
import { lightspeedSource } from '../../src/sources/lightspeed';
import { LightspeedStore, LightspeedTestServer } from '../../src/sources/lightspeed/testServer/server';
import { SourceRunner } from '../../src/sources/runtime/syncStream';
import { StoreSimulator } from '../../src/sources/simulator';
import { DAY_MS } from '../../src/sources/types';
import { createTestDb, type TestDb } from '../helpers/testDb';

/** The Lightspeed eCom client against the local Lightspeed server, loading through the runtime. */
const TZ = 'America/New_York';
const now = new Date('2026-11-20T18:00:00Z');

describe('Lightspeed eCom source over the local Lightspeed server', () => {
  let db: TestDb;
  let server: LightspeedTestServer;
  const runner = () =>
    new SourceRunner(lightspeedSource({ key: 'ls-key', secret: 'ls-secret', baseUrl: server.url }), {
      db, log: logger, now: () => now, backfillStart: (n) => new Date(n.getTime() - 30 * DAY_MS), pageSize: 50,
      retry: { maxAttempts: 3, baseDelayMs: 5, maxDelayMs: 20 },
    });
  const n = async (sql: string) => Number((await db.query<{ n: string }>(`SELECT count(*)::text AS n FROM ${sql}`)).rows[0]?.n);

  beforeAll(async () => {
    db = await createTestDb({ timeZone: TZ });
    const sim = new StoreSimulator({ seed: 3, scale: 1, timeZone: TZ, openedOn: '2026-11-17' });
    // 8 calls per 1-second window: the backfill needs more, so the client must wait for resets.
    server = new LightspeedTestServer({ store: LightspeedStore.fromSimulator(sim, { from: '2026-11-17', asOf: now, timeZone: TZ }), key: 'ls-key', secret: 'ls-secret', perWindow: 8, windowSeconds: 1 });
    await server.start();
  });
  afterAll(async () => {
    await server?.stop();
    await db?.close();
  });

  it('pages through orders, checkouts and customers within the rate limit, abandoned carts with value and step', async () => {
    const started = Date.now();
    const runs = await runner().runAll();
    expect(runs.map((r) => [r.stream, r.status, r.error])).toEqual([['customers', 'ok', null], ['orders', 'ok', null], ['checkouts', 'ok', null]]);
    const calls = [...server.calls.values()].reduce((a, b) => a + b, 0);
    expect(calls).toBeGreaterThan(8);
    // More calls than one window allows, no 429: the client waited for the window to reset.
    expect(Date.now() - started).toBeGreaterThanOrEqual(1000);
    expect(runs.find((r) => r.stream === 'checkouts')?.pages).toBe(Math.floor(server.store.checkouts.length / 50) + 1);
    expect(await n(`orders WHERE source = 'lightspeed'`)).toBe(server.store.orders.length);
    expect(await n(`carts WHERE source = 'lightspeed'`)).toBe(server.store.checkouts.length);
    const unfinished = server.store.checkouts.filter((c) => c.order === false);
    expect(await n(`carts WHERE source = 'lightspeed' AND order_id IS NULL`)).toBe(unfinished.length);
    const first = unfinished[0] as { id: number; priceIncl: number; step: string };
    const row = (await db.query(`SELECT stage, subtotal_cents::int AS value FROM carts WHERE cart_id = $1`, [`LS-K-${first.id}`])).rows[0];
    expect(row).toEqual({ stage: { cart: 'cart', shipment: 'checkout', payment: 'payment' }[first.step], value: Math.round(first.priceIncl * 100) });
    const sums = (await db.query<{ total: string }>(`SELECT sum(total_cents)::text AS total FROM orders WHERE source = 'lightspeed'`)).rows[0];
    expect(Number(sums?.total)).toBe(server.store.orders.reduce((s, o) => s + Math.round(Number(o.priceIncl) * 100), 0));
  });

  it('a re-run writes nothing; a cancelled order is updated in place', async () => {
    const again = await runner().runAll();
    expect(again.map((r) => r.rowsUpserted)).toEqual([0, 0, 0]);
    const o = server.store.orders[0] as { id: number; status: string; updatedAt: string };
    o.status = 'cancelled';
    o.updatedAt = new Date(now.getTime() - 60_000).toISOString();
    const runs = await runner().runAll();
    expect(runs.find((r) => r.stream === 'orders')?.rowsUpserted).toBe(1);
    expect((await db.query(`SELECT status FROM orders WHERE order_id = $1`, [`LS-${o.id}`])).rows).toEqual([{ status: 'cancelled' }]);
  });

  it('wrong credentials: a 401 naming the source, not retried', async () => {
    const bad = new SourceRunner(lightspeedSource({ key: 'ls-key', secret: 'wrong', baseUrl: server.url }), { db, log: logger, now: () => now, backfillStart: () => now });
    const [first] = await bad.runAll();
    expect(first?.status).toBe('error');
    expect(first?.error).toMatch(/^lightspeed\/customers page 1: HTTP 401 GET \/en\/customers\.json: Unauthorized/);
    expect(first?.apiCalls).toBe(1);
  });
});
