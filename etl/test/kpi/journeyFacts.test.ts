// Cart journey facts (0140) are kept by row triggers on carts, cart_recovery_emails, orders and
// campaigns: the journey readers take a cart's kept row when its horizon is before to_ts and
// compute the others live. Hand-made carts, orders and emails go through inserts, updates and
// deletes of every source table; after each step the journey rows (kept and live) must equal the
// definition computed from the raw tables, for to_ts after everything and for past instants that
// cut a journey short. The final figures are counted by hand in the comments.
import { createTestDb, type TestDb } from '../helpers/testDb';

type Row = Record<string, unknown>;

const TZ = 'America/New_York';
const CART_COLS =
  'cart_id, created_at, customer_id, last_activity_at, subtotal_cents, order_id, recovery_email_sent_at, recovery_campaign_id, recovered_by_email, source, source_id';
const CART_UPSERT = `ON CONFLICT (cart_id, created_at) DO UPDATE SET customer_id = EXCLUDED.customer_id, last_activity_at = EXCLUDED.last_activity_at,
  subtotal_cents = EXCLUDED.subtotal_cents, order_id = EXCLUDED.order_id, recovery_email_sent_at = EXCLUDED.recovery_email_sent_at,
  recovery_campaign_id = EXCLUDED.recovery_campaign_id, recovered_by_email = EXCLUDED.recovered_by_email`;
const ORDER_COLS = 'order_id, placed_at, customer_id, status, subtotal_cents, discount_cents, total_cents, traffic_source, source, source_id';
const ORDER_UPSERT = `ON CONFLICT (order_id, placed_at) DO UPDATE SET status = EXCLUDED.status, subtotal_cents = EXCLUDED.subtotal_cents,
  discount_cents = EXCLUDED.discount_cents, customer_id = EXCLUDED.customer_id`;
const EMAIL_COLS = 'cart_id, step, sent_at, campaign_id, opened_at, clicked_at, source, source_id';
const EMAIL_UPSERT = `ON CONFLICT (cart_id, step, sent_at) DO UPDATE SET campaign_id = EXCLUDED.campaign_id, opened_at = EXCLUDED.opened_at,
  clicked_at = EXCLUDED.clicked_at`;
const CAMPAIGN_COLS = 'campaign_id, name, channel, kind, recovery_step, cost_cents, source, source_id';
const CAMPAIGN_UPSERT = 'ON CONFLICT (source, source_id) DO UPDATE SET recovery_step = EXCLUDED.recovery_step';

const campaigns = (rbStep: number) => `INSERT INTO campaigns (${CAMPAIGN_COLS}) VALUES
  ('RA', 'Reminder 1', 'email', 'cart_recovery', 1, 1000, 't', 'RA'),
  ('RB', 'Reminder 2', 'email', 'cart_recovery', ${rbStep}, 2000, 't', 'RB') ${CAMPAIGN_UPSERT}`;
const O1 = `('O1', '2026-05-04T15:00:00Z', 'C1', 'completed', 5000, 500, 4500, 'email', 't', 'O1')`;
const O2 = `('O2', '2026-05-05T18:00:00Z', 'C1', 'completed', 3000, 0, 3000, 'email', 't', 'O2')`;
const K1 = `('K1', '2026-05-04T12:00:00Z', 'C1', '2026-05-04T12:20:00Z', 5000, 'O1', '2026-05-04T13:30:00Z', 'RA', true, 't', 'K1')`;
const K2 = `('K2', '2026-05-04T20:00:00Z', 'C2', '2026-05-04T20:10:00Z', 1200, NULL, '2026-05-05T03:30:00Z', 'RB', false, 't', 'K2')`;
const K3 = `('K3', '2026-05-05T14:00:00Z', 'C1', '2026-05-05T14:10:00Z', 3000, 'O2', '2026-05-05T15:30:00Z', 'RA', true, 't', 'K3')`;
const K4 = `('K4', '2026-05-05T09:00:00Z', NULL, '2026-05-05T09:30:00Z', 800, NULL, NULL, NULL, false, 't', 'K4')`;
const K5 = `('K5', '2026-05-06T10:00:00Z', 'C3', '2026-05-06T10:15:00Z', 2000, NULL, NULL, NULL, false, 't', 'K5')`;
const E1 = `('K1', 1, '2026-05-04T13:30:00Z', 'RA', NULL, NULL, 't', 'K1-1')`;
const E1_OPENED = `('K1', 1, '2026-05-04T13:30:00Z', 'RA', '2026-05-04T14:00:00Z', '2026-05-04T14:10:00Z', 't', 'K1-1')`;
const E3 = `('K3', 1, '2026-05-05T15:30:00Z', 'RA', NULL, NULL, 't', 'K3-1')`;

