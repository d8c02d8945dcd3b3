// The SKUs of abandoned carts (kpi.abandoned_products) are read from a grid of kept abandoned
// carts (0200) for the range's whole local days and the carts whose horizon is before their end,
// and row by row for the rest. Hand-made carts in America/New_York (May = EDT, UTC−4) go through
// inserts, updates and deletes of carts, lines, emails and orders; after each step the function
// must equal its former definition (copied below) for ranges with partial days and ends before
// some carts' horizon, and the grid must equal a recount from the kept journey rows and lines.
// Some figures are counted by hand in the comments.
import { createTestDb, type TestDb } from '../helpers/testDb';

type Row = Record<string, unknown>;

const TZ = 'America/New_York';
const CART_COLS =
  'cart_id, created_at, customer_id, last_activity_at, subtotal_cents, order_id, recovery_email_sent_at, recovery_campaign_id, recovered_by_email, source, source_id';
const CART_UPSERT = `ON CONFLICT (cart_id, created_at) DO UPDATE SET last_activity_at = EXCLUDED.last_activity_at, order_id = EXCLUDED.order_id`;
const ORDER_COLS = 'order_id, placed_at, customer_id, status, subtotal_cents, discount_cents, total_cents, traffic_source, source, source_id';
const ORDER_UPSERT = 'ON CONFLICT (order_id, placed_at) DO UPDATE SET status = EXCLUDED.status';
const EMAIL_COLS = 'cart_id, step, sent_at, campaign_id, opened_at, clicked_at, source, source_id';
const EMAIL_UPSERT = 'ON CONFLICT (cart_id, step, sent_at) DO UPDATE SET opened_at = EXCLUDED.opened_at, clicked_at = EXCLUDED.clicked_at';
const LINE_COLS = 'cart_id, line_no, created_at, sku, quantity, unit_price_cents, line_subtotal_cents, source, source_id';
const LINE_UPSERT = `ON CONFLICT (cart_id, line_no, created_at) DO UPDATE SET sku = EXCLUDED.sku, quantity = EXCLUDED.quantity,
  line_subtotal_cents = EXCLUDED.line_subtotal_cents`;
const line = (cart: string, no: number, created: string, sku: string, qty: number, cents: number) =>
  `('${cart}', ${no}, '${created}', '${sku}', ${qty}, ${cents / qty}, ${cents}, 't', '${cart}-${no}')`;

const A1 = '2026-05-04T12:00:00Z';
const A2 = '2026-05-04T20:00:00Z';
const A3 = '2026-05-05T14:00:00Z';
const A4 = '2026-05-05T09:00:00Z';
const A5 = '2026-05-06T10:00:00Z';
const A6A = '2026-05-04T15:00:00Z';
const A6B = '2026-05-05T16:00:00Z';
const A7 = '2026-05-03T03:00:00Z'; // 05-02 23:00 in New York
const A8 = '2026-05-06T12:00:00Z';

// The function as it was before the grid: every abandoned cart of the range joined with its lines.
const REFERENCE = `
CREATE FUNCTION public.abandoned_products_ref(from_ts timestamptz, to_ts timestamptz, max_rows int DEFAULT 10)
RETURNS TABLE (rank bigint, sku text, name text, carts bigint, units bigint, value numeric, carts_recovered bigint)
LANGUAGE sql STABLE
SET search_path = pg_catalog, public
AS $$
  WITH j AS (
    SELECT f.cart_id, f.created_at, f.recovered FROM public.cart_journey_facts f
    WHERE f.created_at >= $1 AND f.created_at < $2 AND f.horizon < $2 AND f.abandoned_at IS NOT NULL
    UNION ALL
    SELECT r.cart_id, r.created_at, r.recovered
    FROM public.cart_journey_rows($1, $2, ARRAY(SELECT f.cart_id FROM public.cart_journey_facts f
                                                WHERE f.created_at >= $1 AND f.created_at < $2 AND f.horizon >= $2)) r
    WHERE r.abandoned_at IS NOT NULL
  ), a AS (
    SELECT l.sku, count(DISTINCT j.cart_id) AS carts, sum(l.quantity)::bigint AS units, sum(l.line_subtotal_cents) AS cents,
           count(DISTINCT j.cart_id) FILTER (WHERE j.recovered) AS rec
    FROM j
    JOIN public.cart_lines l ON l.cart_id = j.cart_id AND l.created_at = j.created_at
    WHERE l.created_at >= $1 AND l.created_at < $2
    GROUP BY l.sku
  )
  SELECT row_number() OVER (ORDER BY a.cents DESC, a.carts DESC, a.sku), a.sku, p.name, a.carts, a.units, kpi.money(a.cents), a.rec
  FROM a LEFT JOIN public.products p ON p.sku = a.sku
  ORDER BY a.cents DESC, a.carts DESC, a.sku
  LIMIT $3
$$`;

