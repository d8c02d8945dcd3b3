import { CONTINUOUS_AGGREGATES, refreshAggregates } from '../../src/kpi/aggregates';
import { createTestDb, type TestDb } from '../helpers/testDb';
import { loadFixture, TZ } from './fixture';

/** The same aggregation as each cagg, straight from the raw rows. */
const RAW: Record<(typeof CONTINUOUS_AGGREGATES)[number], string> = {
  'kpi.orders_hourly': `
    SELECT time_bucket(INTERVAL '1 hour', placed_at) AS bucket, traffic_source, count(*) AS orders,
           sum(subtotal_cents) AS subtotal_cents, sum(discount_cents) AS discount_cents,
           sum(shipping_cents) AS shipping_cents, sum(tax_cents) AS tax_cents
    FROM orders WHERE status <> 'cancelled' AND NOT is_test GROUP BY 1, 2`,
  'kpi.orders_daily': `
    SELECT time_bucket(INTERVAL '1 day', placed_at, '${TZ}') AS bucket, traffic_source, count(*) AS orders,
           sum(subtotal_cents) AS subtotal_cents, sum(discount_cents) AS discount_cents,
           sum(shipping_cents) AS shipping_cents, sum(tax_cents) AS tax_cents
    FROM orders WHERE status <> 'cancelled' AND NOT is_test GROUP BY 1, 2`,
  'kpi.order_lines_daily': `
    SELECT time_bucket(INTERVAL '1 day', placed_at, '${TZ}') AS bucket, sku, sum(quantity)::bigint AS units,
           sum(line_subtotal_cents) AS line_subtotal_cents, sum(allocated_discount_cents) AS allocated_discount_cents,
           sum(quantity::bigint * unit_cost_cents) AS cogs_cents
    FROM order_lines WHERE order_valid GROUP BY 1, 2`,
  'kpi.sessions_daily': `
    SELECT time_bucket(INTERVAL '1 day', started_at, '${TZ}') AS bucket, channel, device, count(*) AS sessions,
           count(*) FILTER (WHERE added_to_cart) AS add_to_cart_sessions,
           count(*) FILTER (WHERE began_checkout) AS checkout_sessions,
           count(*) FILTER (WHERE completed_checkout) AS completed_checkout_sessions,
           count(*) FILTER (WHERE order_id IS NOT NULL) AS purchase_sessions
    FROM sessions GROUP BY 1, 2, 3`,
};

describe('continuous aggregates equal the same query over raw rows', () => {
  let db: TestDb;
  beforeAll(async () => {
    db = await createTestDb({ timeZone: TZ });
    await loadFixture(db);
  });
  afterAll(async () => {
    await db.close();
  });

  async function rowsOf(sql: string): Promise<string[]> {
    const r = await db.query<Record<string, unknown>>(`SELECT * FROM (${sql}) q`);
    return r.rows.map((x) => JSON.stringify(x, (_k, v: unknown) => (v instanceof Date ? v.toISOString() : typeof v === 'bigint' ? String(v) : v))).sort();
  }
  async function expectAllEqual(): Promise<void> {
    for (const cagg of CONTINUOUS_AGGREGATES) {
      const [a, b] = [await rowsOf(`SELECT * FROM ${cagg}`), await rowsOf(RAW[cagg])];
      expect({ cagg, rows: a }).toEqual({ cagg, rows: b });
      expect(a.length).toBeGreaterThan(0);
    }
  }
  async function materializedOnly(on: boolean): Promise<void> {
    for (const cagg of CONTINUOUS_AGGREGATES) {
      await db.exec(`ALTER MATERIALIZED VIEW ${cagg} SET (timescaledb.materialized_only = ${on})`);
    }
  }

  it('before any refresh (real-time aggregation only)', async () => {
    await expectAllEqual();
  });

  it('after refresh, and the materialized part alone already holds everything', async () => {
    await refreshAggregates(db, null, null);
    await expectAllEqual();
    await materializedOnly(true);
    try {
      await expectAllEqual();
    } finally {
      await materializedOnly(false);
    }
  });

  it('rows loaded after the refresh show through the real-time part; changes to old rows after refreshing their range', async () => {
    await db.exec(`
      INSERT INTO orders (order_id, placed_at, status, subtotal_cents, total_cents, traffic_source, source, source_id)
        VALUES ('N1', '2026-03-20T12:00:00Z', 'completed', 4200, 4200, 'email', 't', 'N1');
      INSERT INTO order_lines (order_id, line_no, placed_at, sku, quantity, unit_price_cents, line_subtotal_cents, unit_cost_cents, order_valid, source, source_id)
        VALUES ('N1', 1, '2026-03-20T12:00:00Z', 'P1', 4, 1050, 4200, 400, true, 't', 'N1-1');
      INSERT INTO sessions (session_id, started_at, visitor_id, channel, device, source, source_id)
        VALUES ('SN', '2026-03-20T12:00:00Z', 'vn', 'email', 'tablet', 't', 'SN');`);
    await expectAllEqual();
    // The loader cancels A1 (and marks its lines invalid): the materialized buckets of 03-05 are
    // stale until the ETL refreshes the loaded range, which it does after every load.
    await db.exec(`UPDATE orders SET status = 'cancelled' WHERE order_id = 'A1';
                   UPDATE order_lines SET order_valid = false WHERE order_id = 'A1';`);
    await refreshAggregates(db, new Date('2026-03-05T15:00:00Z'), new Date('2026-03-20T12:00:01Z'));
    await expectAllEqual();
  });
});
