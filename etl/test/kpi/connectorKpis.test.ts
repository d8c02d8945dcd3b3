import { refreshAggregates } from '../../src/kpi/aggregates';
import { logger } from '../../src/log/logger';
import { SourceRunner } from '../../src/sources/runtime/syncStream';
import { squareSource } from '../../src/sources/square';
import { SquareStore } from '../../src/sources/square/testServer/store';
import { SquareTestServer } from '../../src/sources/square/testServer/server';
import { DAY_MS } from '../../src/sources/types';
import { createTestDb, type TestDb } from '../helpers/testDb';
import { num } from './fixture';

/**
 * KPIs from data the Square connector loaded (SDK → local Square server → runtime → views), for
 * one New York day, Fri 2026-11-20 (EST, UTC−5). Orders, all placed that local day:
 *   Q1 11:00 EST  TOP-001 ×1 at 1,234,567.89                    → Top Shelf 123456789 c
 *   Q2 12:00 EST  BRK-001 ×1 at 0.01                            → Brick 1 c
 *   Q3 23:30 EST (05-21 04:30Z) VAL-001 ×2 at 25.00 + PRM-001 ×1 at 50.00, order discount 10.00
 *      → subtotal 10000 c, discount 1000 c split 500 / 500 (equal line subtotals)
 *   Q4 13:00 EST  cancelled, 99.99                              → excluded
 * revenue = 123456789 + 1 + (10000 − 1000) = 123465790 c = 1,234,657.90; orders = 3;
 * AOV = 123465790 / 3 = 41155263.33 c → 411,552.63;
 * by tier: Top Shelf 1,234,567.89 · Brick 0.01 · Value 5000 − 500 = 45.00 · Premium 45.00.
 */
describe('KPIs from connector-loaded Square data (hand-computed, to the cent)', () => {
  let db: TestDb;
  let server: SquareTestServer;
  let bigintStringified = 0;

  beforeAll(async () => {
    db = await createTestDb({ timeZone: 'America/New_York' });
    const store = SquareStore.withCatalog();
    store.addOrder({ id: 'Q1', locationId: 'SIM-WH-EAST', createdAt: '2026-11-20T16:00:00Z', lines: [{ sku: 'TOP-001', quantity: 1, unitPriceCents: 123_456_789 }] });
    store.addOrder({ id: 'Q2', locationId: 'SIM-WH-WEST', createdAt: '2026-11-20T17:00:00Z', lines: [{ sku: 'BRK-001', quantity: 1, unitPriceCents: 1 }] });
    store.addOrder({
      id: 'Q3', locationId: 'SIM-WH-EAST', createdAt: '2026-11-21T04:30:00Z', discountCents: 1000, taxCents: 800, shippingCents: 500,
      lines: [{ sku: 'VAL-001', quantity: 2, unitPriceCents: 2500 }, { sku: 'PRM-001', quantity: 1, unitPriceCents: 5000 }],
    });
    store.addOrder({ id: 'Q4', locationId: 'SIM-WH-EAST', createdAt: '2026-11-20T18:00:00Z', state: 'CANCELED', lines: [{ sku: 'PRM-001', quantity: 1, unitPriceCents: 9999 }] });
    server = new SquareTestServer({ store, token: 'tok' });
    await server.start();

    // Any BigInt reaching JSON.stringify without a replacer would throw; count such calls instead.
    const original = JSON.stringify;
    const hasBigInt = (v: unknown, depth = 0): boolean =>
      typeof v === 'bigint' || (depth < 8 && v !== null && typeof v === 'object' && Object.values(v as object).some((x) => hasBigInt(x, depth + 1)));
    const spy = jest.spyOn(JSON, 'stringify').mockImplementation((value: unknown, replacer?: unknown, space?: string | number) => {
      if (!replacer && hasBigInt(value)) bigintStringified += 1;
      return original(value, replacer as (this: unknown, key: string, value: unknown) => unknown, space);
    });
    try {
      const runs = await new SourceRunner(squareSource({ token: 'tok', baseUrl: server.url }), {
        db, log: logger, now: () => new Date('2026-11-21T12:00:00Z'), backfillStart: (n) => new Date(n.getTime() - 30 * DAY_MS),
      }).runAll();
      expect(runs.filter((r) => r.status !== 'ok')).toEqual([]);
    } finally {
      spy.mockRestore();
    }
    await refreshAggregates(db, null, null);
  });
  afterAll(async () => {
    await server?.stop();
    await db?.close();
  });

  it('BigInt money never reached JSON.stringify', () => {
    expect(bigintStringified).toBe(0);
  });

  it('raw rows hold exact integer cents', async () => {
    const r = await db.query<{ order_id: string; total: string; subtotal: string }>(`SELECT order_id, total_cents::text AS total, subtotal_cents::text AS subtotal FROM orders ORDER BY order_id`);
    expect(r.rows).toEqual([
      { order_id: 'Q1', total: '123456789', subtotal: '123456789' },
      { order_id: 'Q2', total: '1', subtotal: '1' },
      { order_id: 'Q3', total: '10300', subtotal: '10000' },
      { order_id: 'Q4', total: '9999', subtotal: '9999' },
    ]);
  });

  it('revenue, orders and AOV for the day', async () => {
    const d = (await db.query(`SELECT orders, revenue::text AS revenue, aov::text AS aov, discounts::text AS discounts FROM kpi.revenue_daily WHERE day = '2026-11-20'`)).rows[0];
    expect(d).toEqual({ orders: 3, revenue: '1234657.90', aov: '411552.63', discounts: '10.00' });
  });

  it('revenue by tier', async () => {
    const r = await db.query<{ tier: string; revenue: string }>(`SELECT tier, revenue FROM kpi.revenue_by_tier_daily WHERE day = '2026-11-20' ORDER BY tier`);
    expect(Object.fromEntries(r.rows.map((x) => [x.tier, num(x.revenue)]))).toEqual({ Brick: 0.01, Premium: 45, 'Top Shelf': 1234567.89, Value: 45 });
  });
});