// The grid recounted from the kept journey rows and the lines.
const RECOUNT = `
  SELECT kpi.day_start(public.cart_created_day(f.created_at)) AS time, kpi.day_start(public.cart_created_day(f.horizon) + 1) AS horizon_before,
         s.sku, count(*)::bigint AS carts, sum(s.u)::bigint AS units, sum(s.c)::bigint AS cents,
         count(*) FILTER (WHERE f.recovered)::bigint AS carts_recovered
  FROM cart_journey_facts f
  JOIN (SELECT cart_id, created_at, sku, sum(quantity) AS u, sum(line_subtotal_cents) AS c FROM cart_lines GROUP BY 1, 2, 3) s
    ON s.cart_id = f.cart_id AND s.created_at = f.created_at
  WHERE f.abandoned_at IS NOT NULL AND f.horizon < 'infinity'
  GROUP BY 1, 2, 3 ORDER BY 1, 2, 3`;
const GRID = `SELECT time, horizon_before, sku, carts, units, cents, carts_recovered FROM abandoned_product_cells ORDER BY 1, 2, 3`;

// From unbounded, before the first cart (a partial day), a local midnight, mid-day; to local
// midnights, instants before A3's order (18:00) and A6b's abandonment (17:05), before A2's open
// (05-07 15:00), after everything, unbounded.
const FROM = ['-infinity', '2026-05-01T00:00:00Z', '2026-05-04T04:00:00Z', '2026-05-04T13:00:00Z'];
const TO = [
  '2026-05-05T04:00:00Z', '2026-05-05T17:00:00Z', '2026-05-06T00:00:00Z', '2026-05-07T04:00:00Z', '2026-05-07T16:00:00Z',
  '2026-05-10T04:00:00Z', 'now', 'infinity',
];
const READ = (fn: string) =>
  `SELECT rank, sku, name, carts, units, value::text AS value, carts_recovered FROM ${fn}($1, $2::timestamptz, $3)`;

// What the triggers keep beside the grid: every cart's lines per sku, and the counted carts.
const SKU_LINES = `SELECT cart_id, created_at, sku, lines, units, cents FROM cart_sku_lines ORDER BY 1, 2, 3`;
const SKU_LINES_RECOUNT = `
  SELECT cart_id, created_at, sku, count(*)::int AS lines, sum(quantity)::bigint AS units, sum(line_subtotal_cents)::bigint AS cents
  FROM cart_lines GROUP BY 1, 2, 3 ORDER BY 1, 2, 3`;
const COUNTED = `SELECT cart_id, created_at, time, horizon_before, recovered FROM abandoned_product_carts ORDER BY 1, 2`;
const COUNTED_RECOUNT = `
  SELECT cart_id, created_at, kpi.day_start(public.cart_created_day(created_at)) AS time,
         kpi.day_start(public.cart_created_day(horizon) + 1) AS horizon_before, coalesce(recovered, false) AS recovered
  FROM cart_journey_facts WHERE abandoned_at IS NOT NULL AND horizon < 'infinity' ORDER BY 1, 2`;

async function expectSameAsBefore(db: TestDb): Promise<void> {
  const pairs: Array<[string, string]> = [[GRID, RECOUNT], [SKU_LINES, SKU_LINES_RECOUNT], [COUNTED, COUNTED_RECOUNT]];
  for (const [kept, recount] of pairs) {
    const a = await db.query<Row>(kept);
    const b = await db.query<Row>(recount);
    expect(a.rows).toEqual(b.rows);
  }
  for (const from of FROM) {
    for (const to of TO) {
      for (const n of [3, 100]) {
        const got = await db.query<Row>(READ('kpi.abandoned_products'), [from, to, n]);
        const ref = await db.query<Row>(READ('public.abandoned_products_ref'), [from, to, n]);
        expect({ from, to, n, rows: got.rows }).toEqual({ from, to, n, rows: ref.rows });
      }
    }
  }
}

