// Recovery by segment and by email step (kpi.recovery_by_segment, kpi.recovery_by_email_step)
// read a long range's whole local days from a grid of kept first-emailed carts (0210) and the rest
// of the range's carts row by row. Hand-made carts, emails and orders in America/New_York over
// more than 120 days go through inserts, updates and deletes; after each step both functions must
// equal their plain definition (copied below: the grouping of kpi.recovery_first_emailed_carts)
// for short and long ranges, ranges cutting through days, past both ends of the data and up to
// now-like instants, in several session time zones, and the grid must equal a recount from the
// kept journey rows. One set of figures is counted by hand in the comments.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { renderStoreTimeZone } from '../../src/db/sqlTemplate';
import { CART_COLS, ORDER_COLS, EMAIL_COLS } from '../helpers/journeyTables';
import { createTestDb, type TestDb } from '../helpers/testDb';

type Row = Record<string, unknown>;

const TZ = 'America/New_York';
const CART_UPSERT = `ON CONFLICT (cart_id, created_at) DO UPDATE SET customer_id = EXCLUDED.customer_id, last_activity_at = EXCLUDED.last_activity_at,
  order_id = EXCLUDED.order_id, recovered_by_email = EXCLUDED.recovered_by_email`;
const ORDER_UPSERT = 'ON CONFLICT (order_id, placed_at) DO UPDATE SET status = EXCLUDED.status';
const EMAIL_UPSERT = 'ON CONFLICT (cart_id, step, sent_at) DO UPDATE SET opened_at = EXCLUDED.opened_at, clicked_at = EXCLUDED.clicked_at';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
// A now-like instant: the carts of the last hours are followed live at it.
const NOW = new Date(Math.floor(Date.now() / 60_000) * 60_000);
const iso = (ms: number): string => new Date(ms).toISOString();
const ago = (ms: number): string => iso(NOW.getTime() - ms);
const q = (v: string | null): string => (v === null ? 'NULL' : `'${v}'`);
const cart = (id: string, created: string, customer: string | null, last: string, cents: number, order: string | null,
  recovered: boolean, sentOnCart: string | null = null, campaignOnCart: string | null = null, src = id): string =>
  `('${id}', '${created}', ${q(customer)}, '${last}', ${cents}, ${q(order)}, ${q(sentOnCart)}, ${q(campaignOnCart)}, ${recovered}, 't', '${src}')`;
const email = (id: string, step: number, sent: string, campaign: string, opened: string | null = null, clicked: string | null = null): string =>
  `('${id}', ${step}, '${sent}', '${campaign}', ${q(opened)}, ${q(clicked)}, 't', '${id}-${step}-${sent}')`;
const order = (id: string, placed: string, customer: string | null, status: string, subtotal: number, discount = 0): string =>
  `('${id}', '${placed}', ${q(customer)}, '${status}', ${subtotal}, ${discount}, ${subtotal - discount}, 'email', 't', '${id}')`;

