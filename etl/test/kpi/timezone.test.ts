import { refreshAggregates } from '../../src/kpi/aggregates';
import { syncCatalog } from '../../src/kpi/catalog';
import { createTestDb, type TestDb } from '../helpers/testDb';
import { isoDay, num } from './fixture';

/*
 * The store zone is a migration parameter: with Asia/Kolkata (UTC+05:30, a half-hour offset, so
 * a local day is not a whole number of UTC hours) every daily bucket must start at local midnight.
 */
describe('daily buckets follow STORE_TIMEZONE (Asia/Kolkata)', () => {
  let db: TestDb;
  beforeAll(async () => {
    db = await createTestDb({ timeZone: 'Asia/Kolkata' });
    await syncCatalog(db);
    await db.exec(`
      INSERT INTO orders (order_id, placed_at, status, subtotal_cents, total_cents, source, source_id) VALUES
        ('K1', '2026-03-05T18:29:00Z', 'completed', 1000, 1000, 't', 'K1'),  -- 23:59 IST on 03-05
        ('K2', '2026-03-05T18:31:00Z', 'completed', 2000, 2000, 't', 'K2');  -- 00:01 IST on 03-06`);
    await refreshAggregates(db, null, null);
  });
  afterAll(async () => {
    await db.close();
  });

  it('puts each order on its local day, with time = local midnight', async () => {
    const r = await db.query<Record<string, unknown>>(`SELECT time, day, orders, revenue FROM kpi.revenue_daily WHERE day IN ('2026-03-05', '2026-03-06') ORDER BY day`);
    expect(r.rows.map((x) => [isoDay(x.day), (x.time as Date).toISOString(), x.orders, num(x.revenue)])).toEqual([
      ['2026-03-05', '2026-03-04T18:30:00.000Z', 1, 10], // K1 1000 c
      ['2026-03-06', '2026-03-05T18:30:00.000Z', 1, 20], // K2 2000 c
    ]);
    const s = await db.query<{ tz: string }>(`SELECT kpi.store_tz() AS tz`);
    expect(s.rows[0]?.tz).toBe('Asia/Kolkata');
  });
});
