// kpi.rfm_segment_of_customers(at, ids) names the RFM segment of a few customers from the
// trigger-kept customer_valid_orders (migration 0101) instead of scoring every customer through
// kpi.rfm_customers_live. It must give the same R, F and segment as the live definition for every
// customer, at every instant (orders' own instants, a microsecond after, the 365-day membership
// edge in the session's zone) and in every session time zone, also after late, cancelled,
// deleted and re-loaded orders. Hand-computed values from depthFixture.ts.
import { loadBatch } from '../../src/load/loader';
import type { Batch } from '../../src/schema/tables';
import type { TestDb } from '../helpers/testDb';
import { AT, AT2, createDepthDb, WEEK_START } from './depthFixture';
import { num } from './fixture';

type Row = Record<string, unknown>;

const ALL = `ARRAY['D1', 'D2', 'D3', 'D4', 'D5', 'D6', 'D7', 'NOBODY']`;
const ZONES = ['UTC', 'America/New_York', 'Asia/Kathmandu', 'Australia/Lord_Howe', 'Pacific/Chatham'];

// Every instant where a score or the membership can change, and one microsecond after it: each
// valid or cancelled order, its 365-day edge in the session's zone and 365 × 24 h later, plus
// the fixture's reference instants.
const INSTANTS = `
  WITH e AS (
    SELECT placed_at AS t FROM orders
    UNION SELECT placed_at + INTERVAL '365 days' FROM orders
    UNION SELECT placed_at + make_interval(hours => 24 * 365) FROM orders
    UNION SELECT unnest(ARRAY['${AT}', '${AT2}', '${WEEK_START}']::timestamptz[])
  )
  SELECT t AS at FROM e UNION SELECT t + INTERVAL '1 microsecond' FROM e`;

// Rows of the live definition not given by the function and the reverse, over every instant.
const DIFF = `
  WITH i AS (${INSTANTS}),
  live AS (SELECT i.at, l.customer_id, l.r_score, l.f_score, l.segment FROM i CROSS JOIN LATERAL kpi.rfm_customers_live(i.at) l),
  fast AS (SELECT i.at, f.customer_id, f.r_score, f.f_score, f.segment FROM i CROSS JOIN LATERAL kpi.rfm_segment_of_customers(i.at, ${ALL}) f)
  SELECT (SELECT count(*) FROM i)::int AS instants, (SELECT count(*) FROM live)::int AS scored,
         (SELECT count(*) FROM (SELECT * FROM live EXCEPT ALL SELECT * FROM fast) x)::int AS missing,
         (SELECT count(*) FROM (SELECT * FROM fast EXCEPT ALL SELECT * FROM live) x)::int AS extra`;