// The functions as they were before the grid: every first-emailed cart of the range grouped.
const REFERENCE = `
CREATE FUNCTION public.recovery_by_segment_ref(from_ts timestamptz, to_ts timestamptz)
RETURNS TABLE (dimension text, segment text, carts_emailed bigint, carts_recovered bigint, recovery_rate numeric, recovered_revenue numeric)
LANGUAGE sql STABLE
SET search_path = pg_catalog, public
AS $$
  WITH j AS (
    SELECT * FROM kpi.recovery_first_emailed_carts($1, $2)
  ), rfm AS (
    SELECT s.customer_id, s.segment
    FROM kpi.rfm_segment_of_customers($1, ARRAY(SELECT DISTINCT j.customer_id FROM j WHERE j.customer_id IS NOT NULL)) s
  ),
  steps AS (
    SELECT j.cart_id, x.step, (j.recovered AND j.recovered_step = x.step) AS rec, j.recovered_cents
    FROM j CROSS JOIN LATERAL (VALUES (1::smallint, j.sent1_at), (2::smallint, j.sent2_at), (3::smallint, j.sent3_at)) x(step, at)
    WHERE x.at IS NOT NULL
  ), rows AS (
    SELECT 1 AS ord, 'customer_type' AS dimension, j.customer_type AS segment, j.recovered AS rec, j.recovered_cents AS cents FROM j
    UNION ALL
    SELECT 2, 'rfm_segment', CASE WHEN j.customer_id IS NULL THEN 'guest' ELSE coalesce(rfm.segment, 'not_scored') END, j.recovered, j.recovered_cents
    FROM j LEFT JOIN rfm ON rfm.customer_id = j.customer_id
    UNION ALL
    SELECT 3, 'email_step', 'email_' || steps.step, steps.rec, steps.recovered_cents FROM steps
  )
  SELECT dimension, segment, count(*), count(*) FILTER (WHERE rec),
         kpi.rate(count(*) FILTER (WHERE rec), count(*)),
         kpi.money(coalesce(sum(cents) FILTER (WHERE rec), 0))
  FROM rows GROUP BY ord, dimension, segment ORDER BY ord, segment
$$;
CREATE FUNCTION public.recovery_by_email_step_ref(from_ts timestamptz, to_ts timestamptz)
RETURNS TABLE (segment text, carts_emailed bigint, carts_recovered bigint, recovery_rate numeric, recovered_revenue numeric)
LANGUAGE sql STABLE
SET search_path = pg_catalog, public
AS $$
  SELECT 'email_' || x.step, count(*), count(*) FILTER (WHERE j.recovered AND j.recovered_step = x.step),
         kpi.rate(count(*) FILTER (WHERE j.recovered AND j.recovered_step = x.step), count(*)),
         kpi.money(coalesce(sum(j.recovered_cents) FILTER (WHERE j.recovered AND j.recovered_step = x.step), 0))
  FROM kpi.recovery_first_emailed_carts($1, $2) j
  CROSS JOIN LATERAL (VALUES (1::smallint, j.sent1_at), (2::smallint, j.sent2_at), (3::smallint, j.sent3_at)) x(step, at)
  WHERE x.at IS NOT NULL
  GROUP BY x.step ORDER BY 'email_' || x.step
$$`;

// The grid recounted from the kept journey rows.
const RECOUNT = `
  SELECT kpi.day_start(public.cart_created_day(f.first_sent_at)) AS time, kpi.day_start(public.cart_created_day(f.horizon) + 1) AS horizon_before,
         f.customer_type, count(*)::bigint AS carts, count(*) FILTER (WHERE f.recovered)::bigint AS carts_recovered,
         coalesce(sum(f.recovered_cents) FILTER (WHERE f.recovered), 0)::bigint AS recovered_cents,
         ${[1, 2, 3].map((k) => `count(*) FILTER (WHERE f.sent${k}_at IS NOT NULL)::bigint AS sent${k},
         count(*) FILTER (WHERE f.sent${k}_at IS NOT NULL AND f.recovered AND f.recovered_step = ${k})::bigint AS recovered${k},
         coalesce(sum(f.recovered_cents) FILTER (WHERE f.sent${k}_at IS NOT NULL AND f.recovered AND f.recovered_step = ${k}), 0)::bigint AS recovered${k}_cents`).join(',\n')}
  FROM cart_journey_facts f
  WHERE f.horizon < 'infinity' AND f.first_sent_at >= f.created_at AND f.first_sent_at - f.created_at < interval '7 days'
  GROUP BY 1, 2, 3 ORDER BY 1, 2, 3`;
const GRID = `SELECT * FROM recovery_segment_cells ORDER BY 1, 2, 3`;