// The journey of the carts created in [$1, $2) as known at $2, as it read the raw tables before
// any of it was kept (orders for order_keys, cart_recovery_emails for their copy, the cart row's
// own email when its cart_id has no email rows).
const RAW_JOURNEY = `
  WITH ok AS (
    SELECT order_id, placed_at, customer_id, status <> 'cancelled' AND NOT is_test AS valid, subtotal_cents - discount_cents AS net_cents FROM orders
  ), c AS (
    SELECT c.cart_id, c.created_at, c.customer_id, c.subtotal_cents, c.last_activity_at, c.recovered_by_email,
           o.order_id, o.placed_at AS order_at, o.net_cents AS order_cents,
           CASE WHEN c.customer_id IS NULL THEN 'guest'
                WHEN EXISTS (SELECT 1 FROM ok p WHERE p.customer_id = c.customer_id AND p.valid AND p.placed_at < c.created_at) THEN 'returning'
                ELSE 'new' END AS customer_type
    FROM carts c LEFT JOIN ok o ON o.order_id = c.order_id AND o.valid AND o.placed_at < $2
    WHERE c.created_at >= $1 AND c.created_at < $2
  ), e AS (
    SELECT x.cart_id, x.step, x.campaign_id, x.sent_at, x.opened_at, x.clicked_at
    FROM c JOIN cart_recovery_emails x ON x.cart_id = c.cart_id AND x.sent_at < $2
    UNION ALL
    SELECT x.cart_id, coalesce(k.recovery_step, 1)::smallint, x.recovery_campaign_id, x.recovery_email_sent_at, NULL::timestamptz, NULL::timestamptz
    FROM c JOIN carts x ON x.cart_id = c.cart_id
    LEFT JOIN campaigns k ON k.campaign_id = x.recovery_campaign_id
    WHERE x.recovery_email_sent_at < $2 AND NOT EXISTS (SELECT 1 FROM cart_recovery_emails y WHERE y.cart_id = x.cart_id)
  ), per AS (
    SELECT e.cart_id,
           min(e.sent_at) FILTER (WHERE e.step = 1) AS s1, min(e.sent_at) FILTER (WHERE e.step = 2) AS s2,
           min(e.sent_at) FILTER (WHERE e.step = 3) AS s3, min(e.sent_at) AS s0,
           min(e.opened_at) FILTER (WHERE e.opened_at < $2) AS op, min(e.clicked_at) FILTER (WHERE e.clicked_at < $2) AS cl
    FROM e GROUP BY e.cart_id
  ), opened_from AS (
    SELECT e.cart_id, max(e.sent_at) AS at FROM e JOIN per ON per.cart_id = e.cart_id AND e.sent_at <= per.op GROUP BY e.cart_id
  ), rec AS (
    SELECT DISTINCT ON (e.cart_id) e.cart_id, e.step, e.campaign_id
    FROM e JOIN c ON c.cart_id = e.cart_id
    WHERE c.recovered_by_email AND c.order_at IS NOT NULL AND e.sent_at <= c.order_at
    ORDER BY e.cart_id, e.sent_at DESC, e.step DESC
  ), j AS (
    SELECT c.*, per.s1, per.s2, per.s3, per.s0, per.op, per.cl,
           CASE WHEN per.s0 IS NOT NULL THEN least(per.s0, c.last_activity_at + INTERVAL '60 minutes')
                WHEN c.last_activity_at + INTERVAL '60 minutes' < $2
                     AND (c.order_at IS NULL OR c.order_at > c.last_activity_at + INTERVAL '60 minutes')
                THEN c.last_activity_at + INTERVAL '60 minutes' END AS ab
    FROM c LEFT JOIN per ON per.cart_id = c.cart_id
  )
  SELECT j.cart_id, j.created_at, j.customer_id, j.customer_type, j.subtotal_cents, j.ab AS abandoned_at, j.s1 AS sent1_at,
         j.s2 AS sent2_at, j.s3 AS sent3_at, j.s0 AS first_sent_at, j.op AS first_opened_at, o.at AS opened_after_sent_at,
         j.cl AS first_clicked_at,
         (j.ab IS NOT NULL AND j.recovered_by_email AND j.order_at IS NOT NULL AND j.s0 IS NOT NULL) AS recovered,
         CASE WHEN j.ab IS NOT NULL AND j.recovered_by_email AND j.s0 IS NOT NULL THEN j.order_at END AS recovered_at,
         CASE WHEN j.ab IS NOT NULL AND j.recovered_by_email AND j.s0 IS NOT NULL AND j.order_at IS NOT NULL THEN j.order_cents ELSE 0 END AS recovered_cents,
         r.step AS recovered_step, r.campaign_id AS recovered_campaign_id, j.order_id
  FROM j LEFT JOIN opened_from o ON o.cart_id = j.cart_id LEFT JOIN rec r ON r.cart_id = j.cart_id`;

