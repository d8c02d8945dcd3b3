// customer_last_order_days (migration 0190) counts the customers of customer_order_summary per
// local day of their last valid order × number of valid orders, and kpi.rfm_segment_of_customers
// sums its whole days instead of reading every RFM member. The grid must equal a recount from the
// raw orders after inserts, cancellations, test flags, customer changes, moved instants and
// deletes, and the segments must equal the live definition (kpi.rfm_customers_live) at instants on
// local day boundaries, at the 365-day edge and with several customers on one day and one
// instant. Store zone America/New_York; the hand-counted cases are in 2028, a year with no other
// order.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { createTestDb, type TestDb } from '../helpers/testDb';
import { num } from './fixture';

type Row = Record<string, unknown>;

const TZ = 'America/New_York';
const ZONES = ['UTC', TZ, 'Asia/Kathmandu'];
const COLS = 'order_id, placed_at, customer_id, status, is_test, subtotal_cents, discount_cents, total_cents, source, source_id';

// 240 orders over 330 local days from 2025-05-01: at local midnight (twice as often), 06:00, 11:00
// and the last microsecond of the day; 61 customers (G00..G60: 1, about 3 or about 13 orders),
// some guests, cancelled and test orders. Many share a day, some an instant.
const GENERATED = `
  INSERT INTO orders (${COLS})
  SELECT 'G' || i,
         ((date '2025-05-01' + (i * 37) % 330)::timestamp
          + (ARRAY[interval '0', interval '0', interval '11 hours', interval '23:59:59.999999', interval '6 hours'])[1 + i % 5])
           AT TIME ZONE '${TZ}',
         CASE WHEN i % 29 = 0 THEN NULL ELSE 'G' || lpad((CASE WHEN i <= 60 THEN i WHEN i <= 150 THEN (i * 37) % 45 ELSE i % 9 END)::text, 2, '0') END,
         CASE WHEN i % 13 = 0 THEN 'cancelled' ELSE 'completed' END,
         i % 31 = 0, 1000, 0, 1000, 't', 'G' || i
  FROM generate_series(1, 240) i`;

// Scores change at orders and at their 365-day edge: every sixth generated order's instant (every other order's), its edge, local
// midnights (whole days of the grid start and end there) and their edges, each also 1 µs later.
const INSTANTS = `
  WITH e AS (
    SELECT placed_at AS t FROM orders WHERE CASE WHEN order_id ~ '^G[0-9]+$' THEN substr(order_id, 2)::int % 6 = 0 ELSE true END
    UNION SELECT placed_at + INTERVAL '365 days' FROM orders WHERE CASE WHEN order_id ~ '^G[0-9]+$' THEN substr(order_id, 2)::int % 6 = 0 ELSE true END
    UNION SELECT (date '2025-05-01' + k)::timestamp AT TIME ZONE '${TZ}' FROM generate_series(0, 390, 30) k
    UNION SELECT ((date '2025-05-01' + k)::timestamp AT TIME ZONE '${TZ}') + INTERVAL '365 days' FROM generate_series(0, 390, 30) k
  )
  SELECT t AS at FROM e UNION SELECT t + INTERVAL '1 microsecond' FROM e`;

const WANTED = `(SELECT array_agg(DISTINCT customer_id) || ARRAY['NOBODY'] FROM orders WHERE customer_id IS NOT NULL)`;

const DIFF = `
  WITH i AS (${INSTANTS}),
  live AS (SELECT i.at, l.customer_id, l.r_score, l.f_score, l.segment FROM i CROSS JOIN LATERAL kpi.rfm_customers_live(i.at) l),
  fast AS (SELECT i.at, f.customer_id, f.r_score, f.f_score, f.segment FROM i CROSS JOIN LATERAL kpi.rfm_segment_of_customers(i.at, ${WANTED}) f)
  SELECT (SELECT count(*) FROM i)::int AS instants, (SELECT count(*) FROM live)::int AS scored,
         (SELECT count(*) FROM (SELECT * FROM live EXCEPT ALL SELECT * FROM fast) x)::int AS missing,
         (SELECT count(*) FROM (SELECT * FROM fast EXCEPT ALL SELECT * FROM live) x)::int AS extra`;