// Long ranges (28 days or more) take the grid; from local midnights and mid-day, to local
// midnights, mid-day (before a horizon) and now-like instants, past both ends of the data,
// unbounded. 2026-03-10 04:00Z is the local midnight after the change to EDT (03-08): a week
// before it is 167 hours in New York.
const RANGES: Array<[string, string]> = [
  ['2026-01-05T05:00:00Z', '2026-05-20T04:00:00Z'],
  ['2026-01-20T13:30:00Z', '2026-04-30T18:00:00Z'],
  ['2026-03-10T04:00:00Z', '2026-06-01T16:30:00Z'],
  ['2026-02-01T05:00:00Z', '2026-04-10T10:00:00Z'],
  ['2026-04-20T04:00:00Z', '2026-06-25T04:00:00Z'],
  ['2026-02-01T05:00:00Z', '2026-03-01T05:00:00Z'],
  ['2025-01-01T00:00:00Z', '2027-01-01T00:00:00Z'],
  [ago(150 * DAY), iso(NOW.getTime())],
  [ago(100 * DAY + 5 * HOUR), ago(30 * 60_000)],
  [ago(90 * DAY), iso(NOW.getTime() + 2 * DAY)],
  ['-infinity', 'infinity'],
  ['-infinity', iso(NOW.getTime())],
  // short
  ['2026-02-01T05:00:00Z', '2026-02-20T05:00:00Z'],
  ['2026-03-10T04:00:00Z', '2026-04-01T12:00:00Z'],
  [ago(20 * DAY), iso(NOW.getTime())],
];
const ZONES = [TZ, 'UTC', 'Asia/Kolkata', 'Australia/Lord_Howe'];
const SEG = (fn: string) =>
  `SELECT dimension, segment, carts_emailed, carts_recovered, recovery_rate::text AS rate, recovered_revenue::text AS revenue FROM ${fn}($1, $2)`;
const STEP = (fn: string) =>
  `SELECT segment, carts_emailed, carts_recovered, recovery_rate::text AS rate, recovered_revenue::text AS revenue FROM ${fn}($1, $2)`;

async function expectSameAsDefinition(db: TestDb): Promise<void> {
  expect((await db.query<Row>(GRID)).rows).toEqual((await db.query<Row>(RECOUNT)).rows);
  try {
    for (const zone of ZONES) {
      await db.exec(`SET TimeZone = '${zone}'`);
      for (const [from, to] of RANGES) {
        const seg = await db.query<Row>(SEG('kpi.recovery_by_segment'), [from, to]);
        const segRef = await db.query<Row>(SEG('public.recovery_by_segment_ref'), [from, to]);
        expect({ zone, from, to, rows: seg.rows }).toEqual({ zone, from, to, rows: segRef.rows });
        const step = await db.query<Row>(STEP('kpi.recovery_by_email_step'), [from, to]);
        const stepRef = await db.query<Row>(STEP('public.recovery_by_email_step_ref'), [from, to]);
        expect({ zone, from, to, rows: step.rows }).toEqual({ zone, from, to, rows: stepRef.rows });
        const span = await db.query<Row>(`SELECT whole_from IS NULL AS none FROM kpi.recovery_grid_span($1, $2)`, [from, to]);
        if (span.rows[0]!.none === true) {
          // without a span the rest is every cart of the definition
          const rest = await db.query<Row>(`SELECT to_jsonb(r) - 'live' AS r FROM kpi.recovery_first_emailed_rest($1, $2) r ORDER BY 1`, [from, to]);
          const all = await db.query<Row>(`SELECT to_jsonb(r) AS r FROM kpi.recovery_first_emailed_carts($1, $2) r ORDER BY 1`, [from, to]);
          expect({ zone, from, to, rows: rest.rows }).toEqual({ zone, from, to, rows: all.rows });
        }
      }
    }
  } finally {
    await db.exec('RESET TimeZone');
  }
}

async function segments(db: TestDb, from: string, to: string): Promise<string[]> {
  const r = await db.query<Row>(SEG('kpi.recovery_by_segment'), [from, to]);
  return r.rows.map((x) => [x.dimension, x.segment, x.carts_emailed, x.carts_recovered, x.rate, x.revenue].map(String).join(' '));
}

// A deterministic stream of numbers in [0, 1).
function lcg(seed: number): () => number {
  let s = seed;
  return () => {
    s = (s * 1103515245 + 12345) % 2147483648;
    return s / 2147483648;
  };
}