// The readers as they were written over cart_journey_carts, here over RAW_JOURNEY.
const RAW_READERS: Array<[string, string, string]> = [
  [
    'cart_journey',
    `SELECT stage_no, stage, carts, share_of_created::text, value::text, median_hours_from_previous::text FROM kpi.cart_journey($1, $2)`,
    `WITH j AS (${RAW_JOURNEY}),
     s AS (
       SELECT 1 AS n, j.cart_id, j.subtotal_cents AS cents, NULL::interval AS gap FROM j
       UNION ALL SELECT 2, j.cart_id, j.subtotal_cents, j.abandoned_at - j.created_at FROM j WHERE j.abandoned_at IS NOT NULL
       UNION ALL SELECT 3, j.cart_id, j.subtotal_cents, j.sent1_at - j.abandoned_at FROM j WHERE j.sent1_at IS NOT NULL
       UNION ALL SELECT 4, j.cart_id, j.subtotal_cents, j.sent2_at - j.sent1_at FROM j WHERE j.sent2_at IS NOT NULL
       UNION ALL SELECT 5, j.cart_id, j.subtotal_cents, j.sent3_at - j.sent2_at FROM j WHERE j.sent3_at IS NOT NULL
       UNION ALL SELECT 6, j.cart_id, j.subtotal_cents, j.first_opened_at - j.opened_after_sent_at FROM j WHERE j.first_opened_at IS NOT NULL
       UNION ALL SELECT 7, j.cart_id, j.subtotal_cents, j.first_clicked_at - coalesce(j.first_opened_at, j.first_sent_at) FROM j WHERE j.first_clicked_at IS NOT NULL
       UNION ALL SELECT 8, j.cart_id, j.recovered_cents, j.recovered_at - coalesce(j.first_clicked_at, j.first_opened_at, j.first_sent_at) FROM j WHERE j.recovered
     ), names AS (
       SELECT * FROM (VALUES (1, 'cart_created'), (2, 'abandoned'), (3, 'email_1_sent'), (4, 'email_2_sent'), (5, 'email_3_sent'),
                             (6, 'opened'), (7, 'clicked'), (8, 'recovered')) v(n, stage)
     ), agg AS (
       SELECT n, count(*) AS carts, sum(cents) AS cents,
              percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM gap)::float8) / 3600.0 AS med
       FROM s GROUP BY n
     )
     SELECT names.n AS stage_no, names.stage, coalesce(agg.carts, 0) AS carts, kpi.rate(coalesce(agg.carts, 0), (SELECT count(*) FROM j))::text AS share_of_created,
            kpi.money(coalesce(agg.cents, 0))::text AS value, round(agg.med::numeric, 2)::text AS median_hours_from_previous
     FROM names LEFT JOIN agg ON agg.n = names.n ORDER BY names.n`,
  ],
  [
    'abandoned_products',
    `SELECT sku, carts, units, value::text, carts_recovered FROM kpi.abandoned_products($1, $2, 100)`,
    `WITH j AS (${RAW_JOURNEY})
     SELECT l.sku, count(DISTINCT j.cart_id) AS carts, sum(l.quantity)::bigint AS units, kpi.money(sum(l.line_subtotal_cents))::text AS value,
            count(DISTINCT j.cart_id) FILTER (WHERE j.recovered) AS carts_recovered
     FROM j JOIN cart_lines l ON l.cart_id = j.cart_id AND l.created_at = j.created_at
     WHERE j.abandoned_at IS NOT NULL GROUP BY l.sku ORDER BY sum(l.line_subtotal_cents) DESC, 2 DESC, l.sku`,
  ],
  [
    'recovered_products',
    `SELECT sku, carts, units, revenue::text FROM kpi.recovered_products($1, $2, 100)`,
    `WITH j AS (${RAW_JOURNEY})
     SELECT l.sku, count(DISTINCT j.cart_id) AS carts, sum(l.quantity)::bigint AS units,
            kpi.money(sum(l.line_subtotal_cents - l.allocated_discount_cents))::text AS revenue
     FROM j JOIN order_lines l ON l.order_id = j.order_id AND l.order_valid
     WHERE j.recovered GROUP BY l.sku ORDER BY sum(l.line_subtotal_cents - l.allocated_discount_cents) DESC, 2 DESC, l.sku`,
  ],
  [
    // by customer type and email step (the RFM segment is checked in rfmSegmentOf.test.ts)
    'recovery_by_segment',
    `SELECT dimension, segment, carts_emailed, carts_recovered, recovered_revenue::text FROM kpi.recovery_by_segment($1, $2)
     WHERE dimension <> 'rfm_segment'`,
    `WITH j AS (SELECT * FROM (${RAW_JOURNEY.replaceAll('$1', "($1::timestamptz - INTERVAL '7 days')")}) j
                WHERE j.first_sent_at >= $1 AND j.first_sent_at < $2),
     rows AS (
       SELECT 1 AS ord, 'customer_type' AS dimension, j.customer_type AS segment, j.recovered AS rec, j.recovered_cents AS cents FROM j
       UNION ALL
       SELECT 3, 'email_step', 'email_' || x.step, j.recovered AND j.recovered_step = x.step, j.recovered_cents
       FROM j CROSS JOIN LATERAL (VALUES (1::smallint, j.sent1_at), (2::smallint, j.sent2_at), (3::smallint, j.sent3_at)) x(step, at)
       WHERE x.at IS NOT NULL)
     SELECT dimension, segment, count(*) AS carts_emailed, count(*) FILTER (WHERE rec) AS carts_recovered,
            kpi.money(coalesce(sum(cents) FILTER (WHERE rec), 0))::text AS recovered_revenue
     FROM rows GROUP BY ord, dimension, segment ORDER BY ord, segment`,
  ],
  [
    // the recovered carts of the ROI as the function read them from carts, one cart at a time
    'recovery_roi_range',
    `SELECT campaign_id, carts_recovered, recovered_revenue::text FROM kpi.recovery_roi_range($1, $2) ORDER BY campaign_id`,
    `WITH rec AS (
       SELECT m.campaign_id, count(*) AS carts, sum(o.net_cents) AS cents
       FROM carts c
       CROSS JOIN LATERAL (SELECT o.placed_at, o.net_cents FROM order_keys o
                           WHERE o.order_id = c.order_id AND o.valid AND o.placed_at >= $1 AND o.placed_at < $2) o
       CROSS JOIN LATERAL (
         SELECT x.campaign_id FROM (
           SELECT e.campaign_id, e.sent_at, e.step FROM cart_recovery_emails e WHERE e.cart_id = c.cart_id AND e.sent_at <= o.placed_at
           UNION ALL
           SELECT r.recovery_campaign_id, r.recovery_email_sent_at, coalesce(k.recovery_step, 1)::smallint
           FROM carts r LEFT JOIN campaigns k ON k.campaign_id = r.recovery_campaign_id
           WHERE r.cart_id = c.cart_id AND r.recovery_email_sent_at <= o.placed_at
             AND NOT EXISTS (SELECT 1 FROM cart_recovery_emails y WHERE y.cart_id = r.cart_id)
         ) x ORDER BY x.sent_at DESC, x.step DESC LIMIT 1) m
       WHERE c.created_at >= $1::timestamptz - INTERVAL '30 days' AND c.created_at < $2 AND c.recovered_by_email AND c.order_id IS NOT NULL
       GROUP BY m.campaign_id)
     SELECT k.campaign_id, coalesce(r.carts, 0) AS carts_recovered, kpi.money(coalesce(r.cents, 0))::text AS recovered_revenue
     FROM campaigns k LEFT JOIN rec r ON r.campaign_id = k.campaign_id WHERE k.kind = 'cart_recovery' ORDER BY k.campaign_id`,
  ],
];