describe('RFM segment of given customers, and the recovery KPIs that follow only the carts they need (depthFixture.ts)', () => {
  let db: TestDb;
  const segments = async (at: string) =>
    (await db.query<Row>(`SELECT customer_id, r_score, f_score, segment FROM kpi.rfm_segment_of_customers('${at}', ${ALL}) ORDER BY 1`))
      .rows.map((x) => [x.customer_id, num(x.r_score), num(x.f_score), x.segment]);
  // customer_order_summary (0131, trigger-kept) against a recount from the raw orders
  const summaryExact = async () => {
    const d = (await db.query<Row>(`
      WITH raw AS (SELECT customer_id, max(placed_at) AS last_at, count(*) AS orders FROM orders
                   WHERE customer_id IS NOT NULL AND status <> 'cancelled' AND NOT is_test GROUP BY customer_id),
      kept AS (SELECT customer_id, last_at, orders FROM customer_order_summary)
      SELECT (SELECT count(*) FROM kept)::int AS n,
             (SELECT count(*) FROM (SELECT * FROM raw EXCEPT ALL SELECT * FROM kept) x)::int AS missing,
             (SELECT count(*) FROM (SELECT * FROM kept EXCEPT ALL SELECT * FROM raw) x)::int AS extra`)).rows[0]!;
    expect([num(d.missing), num(d.extra)]).toEqual([0, 0]);
    return num(d.n);
  };
  const sameAsLive = async () => {
    await summaryExact();
    for (const zone of ZONES) {
      await db.exec(`SET TIME ZONE '${zone}'`);
      const d = (await db.query<Row>(DIFF)).rows[0]!;
      expect([zone, num(d.missing), num(d.extra)]).toEqual([zone, 0, 0]);
      expect(num(d.scored)).toBeGreaterThan(100);
    }
    await db.exec('SET TIME ZONE DEFAULT');
  };

  beforeAll(async () => {
    db = await createDepthDb();
  });
  afterAll(async () => {
    await db.close();
  });

  it('at AT: the scores and segments counted by hand; Ivy (no order in the year), Jo (none) and unknown ids get no row', async () => {
    // last orders: Fay 02-03, Gus 02-25, Eli 03-05, Dee 04-02, Hal 04-10 → 0..4 below, R = 1 + floor(5 × below / 4)
    // frequencies: Fay 1, Hal 1, Eli 2, Gus 2, Dee 4 → below 0, 0, 2, 2, 4 → F 1, 1, 3, 3, 5
    expect(await segments(AT)).toEqual([
      ['D1', 4, 5, 'champions'],
      ['D2', 3, 3, 'others'],
      ['D3', 1, 1, 'hibernating'],
      ['D4', 2, 3, 'at_risk'],
      ['D5', 5, 1, 'new'],
    ]);
  });

  it('equals the live definition for every customer at every instant, in every session time zone', async () => {
    await sameAsLive();
  });

  it('a late order (older than a cancelled one) makes Ivy a member', async () => {
    const late: Batch = {
      orders: [{ order_id: 'RFL1', placed_at: '2026-04-01T16:00:00Z', customer_id: 'D6', status: 'completed', subtotal_cents: 1000,
                 discount_cents: 0, total_cents: 1000, source: 'test', source_id: 'RFL1' }],
    };
    await loadBatch(db, { source: 'test', stream: 'orders' }, late);
    // last orders: Fay, Gus, Eli, Ivy 04-01, Dee, Hal → 0..5 below of 6: R = 1 + below (Hal capped at 5)
    // frequencies 1 (Fay, Hal), 2 (Eli, Gus, Ivy: 2025-03-01 and 04-01), 4 (Dee) → F 1, 3, 5
    expect(await segments(AT)).toEqual([
      ['D1', 5, 5, 'champions'],
      ['D2', 3, 3, 'others'],
      ['D3', 1, 1, 'hibernating'],
      ['D4', 2, 3, 'at_risk'],
      ['D5', 5, 1, 'new'],
      ['D6', 4, 3, 'others'],
    ]);
    // an identical re-load changes nothing
    await loadBatch(db, { source: 'test', stream: 'orders' }, late);
    expect((await segments(AT)).length).toBe(6);
    await sameAsLive();
  });

  it('cancelling the late order and deleting one of Gus\'s orders', async () => {
    await db.query(`UPDATE orders SET status = 'cancelled' WHERE order_id = 'RFL1'`);
    expect((await segments(AT)).map((x) => x[0])).toEqual(['D1', 'D2', 'D3', 'D4', 'D5']);
    await db.query(`DELETE FROM orders WHERE order_id = 'B09'`);
    // Gus: last 02-20 (still 1 below), one order → frequencies 1 (Fay, Gus, Hal), 2 (Eli), 4 (Dee):
    // Eli 3 below → F 1 + floor(3.75) = 4 (loyal), Gus F 1 with R 2 (hibernating)
    expect(await segments(AT)).toEqual([
      ['D1', 4, 5, 'champions'],
      ['D2', 3, 4, 'loyal'],
      ['D3', 1, 1, 'hibernating'],
      ['D4', 2, 1, 'hibernating'],
      ['D5', 5, 1, 'new'],
    ]);
    await sameAsLive();
  });

  it('the kept per-customer summary follows an order moved to another customer and to another instant', async () => {
    // D7 (Jo) had no order: B10 moves from Hal to Jo, then back to Hal six hours earlier
    await db.query(`UPDATE orders SET customer_id = 'D7' WHERE order_id = 'B10'`);
    const jo = await db.query<Row>(`SELECT last_at, orders FROM customer_order_summary WHERE customer_id = 'D7'`);
    expect([(jo.rows[0]?.last_at as Date).toISOString(), num(jo.rows[0]?.orders)]).toEqual(['2026-04-10T16:00:00.000Z', 1]);
    expect(await summaryExact()).toBe(7); // D1..D7 (Ivy by her 2025 order)
    await db.query(`UPDATE orders SET customer_id = 'D5', placed_at = '2026-04-10T10:00:00Z' WHERE order_id = 'B10'`);
    expect((await db.query<Row>(`SELECT 1 FROM customer_order_summary WHERE customer_id = 'D7'`)).rows).toHaveLength(0);
    // Hal at AT: last order 04-10 10:00Z now, still the latest of the members → R 5, one order → F 1
    expect((await segments(AT)).find((x) => x[0] === 'D5')).toEqual(['D5', 5, 1, 'new']);
    await sameAsLive();
  });

  it('recovery by segment equals its former definition: every cart followed, every customer scored', async () => {
    const former = (from: string, to: string) => `
      WITH j AS (SELECT * FROM kpi.cart_journey_carts(timestamptz '${from}' - INTERVAL '7 days', '${to}')
                 WHERE first_sent_at >= '${from}' AND first_sent_at < '${to}'),
      rfm AS (SELECT customer_id, segment FROM kpi.rfm_customers_at('${from}')),
      steps AS (SELECT j.cart_id, x.step, (j.recovered AND j.recovered_step = x.step) AS rec, j.recovered_cents
                FROM j CROSS JOIN LATERAL (VALUES (1::smallint, j.sent1_at), (2::smallint, j.sent2_at), (3::smallint, j.sent3_at)) x(step, at)
                WHERE x.at IS NOT NULL),
      rows AS (SELECT 1 AS ord, 'customer_type' AS dimension, j.customer_type AS segment, j.recovered AS rec, j.recovered_cents AS cents FROM j
               UNION ALL
               SELECT 2, 'rfm_segment', CASE WHEN j.customer_id IS NULL THEN 'guest' ELSE coalesce(rfm.segment, 'not_scored') END, j.recovered, j.recovered_cents
               FROM j LEFT JOIN rfm ON rfm.customer_id = j.customer_id
               UNION ALL
               SELECT 3, 'email_step', 'email_' || steps.step, steps.rec, steps.recovered_cents FROM steps)
      SELECT dimension, segment, count(*) AS carts_emailed, count(*) FILTER (WHERE rec) AS carts_recovered,
             kpi.rate(count(*) FILTER (WHERE rec), count(*)) AS recovery_rate,
             kpi.money(coalesce(sum(cents) FILTER (WHERE rec), 0)) AS recovered_revenue
      FROM rows GROUP BY ord, dimension, segment ORDER BY ord, segment`;
    const ranges = [[WEEK_START, AT2], ['2026-05-04T17:30:00Z', '2026-05-05T16:30:00Z'], ['2026-05-04T17:30:00.001Z', '2026-05-06T12:10:00Z'],
      ['2026-05-05T14:10:00Z', '2026-05-08T00:00:00Z'], ['2026-04-01T00:00:00Z', '2026-06-01T00:00:00Z']];
    let rows = 0;
    for (const [from, to] of ranges) {
      const now = (await db.query<Row>(`SELECT * FROM kpi.recovery_by_segment('${from}', '${to}')`)).rows;
      expect([from, to, now]).toEqual([from, to, (await db.query<Row>(former(from!, to!))).rows]);
      rows += now.length;
      // the email-step rows alone (the dashboard's email-step panel)
      const steps = (await db.query<Row>(`SELECT * FROM kpi.recovery_by_email_step('${from}', '${to}')`)).rows;
      expect([from, to, steps]).toEqual([from, to, now.filter((x) => x.dimension === 'email_step').map(({ dimension: _, ...x }) => x)]);
      steps.forEach((x) => expect(x.segment).toMatch(/^email_[123]$/));
    }
    expect(rows).toBeGreaterThan(15);
  });

  it('recovered products equal their former definition (every cart of the range followed)', async () => {
    const former = (from: string, to: string) => `
      WITH a AS (
        SELECT l.sku, count(DISTINCT j.cart_id) AS carts, sum(l.quantity)::bigint AS units, sum(l.line_subtotal_cents - l.allocated_discount_cents) AS cents
        FROM kpi.cart_journey_carts('${from}', '${to}') j JOIN public.order_lines l ON l.order_id = j.order_id AND l.order_valid
        WHERE j.recovered GROUP BY l.sku)
      SELECT row_number() OVER (ORDER BY a.cents DESC, a.carts DESC, a.sku) AS rank, a.sku, p.name, a.carts, a.units, kpi.money(a.cents) AS revenue
      FROM a LEFT JOIN public.products p ON p.sku = a.sku ORDER BY a.cents DESC, a.carts DESC, a.sku`;
    let rows = 0;
    for (const [from, to] of [[WEEK_START, AT2], ['2026-05-04T16:00:00Z', '2026-05-06T13:50:00Z'], ['2026-05-04T16:00:00Z', '2026-05-06T13:50:00.001Z']]) {
      const now = (await db.query<Row>(`SELECT * FROM kpi.recovered_products('${from}', '${to}', 100)`)).rows;
      expect([from, to, now]).toEqual([from, to, (await db.query<Row>(former(from!, to!))).rows]);
      rows += now.length;
    }
    expect(rows).toBeGreaterThan(3);
  });

  it('one member scores 1, 1; none gives no row', async () => {
    // 2027-05-05 15:00Z: Dee's and Hal's 2026-05-04 orders are more than 365 days old; Gus's 05-06 (B23) is not
    const lone = await db.query<Row>(`SELECT count(*)::int AS n FROM kpi.rfm_customers_live('2027-05-05T15:00:00Z')`);
    expect(num(lone.rows[0]?.n)).toBe(1);
    expect(await segments('2027-05-05T15:00:00Z')).toEqual([['D4', 1, 1, 'hibernating']]);
    expect(await segments('2028-01-01T00:00:00Z')).toEqual([]);
  });
});
