// session_orders (0080) mirrors the sessions that carry an order, kept by a row trigger; the
// funnel window joins orders to their visitors through it. Hand-made sessions and orders: the
// expected rows and funnel figures are counted by hand in the comments.
import { migrate } from '../../src/db/migrate';
import { createTestDb, type TestDb } from '../helpers/testDb';

type Row = Record<string, unknown>;

const SESSION_COLS = 'session_id, started_at, visitor_id, channel, device, order_id, source, source_id';
// The loader's upsert: a later report of the same session may set or change its order.
const UPSERT = `ON CONFLICT (session_id, started_at) DO UPDATE SET order_id = EXCLUDED.order_id, visitor_id = EXCLUDED.visitor_id`;

async function mirror(db: TestDb): Promise<string[]> {
  const r = await db.query<Row>(`SELECT session_id, visitor_id, order_id FROM session_orders ORDER BY session_id`);
  return r.rows.map((x) => `${String(x.session_id)}:${String(x.visitor_id)}:${String(x.order_id)}`);
}

describe('session_orders: the sessions with an order, trigger-kept', () => {
  let db: TestDb;
  beforeAll(async () => {
    db = await createTestDb();
    await db.exec(`
      INSERT INTO orders (order_id, placed_at, status, subtotal_cents, discount_cents, total_cents, traffic_source, source, source_id) VALUES
        ('O1', '2026-05-04T12:30:00Z', 'completed', 1000, 0, 1000, 'direct', 't', 'O1'),
        ('O2', '2026-05-05T09:00:00Z', 'completed', 2000, 0, 2000, 'direct', 't', 'O2'),
        ('O3', '2026-05-04T15:00:00Z', 'cancelled', 3000, 0, 3000, 'direct', 't', 'O3'),
        ('O4', '2026-05-09T10:00:00Z', 'completed', 4000, 0, 4000, 'direct', 't', 'O4');
      INSERT INTO sessions (${SESSION_COLS}) VALUES
        ('a1', '2026-05-04T12:00:00Z', 'va', 'direct', 'desktop', 'O1', 't', 'a1'),
        ('b1', '2026-05-04T13:00:00Z', 'vb', 'direct', 'desktop', NULL, 't', 'b1'),
        ('c1', '2026-05-04T14:00:00Z', 'vc', 'direct', 'desktop', 'O3', 't', 'c1'),
        ('d1', '2026-05-03T10:00:00Z', 'vd', 'direct', 'desktop', NULL, 't', 'd1');`);
  });
  afterAll(async () => {
    await db?.close();
  });

  it('holds one row per session with an order, and follows upserts and deletes', async () => {
    expect(await mirror(db)).toEqual(['a1:va:O1', 'c1:vc:O3']);
    // b1 reports its order a day later (O2 placed from b1's visitor's session: a session row may
    // carry an order placed after it began); d1 is reported again unchanged.
    await db.exec(`INSERT INTO sessions (${SESSION_COLS}) VALUES
        ('b1', '2026-05-04T13:00:00Z', 'vb', 'direct', 'desktop', 'O2', 't', 'b1'),
        ('d1', '2026-05-03T10:00:00Z', 'vd', 'direct', 'desktop', NULL, 't', 'd1') ${UPSERT}`);
    expect(await mirror(db)).toEqual(['a1:va:O1', 'b1:vb:O2', 'c1:vc:O3']);
    // The same report twice changes nothing; an order removed from a session removes its row.
    await db.exec(`INSERT INTO sessions (${SESSION_COLS}) VALUES
        ('b1', '2026-05-04T13:00:00Z', 'vb', 'direct', 'desktop', 'O2', 't', 'b1') ${UPSERT}`);
    await db.exec(`INSERT INTO sessions (${SESSION_COLS}) VALUES ('e1', '2026-05-08T10:00:00Z', 've', 'direct', 'desktop', 'O4', 't', 'e1')`);
    await db.exec(`UPDATE sessions SET order_id = NULL WHERE session_id = 'e1'`);
    await db.exec(`DELETE FROM sessions WHERE session_id = 'c1'`);
    expect(await mirror(db)).toEqual(['a1:va:O1', 'b1:vb:O2']);
    const total = await db.query<Row>(`SELECT count(*)::int AS n FROM sessions WHERE order_id IS NOT NULL`);
    expect(total.rows[0]!.n).toBe(2);
  });

  it('the funnel window counts the orders placed after the range ends, within the window', async () => {
    // Range 05-04 00:00Z .. 05-05 00:00Z: visitors va (first 12:00), vb (13:00); vd's session is
    // before the range, ve's after. va converted 0.5 h later (O1); vb 20 h later (O2, placed after
    // the range): within 1 day, not within 1 hour. Median of 0.5 and 20 = 10.25.
    const day = await db.query<Row>(`SELECT visitors, converted_visitors, conversion_rate, median_hours_to_convert
      FROM kpi.funnel_window('2026-05-04T00:00:00Z', '2026-05-05T00:00:00Z', '1 day')`);
    expect(day.rows[0]).toEqual({ visitors: 2, converted_visitors: 2, conversion_rate: '1.0000', median_hours_to_convert: '10.25' });
    const hour = await db.query<Row>(`SELECT visitors, converted_visitors, conversion_rate
      FROM kpi.funnel_window('2026-05-04T00:00:00Z', '2026-05-05T00:00:00Z', '1 hour')`);
    expect(hour.rows[0]).toEqual({ visitors: 2, converted_visitors: 1, conversion_rate: '0.5000' });
  });

  it('a restart (migrations again) keeps the rows and adds none', async () => {
    await migrate(db, { timeZone: 'America/New_York' });
    expect(await mirror(db)).toEqual(['a1:va:O1', 'b1:vb:O2']);
  });
});