const KEPT_AS_JOURNEY = `
  SELECT cart_id, created_at, customer_id, customer_type, subtotal_cents, abandoned_at, sent1_at, sent2_at, sent3_at, first_sent_at,
         first_opened_at, opened_after_sent_at, first_clicked_at, recovered, recovered_at, recovered_cents, recovered_step,
         recovered_campaign_id, valid_order_id AS order_id
  FROM cart_journey_facts`;

const rowsOf = (sql: string) => `SELECT to_jsonb(t)::text AS j FROM (${sql}) t ORDER BY t.cart_id, t.created_at`;

// Instants that cut journeys short (before an email, between a send and its open, before a
// click, exactly at an order, at a horizon) and one after everything.
const TO = [
  '2026-05-04T13:25:00Z', '2026-05-04T14:05:00Z', '2026-05-04T15:00:00Z', '2026-05-05T04:00:00Z', '2026-05-05T16:00:00Z',
  '2026-05-05T18:00:00Z', '2026-05-06T11:15:00Z', '2026-05-10T00:00:00Z',
];
// 2026-01-01 makes ranges of more than 90 days, which recovered_products reads without a bound.
const FROM = ['2026-01-01T00:00:00Z', '2026-04-01T00:00:00Z', '2026-05-04T13:00:00Z'];

async function expectLiveEqualsKept(db: TestDb): Promise<void> {
  // the kept rows are the journey as known with everything loaded
  const kept = await db.query<{ j: string }>(rowsOf(KEPT_AS_JOURNEY));
  const inf = await db.query<{ j: string }>(rowsOf(RAW_JOURNEY), ['-infinity', 'infinity']);
  expect(kept.rows).toEqual(inf.rows);
  for (const from of FROM) {
    for (const to of [...TO, 'now']) {
      const got = await db.query<{ j: string }>(rowsOf('SELECT * FROM kpi.cart_journey_carts($1, $2::timestamptz)'), [from, to]);
      const raw = await db.query<{ j: string }>(rowsOf(RAW_JOURNEY), [from, to]);
      expect({ from, to, rows: got.rows }).toEqual({ from, to, rows: raw.rows });
      for (const [name, read, def] of RAW_READERS) {
        const a = await db.query<Row>(read, [from, to]);
        const b = await db.query<Row>(def, [from, to]);
        expect({ name, from, to, rows: a.rows }).toEqual({ name, from, to, rows: b.rows });
      }
    }
  }
}

async function row(db: TestDb, cart: string, to = '2026-05-10T00:00:00Z'): Promise<Row> {
  const r = await db.query<Row>(
    `SELECT customer_type, to_char(abandoned_at AT TIME ZONE 'UTC', 'MM-DD HH24:MI') AS ab,
            concat_ws('/', to_char(sent1_at AT TIME ZONE 'UTC', 'MM-DD HH24:MI'), to_char(sent2_at AT TIME ZONE 'UTC', 'MM-DD HH24:MI'),
                      to_char(sent3_at AT TIME ZONE 'UTC', 'MM-DD HH24:MI')) AS sent,
            to_char(first_opened_at AT TIME ZONE 'UTC', 'HH24:MI') AS op, to_char(first_clicked_at AT TIME ZONE 'UTC', 'HH24:MI') AS cl,
            recovered, recovered_cents::int AS cents, recovered_step AS step, order_id
     FROM kpi.cart_journey_carts('2026-04-01T00:00:00Z', $1) WHERE cart_id = $2`,
    [to, cart],
  );
  return r.rows[0] ?? {};
}