// The grid recounted from the raw orders: valid orders with a customer, the local date of each
// customer's last one (New York never skips a midnight, so the local date is the grid's day).
const GRID_DIFF = `
  WITH per AS (SELECT customer_id, max(placed_at) AS last_at, count(*) AS orders FROM orders
               WHERE customer_id IS NOT NULL AND status <> 'cancelled' AND NOT is_test GROUP BY customer_id),
  raw AS (SELECT (last_at AT TIME ZONE '${TZ}')::date AS day, orders, count(*) AS customers FROM per GROUP BY 1, 2),
  kept AS (SELECT day, orders, customers FROM customer_last_order_days)
  SELECT (SELECT count(*) FROM kept)::int AS cells, (SELECT coalesce(sum(customers), 0) FROM kept)::int AS customers,
         (SELECT count(*) FROM kept WHERE customers <= 0)::int AS empty,
         (SELECT count(*) FROM (SELECT * FROM raw EXCEPT ALL SELECT * FROM kept) x)::int AS missing,
         (SELECT count(*) FROM (SELECT * FROM kept EXCEPT ALL SELECT * FROM raw) x)::int AS extra`;

describe('customer_last_order_days (0190) and the RFM segments of given customers read from it', () => {
  let db: TestDb;
  const gridExact = async (): Promise<{ cells: number; customers: number }> => {
    const d = (await db.query<Row>(GRID_DIFF)).rows[0]!;
    expect([num(d.empty), num(d.missing), num(d.extra)]).toEqual([0, 0, 0]);
    return { cells: Number(d.cells), customers: Number(d.customers) };
  };
  const sameAsLive = async (): Promise<void> => {
    for (const zone of ZONES) {
      await db.exec(`SET TIME ZONE '${zone}'`);
      const d = (await db.query<Row>(DIFF)).rows[0]!;
      expect([zone, num(d.missing), num(d.extra)]).toEqual([zone, 0, 0]);
      expect(num(d.instants)).toBeGreaterThan(150);
      expect(num(d.scored)).toBeGreaterThan(1000);
    }
    await db.exec('SET TIME ZONE DEFAULT');
  };
  const segments = async (at: string, ids: string) =>
    (await db.query<Row>(`SELECT customer_id, r_score, f_score, segment FROM kpi.rfm_segment_of_customers('${at}', ARRAY[${ids}]) ORDER BY 1`))
      .rows.map((x) => [x.customer_id, num(x.r_score), num(x.f_score), x.segment]);

  beforeAll(async () => {
    db = await createTestDb({ timeZone: TZ });
    await db.exec(GENERATED);
  });
  afterAll(async () => {
    await db?.close();
  });

  it('is kept from the loaded orders, and the migration backfill gives the same grid', async () => {
    const kept = await gridExact();
    expect(kept.cells).toBeGreaterThan(30);
    const sql = readFileSync(path.join(__dirname, '../../../sql/migrations/0190_customer_last_order_days.sql'), 'utf8');
    const backfill = /^INSERT INTO customer_last_order_days[\s\S]*?;$/m.exec(sql)?.[0];
    expect(backfill).toBeDefined();
    await db.exec(`DELETE FROM customer_last_order_days; ${backfill!}`);
    expect(await gridExact()).toEqual(kept);
  });

  it('equals the live definition at every instant, in every session time zone', async () => {
    await sameAsLive();
  });

  it('hand-counted: two customers on one instant at local midnight, one a microsecond before it, the window edge on a day boundary', async () => {
    // Sat 2028-01-10 00:00 EST = 05:00Z: H1 (also ordered 2027-12-01) and H2; H3 12:00 EST; H4 the
    // microsecond before midnight (01-09 local); H5 01-11 09:00 EST.
    await db.exec(`SET TIME ZONE 'UTC'`);
    await db.exec(`INSERT INTO orders (${COLS}) VALUES
      ('H1a', '2027-12-01T15:00:00Z', 'H1', 'completed', false, 1000, 0, 1000, 't', 'H1a'),
      ('H1b', '2028-01-10T05:00:00Z', 'H1', 'completed', false, 1000, 0, 1000, 't', 'H1b'),
      ('H2', '2028-01-10T05:00:00Z', 'H2', 'completed', false, 1000, 0, 1000, 't', 'H2'),
      ('H3', '2028-01-10T17:00:00Z', 'H3', 'completed', false, 1000, 0, 1000, 't', 'H3'),
      ('H4', '2028-01-10T04:59:59.999999Z', 'H4', 'completed', false, 1000, 0, 1000, 't', 'H4'),
      ('H5', '2028-01-11T14:00:00Z', 'H5', 'completed', false, 1000, 0, 1000, 't', 'H5')`);
    const cells = await db.query<Row>(`SELECT day::text AS d, orders::int AS n, customers::int AS k FROM customer_last_order_days
      WHERE day >= '2028-01-01' ORDER BY 1, 2`);
    expect(cells.rows.map((r) => `${String(r.d)} ${String(r.n)}×${String(r.k)}`)).toEqual(['2028-01-09 1×1', '2028-01-10 1×2', '2028-01-10 2×1', '2028-01-11 1×1']);
    const ids = `'H1', 'H2', 'H3', 'H4', 'H5'`;
    // at Wed 01-12 00:00 EST (a local midnight): 5 members, last orders H4 < H1 = H2 < H3 < H5 → 0, 1, 1, 3, 4
    // below of 4: R = 1 + floor(5 × below / 4) = 1, 2, 2, 4, 5; orders H1 2, others 1 → F: H1 1 + floor(5) = 5 (max 5), others 1
    expect(await segments('2028-01-12T05:00:00Z', ids)).toEqual([
      ['H1', 2, 5, 'loyal'],
      ['H2', 2, 1, 'hibernating'],
      ['H3', 4, 1, 'others'],
      ['H4', 1, 1, 'hibernating'],
      ['H5', 5, 1, 'new'],
    ]);
    // the same instant inside the local day of H5 (01-11 14:00Z): H5 ordered exactly then, so not
    // a member yet; 4 members H4 < H1 = H2 < H3 → below 0, 1, 1, 3 of 3: R 1, 2, 2, 5; F H1 5, others 1
    expect(await segments('2028-01-11T14:00:00Z', ids)).toEqual([
      ['H1', 2, 5, 'loyal'],
      ['H2', 2, 1, 'hibernating'],
      ['H3', 5, 1, 'new'],
      ['H4', 1, 1, 'hibernating'],
    ]);
    // 2029-01-09 05:00Z − 365 days = 2028-01-10 05:00Z (2028 is a leap year): H1 and H2 are on the
    // window's edge (members), H4 a microsecond before it (not). Below: H1 0, H2 0, H3 2, H5 3 of
    // 3 → R 1, 1, 4 (1 + floor(3.33)), 5; F H1 (2 orders) 1 + floor(5 × 3 / 3) = 5 (max 5), others 1
    expect(await segments('2029-01-09T05:00:00Z', ids)).toEqual([
      ['H1', 1, 5, 'loyal'],
      ['H2', 1, 1, 'hibernating'],
      ['H3', 4, 1, 'others'],
      ['H5', 5, 1, 'new'],
    ]);
    // the same as the live definition at these instants
    for (const at of ['2028-01-12T05:00:00Z', '2028-01-11T14:00:00Z', '2029-01-09T05:00:00Z', '2029-01-09T04:59:59.999999Z']) {
      const live = await db.query<Row>(`SELECT customer_id, r_score, f_score, segment FROM kpi.rfm_customers_live('${at}') ORDER BY 1`);
      expect([at, await segments(at, ids)]).toEqual([at, live.rows.map((x) => [x.customer_id, num(x.r_score), num(x.f_score), x.segment])]);
    }
    await db.exec('SET TIME ZONE DEFAULT');
    await gridExact();
  });

  it('follows inserted orders: a new customer on an existing instant, an older order, a later one', async () => {
    await db.exec(`INSERT INTO orders (${COLS})
      SELECT 'N1', placed_at, 'N1', 'completed', false, 500, 0, 500, 't', 'N1' FROM orders WHERE order_id = 'G12';
      INSERT INTO orders (${COLS}) VALUES
        ('N2', '2025-05-02T12:00:00Z', 'G04', 'completed', false, 500, 0, 500, 't', 'N2'),
        ('N3', '2026-03-30T03:59:59.999999Z', 'G09', 'completed', false, 500, 0, 500, 't', 'N3')`);
    await gridExact();
    await sameAsLive();
  });

  it('follows cancellations, test flags, a customer change and an order moved across a local midnight', async () => {
    // the last order of a customer cancelled (its last order moves back), and every order of another
    await db.exec(`
      UPDATE orders SET status = 'cancelled'
      WHERE order_id = (SELECT order_id FROM orders WHERE customer_id = 'G09' AND status <> 'cancelled' AND NOT is_test ORDER BY placed_at DESC LIMIT 1);
      UPDATE orders SET status = 'cancelled' WHERE customer_id = 'G01'`);
    expect((await db.query<Row>(`SELECT 1 FROM customer_order_summary WHERE customer_id = 'G01'`)).rows).toHaveLength(0);
    await gridExact();
    await db.exec(`
      UPDATE orders SET is_test = true WHERE order_id IN ('G30', 'G45', 'G60');
      UPDATE orders SET is_test = false WHERE order_id = 'G31';
      UPDATE orders SET customer_id = 'G10' WHERE order_id IN ('G20', 'N1');
      UPDATE orders SET customer_id = 'M1' WHERE order_id = 'G40'`);
    await gridExact();
    // a customer's last order, placed at local midnight, a microsecond earlier: the day before
    const moved = (await db.query<Row>(`
      WITH v AS (SELECT order_id, customer_id, placed_at, max(placed_at) OVER (PARTITION BY customer_id) AS last_at FROM orders
                 WHERE customer_id IS NOT NULL AND status <> 'cancelled' AND NOT is_test)
      SELECT order_id, customer_id FROM v
      WHERE placed_at = last_at AND (placed_at AT TIME ZONE '${TZ}')::time = '00:00' AND customer_id LIKE 'G%'
        AND (SELECT count(*) FROM v w WHERE w.customer_id = v.customer_id AND w.placed_at = v.placed_at) = 1
      ORDER BY order_id LIMIT 1`)).rows[0]!;
    const dayOf = async () => (await db.query<Row>(`SELECT (last_at AT TIME ZONE '${TZ}')::text AS d FROM customer_order_summary WHERE customer_id = $1`,
      [moved.customer_id])).rows[0]?.d;
    const before = String(await dayOf());
    await db.exec(`UPDATE orders SET placed_at = placed_at - INTERVAL '1 microsecond' WHERE order_id = '${String(moved.order_id)}'`);
    expect([before.slice(11), String(await dayOf()).slice(11)]).toEqual(['00:00:00', '23:59:59.999999']);
    await gridExact();
    await sameAsLive();
  });

  it('follows deletes, down to an empty cell and an emptied summary', async () => {
    await db.exec(`DELETE FROM orders WHERE order_id IN ('G12', 'N2', 'G100', 'H2'); DELETE FROM orders WHERE customer_id = 'G16'`);
    const g = await gridExact();
    await sameAsLive();
    // H3 was alone in its cell (2028-01-10, one order) with H2: deleting both empties the cell
    await db.exec(`DELETE FROM orders WHERE order_id = 'H3'`);
    expect((await db.query<Row>(`SELECT customers::int AS k FROM customer_last_order_days WHERE day = '2028-01-10' AND orders = 1`)).rows).toEqual([]);
    expect(await gridExact()).toEqual({ cells: g.cells - 1, customers: g.customers - 1 });
    await db.exec('TRUNCATE customer_order_summary');
    expect(num((await db.query<Row>('SELECT count(*) AS n FROM customer_last_order_days')).rows[0]?.n)).toBe(0);
  });
});