async function products(db: TestDb, from: string, to: string): Promise<string[]> {
  const r = await db.query<Row>(READ('kpi.abandoned_products'), [from, to, 100]);
  return r.rows.map((x) => `${String(x.sku)} ${String(x.carts)} ${String(x.units)} ${String(x.value)} ${String(x.carts_recovered)}`);
}

describe('abandoned products, read from a kept grid', () => {
  let db: TestDb;
  beforeAll(async () => {
    db = await createTestDb({ timeZone: TZ });
    await db.exec(REFERENCE);
    await db.exec(`
      INSERT INTO campaigns (campaign_id, name, channel, kind, recovery_step, cost_cents, source, source_id)
        VALUES ('RA', 'Reminder 1', 'email', 'cart_recovery', 1, 1000, 't', 'RA');
      INSERT INTO orders (${ORDER_COLS}) VALUES
        ('O2', '2026-05-05T18:00:00Z', 'C1', 'completed', 3000, 0, 3000, 'email', 't', 'O2'),
        ('O3', '2026-05-05T09:50:00Z', NULL, 'completed', 900, 0, 900, 'direct', 't', 'O3');
      INSERT INTO carts (${CART_COLS}) VALUES
        ('A1', '${A1}', NULL, '2026-05-04T12:20:00Z', 5000, NULL, NULL, NULL, false, 't', 'A1'),
        ('A2', '${A2}', 'C2', '2026-05-04T20:10:00Z', 2400, NULL, NULL, NULL, false, 't', 'A2'),
        ('A3', '${A3}', 'C1', '2026-05-05T14:10:00Z', 3000, 'O2', NULL, NULL, true, 't', 'A3'),
        ('A4', '${A4}', NULL, '2026-05-05T09:30:00Z', 900, 'O3', NULL, NULL, false, 't', 'A4'),
        ('A5', '${A5}', NULL, '2026-05-06T10:15:00Z', 2700, NULL, NULL, NULL, false, 't', 'A5'),
        ('A6', '${A6A}', NULL, '2026-05-04T15:05:00Z', 1000, NULL, NULL, NULL, false, 't', 'A6a'),
        ('A6', '${A6B}', NULL, '2026-05-05T16:05:00Z', 1500, NULL, NULL, NULL, false, 't', 'A6b'),
        ('A7', '${A7}', NULL, '2026-05-03T03:05:00Z', 2000, NULL, NULL, NULL, false, 't', 'A7'),
        ('A8', '${A8}', NULL, '2026-05-06T12:00:00Z', 2700, NULL, NULL, NULL, false, 't', 'A8');
      INSERT INTO cart_recovery_emails (${EMAIL_COLS}) VALUES
        ('A2', 1, '2026-05-05T03:30:00Z', 'RA', '2026-05-07T15:00:00Z', NULL, 't', 'A2-1'),
        ('A3', 1, '2026-05-05T15:30:00Z', 'RA', NULL, NULL, 't', 'A3-1');
      INSERT INTO cart_lines (${LINE_COLS}) VALUES
        ${line('A1', 1, A1, 'S1', 2, 3000)}, ${line('A1', 2, A1, 'S2', 1, 2000)},
        ${line('A2', 1, A2, 'S1', 1, 1200)}, ${line('A2', 2, A2, 'S1', 1, 1200)},
        ${line('A3', 1, A3, 'S2', 1, 3000)}, ${line('A4', 1, A4, 'S3', 1, 900)}, ${line('A5', 1, A5, 'S3', 3, 2700)},
        ${line('A6', 1, A6A, 'S1', 1, 1000)}, ${line('A6', 1, A6B, 'S1', 1, 1000)}, ${line('A6', 2, A6B, 'S4', 1, 500)},
        ${line('A7', 1, A7, 'S2', 1, 2000)}, ${line('A8', 1, A8, 'S5', 1, 2700)};`);
  });
  afterAll(async () => {
    await db?.close();
  });

  it('counts the loaded carts, by hand', async () => {
    await expectSameAsBefore(db);
    // New York 05-04 to 05-10: A1, A2, A3, A5, A6 (two rows, one cart_id), A8 abandoned; A4
    // ordered before its abandonment; A7 is of 05-02 there.
    // S1: A1 2×30.00, A2 1+1 × 12.00, A6 10.00 + 10.00; S2: A1 20.00, A3 30.00 (recovered by O2);
    // S3: A5 3 × 9.00; S5: A8 27.00 (a tie with S3: by sku); S4: A6 5.00.
    expect(await products(db, '2026-05-04T04:00:00Z', '2026-05-10T04:00:00Z')).toEqual([
      'S1 3 6 74.00 0', 'S2 2 2 50.00 1', 'S3 1 3 27.00 0', 'S5 1 1 27.00 0', 'S4 1 1 5.00 0',
    ]);
    // at 17:00 on 05-05: A3 is abandoned (15:10) but not yet recovered (18:00), A6's second row is
    // not yet abandoned (17:05), A5 and A8 not created
    expect(await products(db, '2026-05-04T04:00:00Z', '2026-05-05T17:00:00Z')).toEqual(['S1 3 5 64.00 0', 'S2 2 2 50.00 0']);
    // the grid: A1 (05-04, horizon 13:20 UTC that day), A2 (its open on 05-07), A3, A5, A7, A8;
    // A4 is not abandoned and A6's rows are read live
    const cells = await db.query<Row>(
      `SELECT to_char(time AT TIME ZONE '${TZ}', 'MM-DD') || ' ' || to_char(horizon_before AT TIME ZONE '${TZ}', 'MM-DD HH24:MI') || ' ' || sku
              || ' ' || carts || ' ' || units || ' ' || cents || ' ' || carts_recovered AS c
       FROM abandoned_product_cells ORDER BY time, horizon_before, sku`,
    );
    expect(cells.rows.map((r) => r.c)).toEqual([
      '05-02 05-04 00:00 S2 1 1 2000 0', '05-04 05-05 00:00 S1 1 2 3000 0', '05-04 05-05 00:00 S2 1 1 2000 0',
      '05-04 05-08 00:00 S1 1 2 2400 0', '05-05 05-06 00:00 S2 1 1 3000 1', '05-06 05-07 00:00 S3 1 3 2700 0',
      '05-06 05-07 00:00 S5 1 1 2700 0',
    ]);
  });

  it('follows lines added, changed and deleted, several of one cart in one statement', async () => {
    // two lines of one new sku in one statement: one cart, 3 units
    await db.exec(`INSERT INTO cart_lines (${LINE_COLS}) VALUES ${line('A1', 3, A1, 'S4', 2, 1000)}, ${line('A1', 4, A1, 'S4', 1, 500)}`);
    await expectSameAsBefore(db);
    await db.exec(`INSERT INTO cart_lines (${LINE_COLS}) VALUES ${line('A5', 1, A5, 'S3', 4, 3600)} ${LINE_UPSERT}`);
    await db.exec(`DELETE FROM cart_lines WHERE cart_id = 'A2' AND line_no = 2`);
    await db.exec(`UPDATE cart_lines SET sku = 'S3' WHERE cart_id = 'A3'`);
    await expectSameAsBefore(db);
    // A non-abandoned cart's lines count nowhere
    await db.exec(`INSERT INTO cart_lines (${LINE_COLS}) VALUES ${line('A4', 2, A4, 'S1', 1, 100)}`);
    await expectSameAsBefore(db);
  });

  it('follows emails: a later open moved earlier, a new email', async () => {
    // A2's horizon moves from 05-07 15:00 to 05-05 05:00 UTC, its cell with it
    await db.exec(`INSERT INTO cart_recovery_emails (${EMAIL_COLS}) VALUES ('A2', 1, '2026-05-05T03:30:00Z', 'RA', '2026-05-05T05:00:00Z', NULL, 't', 'A2-1') ${EMAIL_UPSERT}`);
    await db.exec(`INSERT INTO cart_recovery_emails (${EMAIL_COLS}) VALUES ('A5', 1, '2026-05-06T12:00:00Z', 'RA', NULL, NULL, 't', 'A5-1')`);
    await expectSameAsBefore(db);
    await db.exec(`DELETE FROM cart_recovery_emails WHERE cart_id = 'A3'`);
    // A3 without an email is not recovered; its order (18:00) came after its abandonment (15:10)
    await expectSameAsBefore(db);
    await db.exec(`INSERT INTO cart_recovery_emails (${EMAIL_COLS}) VALUES ('A3', 1, '2026-05-05T15:30:00Z', 'RA', NULL, NULL, 't', 'A3-1')`);
    await expectSameAsBefore(db);
  });

  it('follows orders cancelled and restored', async () => {
    await db.exec(`INSERT INTO orders (${ORDER_COLS}) VALUES ('O2', '2026-05-05T18:00:00Z', 'C1', 'cancelled', 3000, 0, 3000, 'email', 't', 'O2') ${ORDER_UPSERT}`);
    await expectSameAsBefore(db);
    await db.exec(`INSERT INTO orders (${ORDER_COLS}) VALUES ('O2', '2026-05-05T18:00:00Z', 'C1', 'completed', 3000, 0, 3000, 'email', 't', 'O2') ${ORDER_UPSERT}`);
    // O3 cancelled: A4 is abandoned at 10:30
    await db.exec(`INSERT INTO orders (${ORDER_COLS}) VALUES ('O3', '2026-05-05T09:50:00Z', NULL, 'cancelled', 900, 0, 900, 'direct', 't', 'O3') ${ORDER_UPSERT}`);
    await expectSameAsBefore(db);
  });

  it('follows carts updated and deleted, and a cart_id shared no more', async () => {
    // A1's last activity later: abandoned at 05:00 UTC on 05-05 (01:00 in New York), another cell
    await db.exec(`INSERT INTO carts (${CART_COLS}) VALUES ('A1', '${A1}', NULL, '2026-05-05T04:00:00Z', 5000, NULL, NULL, NULL, false, 't', 'A1') ${CART_UPSERT}`);
    await expectSameAsBefore(db);
    await db.exec(`DELETE FROM carts WHERE cart_id = 'A5'`);
    // A6's second row gone: the first is the only row of its cart_id and is kept
    await db.exec(`DELETE FROM carts WHERE cart_id = 'A6' AND created_at = '${A6B}'`);
    await expectSameAsBefore(db);
    // 05-04's cells: A6's first row (horizon 16:05 UTC that day); A1 (horizon 05:00 UTC on 05-05)
    // and A2 (its open, 05:00 UTC on 05-05) on the next day's horizon
    const day4 = await db.query<Row>(
      `SELECT to_char(horizon_before AT TIME ZONE '${TZ}', 'MM-DD') || ' ' || sku || ' ' || carts || ' ' || units || ' ' || cents AS c
       FROM abandoned_product_cells WHERE time = kpi.day_start('2026-05-04') ORDER BY horizon_before, sku`,
    );
    expect(day4.rows.map((r) => r.c)).toEqual(['05-05 S1 1 1 1000', '05-06 S1 2 3 4200', '05-06 S2 1 1 2000', '05-06 S4 1 3 1500']);
    // all of A1's lines in one statement; an upsert of a line changing its quantity
    await db.exec(`DELETE FROM cart_lines WHERE cart_id = 'A1'`);
    await db.exec(`INSERT INTO cart_lines (${LINE_COLS}) VALUES ${line('A2', 1, A2, 'S1', 3, 3600)} ${LINE_UPSERT}`);
    await expectSameAsBefore(db);
    // A1 still counts (abandoned), with no sku left; A5 is gone
    const left = await db.query<Row>(
      `SELECT (SELECT count(*)::int FROM cart_sku_lines WHERE cart_id = 'A1') AS a1_skus,
              (SELECT count(*)::int FROM abandoned_product_carts WHERE cart_id = 'A1') AS a1,
              (SELECT count(*)::int FROM abandoned_product_carts WHERE cart_id = 'A5') AS a5`,
    );
    expect(left.rows).toEqual([{ a1_skus: 0, a1: 1, a5: 0 }]);
    // New York 05-04 to 05-10 now: S1: A2 3 × 12.00, A6 10.00 (its first row), A4 1.00; S3: A3
    // 30.00 (recovered), A4 9.00; S5: A8 27.00; S2: none left (A1's lines deleted, A3's moved to S3)
    expect(await products(db, '2026-05-04T04:00:00Z', '2026-05-10T04:00:00Z')).toEqual([
      'S1 3 5 47.00 0', 'S3 2 2 39.00 1', 'S5 1 1 27.00 0',
    ]);
  });
});