async function facts(db: TestDb): Promise<Row[]> {
  const r = await db.query<Row>(`SELECT xmin::text AS x, to_jsonb(f)::text AS f FROM cart_journey_facts f ORDER BY cart_id, created_at`);
  return r.rows;
}

/**
 * The plan the triggers' recompute of a cart's journey keeps (0142: one generic plan, made at the
 * first cart written), for the journey of given carts it is built on.
 */
async function genericJourneyPlan(db: TestDb): Promise<string> {
  await db.exec(`PREPARE journey_of(text[]) AS SELECT * FROM public.cart_journey_rows('-infinity', 'infinity', $1)`);
  await db.exec('SET plan_cache_mode = force_generic_plan');
  const plan = await db.query<{ 'QUERY PLAN': string }>(`EXPLAIN EXECUTE journey_of('{K1}')`);
  await db.exec('RESET plan_cache_mode; DEALLOCATE journey_of');
  return plan.rows.map((r) => r['QUERY PLAN']).join('\n');
}

/**
 * The generic plan of recovery_email_rows_keep's update of the emailed carts of a cart_id, its
 * statement taken from the function as installed (the trigger's NEW/OLD cart_ids as parameters).
 */
async function genericEmailRowsPlan(db: TestDb): Promise<string> {
  const src = (await db.query<{ src: string }>(`SELECT prosrc AS src FROM pg_proc WHERE proname = 'recovery_email_rows_keep'`)).rows[0]!.src;
  const update = /UPDATE public\.recovery_emailed_carts r[^;]*/.exec(src)![0]
    .replace("CASE WHEN TG_OP <> 'DELETE' THEN NEW.cart_id END", '$1')
    .replace("CASE WHEN TG_OP <> 'INSERT' THEN OLD.cart_id END", '$2');
  await db.exec(`PREPARE emailed_of(text, text) AS ${update}`);
  await db.exec('SET plan_cache_mode = force_generic_plan');
  const plan = await db.query<{ 'QUERY PLAN': string }>(`EXPLAIN EXECUTE emailed_of('K1', NULL)`);
  await db.exec('RESET plan_cache_mode; DEALLOCATE emailed_of');
  return plan.rows.map((r) => r['QUERY PLAN']).join('\n');
}

