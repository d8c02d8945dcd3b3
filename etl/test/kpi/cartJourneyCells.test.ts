// The cart journey over 60 or more whole local days (kpi.cart_journey) sums the settled carts of
// its whole days from a kept grid (0220) and finds each stage's median by walking that stage's
// duration index; every other cart of the range is read row by row. Carts, emails and orders
// spread over five months in America/New_York (a DST change inside) go through inserts, updates
// and deletes; after each step the function must equal its definition over
// kpi.cart_journey_carts (copied below) for long and short ranges, ranges cutting journeys short
// and partial days, in three session time zones, and the grid must equal a recount from the kept
// journey rows. A small set of carts in 2025 has its figures counted by hand.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { renderStoreTimeZone } from '../../src/db/sqlTemplate';
import { expectSameAsReference } from '../helpers/sameAsReference';
import { CART_COLS, ORDER_COLS, EMAIL_COLS } from '../helpers/journeyTables';
import { createTestDb, type TestDb } from '../helpers/testDb';

type Row = Record<string, unknown>;

const TZ = 'America/New_York';

// The journey as defined over the carts of the range, each stage's median by percentile_cont.
const REFERENCE = `
CREATE FUNCTION public.cart_journey_ref(from_ts timestamptz, to_ts timestamptz)
RETURNS TABLE (stage_no int, stage text, carts bigint, share_of_created numeric, value numeric, median_hours_from_previous numeric)
LANGUAGE sql STABLE
SET search_path = pg_catalog, public
AS $$
  WITH j AS (SELECT * FROM kpi.cart_journey_carts($1, $2)),
  s AS (
    SELECT 1 AS n, j.subtotal_cents AS cents, NULL::interval AS gap FROM j
    UNION ALL SELECT 2, j.subtotal_cents, j.abandoned_at - j.created_at FROM j WHERE j.abandoned_at IS NOT NULL
    UNION ALL SELECT 3, j.subtotal_cents, j.sent1_at - j.abandoned_at FROM j WHERE j.sent1_at IS NOT NULL
    UNION ALL SELECT 4, j.subtotal_cents, j.sent2_at - j.sent1_at FROM j WHERE j.sent2_at IS NOT NULL
    UNION ALL SELECT 5, j.subtotal_cents, j.sent3_at - j.sent2_at FROM j WHERE j.sent3_at IS NOT NULL
    UNION ALL SELECT 6, j.subtotal_cents, j.first_opened_at - j.opened_after_sent_at FROM j WHERE j.first_opened_at IS NOT NULL
    UNION ALL SELECT 7, j.subtotal_cents, j.first_clicked_at - coalesce(j.first_opened_at, j.first_sent_at) FROM j WHERE j.first_clicked_at IS NOT NULL
    UNION ALL SELECT 8, j.recovered_cents, j.recovered_at - coalesce(j.first_clicked_at, j.first_opened_at, j.first_sent_at) FROM j WHERE j.recovered
  ), names AS (
    SELECT * FROM (VALUES (1, 'cart_created'), (2, 'abandoned'), (3, 'email_1_sent'), (4, 'email_2_sent'), (5, 'email_3_sent'),
                          (6, 'opened'), (7, 'clicked'), (8, 'recovered')) v(n, stage)
  ), agg AS (
    SELECT n, count(*) AS carts, sum(cents) AS cents,
           percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM gap)::float8) / 3600.0 AS med
    FROM s GROUP BY n
  )
  SELECT names.n, names.stage, coalesce(agg.carts, 0), kpi.rate(coalesce(agg.carts, 0), (SELECT count(*) FROM j)),
         kpi.money(coalesce(agg.cents, 0)), round(agg.med::numeric, 2)
  FROM names LEFT JOIN agg ON agg.n = names.n ORDER BY names.n
$$`;

// The grid recounted from the kept journey rows with a finite horizon.
const RECOUNT = `
  SELECT kpi.day_start(public.cart_created_day(f.created_at)) AS time, kpi.day_start(public.cart_created_day(f.horizon) + 1) AS horizon_before,
         count(*)::bigint AS carts, sum(f.subtotal_cents)::bigint AS cents,
         count(*) FILTER (WHERE f.abandoned_at IS NOT NULL)::bigint AS n_abandoned,
         count(*) FILTER (WHERE f.sent1_at IS NOT NULL AND f.abandoned_at IS NOT NULL)::bigint AS timed_email1,
         count(*) FILTER (WHERE f.sent3_at IS NOT NULL)::bigint AS n_email3,
         coalesce(sum(f.subtotal_cents) FILTER (WHERE f.first_opened_at IS NOT NULL), 0)::bigint AS cents_opened,
         count(*) FILTER (WHERE f.first_clicked_at IS NOT NULL AND coalesce(f.first_opened_at, f.first_sent_at) IS NOT NULL)::bigint AS timed_clicked,
         count(*) FILTER (WHERE f.recovered)::bigint AS n_recovered,
         coalesce(sum(f.recovered_cents) FILTER (WHERE f.recovered), 0)::bigint AS cents_recovered
  FROM cart_journey_facts f WHERE f.horizon < 'infinity'
  GROUP BY 1, 2 ORDER BY 1, 2`;
