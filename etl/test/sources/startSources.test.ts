import { loadConfig } from '../../src/config/config';
import { LocalJobLock } from '../../src/jobs/lock';
import { Scheduler } from '../../src/jobs/scheduler';
import { logger } from '../../src/log/logger';
import { LightspeedStore, LightspeedTestServer } from '../../src/sources/lightspeed/testServer/server';
import { startSources } from '../../src/sources/runtime/startSources';
import { SquareStore } from '../../src/sources/square/testServer/store';
import { SquareTestServer } from '../../src/sources/square/testServer/server';
import { createTestDb, type TestDb } from '../helpers/testDb';

/**
 * The daemon's wiring: sources switched on by credentials, one scheduled job each. With Square
 * answering 503 to everything, the Lightspeed job still loads its orders.
 */
describe('startSources', () => {
  let db: TestDb;
  let square: SquareTestServer;
  let lightspeed: LightspeedTestServer;
  const now = new Date('2026-11-20T18:00:00Z');

  beforeAll(async () => {
    db = await createTestDb();
    square = new SquareTestServer({ store: SquareStore.withCatalog(), token: 'sq' });
    await square.start();
    const shop = new LightspeedStore();
    shop.orders.push({ id: 7, createdAt: '2026-11-20T15:00:00Z', updatedAt: '2026-11-20T15:00:00Z', status: 'completed_shipped', priceExcl: 1234567.89, priceIncl: 1234567.89, currency: 'usd', customer: false });
    shop.orders.push({ id: 8, createdAt: '2026-11-20T15:05:00Z', updatedAt: '2026-11-20T15:05:00Z', status: 'processing_awaiting_shipment', priceExcl: 0.01, priceIncl: 0.01, currency: 'usd', customer: false });
    lightspeed = new LightspeedTestServer({ store: shop, key: 'k', secret: 's' });
    await lightspeed.start();
  });
  afterAll(async () => {
    await square?.stop();
    await lightspeed?.stop();
    await db?.close();
  });

  it('a failing source never stops the others', async () => {
    for (const p of ['/v2/locations', '/v2/catalog/list', '/v2/customers/search']) square.fault(p, { kind: 'status', status: 503, times: 1000 });
    const config = loadConfig({
      SQUARE_ACCESS_TOKEN: 'sq', SQUARE_BASE_URL: square.url, LIGHTSPEED_API_KEY: 'k', LIGHTSPEED_API_SECRET: 's', LIGHTSPEED_BASE_URL: lightspeed.url,
    });
    const scheduler = new Scheduler(new LocalJobLock(), logger);
    const retry = { maxAttempts: 5, baseDelayMs: 5, maxDelayMs: 20 };
    const { jobs, runners } = startSources({ db, config, log: logger, scheduler, live: null, now: () => now, retry });
    expect(jobs.map((j) => j.name)).toEqual(['sync-square', 'sync-lightspeed']);
    await Promise.all(jobs.map((j) => scheduler.trigger(j)));
    await scheduler.stop();
    const runs = await db.query<{ source: string; status: string }>(`SELECT source, status, count(*)::int AS n FROM etl_runs GROUP BY 1, 2 ORDER BY 1, 2`);
    expect(runs.rows).toEqual([
      { source: 'lightspeed', status: 'ok', n: 3 },
      { source: 'square', status: 'error', n: 1 },
      { source: 'square', status: 'skipped', n: 7 },
    ]);
    expect(runners[0]?.breaker.state).toBe('open');
    const orders = await db.query(`SELECT order_id, total_cents::text AS total FROM orders ORDER BY order_id`);
    expect(orders.rows).toEqual([{ order_id: 'LS-7', total: '123456789' }, { order_id: 'LS-8', total: '1' }]);
  }, 120_000);
});
