// cart_activity and order_summaries (0105) mirror carts and orders row for row, kept by row
// triggers; order_summaries also carries each order's first verification, verification refund and
// shipment, kept by triggers on those tables. Live carts, the order feed and the operations KPIs
// read them. Hand-made rows: every expected figure is worked out in the comments.
import { createTestDb, type TestDb } from '../helpers/testDb';
import { num } from './fixture';

type Row = Record<string, unknown>;

const CART_COLS = 'cart_id, created_at, customer_id, last_activity_at, stage, subtotal_cents, order_id, converted_at, source, source_id';
const CART_UPSERT = `ON CONFLICT (cart_id, created_at) DO UPDATE SET last_activity_at = EXCLUDED.last_activity_at, stage = EXCLUDED.stage,
  subtotal_cents = EXCLUDED.subtotal_cents, order_id = EXCLUDED.order_id, converted_at = EXCLUDED.converted_at`;
const ORDER_COLS = 'order_id, placed_at, customer_id, status, is_test, subtotal_cents, total_cents, requires_verification, items_summary, source, source_id';
const ORDER_UPSERT = `ON CONFLICT (order_id, placed_at) DO UPDATE SET status = EXCLUDED.status, total_cents = EXCLUDED.total_cents`;
const VER_COLS = 'verification_id, requested_at, order_id, status, verified_at, source, source_id';
const VER_UPSERT = `ON CONFLICT (verification_id, requested_at) DO UPDATE SET status = EXCLUDED.status, verified_at = EXCLUDED.verified_at`;

