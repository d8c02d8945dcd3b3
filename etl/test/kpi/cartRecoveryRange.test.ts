// Cart recovery over a range (kpi.cart_recovery_range) reads the per-day totals of the range's
// whole local days (recovery_emailed_daily, 0110) and the carts near its ends row by row. Carts
// emailed over four months in America/New_York (a DST change inside) go through inserts, updates
// and deletes; after each step the function must equal its definition over the emailed carts
// (copied below) for ranges of whole and partial days, short ones and unbounded ones, in three
// session time zones. One range is counted by hand.
import { expectSameAsReference } from '../helpers/sameAsReference';
import { CART_COLS, ORDER_COLS } from '../helpers/journeyTables';
import { createTestDb, type TestDb } from '../helpers/testDb';

type Row = Record<string, unknown>;

const TZ = 'America/New_York';

// Every emailed cart of the range joined to its campaign.
const REFERENCE = `
CREATE FUNCTION public.cart_recovery_range_ref(from_ts timestamptz, to_ts timestamptz)
RETURNS TABLE (campaign_id text, campaign_name text, recovery_step smallint, variant text, carts_emailed bigint,
               carts_recovered bigint, recovery_rate numeric, recovered_revenue numeric, campaign_cost numeric, recovery_roi numeric)
LANGUAGE sql STABLE
SET search_path = pg_catalog, public
AS $$
  SELECT k.campaign_id, k.name, k.recovery_step, k.variant, count(r.cart_id), count(r.cart_id) FILTER (WHERE r.recovered),
         kpi.rate(count(r.cart_id) FILTER (WHERE r.recovered), count(r.cart_id)), kpi.money(coalesce(sum(r.recovered_cents), 0)),
         kpi.money(k.cost_cents), round(coalesce(sum(r.recovered_cents), 0) / NULLIF(k.cost_cents, 0)::numeric, 4)
  FROM public.campaigns k
  LEFT JOIN kpi.cart_recovery_carts r
         ON r.recovery_campaign_id = k.campaign_id AND r.recovery_email_sent_at >= $1 AND r.recovery_email_sent_at < $2
  WHERE k.kind = 'cart_recovery'
  GROUP BY k.campaign_id, k.name, k.recovery_step, k.variant, k.cost_cents
  ORDER BY k.recovery_step, k.variant, k.campaign_id
$$`;

const READ = (fn: string) => `SELECT * FROM ${fn}($1::timestamptz, $2::timestamptz)`;

// Whole days and partial ones, ends on local and UTC midnights, one just under two whole days,
// unbounded, empty and reversed.
const RANGES: Array<[string, string]> = [
  ['2026-01-01T05:00:00Z', '2026-05-01T04:00:00Z'],
  ['2026-01-09T17:45:00Z', '2026-04-20T02:10:00Z'],
  ['2026-03-07T05:00:00Z', '2026-03-10T04:00:00Z'],
  ['2026-03-08T00:00:00Z', '2026-03-09T00:00:00Z'],
  ['2026-02-02T05:00:00Z', '2026-02-04T04:59:00Z'],
  ['2026-02-02T05:00:00Z', '2026-02-04T05:00:00Z'],
  ['2026-02-10T12:00:00Z', '2026-02-10T15:00:00Z'],
  ['-infinity', '2026-03-01T00:00:00Z'],
  ['2026-03-01T00:00:00Z', 'infinity'],
  ['2026-04-01T00:00:00Z', '2026-03-01T00:00:00Z'],
];

// Carts every 7 h 41 min from 2026-01-02, emailed 2-4 hours after their last activity (the
// campaigns take turns; every seventh cart names none), a third of them recovered by an order.
const SPREAD = `
  INSERT INTO campaigns (campaign_id, name, channel, kind, recovery_step, variant, cost_cents, source, source_id) VALUES
    ('RA', 'Reminder A', 'email', 'cart_recovery', 1, 'A', 1000, 't', 'RA'),
    ('RB', 'Reminder B', 'email', 'cart_recovery', 1, 'B', 0, 't', 'RB'),
    ('RC', 'Reminder 2', 'email', 'cart_recovery', 2, NULL, 3000, 't', 'RC');
  CREATE TEMP TABLE g AS
  SELECT i, 'R' || i AS cart_id, c AS created_at, c + INTERVAL '20 minutes' AS last_at,
         c + INTERVAL '20 minutes' + (2 + i % 3) * INTERVAL '1 hour' AS sent_at,
         CASE WHEN i % 7 = 0 THEN NULL ELSE (ARRAY['RA', 'RB', 'RC'])[1 + i % 3] END AS campaign_id, 1000 + (i * 53) % 5000 AS cents
  FROM generate_series(1, 360) i, LATERAL (SELECT TIMESTAMPTZ '2026-01-02T00:00:00Z' + i * INTERVAL '7 hours 41 minutes' AS c) x;
  INSERT INTO orders (${ORDER_COLS})
  SELECT 'O' || i, sent_at + INTERVAL '3 hours', NULL, 'completed', cents, i % 200, cents - i % 200, 'email', 't', 'O' || i FROM g WHERE i % 3 = 0;
  INSERT INTO carts (${CART_COLS})
  SELECT cart_id, created_at, NULL, last_at, cents, CASE WHEN i % 3 = 0 THEN 'O' || i END, sent_at, campaign_id, i % 3 = 0, 't', cart_id FROM g;`;