const GRID = `
  SELECT time, horizon_before, carts, cents, n_abandoned, timed_email1, n_email3, cents_opened, timed_clicked, n_recovered, cents_recovered
  FROM cart_journey_cells ORDER BY 1, 2`;

const READ = (fn: string) =>
  `SELECT stage_no, stage, carts, share_of_created::text AS share, value::text AS value, median_hours_from_previous::text AS hours
   FROM ${fn}($1::timestamptz, $2::timestamptz)`;

// Long ranges (whole local days and partial ones, ends that cut journeys short, past both ends
// of the data), a range just under the long path's 60 whole days, and a short one.
const RANGES: Array<[string, string]> = [
  ['2026-01-01T05:00:00Z', '2026-07-01T04:00:00Z'],
  ['2026-01-07T13:17:00Z', '2026-05-20T15:42:00Z'],
  ['2026-02-01T05:00:00Z', '2026-04-03T04:00:00Z'],
  ['2026-02-01T05:00:00Z', '2026-04-01T04:00:00Z'],
  ['2026-02-11T09:00:00Z', '2026-04-30T23:59:00Z'],
  ['2026-03-01T00:00:00Z', '2026-06-03T10:10:00Z'],
  ['2025-12-01T00:00:00Z', '2026-03-15T07:30:00Z'],
  ['2026-03-20T00:00:00Z', '2026-04-10T00:00:00Z'],
  ['-infinity', '2026-04-10T00:00:00Z'],
  ['2026-01-01T00:00:00Z', 'infinity'],
];

// Carts every 9 h 17 min from 2026-01-05 (about 400 carts to early June): last activity 0-49
// minutes after creation (ties in minutes); every fifth a guest; emails for two carts in three
// (a second step for even ones, a third for every sixth, some opened and clicked), a cart-row
// email only for some; orders before abandonment for some and recoveries for others; a few opens
// 20 days later; two carts rows sharing one cart_id.
const SPREAD = `
  INSERT INTO campaigns (campaign_id, name, channel, kind, recovery_step, cost_cents, source, source_id) VALUES
    ('RA', 'Reminder 1', 'email', 'cart_recovery', 1, 1000, 't', 'RA'),
    ('RB', 'Reminder 2', 'email', 'cart_recovery', 2, 2000, 't', 'RB'),
    ('RC', 'Reminder 3', 'email', 'cart_recovery', 3, 3000, 't', 'RC');
  CREATE TEMP TABLE g AS
  SELECT i, 'G' || i AS cart_id, c AS created_at, c + ((i * 7) % 50) * INTERVAL '1 minute' AS last_at,
         CASE WHEN i % 5 = 0 THEN NULL ELSE 'C' || (i % 37) END AS customer_id, 1000 + (i * 137) % 9000 AS cents,
         c + ((i * 7) % 50) * INTERVAL '1 minute' + INTERVAL '60 minutes' + ((i * 11) % 5) * INTERVAL '1 hour' AS sent1
  FROM generate_series(1, 400) i, LATERAL (SELECT TIMESTAMPTZ '2026-01-05T00:00:00Z' + i * INTERVAL '9 hours 17 minutes' AS c) x;
  INSERT INTO orders (${ORDER_COLS})
  SELECT 'OB' || i, last_at + INTERVAL '30 minutes', customer_id, 'completed', cents, 0, cents, 'direct', 't', 'OB' || i FROM g WHERE i % 7 = 0
  UNION ALL
  SELECT 'OR' || i, sent1 + (i % 13) * INTERVAL '1 hour' + INTERVAL '5 minutes', customer_id, 'completed', cents, i % 300, cents - i % 300, 'email', 't', 'OR' || i
  FROM g WHERE i % 11 = 0 AND i % 3 <> 0 AND i % 7 <> 0;
  INSERT INTO carts (${CART_COLS})
  SELECT CASE WHEN i = 101 THEN 'G100' ELSE cart_id END, created_at, customer_id, last_at, cents,
         CASE WHEN i % 7 = 0 THEN 'OB' || i WHEN i % 11 = 0 AND i % 3 <> 0 THEN 'OR' || i END,
         CASE WHEN i % 10 = 1 AND i % 3 <> 0 THEN sent1 END, CASE WHEN i % 10 = 1 AND i % 3 <> 0 THEN 'RA' END,
         i % 11 = 0, 't', cart_id
  FROM g;
  INSERT INTO cart_recovery_emails (${EMAIL_COLS})
  SELECT cart_id, 1, sent1, 'RA',
         CASE WHEN i % 50 = 0 THEN sent1 + INTERVAL '20 days' WHEN i % 4 = 0 THEN sent1 + (i % 9) * INTERVAL '10 minutes' END,
         CASE WHEN i % 8 = 0 THEN sent1 + (i % 9) * INTERVAL '10 minutes' + INTERVAL '5 minutes' END, 't', cart_id || '-1'
  FROM g WHERE i % 3 <> 0 AND i % 10 <> 1
  UNION ALL
  SELECT cart_id, 2, sent1 + INTERVAL '24 hours' + (i % 4) * INTERVAL '1 hour', 'RB', NULL, NULL, 't', cart_id || '-2'
  FROM g WHERE i % 3 <> 0 AND i % 10 <> 1 AND i % 2 = 0
  UNION ALL
  SELECT cart_id, 3, sent1 + INTERVAL '72 hours', 'RC', CASE WHEN i % 12 = 0 THEN sent1 + INTERVAL '73 hours' END, NULL, 't', cart_id || '-3'
  FROM g WHERE i % 3 <> 0 AND i % 10 <> 1 AND i % 6 = 0;`;