describe('cart_activity and order_summaries: trigger-kept mirrors read by the live and operations KPIs', () => {
  let db: TestDb;
  beforeAll(async () => {
    db = await createTestDb();
    await db.exec(`INSERT INTO customers (customer_id, name, created_at, source, source_id) VALUES ('U1', 'Ann', '2026-01-01T00:00:00Z', 't', 'U1')`);
  });
  afterAll(async () => {
    await db?.close();
  });

  const live = async (at: string) =>
    (await db.query<Row>(`SELECT cart_id, customer_name, stage, value, minutes_idle FROM kpi.live_carts_at('${at}')`)).rows.map((r) => [
      r.cart_id, r.customer_name, r.stage, num(r.value), num(r.minutes_idle),
    ]);
  // The mirror must hold exactly the source rows (same key, same columns).
  const cartsMirrored = async () =>
    (await db.query<Row>(`SELECT count(*)::int AS n FROM (
       (SELECT cart_id, created_at, last_activity_at, customer_id, stage, subtotal_cents, country, order_id, converted_at FROM carts
        EXCEPT ALL SELECT cart_id, created_at, last_activity_at, customer_id, stage, subtotal_cents, country, order_id, converted_at FROM cart_activity)
       UNION ALL
       (SELECT cart_id, created_at, last_activity_at, customer_id, stage, subtotal_cents, country, order_id, converted_at FROM cart_activity
        EXCEPT ALL SELECT cart_id, created_at, last_activity_at, customer_id, stage, subtotal_cents, country, order_id, converted_at FROM carts)) d`)).rows[0]!.n;

  it('live carts follow new carts, upserts, an order arriving after its cart, re-loads and deletes', async () => {
    await db.exec(`INSERT INTO carts (${CART_COLS}) VALUES
      ('C1', '2026-05-04T10:00:00Z', 'U1', '2026-05-04T10:20:00Z', 'cart',     2000, NULL, NULL, 't', 'C1'),
      ('C2', '2026-05-04T09:00:00Z', NULL, '2026-05-04T10:25:00Z', 'checkout', 3500, 'O9', NULL, 't', 'C2'),
      ('C3', '2026-05-04T09:50:00Z', NULL, '2026-05-04T09:55:00Z', 'payment',  1000, NULL, NULL, 't', 'C3')`);
    // At 10:30: C2 idle 5 min (its order O9 is not loaded yet), C1 idle 10 min; C3 idle 35 min.
    expect(await live('2026-05-04T10:30:00Z')).toEqual([['C2', 'guest', 'checkout', 35, 5], ['C1', 'Ann', 'cart', 20, 10]]);
    // O9 arrives after its cart, placed at 10:40: C2 is still live at 10:30, not at 10:45 (C1 idle 25 min).
    await db.exec(`INSERT INTO orders (${ORDER_COLS}) VALUES ('O9', '2026-05-04T10:40:00Z', NULL, 'processing', false, 3500, 3500, false, '1× P', 't', 'O9')`);
    expect(await live('2026-05-04T10:30:00Z')).toEqual([['C2', 'guest', 'checkout', 35, 5], ['C1', 'Ann', 'cart', 20, 10]]);
    expect(await live('2026-05-04T10:45:00Z')).toEqual([['C1', 'Ann', 'cart', 20, 25]]);
    // C1 is reported again with activity at 10:44 in checkout (25.00): idle 1 min at 10:45.
    const c1 = `('C1', '2026-05-04T10:00:00Z', 'U1', '2026-05-04T10:44:00Z', 'checkout', 2500, NULL, NULL, 't', 'C1')`;
    await db.exec(`INSERT INTO carts (${CART_COLS}) VALUES ${c1} ${CART_UPSERT}`);
    expect(await live('2026-05-04T10:45:00Z')).toEqual([['C1', 'Ann', 'checkout', 25, 1]]);
    // The same report again changes nothing.
    await db.exec(`INSERT INTO carts (${CART_COLS}) VALUES ${c1} ${CART_UPSERT}`);
    expect(await live('2026-05-04T10:45:00Z')).toEqual([['C1', 'Ann', 'checkout', 25, 1]]);
    // C1 converted at 10:45 (converted_at not after the instant): no longer live then.
    await db.exec(`UPDATE carts SET converted_at = '2026-05-04T10:45:00Z' WHERE cart_id = 'C1'`);
    expect(await live('2026-05-04T10:45:00Z')).toEqual([]);
    await db.exec(`DELETE FROM carts WHERE cart_id = 'C3'`);
    expect(await cartsMirrored()).toBe(0);
    const n = await db.query<Row>(`SELECT count(*)::int AS n FROM cart_activity`);
    expect(n.rows[0]!.n).toBe(2);
  });

  it('cart abandonment per day and per window read the mirror', async () => {
    // Carts created on local day 05-04: C1 (no order) and C2 (its order O9).
    const w = await db.query<Row>(`SELECT * FROM kpi.cart_abandonment_window('2026-05-04T00:00:00Z', '2026-05-04T12:00:00Z')`);
    // C1 last 10:44, no order: abandoned at 12:00 (76 min idle); C2 has its order: converted. Rate 1 − 1 / 2.
    expect(w.rows.map((r) => [r.carts_created, r.carts_converted, r.carts_abandoned, r.carts_open, r.cart_abandonment_rate].map(num))).toEqual([[2, 1, 1, 0, 0.5]]);
    const d = await db.query<Row>(`SELECT carts_created, carts_converted, carts_abandoned FROM kpi.cart_abandonment_daily WHERE day = '2026-05-04'`);
    expect(d.rows).toEqual([{ carts_created: 2, carts_converted: 1, carts_abandoned: 1 }]);
  });

  it('the order feed: newest first up to an instant, test orders left out, follows upserts and late rows', async () => {
    await db.exec(`INSERT INTO orders (${ORDER_COLS}) VALUES
      ('O1', '2026-05-04T08:00:00Z', 'U1', 'completed',  false, 1000, 1000, false, '1× A', 't', 'O1'),
      ('O2', '2026-05-04T09:00:00Z', NULL, 'processing', false, 2500, 2500, false, '1× B', 't', 'O2'),
      ('OT', '2026-05-04T09:30:00Z', NULL, 'completed',  true,  100,  100,  false, '1× T', 't', 'OT')`);
    // O0 arrives late but was placed first; O1 is reported again as refunded.
    await db.exec(`INSERT INTO orders (${ORDER_COLS}) VALUES ('O0', '2026-05-04T07:00:00Z', NULL, 'cancelled', false, 500, 500, false, '1× C', 't', 'O0')`);
    await db.exec(`INSERT INTO orders (${ORDER_COLS}) VALUES ('O1', '2026-05-04T08:00:00Z', 'U1', 'refunded', false, 1000, 1000, false, '1× A', 't', 'O1') ${ORDER_UPSERT}`);
    const feed = async (to: string) =>
      (await db.query<Row>(`SELECT order_id, customer_name, total, status, valid FROM kpi.order_feed WHERE time <= '${to}' ORDER BY time DESC LIMIT 20`)).rows.map((r) => [
        r.order_id, r.customer_name, num(r.total), r.status, r.valid,
      ]);
    expect(await feed('2026-05-04T10:00:00Z')).toEqual([
      ['O2', null, 25, 'processing', true],
      ['O1', 'Ann', 10, 'refunded', true],
      ['O0', null, 5, 'cancelled', false],
    ]);
    expect((await feed('2026-05-04T11:00:00Z'))[0]).toEqual(['O9', null, 35, 'processing', true]);
  });

  // The operations facts the KPIs read, recomputed here straight from the source tables.
  const factsDrift = async () =>
    (await db.query<Row>(`SELECT count(*)::int AS n FROM order_summaries s
       WHERE (s.first_verified_at, s.first_verification_refund_at, s.first_shipped_at) IS DISTINCT FROM (
         (SELECT min(verified_at) FROM verifications v WHERE v.order_id = s.order_id AND v.status = 'verified'),
         (SELECT min(refunded_at) FROM refunds r WHERE r.order_id = s.order_id AND r.reason IN ('verification_failed', 'verification_missing')),
         (SELECT min(shipped_at) FROM shipments x WHERE x.order_id = s.order_id))`)).rows[0]!.n;
  const ops = async (at: string) =>
    (await db.query<Row>(`SELECT order_id, matured, verified_at, refunded_unverified, shipped_at
       FROM kpi.order_operations_in('${at}', '2026-05-01T00:00:00Z', '2026-05-02T00:00:00Z') ORDER BY order_id`)).rows.map((r) => [
      r.order_id, r.matured, r.verified_at === null ? null : new Date(r.verified_at as string).toISOString(), r.refunded_unverified,
      r.shipped_at === null ? null : new Date(r.shipped_at as string).toISOString(),
    ]);

  it('operations facts: a verification before its order, an earlier one, a failed one, refunds and shipments, as of any instant', async () => {
    // V1's verification arrives before the order itself.
    await db.exec(`INSERT INTO verifications (${VER_COLS}) VALUES ('va', '2026-05-01T10:05:00Z', 'V1', 'verified', '2026-05-01T13:00:00Z', 't', 'va')`);
    await db.exec(`INSERT INTO orders (${ORDER_COLS}) VALUES
      ('V1', '2026-05-01T10:00:00Z', 'U1', 'completed', false, 4000, 4000, true, '1× V', 't', 'V1'),
      ('V2', '2026-05-01T12:00:00Z', NULL, 'refunded',  false, 3000, 3000, true, '1× W', 't', 'V2')`);
    await db.exec(`INSERT INTO verifications (${VER_COLS}) VALUES
      ('vb', '2026-05-01T10:10:00Z', 'V1', 'verified', '2026-05-01T11:00:00Z', 't', 'vb'),
      ('vc', '2026-05-01T12:05:00Z', 'V2', 'failed', NULL, 't', 'vc')`);
    await db.exec(`INSERT INTO refunds (refund_id, refunded_at, order_id, amount_cents, reason, source, source_id) VALUES
      ('r1', '2026-05-02T09:00:00Z', 'V2', 3000, 'verification_failed', 't', 'r1'),
      ('r2', '2026-05-01T20:00:00Z', 'V1', 100, 'damaged', 't', 'r2')`);
    await db.exec(`INSERT INTO shipments (shipment_id, shipped_at, order_id, source, source_id) VALUES ('s1', '2026-05-02T10:00:00Z', 'V1', 't', 's1')`);
    expect(await factsDrift()).toBe(0);
    // At 05-05: both matured (over 72 h); V1 verified first at 11:00 (vb), shipped 05-02 10:00;
    // V2 refunded for its failed verification. r2 (damaged) is no verification refund.
    expect(await ops('2026-05-05T00:00:00Z')).toEqual([
      ['V1', true, '2026-05-01T11:00:00.000Z', false, '2026-05-02T10:00:00.000Z'],
      ['V2', true, null, true, null],
    ]);
    // At 05-01 12:30: V1 verified (11:00), not shipped yet; V2 placed, not refunded yet.
    expect(await ops('2026-05-01T12:30:00Z')).toEqual([
      ['V1', false, '2026-05-01T11:00:00.000Z', false, null],
      ['V2', false, null, false, null],
    ]);
    // At 10:30 V2 is not placed yet and V1 is not verified yet.
    expect(await ops('2026-05-01T10:30:00Z')).toEqual([['V1', false, null, false, null]]);
    // The whole range as of now: required 2, matured 2, verified 1 (V1), hours to verification
    // 11:00 − 10:00 = 1.00 (V2 none), 1 unverified refund of 2; shipped 1: V1 05-02 10:00 from its
    // verification 05-01 11:00 = 23.00 h.
    const r = (await db.query<Row>(`SELECT * FROM kpi.operations_range('2026-05-01T00:00:00Z', '2026-05-02T00:00:00Z')`)).rows[0]!;
    const cols = ['verification_required', 'verification_required_matured', 'verified_matured', 'verification_completion_rate', 'time_to_verification_hours',
      'refunded_unverified', 'refund_rate_unverified', 'shipped_orders', 'shipping_time_hours', 'tickets'];
    expect(cols.map((c) => num(r[c]))).toEqual([2, 2, 1, 0.5, 1, 1, 0.5, 1, 23, 0]);
  });

  it('operations facts follow changes of their source rows and ignore identical re-loads', async () => {
    // vb is reported again, unchanged, then as expired: V1's first verification is va at 13:00.
    const vb = (status: string, at: string | null) => `('vb', '2026-05-01T10:10:00Z', 'V1', '${status}', ${at === null ? 'NULL' : `'${at}'`}, 't', 'vb')`;
    await db.exec(`INSERT INTO verifications (${VER_COLS}) VALUES ${vb('verified', '2026-05-01T11:00:00Z')} ${VER_UPSERT}`);
    expect((await ops('2026-05-05T00:00:00Z'))[0]![2]).toBe('2026-05-01T11:00:00.000Z');
    await db.exec(`INSERT INTO verifications (${VER_COLS}) VALUES ${vb('expired', null)} ${VER_UPSERT}`);
    // The refund moves from V2 to V1 (a corrected report), the shipment is withdrawn.
    await db.exec(`UPDATE refunds SET order_id = 'V1' WHERE refund_id = 'r1'`);
    await db.exec(`DELETE FROM shipments WHERE shipment_id = 's1'`);
    expect(await factsDrift()).toBe(0);
    expect(await ops('2026-05-05T00:00:00Z')).toEqual([
      ['V1', true, '2026-05-01T13:00:00.000Z', true, null],
      ['V2', true, null, false, null],
    ]);
    // An order re-reported with a new status keeps its facts.
    await db.exec(`INSERT INTO orders (${ORDER_COLS}) VALUES ('V1', '2026-05-01T10:00:00Z', 'U1', 'refunded', false, 4000, 4000, true, '1× V', 't', 'V1') ${ORDER_UPSERT}`);
    expect((await ops('2026-05-05T00:00:00Z'))[0]).toEqual(['V1', true, '2026-05-01T13:00:00.000Z', true, null]);
    // Hours to verification: V1 13:00 − 10:00 = 3.00; unverified refunds 1 of 2; nothing shipped.
    const r = (await db.query<Row>(`SELECT * FROM kpi.operations_range('2026-05-01T00:00:00Z', '2026-05-02T00:00:00Z')`)).rows[0]!;
    expect([r.verified_matured, num(r.time_to_verification_hours), r.refunded_unverified, r.shipped_orders, r.shipping_time_hours].map((v) => (v === null ? null : num(v)))).toEqual([1, 3, 1, 0, null]);
  });
});
