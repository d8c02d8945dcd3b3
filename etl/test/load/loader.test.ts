import { loadBatch } from '../../src/load/loader';
import type { Batch } from '../../src/schema/tables';
import { createTestDb, type TestDb } from '../helpers/testDb';

const src = { source: 'test' };
const product = (sku: string, price: number, cost: number, tier = 'Value') => ({ sku, name: `P ${sku}`, tier, price_cents: price, unit_cost_cents: cost, source: 'test', source_id: sku });

function smallBatch(): Batch {
  return {
    products: [product('A', 2000, 800), product('B', 1000, 500, 'Brick')],
    orders: [
      { order_id: 'O1', placed_at: '2026-11-20T15:00:00Z', status: 'completed', subtotal_cents: 5000, discount_cents: 500, total_cents: 4500, source: 'test', source_id: 'O1' },
      { order_id: 'O2', placed_at: '2026-11-20T16:00:00Z', status: 'completed', subtotal_cents: 1000, discount_cents: 0, total_cents: 1000, source: 'test', source_id: 'O2' },
    ],
    order_lines: [
      { order_id: 'O1', line_no: 1, placed_at: '2026-11-20T15:00:00Z', sku: 'A', quantity: 2, unit_price_cents: 2000, line_subtotal_cents: 4000, unit_cost_cents: 800, source: 'test', source_id: 'O1-1' },
      { order_id: 'O1', line_no: 2, placed_at: '2026-11-20T15:00:00Z', sku: 'B', quantity: 1, unit_price_cents: 1000, line_subtotal_cents: 1000, unit_cost_cents: 500, source: 'test', source_id: 'O1-2' },
      { order_id: 'O2', line_no: 1, placed_at: '2026-11-20T16:00:00Z', sku: 'B', quantity: 1, unit_price_cents: 1000, line_subtotal_cents: 1000, unit_cost_cents: 500, source: 'test', source_id: 'O2-1' },
    ],
  };
}

describe('loadBatch', () => {
  let db: TestDb;
  beforeAll(async () => {
    db = await createTestDb();
  });
  afterAll(async () => db.close());

  it('loads rows, derives line discount and validity, and a second identical load changes nothing', async () => {
    const first = await loadBatch(db, { ...src, stream: 'orders', cursor: 'c1' }, smallBatch());
    expect(first.rejected).toBe(0);
    expect(first.changed).toBe(2 + 2 + 3);
    const lines = await db.query<{ source_id: string; allocated_discount_cents: string; order_valid: boolean }>(
      'SELECT source_id, allocated_discount_cents::text, order_valid FROM order_lines ORDER BY source_id',
    );
    expect(lines.rows).toEqual([
      { source_id: 'O1-1', allocated_discount_cents: '400', order_valid: true },
      { source_id: 'O1-2', allocated_discount_cents: '100', order_valid: true },
      { source_id: 'O2-1', allocated_discount_cents: '0', order_valid: true },
    ]);
    const snapshot = async () => (await db.query('SELECT * FROM orders ORDER BY order_id')).rows;
    const before = await snapshot();
    const again = await loadBatch(db, { ...src, stream: 'orders', cursor: 'c1' }, smallBatch());
    expect(again.changed).toBe(0);
    expect(await snapshot()).toEqual(before);
    const counts = await db.query<{ n: string }>('SELECT (SELECT count(*) FROM orders) + (SELECT count(*) FROM order_lines) AS n');
    expect(Number(counts.rows[0]?.n)).toBe(5);
    const state = await db.query<{ cursor: string; rows_total: string }>(`SELECT cursor, rows_total::text FROM sync_state WHERE source='test' AND stream='orders'`);
    expect(state.rows).toEqual([{ cursor: 'c1', rows_total: '7' }]);
  });

  it('a status change to cancelled reaches the lines, even when the lines are not re-sent', async () => {
    const b = smallBatch();
    const o2 = b.orders?.[1];
    if (!o2) throw new Error('fixture');
    const r = await loadBatch(db, { ...src, stream: 'orders' }, { orders: [{ ...o2, status: 'cancelled' }] });
    expect(r.changed).toBe(1);
    const l = await db.query<{ order_valid: boolean }>(`SELECT order_valid FROM order_lines WHERE order_id = 'O2'`);
    expect(l.rows).toEqual([{ order_valid: false }]);
  });

  it('rejects bad rows into dead_letters with their reason while the rest of the batch loads', async () => {
    const batch: Batch = {
      orders: [
        { order_id: 'O3', placed_at: '2026-11-21T10:00:00Z', status: 'completed', subtotal_cents: 3000, total_cents: 3000, source: 'test', source_id: 'O3' },
        { order_id: 'O4', placed_at: null, status: 'completed', subtotal_cents: 100, total_cents: 100, source: 'test', source_id: 'O4' },
      ],
      order_lines: [
        { order_id: 'O3', line_no: 1, placed_at: '2026-11-21T10:00:00Z', sku: 'A', quantity: 1, unit_price_cents: 2000, line_subtotal_cents: 2000, unit_cost_cents: 800, source: 'test', source_id: 'O3-1' },
        { order_id: 'O3', line_no: 2, placed_at: '2026-11-21T10:00:00Z', sku: 'B', quantity: -1, unit_price_cents: 1000, line_subtotal_cents: 1000, unit_cost_cents: 500, source: 'test', source_id: 'O3-2' },
        { order_id: 'O3', line_no: 3, placed_at: '2026-11-21T10:00:00Z', sku: 'NOPE', quantity: 1, unit_price_cents: 1000, line_subtotal_cents: 1000, unit_cost_cents: 500, source: 'test', source_id: 'O3-3' },
      ],
    };
    const r = await loadBatch(db, { ...src, stream: 'bad' }, batch);
    expect(r.rejected).toBe(3);
    expect(r.changed).toBe(2);
    const dl = await db.query<{ source_id: string; reason: string }>(`SELECT source_id, reason FROM dead_letters WHERE stream = 'bad' ORDER BY source_id`);
    expect(dl.rows).toEqual([
      { source_id: 'O3-2', reason: 'quantity must be positive, got -1' },
      { source_id: 'O3-3', reason: 'order_lines.sku: unknown SKU NOPE' },
      { source_id: 'O4', reason: 'orders.placed_at is missing' },
    ]);
    const o3 = await db.query(`SELECT order_id FROM orders WHERE order_id = 'O3'`);
    expect(o3.rows).toHaveLength(1);
  });

  it('a failure mid-load rolls back the rows and keeps the old cursor', async () => {
    await loadBatch(db, { ...src, stream: 'crash', cursor: 'before' }, {});
    // refunds.reason is CHECK-constrained in SQL but not in the validator: the database rejects the
    // statement after orders were already written in the same transaction.
    const batch: Batch = {
      orders: [{ order_id: 'O9', placed_at: '2026-11-21T11:00:00Z', status: 'completed', subtotal_cents: 100, total_cents: 100, source: 'test', source_id: 'O9' }],
      refunds: [{ refund_id: 'R9', refunded_at: '2026-11-21T12:00:00Z', order_id: 'O9', amount_cents: 100, reason: 'because', source: 'test', source_id: 'R9' }],
    };
    await expect(loadBatch(db, { ...src, stream: 'crash', cursor: 'after' }, batch)).rejects.toThrow(/refunds_reason_check/);
    expect((await db.query(`SELECT 1 FROM orders WHERE order_id = 'O9'`)).rows).toHaveLength(0);
    expect((await db.query<{ cursor: string }>(`SELECT cursor FROM sync_state WHERE stream = 'crash'`)).rows).toEqual([{ cursor: 'before' }]);
  });
});