// 2025 carts counted by hand (New York, EDT): created on 06-01, 06-20, 07-10 and 08-01 at 12:00
// UTC, last active 10, 20, 30 and 70 minutes later, so abandoned 70, 80, 90 and 130 minutes after
// creation: median (80 + 90) / 2 = 85 min = 1.42 h. H1-H3 are sent email 1 at 1, 2 and 3 hours
// after abandonment: median 2.00 h; H2 opens it 30 minutes after: 0.50 h; H2 orders 3 hours after
// the open (recovered by the email, 45.00 − 5.00): 3.00 h.
const BY_HAND = `
  INSERT INTO orders (${ORDER_COLS}) VALUES ('OH2', '2025-06-20T18:50:00Z', 'CH', 'completed', 4500, 500, 4000, 'email', 't', 'OH2');
  INSERT INTO carts (${CART_COLS}) VALUES
    ('H1', '2025-06-01T12:00:00Z', NULL, '2025-06-01T12:10:00Z', 2000, NULL, NULL, NULL, false, 't', 'H1'),
    ('H2', '2025-06-20T12:00:00Z', 'CH', '2025-06-20T12:20:00Z', 4500, 'OH2', NULL, NULL, true, 't', 'H2'),
    ('H3', '2025-07-10T12:00:00Z', NULL, '2025-07-10T12:30:00Z', 1500, NULL, NULL, NULL, false, 't', 'H3'),
    ('H4', '2025-08-01T12:00:00Z', NULL, '2025-08-01T13:10:00Z', 1000, NULL, NULL, NULL, false, 't', 'H4');
  INSERT INTO cart_recovery_emails (${EMAIL_COLS}) VALUES
    ('H1', 1, '2025-06-01T14:10:00Z', 'RA', NULL, NULL, 't', 'H1-1'),
    ('H2', 1, '2025-06-20T15:20:00Z', 'RA', '2025-06-20T15:50:00Z', NULL, 't', 'H2-1'),
    ('H3', 1, '2025-07-10T16:30:00Z', 'RA', NULL, NULL, 't', 'H3-1');`;

async function expectAsDefined(db: TestDb): Promise<void> {
  expect((await db.query<Row>(GRID)).rows).toEqual((await db.query<Row>(RECOUNT)).rows);
  await expectSameAsReference(db, READ, 'kpi.cart_journey', 'public.cart_journey_ref', RANGES, [TZ, 'UTC', 'Asia/Kolkata'], TZ);
}