async function expectAsDefined(db: TestDb): Promise<void> {
  await expectSameAsReference(db, READ, 'kpi.cart_recovery_range', 'public.cart_recovery_range_ref', RANGES, [TZ, 'UTC', 'Pacific/Auckland'], TZ);
}

describe('cart recovery over a range, from the per-day totals', () => {
  let db: TestDb;
  beforeAll(async () => {
    db = await createTestDb({ timeZone: TZ });
    await db.exec(REFERENCE);
    await db.exec(SPREAD);
  });
  afterAll(async () => {
    await db?.close();
  });

  it('counts a range of two whole days and a partial one by hand', async () => {
    // New York 02-02 00:00 to 02-04 12:00 (EST, UTC−5): two whole days and a half. Cart Ri is
    // created at 2026-01-02 + i × 7 h 41 min and emailed 20 min + (2 + i mod 3) h later: R98 (13:18
    // UTC on 02-02) to R104 (11:24 UTC on 02-04); R97 was emailed at 04:37 UTC, before the range,
    // R105 at 17:05 UTC, after it. Campaign by i mod 3 (0 RA, 1 RB, 2 RC), none when i mod 7 = 0.
    const r = await db.query<Row>(
      `SELECT campaign_id, carts_emailed::int AS n, carts_recovered::int AS rec, recovered_revenue::text AS rev
       FROM kpi.cart_recovery_range('2026-02-02T05:00:00Z', '2026-02-04T17:00:00Z')`,
    );
    const sent = await db.query<Row>(
      `SELECT cart_id, recovery_campaign_id AS k, recovered_by_email AS rec, subtotal_cents AS cents FROM carts
       WHERE recovery_email_sent_at >= '2026-02-02T05:00:00Z' AND recovery_email_sent_at < '2026-02-04T17:00:00Z' ORDER BY created_at`,
    );
    expect(sent.rows.map((x) => `${String(x.cart_id)} ${String(x.k)} ${String(x.rec)} ${String(x.cents)}`)).toEqual([
      'R98 null false 1194', 'R99 RA true 1247', 'R100 RB false 1300', 'R101 RC false 1353',
      'R102 RA true 1406', 'R103 RB false 1459', 'R104 RC false 1512',
    ]);
    // RA: R99 (1247 − 99 discount = 1148) and R102 (1406 − 102 = 1304) recovered: 24.52; RB: R100,
    // R103; RC: R101, R104; R98 names no campaign
    expect(r.rows).toEqual([
      { campaign_id: 'RA', n: 2, rec: 2, rev: '24.52' },
      { campaign_id: 'RB', n: 2, rec: 0, rev: '0.00' },
      { campaign_id: 'RC', n: 2, rec: 0, rev: '0.00' },
    ]);
  });

  it('equals its definition once loaded', async () => {
    await expectAsDefined(db);
  });

  it('follows carts re-sent, moved across days, recovered, cancelled and deleted', async () => {
    await db.exec(`UPDATE carts SET recovery_email_sent_at = recovery_email_sent_at + INTERVAL '19 hours' WHERE cart_id IN ('R40', 'R41', 'R200')`);
    await db.exec(`UPDATE carts SET recovery_campaign_id = 'RB' WHERE cart_id IN ('R14', 'R42')`);
    await db.exec(`UPDATE orders SET status = 'cancelled' WHERE order_id IN ('O99', 'O150')`);
    await db.exec(`DELETE FROM carts WHERE cart_id IN ('R101', 'R300')`);
    await db.exec(`INSERT INTO orders (${ORDER_COLS}) VALUES ('O100', '2026-02-03T12:00:00Z', NULL, 'completed', 1300, 0, 1300, 'email', 't', 'O100')`);
    await db.exec(`UPDATE carts SET order_id = 'O100', recovered_by_email = true WHERE cart_id = 'R100'`);
    await expectAsDefined(db);
  });
});