// Generated history: customers' orders over the year before and during the carts, and carts
// with one to three emails (some first emails 7 days or more after creation, one before it),
// opens and clicks up to weeks later, and orders that recover some of them.
function generated(): string {
  const rnd = lcg(7);
  const pick = <T>(xs: T[]): T => xs[Math.floor(rnd() * xs.length)]!;
  const customers = ['K1', 'K2', 'K3', 'K5', 'K6', 'K7', 'K8', null, null];
  const orders: string[] = [];
  const carts: string[] = [];
  const emails: string[] = [];
  const start = Date.parse('2025-04-01T00:00:00Z');
  for (let i = 0; i < 40; i++) {
    const at = iso(start + Math.floor(rnd() * 400 * DAY));
    orders.push(order(`GO${i}`, at, pick(['K1', 'K2', 'K5', 'K6', 'K7', 'K8']), rnd() < 0.15 ? 'cancelled' : 'completed', 1000 + Math.floor(rnd() * 9000)));
  }
  const cartStart = Date.parse('2026-01-01T03:00:00Z');
  for (let i = 0; i < 70; i++) {
    const id = `G${i}`;
    const created = cartStart + Math.floor(rnd() * 170 * DAY) + Math.floor(rnd() * 24) * HOUR;
    const customer = pick(customers);
    const last = created + Math.floor(rnd() * 50) * 60_000;
    let sent = last + (rnd() < 0.1 ? 7 * DAY + Math.floor(rnd() * 3 * DAY) : Math.floor(1 + rnd() * 30) * HOUR);
    if (i === 13) sent = created - 2 * HOUR;
    const steps = 1 + Math.floor(rnd() * 3);
    const onCart = rnd() < 0.15;
    let lastSent = sent;
    if (!onCart) {
      for (let k = 1; k <= steps; k++) {
        const opened = rnd() < 0.4 ? iso(lastSent + Math.floor(rnd() * 20 * DAY)) : null;
        const clicked = opened !== null && rnd() < 0.5 ? iso(Date.parse(opened) + HOUR) : null;
        emails.push(email(id, k, iso(lastSent), `R${k}`, opened, clicked));
        if (k < steps) lastSent += Math.floor(12 + rnd() * 48) * HOUR;
      }
    }
    const ordered = rnd() < 0.35;
    const orderId = ordered ? `GC${i}` : null;
    if (ordered) {
      orders.push(order(`GC${i}`, iso(lastSent + Math.floor(1 + rnd() * 40) * HOUR), customer, rnd() < 0.1 ? 'cancelled' : 'completed',
        500 + Math.floor(rnd() * 8000), Math.floor(rnd() * 300)));
    }
    carts.push(cart(id, iso(created), customer, iso(last), 1000 + i, orderId, ordered && rnd() < 0.8,
      onCart ? iso(sent) : null, onCart ? pick(['R1', 'R2']) : null));
  }
  return `INSERT INTO orders (${ORDER_COLS}) VALUES ${orders.join(', ')};
    INSERT INTO carts (${CART_COLS}) VALUES ${carts.join(', ')};
    INSERT INTO cart_recovery_emails (${EMAIL_COLS}) VALUES ${emails.join(', ')};`;
}