describe('cart journey facts, trigger-kept', () => {
  let db: TestDb;
  /** Made on the new, empty database, before the first write. */
  let emptyDbPlan = '';
  let emptyDbEmailPlan = '';
  beforeAll(async () => {
    db = await createTestDb({ timeZone: TZ });
    emptyDbPlan = await genericJourneyPlan(db);
    emptyDbEmailPlan = await genericEmailRowsPlan(db);
    // K3's email arrives before its cart; K1's after it.
    await db.exec(`
      ${campaigns(2)};
      INSERT INTO orders (${ORDER_COLS}) VALUES ${O1};
      INSERT INTO cart_recovery_emails (${EMAIL_COLS}) VALUES ${E3};
      INSERT INTO carts (${CART_COLS}) VALUES ${K1}, ${K2}, ${K4}, ${K5};
      INSERT INTO cart_recovery_emails (${EMAIL_COLS}) VALUES ${E1};
      INSERT INTO cart_lines (cart_id, line_no, created_at, sku, quantity, unit_price_cents, line_subtotal_cents, source, source_id) VALUES
        ('K1', 1, '2026-05-04T12:00:00Z', 'S1', 2, 1500, 3000, 't', 'K1-1'), ('K1', 2, '2026-05-04T12:00:00Z', 'S2', 1, 2000, 2000, 't', 'K1-2'),
        ('K2', 1, '2026-05-04T20:00:00Z', 'S1', 1, 1200, 1200, 't', 'K2-1'), ('K3', 1, '2026-05-05T14:00:00Z', 'S2', 1, 3000, 3000, 't', 'K3-1'),
        ('K4', 1, '2026-05-05T09:00:00Z', 'S3', 1, 800, 800, 't', 'K4-1'), ('K5', 1, '2026-05-06T10:00:00Z', 'S1', 2, 1000, 2000, 't', 'K5-1');
      INSERT INTO order_lines (order_id, line_no, placed_at, sku, quantity, unit_price_cents, line_subtotal_cents, allocated_discount_cents,
                               unit_cost_cents, order_valid, source, source_id) VALUES
        ('O1', 1, '2026-05-04T15:00:00Z', 'S1', 2, 1500, 3000, 300, 700, true, 't', 'O1-1'),
        ('O1', 2, '2026-05-04T15:00:00Z', 'S2', 1, 2000, 2000, 200, 900, true, 't', 'O1-2'),
        ('O2', 1, '2026-05-05T18:00:00Z', 'S2', 1, 3000, 3000, 0, 900, true, 't', 'O2-1');`);
  });
  afterAll(async () => {
    await db?.close();
  });

  it('keeps each cart as known with everything loaded, and its horizon', async () => {
    await expectLiveEqualsKept(db);
    // K1: abandoned at least(email 13:30, 12:20 + 60 min); recovered by O1 at 15:00 (50.00 - 5.00).
    expect(await row(db, 'K1')).toEqual({ customer_type: 'new', ab: '05-04 13:20', sent: '05-04 13:30', op: null, cl: null, recovered: true, cents: 4500, step: 1, order_id: 'O1' });
    // K2 has no email rows: its cart row's email counts, at RB's step 2.
    expect(await row(db, 'K2')).toEqual({ customer_type: 'new', ab: '05-04 21:10', sent: '05-05 03:30', op: null, cl: null, recovered: false, cents: 0, step: null, order_id: null });
    const h = await db.query<Row>(`SELECT cart_id, to_char(horizon AT TIME ZONE 'UTC', 'MM-DD HH24:MI') AS h FROM cart_journey_facts ORDER BY 1`);
    // K1: its order at 15:00 is its last instant; K2: its email; K4, K5: last activity + 60 min
    expect(h.rows).toEqual([
      { cart_id: 'K1', h: '05-04 15:00' }, { cart_id: 'K2', h: '05-05 03:30' }, { cart_id: 'K4', h: '05-05 10:30' }, { cart_id: 'K5', h: '05-06 11:15' },
    ]);
  });

  it('follows an open and a click reported later, a cart arriving after its email, and its order arriving later', async () => {
    await db.exec(`INSERT INTO cart_recovery_emails (${EMAIL_COLS}) VALUES ${E1_OPENED} ${EMAIL_UPSERT}`);
    expect(await row(db, 'K1')).toMatchObject({ op: '14:00', cl: '14:10', recovered: true });
    await db.exec(`INSERT INTO carts (${CART_COLS}) VALUES ${K3}`);
    // K3: C1 ordered O1 the day before (returning); O2 is not loaded yet
    expect(await row(db, 'K3')).toEqual({ customer_type: 'returning', ab: '05-05 15:10', sent: '05-05 15:30', op: null, cl: null, recovered: false, cents: 0, step: null, order_id: null });
    await expectLiveEqualsKept(db);
    await db.exec(`INSERT INTO orders (${ORDER_COLS}) VALUES ${O2}`);
    expect(await row(db, 'K3')).toMatchObject({ recovered: true, cents: 3000, step: 1, order_id: 'O2' });
    await expectLiveEqualsKept(db);
  });

  it('a past to_ts that cuts a journey reads it live', async () => {
    // At 14:05 K1 was opened (14:00) but not yet clicked (14:10) nor ordered (15:00): its horizon
    // (15:00) is not before 14:05, so the kept row does not stand for it.
    expect(await row(db, 'K1', '2026-05-04T14:05:00Z')).toEqual({ customer_type: 'new', ab: '05-04 13:20', sent: '05-04 13:30', op: '14:00', cl: null, recovered: false, cents: 0, step: null, order_id: null });
    const j = await db.query<Row>(`SELECT stage, carts::int AS n, median_hours_from_previous::text AS m FROM kpi.cart_journey('2026-05-04T00:00:00Z', '2026-05-04T14:05:00Z')`);
    expect(j.rows.map((r) => `${String(r.stage)} ${String(r.n)} ${String(r.m)}`)).toEqual([
      'cart_created 1 null', 'abandoned 1 1.33', 'email_1_sent 1 0.17', 'email_2_sent 0 null', 'email_3_sent 0 null',
      'opened 1 0.50', 'clicked 0 null', 'recovered 0 null',
    ]);
  });

  it('follows an order cancelled and restored, and an earlier order of the customer arriving later', async () => {
    await db.exec(`INSERT INTO orders (${ORDER_COLS}) VALUES ('O1', '2026-05-04T15:00:00Z', 'C1', 'cancelled', 5000, 500, 4500, 'email', 't', 'O1') ${ORDER_UPSERT}`);
    // K1's order is no longer valid; K3's customer has no earlier valid order any more
    expect(await row(db, 'K1')).toMatchObject({ recovered: false, cents: 0, step: null, order_id: null });
    expect(await row(db, 'K3')).toMatchObject({ customer_type: 'new', recovered: true });
    await expectLiveEqualsKept(db);
    await db.exec(`INSERT INTO orders (${ORDER_COLS}) VALUES ${O1} ${ORDER_UPSERT}`);
    expect(await row(db, 'K3')).toMatchObject({ customer_type: 'returning' });
    expect(await row(db, 'K5')).toMatchObject({ customer_type: 'new' });
    await db.exec(`INSERT INTO orders (${ORDER_COLS}) VALUES ('O0', '2026-05-01T10:00:00Z', 'C3', 'completed', 900, 0, 900, 'direct', 't', 'O0')`);
    expect(await row(db, 'K5')).toMatchObject({ customer_type: 'returning' });
    await expectLiveEqualsKept(db);
    await db.exec(`INSERT INTO orders (${ORDER_COLS}) VALUES ('O0', '2026-05-01T10:00:00Z', 'C3', 'cancelled', 900, 0, 900, 'direct', 't', 'O0') ${ORDER_UPSERT}`);
    expect(await row(db, 'K5')).toMatchObject({ customer_type: 'new' });
    await expectLiveEqualsKept(db);
  });

  it("follows a campaign's recovery_step for carts without email rows", async () => {
    await db.exec(campaigns(3));
    expect(await row(db, 'K2')).toMatchObject({ sent: '05-05 03:30' });
    const s = await db.query<Row>(`SELECT sent2_at, sent3_at FROM kpi.cart_journey_carts('2026-04-01T00:00:00Z', '2026-05-10T00:00:00Z') WHERE cart_id = 'K2'`);
    expect(s.rows).toEqual([{ sent2_at: null, sent3_at: new Date('2026-05-05T03:30:00Z') }]);
    await expectLiveEqualsKept(db);
  });

  it('follows cart upserts (last activity, the email named) and deletes of emails and carts', async () => {
    await db.exec(`INSERT INTO carts (${CART_COLS}) VALUES
      ('K4', '2026-05-05T09:00:00Z', NULL, '2026-05-05T10:00:00Z', 800, NULL, NULL, NULL, false, 't', 'K4'),
      ('K2', '2026-05-04T20:00:00Z', 'C2', '2026-05-04T20:10:00Z', 1200, NULL, '2026-05-05T05:00:00Z', 'RA', false, 't', 'K2') ${CART_UPSERT}`);
    expect(await row(db, 'K4')).toMatchObject({ customer_type: 'guest', ab: '05-05 11:00' });
    expect(await row(db, 'K2')).toMatchObject({ sent: '05-05 05:00' });
    await expectLiveEqualsKept(db);
    // without its email row K1 falls back to its cart row's email (no open, no click)
    await db.exec(`DELETE FROM cart_recovery_emails WHERE cart_id = 'K1'`);
    expect(await row(db, 'K1')).toMatchObject({ sent: '05-04 13:30', op: null, cl: null, recovered: true });
    await expectLiveEqualsKept(db);
    await db.exec(`INSERT INTO cart_recovery_emails (${EMAIL_COLS}) VALUES ${E1_OPENED}; DELETE FROM carts WHERE cart_id = 'K4'`);
    await expectLiveEqualsKept(db);
    // Two carts rows under one cart_id share its emails: always read live (horizon infinity).
    await db.exec(`INSERT INTO carts (${CART_COLS}) VALUES
      ('K6', '2026-05-06T12:00:00Z', 'C2', '2026-05-06T12:10:00Z', 700, NULL, NULL, NULL, false, 't', 'K6a'),
      ('K6', '2026-05-07T12:00:00Z', 'C2', '2026-05-07T12:10:00Z', 900, 'O2', NULL, NULL, true, 't', 'K6b');
      INSERT INTO cart_recovery_emails (${EMAIL_COLS}) VALUES ('K6', 1, '2026-05-06T13:30:00Z', 'RA', NULL, NULL, 't', 'K6-1')`);
    const h = await db.query<Row>(`SELECT horizon::text AS h FROM cart_journey_facts WHERE cart_id = 'K6'`);
    expect(h.rows).toEqual([{ h: 'infinity' }, { h: 'infinity' }]);
    await expectLiveEqualsKept(db);
    await db.exec(`DELETE FROM carts WHERE cart_id = 'K6'`);
    expect((await db.query<Row>(`SELECT count(*)::int AS n FROM cart_journey_facts`)).rows).toEqual([{ n: 4 }]);
  });

  it('the journey and recovery by segment, counted by hand', async () => {
    const j = await db.query<Row>(`SELECT stage, carts::int AS n, share_of_created::text AS s, value::text AS v, median_hours_from_previous::text AS m
      FROM kpi.cart_journey('2026-05-04T00:00:00Z', '2026-05-10T00:00:00Z')`);
    expect(j.rows.map((r) => `${String(r.stage)} ${String(r.n)} ${String(r.s)} ${String(r.v)} ${String(r.m)}`)).toEqual([
      'cart_created 4 1.0000 112.00 null', // K1 50 + K2 12 + K3 30 + K5 20
      'abandoned 4 1.0000 112.00 1.21', // K1 80 min, K2 70, K3 70, K5 75: (70 + 75) / 2 = 72.5 min
      'email_1_sent 3 0.7500 92.00 0.33', // K1 10 min, K2 7 h 50 min (05:00 after 21:10), K3 20 min
      'email_2_sent 0 0.0000 0.00 null',
      'email_3_sent 0 0.0000 0.00 null',
      'opened 1 0.2500 50.00 0.50', // K1 30 min after its email
      'clicked 1 0.2500 50.00 0.17', // 10 min after the open
      'recovered 2 0.5000 75.00 1.67', // K1 45.00 50 min after the click, K3 30.00 2 h 30 min after its email
    ]);
    const s = await db.query<Row>(`SELECT dimension, segment, carts_emailed::int AS e, carts_recovered::int AS r, recovered_revenue::text AS rev
      FROM kpi.recovery_by_segment('2026-05-04T00:00:00Z', '2026-05-10T00:00:00Z') WHERE dimension <> 'rfm_segment'`);
    expect(s.rows.map((r) => `${String(r.dimension)} ${String(r.segment)} ${String(r.e)}/${String(r.r)} ${String(r.rev)}`)).toEqual([
      'customer_type new 2/1 45.00', // K1 (recovered), K2
      'customer_type returning 1/1 30.00', // K3
      'email_step email_1 3/2 75.00',
    ]);
    // the email-step rows alone, as the dashboard's email-step panel reads them
    const e = await db.query<Row>(`SELECT segment, carts_emailed::int AS e, carts_recovered::int AS r, recovered_revenue::text AS rev, recovery_rate::text AS rate
      FROM kpi.recovery_by_email_step('2026-05-04T00:00:00Z', '2026-05-10T00:00:00Z')`);
    expect(e.rows.map((r) => `${String(r.segment)} ${String(r.e)}/${String(r.r)} ${String(r.rev)} ${String(r.rate)}`)).toEqual(['email_1 3/2 75.00 0.6667']);
    const range = `'2026-05-04T00:00:00Z', '2026-05-10T00:00:00Z'`;
    const ab = await db.query<Row>(`SELECT sku, carts::int AS c, units::int AS u, value::text AS v, carts_recovered::int AS r FROM kpi.abandoned_products(${range})`);
    expect(ab.rows.map((r) => `${String(r.sku)} ${String(r.c)} ${String(r.u)} ${String(r.v)} ${String(r.r)}`)).toEqual([
      'S1 3 5 62.00 1', // K1 2 × 15.00, K2 12.00, K5 2 × 10.00; K1 recovered
      'S2 2 2 50.00 2', // K1 20.00, K3 30.00, both recovered
    ]);
    const rp = await db.query<Row>(`SELECT sku, carts::int AS c, units::int AS u, revenue::text AS v FROM kpi.recovered_products(${range})`);
    expect(rp.rows.map((r) => `${String(r.sku)} ${String(r.c)} ${String(r.u)} ${String(r.v)}`)).toEqual([
      'S2 2 2 48.00', // O1 20.00 - 2.00, O2 30.00
      'S1 1 2 27.00', // O1 30.00 - 3.00
    ]);
  });

  it('an identical re-load writes no kept row', async () => {
    const before = await facts(db);
    await db.exec(`
      ${campaigns(3)};
      INSERT INTO orders (${ORDER_COLS}) VALUES ${O1}, ${O2} ${ORDER_UPSERT};
      INSERT INTO carts (${CART_COLS}) VALUES ${K1}, ${K3}, ${K5},
        ('K2', '2026-05-04T20:00:00Z', 'C2', '2026-05-04T20:10:00Z', 1200, NULL, '2026-05-05T05:00:00Z', 'RA', false, 't', 'K2') ${CART_UPSERT};
      INSERT INTO cart_recovery_emails (${EMAIL_COLS}) VALUES ${E1_OPENED}, ${E3} ${EMAIL_UPSERT};`);
    expect(await facts(db)).toEqual(before);
  });

  // On a new database there are no statistics (and the embedded one never gathers any): a cart's
  // latest email without email rows must be probed by cart_id (the primary key), not found by
  // walking the sent_at index from its end past every other emailed cart, per cart written (0170).
  it('the journey recompute planned on an empty database probes emails by cart_id', () => {
    expect(emptyDbPlan).toContain('recovery_emailed_carts_pkey');
    expect(emptyDbPlan).not.toContain('recovery_emailed_carts_sent_idx');
  });

  // The same plan finds the given carts by primary key, not by walking the creation index over
  // the whole range (all time for the triggers) per cart written, and a cart's email rows by
  // cart_id, not by walking their sent_at index (0171).
  it('the journey recompute planned on an empty database probes carts and email rows by key', () => {
    expect(emptyDbPlan).toContain('cart_journey_facts_pkey on cart_journey_facts c');
    expect(emptyDbPlan).not.toContain('cart_journey_facts_created_idx');
    expect(emptyDbPlan).toContain('recovery_email_rows_pkey');
    expect(emptyDbPlan).not.toContain('recovery_email_rows_sent_idx');
  });

  // The email trigger's "has this cart email rows" test planned on the empty database: a probe
  // by cart_id, not a hash of every email row built per email written (0171).
  it('the email trigger planned on an empty database probes the email rows of the cart', () => {
    expect(emptyDbEmailPlan).toContain('recovery_email_rows_pkey');
    expect(emptyDbEmailPlan).not.toContain('hashed');
  });

  // Carts from their cart_ids, each once, whatever the array holds: K1 (one carts row) given
  // twice and a NULL is one journey row, K1 and K3 two; K3 created outside the range none.
  it('the journey of given carts takes each cart once', async () => {
    const n = async (from: string, ids: string) =>
      (await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM public.cart_journey_rows($1, 'infinity', $2::text[])`, [from, ids])).rows[0]?.n;
    expect(await n('-infinity', '{K1,K1,NULL}')).toBe(1);
    expect(await n('-infinity', '{K3,K1,K3}')).toBe(2);
    expect(await n('2026-05-05T00:00:00Z', '{K1,K3}')).toBe(1);
  });
});