describe('cart journey over long ranges, from a kept grid and duration indexes', () => {
  let db: TestDb;
  beforeAll(async () => {
    db = await createTestDb({ timeZone: TZ });
    await db.exec(REFERENCE);
    await db.exec(SPREAD);
    await db.exec(BY_HAND);
  });
  afterAll(async () => {
    await db?.close();
  });

  it('counts the 2025 carts as by hand', async () => {
    const r = await db.query<Row>(READ('kpi.cart_journey'), ['2025-05-01T04:00:00Z', '2025-09-01T04:00:00Z']);
    expect(r.rows.map((x) => `${String(x.stage)} ${String(x.carts)} ${String(x.value)} ${String(x.hours)}`)).toEqual([
      'cart_created 4 90.00 null', 'abandoned 4 90.00 1.42', 'email_1_sent 3 80.00 2.00', 'email_2_sent 0 0.00 null',
      'email_3_sent 0 0.00 null', 'opened 1 45.00 0.50', 'clicked 0 0.00 null', 'recovered 1 40.00 3.00',
    ]);
  });

  it('equals its definition once loaded', async () => {
    const n = await db.query<Row>(`SELECT count(*)::int AS n, count(*) FILTER (WHERE horizon = 'infinity')::int AS live FROM cart_journey_facts`);
    expect(n.rows).toEqual([{ n: 404, live: 2 }]);
    await expectAsDefined(db);
  });

  it('reads the grid: a changed cell changes a long range only', async () => {
    const long: [string, string] = ['2026-01-01T05:00:00Z', '2026-07-01T04:00:00Z'];
    const short: [string, string] = ['2026-03-20T00:00:00Z', '2026-04-10T00:00:00Z'];
    const before = await db.query<Row>(READ('kpi.cart_journey'), long);
    const shortBefore = await db.query<Row>(READ('kpi.cart_journey'), short);
    await db.exec(`UPDATE cart_journey_cells SET cents = cents + 100 WHERE time = kpi.day_start('2026-03-25')`);
    expect((await db.query<Row>(READ('kpi.cart_journey'), long)).rows[0]!.value).not.toEqual(before.rows[0]!.value);
    expect((await db.query<Row>(READ('kpi.cart_journey'), short)).rows).toEqual(shortBefore.rows);
    await db.exec(`UPDATE cart_journey_cells SET cents = cents - 100 WHERE time = kpi.day_start('2026-03-25')`);
    expect((await db.query<Row>(READ('kpi.cart_journey'), long)).rows).toEqual(before.rows);
  });

  it('follows emails, orders and carts changed and deleted', async () => {
    // opens and clicks moved, a step removed, an email added to an un-emailed cart
    await db.exec(`UPDATE cart_recovery_emails SET opened_at = sent_at + INTERVAL '3 hours', clicked_at = sent_at + INTERVAL '4 hours'
                   WHERE step = 1 AND cart_id IN ('G4', 'G5', 'G52', 'G200')`);
    await db.exec(`DELETE FROM cart_recovery_emails WHERE step = 2 AND cart_id IN ('G2', 'G8', 'G100')`);
    await db.exec(`INSERT INTO cart_recovery_emails (${EMAIL_COLS}) VALUES ('G3', 1, '2026-01-06T10:00:00Z', 'RA', NULL, NULL, 't', 'G3-1')`);
    await expectAsDefined(db);
    // a recovery order cancelled, a pre-abandonment order moved after the abandonment
    await db.exec(`UPDATE orders SET status = 'cancelled' WHERE order_id IN ('OR22', 'OR55')`);
    await db.exec(`UPDATE orders SET placed_at = placed_at + INTERVAL '2 hours' WHERE order_id = 'OB14'`);
    await expectAsDefined(db);
    // carts active later (another abandonment time and cell), deleted, and the shared cart_id freed
    await db.exec(`UPDATE carts SET last_activity_at = last_activity_at + INTERVAL '26 hours' WHERE cart_id IN ('G10', 'G41', 'G250')`);
    await db.exec(`DELETE FROM carts WHERE cart_id IN ('G11', 'G300')`);
    await db.exec(`DELETE FROM carts WHERE cart_id = 'G100' AND created_at > '2026-02-13T00:00:00Z'`);
    await expectAsDefined(db);
  });

  it('rebuilds the same grid from the journey rows (the migration on a store with history)', async () => {
    const kept = await db.query<Row>(`SELECT * FROM cart_journey_cells ORDER BY 1, 2`);
    const sql = readFileSync(path.resolve(__dirname, '../../../sql/migrations/0220_cart_journey_cells.sql'), 'utf8');
    const backfill = /INSERT INTO cart_journey_cells\n[\s\S]*?GROUP BY 1, 2;/.exec(sql);
    expect(backfill).not.toBeNull();
    await db.exec(`TRUNCATE cart_journey_cells; ${renderStoreTimeZone(backfill![0], TZ)}`);
    expect((await db.query<Row>(`SELECT * FROM cart_journey_cells ORDER BY 1, 2`)).rows).toEqual(kept.rows);
    await expectAsDefined(db);
  });
});