describe('recovery by segment and email step, read from a kept grid', () => {
  let db: TestDb;
  beforeAll(async () => {
    db = await createTestDb({ timeZone: TZ });
    await db.exec(REFERENCE);
    await db.exec(`
      INSERT INTO campaigns (campaign_id, name, channel, kind, recovery_step, cost_cents, source, source_id) VALUES
        ('R1', 'Reminder 1', 'email', 'cart_recovery', 1, 1000, 't', 'R1'),
        ('R2', 'Reminder 2', 'email', 'cart_recovery', 2, 1000, 't', 'R2'),
        ('R3', 'Reminder 3', 'email', 'cart_recovery', 3, 1000, 't', 'R3');
      INSERT INTO orders (${ORDER_COLS}) VALUES
        ${order('O0', '2025-11-01T15:00:00Z', 'K1', 'completed', 2000)},
        ${order('O5', '2025-06-01T15:00:00Z', 'K3', 'completed', 1500)},
        ${order('O4X', '2025-09-01T15:00:00Z', 'K4', 'cancelled', 1500)},
        ${order('O1', '2026-01-11T20:00:00Z', 'K1', 'completed', 5000, 500)},
        ${order('O3', '2026-03-03T15:00:00Z', 'K2', 'completed', 3000)},
        ${order('O6', '2026-02-21T10:00:00Z', 'K4', 'completed', 2000)};
      INSERT INTO carts (${CART_COLS}) VALUES
        ${cart('C1', '2026-01-10T15:00:00Z', 'K1', '2026-01-10T15:10:00Z', 5000, 'O1', true)},
        ${cart('C2', '2026-02-02T12:00:00Z', null, '2026-02-02T12:05:00Z', 1200, null, false)},
        ${cart('C3', '2026-03-01T10:00:00Z', 'K2', '2026-03-01T10:10:00Z', 3000, 'O3', true)},
        ${cart('C4', '2026-04-01T10:00:00Z', 'K3', '2026-04-01T10:10:00Z', 900, null, false, '2026-04-01T12:00:00Z', 'R1')},
        ${cart('C5', '2026-02-20T10:00:00Z', 'K4', '2026-02-20T10:10:00Z', 2000, 'O6', true)},
        ${cart('LATE', '2026-02-10T10:00:00Z', null, '2026-02-10T10:10:00Z', 700, null, false)},
        ${cart('EARLY', '2026-04-10T10:00:00Z', 'K2', '2026-04-10T10:10:00Z', 800, null, false)},
        ${cart('SH', '2026-03-15T10:00:00Z', null, '2026-03-15T10:10:00Z', 600, null, false, null, null, 'SHa')},
        ${cart('SH', '2026-03-20T10:00:00Z', null, '2026-03-20T10:10:00Z', 650, null, false, null, null, 'SHb')},
        ${cart('HZ', '2026-05-10T10:00:00Z', 'K1', '2026-05-10T10:10:00Z', 1100, null, false)},
        ${cart('BEFORE', '2026-01-01T10:00:00Z', 'K2', '2026-01-01T10:10:00Z', 400, null, false)},
        ${cart('OUT1', '2025-12-20T10:00:00Z', null, '2025-12-20T10:10:00Z', 300, null, false)},
        ${cart('E1', '2026-05-19T20:00:00Z', null, '2026-05-19T20:10:00Z', 350, null, false)},
        ${cart('E2', '2026-05-19T21:00:00Z', null, '2026-05-19T21:10:00Z', 360, null, false)};
      INSERT INTO cart_recovery_emails (${EMAIL_COLS}) VALUES
        ${email('C1', 1, '2026-01-10T17:00:00Z', 'R1')}, ${email('C1', 2, '2026-01-11T17:00:00Z', 'R2')},
        ${email('C2', 1, '2026-02-02T14:00:00Z', 'R1')},
        ${email('C3', 1, '2026-03-01T12:00:00Z', 'R1')}, ${email('C3', 2, '2026-03-02T12:00:00Z', 'R2')},
        ${email('C3', 3, '2026-03-03T12:00:00Z', 'R3')},
        ${email('C5', 1, '2026-02-20T12:00:00Z', 'R1')},
        ${email('LATE', 1, '2026-02-18T10:00:00Z', 'R1')},
        ${email('EARLY', 1, '2026-04-10T09:00:00Z', 'R1')},
        ${email('SH', 1, '2026-03-15T12:00:00Z', 'R1')},
        ${email('HZ', 1, '2026-05-10T12:00:00Z', 'R1', '2026-06-10T10:00:00Z')},
        ${email('BEFORE', 1, '2026-01-05T12:00:00Z', 'R1')},
        ${email('OUT1', 1, '2026-01-05T10:00:00Z', 'R1')},
        ${email('E1', 1, '2026-05-20T02:00:00Z', 'R1')},
        ${email('E2', 1, '2026-05-20T05:00:00Z', 'R1')};`);
  });
  afterAll(async () => {
    await db?.close();
  });

  it('counts the loaded carts, by hand', async () => {
    await expectSameAsDefinition(db);
    // New York 01-05 to 05-19 (135 days: the grid), RFM as of 01-05: K1 (O0, 2025-11-01) and K3
    // (O5, 2025-06-01) ordered in the year before, one order each: K1 the more recent, R 5 F 1
    // "new"; K3 R 1 F 1 "hibernating"; K2 had no order, K4 only a cancelled one: not scored.
    // First emailed in the range (12 carts): C1 (K1 returning, emails 1 and 2, recovered by 2:
    // O1 50.00 − 5.00), C2 (guest), C3 (K2 new, emails 1-3, recovered by 3: O3 30.00), C4 (K3
    // returning, the one email its cart row names, campaign step 1), C5 (K4 new, recovered by 1:
    // O6 20.00), LATE (guest, first email 8 days after creation), EARLY (K2 returning after O3,
    // email an hour before creation), SH twice (two guest rows of one cart_id), HZ (K1
    // returning, its open after the range), BEFORE (K2 new, created 4 days before the range), E1
    // (guest, 05-19 22:00 local). OUT1 was created 16 days before its first email, E2 is emailed
    // after the range.
    expect(await segments(db, '2026-01-05T05:00:00Z', '2026-05-20T04:00:00Z')).toEqual([
      'customer_type guest 5 0 0.0000 0.00',
      'customer_type new 3 2 0.6667 50.00',
      'customer_type returning 4 1 0.2500 45.00',
      'rfm_segment guest 5 0 0.0000 0.00',
      'rfm_segment hibernating 1 0 0.0000 0.00',
      'rfm_segment new 2 1 0.5000 45.00',
      'rfm_segment not_scored 4 2 0.5000 50.00',
      'email_step email_1 12 1 0.0833 20.00',
      'email_step email_2 2 1 0.5000 45.00',
      'email_step email_3 1 1 1.0000 30.00',
    ]);
    // the grid holds C1, C2, C3, C4, C5, BEFORE, E1, E2 (and OUT1 is not counted: 16 days;
    // LATE, EARLY: not counted; SH: infinity; HZ: counted, horizon 06-10)
    const n = await db.query<Row>(`SELECT sum(carts)::int AS n FROM recovery_segment_cells`);
    expect(n.rows).toEqual([{ n: 9 }]);
  });

  it('follows generated carts, emails and orders, and a week shortened by a change of clocks', async () => {
    await db.exec(generated());
    // created 167 h 50 min before its first email, which is sent 20 minutes into the local day
    // after the change to EDT: in New York from 03-10 00:00 local a week before is 03-03 00:00 EST
    // (05:00Z), after its creation; in UTC it is 04:00Z, before it
    await db.exec(`INSERT INTO carts (${CART_COLS}) VALUES ${cart('D1', '2026-03-03T04:30:00Z', null, '2026-03-03T04:40:00Z', 990, null, false)};
      INSERT INTO cart_recovery_emails (${EMAIL_COLS}) VALUES ${email('D1', 1, '2026-03-10T04:20:00Z', 'R1')}`);
    // now-like carts: one kept before now, one whose abandonment is after now, one opened tomorrow
    await db.exec(`INSERT INTO carts (${CART_COLS}) VALUES
        ${cart('N1', ago(5 * HOUR), 'K5', ago(4 * HOUR), 1500, null, false)},
        ${cart('N2', ago(20 * 60_000), 'K6', ago(10 * 60_000), 1600, null, false)},
        ${cart('N3', ago(3 * DAY), null, ago(3 * DAY - 600_000), 1700, null, false)};
      INSERT INTO cart_recovery_emails (${EMAIL_COLS}) VALUES
        ${email('N1', 1, ago(3 * HOUR), 'R1')}, ${email('N2', 1, ago(5 * 60_000), 'R1')},
        ${email('N3', 1, ago(3 * DAY - HOUR), 'R1', iso(NOW.getTime() + DAY))}`);
    await expectSameAsDefinition(db);
    const d1 = async (zone: string): Promise<Row[]> => {
      await db.exec(`SET TimeZone = '${zone}'`);
      const r = await db.query<Row>(`SELECT count(*)::int AS n FROM kpi.recovery_first_emailed_carts('2026-03-10T04:00:00Z', '2026-06-01T16:30:00Z') WHERE cart_id = 'D1'`);
      await db.exec('RESET TimeZone');
      return r.rows;
    };
    expect([await d1(TZ), await d1('UTC')]).toEqual([[{ n: 0 }], [{ n: 1 }]]);
  });

  it('follows emails, orders and carts changed and deleted', async () => {
    // HZ's open moved into the range, C2 opened and clicked, an email row of C3 removed
    await db.exec(`INSERT INTO cart_recovery_emails (${EMAIL_COLS}) VALUES
        ${email('HZ', 1, '2026-05-10T12:00:00Z', 'R1', '2026-05-11T10:00:00Z')},
        ${email('C2', 1, '2026-02-02T14:00:00Z', 'R1', '2026-02-03T10:00:00Z', '2026-02-03T11:00:00Z')} ${EMAIL_UPSERT}`);
    await db.exec(`DELETE FROM cart_recovery_emails WHERE cart_id = 'C3' AND step = 3`);
    await expectSameAsDefinition(db);
    // O3 cancelled (C3 no longer recovered; K2's later carts new again), O1 moved a day later
    await db.exec(`INSERT INTO orders (${ORDER_COLS}) VALUES ${order('O3', '2026-03-03T15:00:00Z', 'K2', 'cancelled', 3000)} ${ORDER_UPSERT}`);
    await db.exec(`DELETE FROM orders WHERE order_id = 'O1'`);
    await db.exec(`INSERT INTO orders (${ORDER_COLS}) VALUES ${order('O1', '2026-01-12T20:00:00Z', 'K1', 'completed', 5000, 500)}`);
    // a new valid order makes K4 a member as of mid-February
    await db.exec(`INSERT INTO orders (${ORDER_COLS}) VALUES ${order('O7', '2026-01-08T10:00:00Z', 'K4', 'completed', 800)}`);
    await expectSameAsDefinition(db);
    // SH's second row gone: the first is kept with a finite horizon and joins the grid; C5 moves
    // to a guest; BEFORE and some generated carts deleted
    await db.exec(`DELETE FROM carts WHERE cart_id = 'SH' AND created_at = '2026-03-20T10:00:00Z'`);
    await db.exec(`INSERT INTO carts (${CART_COLS}) VALUES ${cart('C5', '2026-02-20T10:00:00Z', null, '2026-02-20T10:10:00Z', 2000, 'O6', true)} ${CART_UPSERT}`);
    await db.exec(`DELETE FROM carts WHERE cart_id IN ('BEFORE', 'G3', 'G7', 'G11', 'G20')`);
    await expectSameAsDefinition(db);
    const sh = await db.query<Row>(`SELECT horizon < 'infinity' AS finite FROM cart_journey_facts WHERE cart_id = 'SH'`);
    expect(sh.rows).toEqual([{ finite: true }]);
    // every email of a few carts deleted in one statement: their rows leave the grid
    await db.exec(`DELETE FROM cart_recovery_emails WHERE cart_id IN ('C1', 'G1', 'G2', 'G5')`);
    await expectSameAsDefinition(db);
  });

  it('the backfill of the migration fills the grid the trigger keeps', async () => {
    const file = readFileSync(join(__dirname, '../../../sql/migrations/0210_recovery_segment_cells.sql'), 'utf8');
    const backfill = file.slice(file.indexOf('- backfill\n') + '- backfill\n'.length, file.indexOf('CREATE TRIGGER'));
    expect(backfill).toContain('INSERT INTO recovery_segment_cells');
    const kept = (await db.query<Row>(GRID)).rows;
    expect(kept.length).toBeGreaterThan(20);
    await db.exec(`BEGIN; DELETE FROM recovery_segment_cells; ${renderStoreTimeZone(backfill, TZ)} COMMIT`);
    expect((await db.query<Row>(GRID)).rows).toEqual(kept);
    await expectSameAsDefinition(db);
  });
});
