import type { TestDb } from '../helpers/testDb';
import { createSeededKpiDb, isoDay, num } from './fixture';

type Row = Record<string, unknown>;

/*
 * The trigger-kept facts behind the refund figures (refund_orders, migration 0100) and the new vs
 * returning figures (customer_valid_orders / new_vs_returning_days, migration 0101), driven by raw
 * SQL after the fixture is loaded, in the order a user would meet them. Hand-computed values are
 * in the comments (fixture.ts lists the base rows); after each step the kept figures also equal
 * the definitions they replace, recomputed from the raw tables.
 *
 * Base valid orders: A1 03-05 C1 6300 net; A2 03-05 C2 2500; A5 03-06 C1 9000 (R1 −3000 on 03-07);
 * A6 03-08 C4 5000; A7 03-09 C2 1000; A8 03-11 guest 4500. R2 is on cancelled A3.
 */
describe('trigger-kept refund and customer facts stay exact', () => {
  let db: TestDb;
  beforeAll(async () => {
    db = await createSeededKpiDb();
  });
  afterAll(async () => {
    await db.close();
  });

  const day = async (view: string, d: string, extra = ''): Promise<Row> => {
    const r = await db.query<Row>(`SELECT * FROM kpi.${view} WHERE day = $1::date ${extra}`, [d]);
    return r.rows[0] ?? {};
  };
  const nvr = async (d: string) => {
    const r = await day('new_vs_returning_daily', d);
    return {
      new_orders: num(r.new_orders), returning_orders: num(r.returning_orders), guest_orders: num(r.guest_orders),
      new_customers: num(r.new_customers), returning_customers: num(r.returning_customers),
      new_revenue: num(r.new_revenue), returning_revenue: num(r.returning_revenue),
    };
  };
  const top = async () =>
    (await db.query<Row>(`SELECT * FROM kpi.top_customers('2026-03-01T00:00Z', '2026-04-01T00:00Z', 10)`)).rows.map((r) => [
      num(r.rank), r.customer_id, num(r.orders), num(r.revenue),
    ]);

  // The replaced definitions, from the raw tables: every refund joined to its order, and the
  // window-numbered customer orders (kpi.customer_orders keeps that definition).
  async function expectSameAsRawDefinitions(): Promise<void> {
    const pairs = async (a: string, b: string) => {
      const x = await db.query<{ j: string }>(`SELECT coalesce(jsonb_agg(to_jsonb(t) ORDER BY to_jsonb(t)::text), '[]')::text AS j FROM (${a}) t`);
      const y = await db.query<{ j: string }>(`SELECT coalesce(jsonb_agg(to_jsonb(t) ORDER BY to_jsonb(t)::text), '[]')::text AS j FROM (${b}) t`);
      expect(JSON.parse(x.rows[0]!.j)).toEqual(JSON.parse(y.rows[0]!.j));
    };
    await pairs(
      `SELECT refund_id, refunded_at, refund_day, order_id, amount_cents, shipping_refund_cents, reason, placed_at, traffic_source, customer_id FROM kpi.valid_refunds`,
      `SELECT r.refund_id, r.refunded_at, kpi.local_day(r.refunded_at) AS refund_day, r.order_id, r.amount_cents, r.shipping_refund_cents, r.reason,
              o.placed_at, o.traffic_source, o.customer_id
       FROM refunds r JOIN orders o ON o.order_id = r.order_id WHERE o.status <> 'cancelled' AND NOT o.is_test`,
    );
    await pairs(
      `SELECT day, new_orders, returning_orders, guest_orders, new_customers, returning_customers, new_revenue, returning_revenue
       FROM kpi.new_vs_returning_daily WHERE day BETWEEN '2026-03-01' AND '2026-03-31'`,
      `WITH c AS (
         SELECT day, count(*) FILTER (WHERE seq = 1) AS new_orders, count(*) FILTER (WHERE seq > 1) AS returning_orders,
                count(*) FILTER (WHERE customer_id IS NULL) AS guest_orders,
                count(DISTINCT customer_id) FILTER (WHERE seq = 1) AS new_customers,
                count(DISTINCT customer_id) FILTER (WHERE seq > 1) AS returning_customers,
                sum(net_cents) FILTER (WHERE seq = 1) AS new_cents, sum(net_cents) FILTER (WHERE seq > 1) AS returning_cents
         FROM kpi.customer_orders GROUP BY day)
       SELECT d.day, coalesce(c.new_orders, 0) AS new_orders, coalesce(c.returning_orders, 0) AS returning_orders,
              coalesce(c.guest_orders, 0) AS guest_orders, coalesce(c.new_customers, 0) AS new_customers,
              coalesce(c.returning_customers, 0) AS returning_customers,
              kpi.money(coalesce(c.new_cents, 0)) AS new_revenue, kpi.money(coalesce(c.returning_cents, 0)) AS returning_revenue
       FROM kpi.days d LEFT JOIN c ON c.day = d.day WHERE d.day BETWEEN '2026-03-01' AND '2026-03-31'`,
    );
    // customer_lifetime_totals (0150) against a recount from the raw orders and refunds
    await pairs(
      `SELECT customer_id, orders, net_cents, refund_cents FROM customer_lifetime_totals`,
      `WITH o AS (SELECT customer_id, count(*) AS n, sum(subtotal_cents - discount_cents) AS net FROM orders
                  WHERE customer_id IS NOT NULL AND status <> 'cancelled' AND NOT is_test GROUP BY customer_id),
       r AS (SELECT o.customer_id, sum(r.amount_cents) AS refunds FROM refunds r JOIN orders o ON o.order_id = r.order_id
             WHERE o.customer_id IS NOT NULL AND o.status <> 'cancelled' AND NOT o.is_test GROUP BY o.customer_id)
       SELECT coalesce(o.customer_id, r.customer_id) AS customer_id, coalesce(o.n, 0) AS orders,
              coalesce(o.net, 0) AS net_cents, coalesce(r.refunds, 0) AS refund_cents
       FROM o FULL JOIN r ON r.customer_id = o.customer_id`,
    );
    // Ranges read from their own rows (a day or two of the history) and as lifetime totals minus
    // the rest (most or all of it, and one reaching past both ends).
    for (const [from, to] of [
      ['2026-03-01T00:00Z', '2026-04-01T00:00Z'], ['2026-03-06T00:00Z', '2026-03-10T00:00Z'],
      ['2026-03-09T00:00Z', '2026-03-10T12:00Z'], ['2026-03-05T16:00Z', '2026-03-11T12:00Z'], ['2026-03-07T00:00Z', '2026-05-01T00:00Z'],
    ]) {
      // short rankings too: the first customer by lifetime totals need not be first inside the range
      for (const n of [100, 2, 1]) {
        await pairs(
          `SELECT * FROM kpi.top_customers('${from}', '${to}', ${n})`,
          `WITH t AS (SELECT o.customer_id, count(*) AS n, sum(o.value_cents) AS cents FROM kpi.customer_orders o
                      WHERE o.customer_id IS NOT NULL AND o.placed_at >= '${from}' AND o.placed_at < '${to}' GROUP BY o.customer_id)
           SELECT row_number() OVER (ORDER BY t.cents DESC, t.customer_id) AS rank, t.customer_id, c.name AS customer_name, t.n AS orders,
                  kpi.money(t.cents) AS revenue
           FROM t LEFT JOIN customers c ON c.customer_id = t.customer_id
           ORDER BY t.cents DESC, t.customer_id LIMIT ${n}`,
        );
      }
    }
  }

  it('starts from the fixture figures', async () => {
    expect(await nvr('2026-03-05')).toEqual({ new_orders: 2, returning_orders: 0, guest_orders: 0, new_customers: 2, returning_customers: 0, new_revenue: 88, returning_revenue: 0 });
    expect(await nvr('2026-03-06')).toEqual({ new_orders: 0, returning_orders: 1, guest_orders: 0, new_customers: 0, returning_customers: 1, new_revenue: 0, returning_revenue: 90 });
    expect(num((await day('revenue_daily', '2026-03-07')).refunds)).toBe(30);
    await expectSameAsRawDefinitions();
  });

  it('a refund loaded before its order counts once the order arrives', async () => {
    // R9: Tue 03-10 11:00 EDT, 12.00 on Z1, which is not loaded yet.
    await db.exec(`INSERT INTO refunds (refund_id, refunded_at, order_id, amount_cents, reason, source, source_id)
                   VALUES ('R9', '2026-03-10T15:00:00Z', 'Z1', 1200, 'customer_request', 't', 'R9')`);
    expect(num((await day('revenue_daily', '2026-03-10')).refunds)).toBe(0);
    expect(num((await db.query<Row>(`SELECT revenue FROM kpi.revenue_comparison('2026-03-10T16:00:00Z')`)).rows[0]?.revenue)).toBe(0);
    // Z1: Mon 03-09 11:00 EDT, C4, email, 40.00.
    await db.exec(`INSERT INTO orders (order_id, placed_at, customer_id, status, subtotal_cents, total_cents, traffic_source, source, source_id)
                   VALUES ('Z1', '2026-03-09T15:00:00Z', 'C4', 'completed', 4000, 4000, 'email', 't', 'Z1')`);
    const d10 = await day('revenue_daily', '2026-03-10');
    expect(num(d10.refunds)).toBe(12);
    expect(num(d10.revenue)).toBe(-12); // nothing placed on 03-10
    expect(num((await day('revenue_by_source_daily', '2026-03-10', `AND traffic_source = 'email'`)).refunds)).toBe(12);
    // Today (03-10) up to 12:00 EDT: no orders, R9 → −12.00.
    expect(num((await db.query<Row>(`SELECT revenue FROM kpi.revenue_comparison('2026-03-10T16:00:00Z')`)).rows[0]?.revenue)).toBe(-12);
    // Z1 is C4's second order (A6 on 03-08 first): 03-09 returning = A7 (C2) + Z1 = 10 + 40.
    expect(await nvr('2026-03-09')).toEqual({ new_orders: 0, returning_orders: 2, guest_orders: 0, new_customers: 0, returning_customers: 2, new_revenue: 0, returning_revenue: 50 });
    // C1 6300 + 9000 − 3000; C4 5000 + 4000 − 1200; C2 2500 + 1000.
    expect(await top()).toEqual([[1, 'C1', 2, 123], [2, 'C4', 2, 78], [3, 'C2', 2, 35]]);
    await expectSameAsRawDefinitions();
  });

  it('an order cancelled after its refund takes the refund and the returning order away', async () => {
    await db.exec(`UPDATE orders SET status = 'cancelled' WHERE order_id = 'A5'`);
    const d7 = await day('revenue_daily', '2026-03-07');
    expect(num(d7.refunds)).toBe(0); // R1 was on A5
    expect(num(d7.revenue)).toBe(0);
    expect(await nvr('2026-03-06')).toEqual({ new_orders: 0, returning_orders: 0, guest_orders: 0, new_customers: 0, returning_customers: 0, new_revenue: 0, returning_revenue: 0 });
    expect(await top()).toEqual([[1, 'C4', 2, 78], [2, 'C1', 1, 63], [3, 'C2', 2, 35]]);
    await expectSameAsRawDefinitions();
  });

  it('an earlier first order arriving later flips new and returning; cancelling it flips back', async () => {
    // E1: Sat 03-07 10:00 EST, C4, 20.00: before A6 (03-08), so C4 is new on 03-07 and A6 returning.
    await db.exec(`INSERT INTO orders (order_id, placed_at, customer_id, status, subtotal_cents, total_cents, traffic_source, source, source_id)
                   VALUES ('E1', '2026-03-07T15:00:00Z', 'C4', 'completed', 2000, 2000, 'paid', 't', 'E1')`);
    expect(await nvr('2026-03-07')).toEqual({ new_orders: 1, returning_orders: 0, guest_orders: 0, new_customers: 1, returning_customers: 0, new_revenue: 20, returning_revenue: 0 });
    expect(await nvr('2026-03-08')).toEqual({ new_orders: 0, returning_orders: 1, guest_orders: 0, new_customers: 0, returning_customers: 1, new_revenue: 0, returning_revenue: 50 });
    expect(await top()).toEqual([[1, 'C4', 3, 98], [2, 'C1', 1, 63], [3, 'C2', 2, 35]]);
    await expectSameAsRawDefinitions();
    await db.exec(`UPDATE orders SET is_test = true WHERE order_id = 'E1'`);
    expect(await nvr('2026-03-07')).toEqual({ new_orders: 0, returning_orders: 0, guest_orders: 0, new_customers: 0, returning_customers: 0, new_revenue: 0, returning_revenue: 0 });
    expect(await nvr('2026-03-08')).toEqual({ new_orders: 1, returning_orders: 0, guest_orders: 0, new_customers: 1, returning_customers: 0, new_revenue: 50, returning_revenue: 0 });
    await db.exec(`UPDATE orders SET is_test = false WHERE order_id = 'E1'`);
    await expectSameAsRawDefinitions();
  });

  it('one statement inserting a customer\'s orders latest first numbers them by time', async () => {
    // C3 had only cancelled A3. X3 03-11 15.00, X1 03-09 10.00, X2 03-10 12.00, in that row order.
    await db.exec(`INSERT INTO orders (order_id, placed_at, customer_id, status, subtotal_cents, total_cents, traffic_source, source, source_id) VALUES
      ('X3', '2026-03-11T15:00:00Z', 'C3', 'completed', 1500, 1500, 'direct', 't', 'X3'),
      ('X1', '2026-03-09T16:00:00Z', 'C3', 'completed', 1000, 1000, 'direct', 't', 'X1'),
      ('X2', '2026-03-10T16:00:00Z', 'C3', 'completed', 1200, 1200, 'direct', 't', 'X2')`);
    expect(await nvr('2026-03-09')).toEqual({ new_orders: 1, returning_orders: 2, guest_orders: 0, new_customers: 1, returning_customers: 2, new_revenue: 10, returning_revenue: 50 });
    expect(await nvr('2026-03-10')).toEqual({ new_orders: 0, returning_orders: 1, guest_orders: 0, new_customers: 0, returning_customers: 1, new_revenue: 0, returning_revenue: 12 });
    expect(await nvr('2026-03-11')).toEqual({ new_orders: 0, returning_orders: 1, guest_orders: 1, new_customers: 0, returning_customers: 1, new_revenue: 0, returning_revenue: 15 });
    await expectSameAsRawDefinitions();
  });

  it('re-loading identical rows changes nothing; deleting a first order promotes the next', async () => {
    const kept = async () =>
      (await db.query<{ j: string }>(`SELECT jsonb_build_array(
        (SELECT jsonb_agg(to_jsonb(t) ORDER BY t.refund_id, t.placed_at) FROM refund_orders t),
        (SELECT jsonb_agg(to_jsonb(t) ORDER BY t.order_id, t.placed_at) FROM customer_valid_orders t),
        (SELECT jsonb_agg(to_jsonb(t) ORDER BY t.customer_id, t.day) FROM customer_order_days t),
        (SELECT jsonb_agg(to_jsonb(t) ORDER BY t.day) FROM new_vs_returning_days t))::text AS j`)).rows[0]!.j;
    const before = await kept();
    // An upsert that rewrites every column with the same values (row triggers fire on UPDATE).
    await db.exec(`
      INSERT INTO orders SELECT * FROM orders
      ON CONFLICT (order_id, placed_at) DO UPDATE SET status = EXCLUDED.status, is_test = EXCLUDED.is_test,
        customer_id = EXCLUDED.customer_id, subtotal_cents = EXCLUDED.subtotal_cents, discount_cents = EXCLUDED.discount_cents,
        traffic_source = EXCLUDED.traffic_source;
      INSERT INTO refunds SELECT * FROM refunds
      ON CONFLICT (refund_id, refunded_at) DO UPDATE SET order_id = EXCLUDED.order_id, amount_cents = EXCLUDED.amount_cents;`);
    expect(await kept()).toBe(before);
    await expectSameAsRawDefinitions();
    await db.exec(`DELETE FROM orders WHERE order_id = 'X1'`);
    expect(await nvr('2026-03-10')).toEqual({ new_orders: 1, returning_orders: 0, guest_orders: 0, new_customers: 1, returning_customers: 0, new_revenue: 12, returning_revenue: 0 });
    await expectSameAsRawDefinitions();
    // Moving an order to another customer and day, and deleting a refunded order.
    await db.exec(`UPDATE orders SET customer_id = 'C1' WHERE order_id = 'X3'`);
    await db.exec(`DELETE FROM orders WHERE order_id = 'Z1'`);
    expect(num((await day('revenue_daily', '2026-03-10')).refunds)).toBe(0);
    await expectSameAsRawDefinitions();
    expect(isoDay((await db.query<Row>(`SELECT min(day) AS d FROM new_vs_returning_days`)).rows[0]?.d)).toBe('2026-03-05');
  });
});
