// Cart recovery facts (0110) are kept by row triggers on carts, orders and cart_recovery_emails:
// the recovery views read them instead of joining every cart to every order. Hand-made carts,
// orders and emails; each step's expected figures are counted by hand in the comments, and each
// is also checked against the definition computed from the raw tables.
import { migrate } from '../../src/db/migrate';
import { createTestDb, type TestDb } from '../helpers/testDb';

type Row = Record<string, unknown>;

const TZ = 'America/New_York';
const CART_COLS = 'cart_id, created_at, last_activity_at, subtotal_cents, order_id, recovery_email_sent_at, recovery_campaign_id, recovered_by_email, source, source_id';
const CART_UPSERT = `ON CONFLICT (cart_id, created_at) DO UPDATE SET order_id = EXCLUDED.order_id, recovery_email_sent_at = EXCLUDED.recovery_email_sent_at,
  recovery_campaign_id = EXCLUDED.recovery_campaign_id, recovered_by_email = EXCLUDED.recovered_by_email`;
const ORDER_COLS = 'order_id, placed_at, customer_id, status, subtotal_cents, discount_cents, total_cents, traffic_source, source, source_id';
const ORDER_UPSERT = `ON CONFLICT (order_id, placed_at) DO UPDATE SET status = EXCLUDED.status, subtotal_cents = EXCLUDED.subtotal_cents,
  discount_cents = EXCLUDED.discount_cents, customer_id = EXCLUDED.customer_id`;
const EMAIL_COLS = 'cart_id, step, sent_at, campaign_id, opened_at, clicked_at, source, source_id';
const EMAIL_UPSERT = `ON CONFLICT (cart_id, step, sent_at) DO UPDATE SET opened_at = EXCLUDED.opened_at, clicked_at = EXCLUDED.clicked_at`;

// The definitions as they read the raw tables before the facts were kept.
const RAW_DAILY = `
  WITH r AS (
    SELECT kpi.local_day(c.recovery_email_sent_at) AS sent_day, (c.recovered_by_email AND c.order_id IS NOT NULL) AS recovered,
           CASE WHEN c.recovered_by_email AND o.order_id IS NOT NULL THEN o.subtotal_cents - o.discount_cents ELSE 0 END AS cents
    FROM carts c LEFT JOIN orders o ON o.order_id = c.order_id AND o.status <> 'cancelled' AND NOT o.is_test
    WHERE c.recovery_email_sent_at IS NOT NULL)
  SELECT sent_day::text AS day, count(*)::int AS e, (count(*) FILTER (WHERE recovered))::int AS r, kpi.money(sum(cents))::text AS rev
  FROM r GROUP BY sent_day ORDER BY sent_day`;
const RAW_EVENTS = `
  SELECT e.cart_id, e.step, e.campaign_id, e.sent_at FROM cart_recovery_emails e
  UNION ALL
  SELECT c.cart_id, coalesce(k.recovery_step, 1)::smallint, c.recovery_campaign_id, c.recovery_email_sent_at
  FROM carts c LEFT JOIN campaigns k ON k.campaign_id = c.recovery_campaign_id
  WHERE c.recovery_email_sent_at IS NOT NULL AND NOT EXISTS (SELECT 1 FROM cart_recovery_emails e WHERE e.cart_id = c.cart_id)
  ORDER BY 1, 4, 2`;

async function daily(db: TestDb): Promise<string[]> {
  const r = await db.query<Row>(`SELECT day::text AS day, carts_emailed::int AS e, carts_recovered::int AS r, recovered_revenue::text AS rev
    FROM kpi.cart_recovery_daily ORDER BY day`);
  const raw = await db.query<Row>(RAW_DAILY);
  expect(r.rows).toEqual(raw.rows);
  return r.rows.map((x) => `${String(x.day)} ${String(x.e)}/${String(x.r)} ${String(x.rev)}`);
}

async function campaigns(db: TestDb): Promise<string[]> {
  const r = await db.query<Row>(`SELECT campaign_id, carts_emailed::int AS e, carts_recovered::int AS r, recovered_revenue::text AS rev, recovery_roi::text AS roi
    FROM kpi.cart_recovery ORDER BY campaign_id`);
  return r.rows.map((x) => `${String(x.campaign_id)} ${String(x.e)}/${String(x.r)} ${String(x.rev)} ${String(x.roi)}`);
}

async function events(db: TestDb): Promise<string[]> {
  const r = await db.query<Row>(`SELECT cart_id, step, campaign_id, sent_at FROM kpi.cart_recovery_email_events ORDER BY 1, 4, 2`);
  const raw = await db.query<Row>(RAW_EVENTS);
  expect(r.rows).toEqual(raw.rows);
  return r.rows.map((x) => `${String(x.cart_id)}:${String(x.step)}:${String(x.campaign_id)}`);
}

describe('cart recovery facts, trigger-kept', () => {
  let db: TestDb;
  beforeAll(async () => {
    db = await createTestDb({ timeZone: TZ });
    await db.exec(`
      INSERT INTO campaigns (campaign_id, name, channel, kind, recovery_step, cost_cents, source, source_id) VALUES
        ('RA', 'Reminder 1', 'email', 'cart_recovery', 1, 1000, 't', 'RA'),
        ('RB', 'Reminder 2', 'email', 'cart_recovery', 2, 2000, 't', 'RB');
      INSERT INTO orders (${ORDER_COLS}) VALUES
        ('O1', '2026-05-04T15:00:00Z', 'C1', 'completed', 5000, 500, 4500, 'email', 't', 'O1');
      INSERT INTO carts (${CART_COLS}) VALUES
        ('K1', '2026-05-04T12:00:00Z', '2026-05-04T12:20:00Z', 5000, 'O1', '2026-05-04T13:30:00Z', 'RA', true, 't', 'K1'),
        ('K2', '2026-05-04T20:00:00Z', '2026-05-04T20:10:00Z', 1200, NULL, '2026-05-05T03:30:00Z', 'RA', false, 't', 'K2'),
        ('K3', '2026-05-05T14:00:00Z', '2026-05-05T14:10:00Z', 3000, 'O2', '2026-05-05T15:30:00Z', 'RB', true, 't', 'K3');`);
  });
  afterAll(async () => {
    await db?.close();
  });

  it('counts by the local day of the email, and prices a recovered cart when its order arrives later', async () => {
    // K2's email 03:30Z on 05-05 is 23:30 EDT on 05-04. K1 recovered by O1: 50.00 - 5.00 = 45.00.
    // K3 is recovered (marked, names O2) but O2 is not loaded yet: 0.00.
    expect(await daily(db)).toEqual(['2026-05-04 2/1 45.00', '2026-05-05 1/1 0.00']);
    expect(await campaigns(db)).toEqual(['RA 2/1 45.00 4.5000', 'RB 1/1 0.00 0.0000']);
    await db.exec(`INSERT INTO orders (${ORDER_COLS}) VALUES ('O2', '2026-05-05T16:00:00Z', 'C2', 'completed', 3000, 0, 3000, 'email', 't', 'O2')`);
    // RB: 30.00 / 20.00 = 1.5.
    expect(await daily(db)).toEqual(['2026-05-04 2/1 45.00', '2026-05-05 1/1 30.00']);
    expect(await campaigns(db)).toEqual(['RA 2/1 45.00 4.5000', 'RB 1/1 30.00 1.5000']);
  });

  it('follows an order that is cancelled and restored, and an identical re-load changes nothing', async () => {
    await db.exec(`UPDATE orders SET status = 'cancelled' WHERE order_id = 'O1'`);
    // K1 stays recovered (it names an order) but its order is no longer valid: 0.00.
    expect(await daily(db)).toEqual(['2026-05-04 2/1 0.00', '2026-05-05 1/1 30.00']);
    await db.exec(`INSERT INTO orders (${ORDER_COLS}) VALUES ('O1', '2026-05-04T15:00:00Z', 'C1', 'completed', 5000, 500, 4500, 'email', 't', 'O1') ${ORDER_UPSERT}`);
    expect(await daily(db)).toEqual(['2026-05-04 2/1 45.00', '2026-05-05 1/1 30.00']);
    const before = await db.query<Row>(`SELECT * FROM recovery_emailed_daily ORDER BY sent_day, campaign_id`);
    await db.exec(`
      INSERT INTO orders (${ORDER_COLS}) VALUES
        ('O1', '2026-05-04T15:00:00Z', 'C1', 'completed', 5000, 500, 4500, 'email', 't', 'O1'),
        ('O2', '2026-05-05T16:00:00Z', 'C2', 'completed', 3000, 0, 3000, 'email', 't', 'O2') ${ORDER_UPSERT};
      INSERT INTO carts (${CART_COLS}) VALUES
        ('K1', '2026-05-04T12:00:00Z', '2026-05-04T12:20:00Z', 5000, 'O1', '2026-05-04T13:30:00Z', 'RA', true, 't', 'K1'),
        ('K2', '2026-05-04T20:00:00Z', '2026-05-04T20:10:00Z', 1200, NULL, '2026-05-05T03:30:00Z', 'RA', false, 't', 'K2'),
        ('K3', '2026-05-05T14:00:00Z', '2026-05-05T14:10:00Z', 3000, 'O2', '2026-05-05T15:30:00Z', 'RB', true, 't', 'K3') ${CART_UPSERT};`);
    expect((await db.query<Row>(`SELECT * FROM recovery_emailed_daily ORDER BY sent_day, campaign_id`)).rows).toEqual(before.rows);
    expect(await campaigns(db)).toEqual(['RA 2/1 45.00 4.5000', 'RB 1/1 30.00 1.5000']);
  });

  it('moves a cart whose email is reported again on another day, and drops a deleted one', async () => {
    await db.exec(`INSERT INTO carts (${CART_COLS}) VALUES
        ('K2', '2026-05-04T20:00:00Z', '2026-05-04T20:10:00Z', 1200, NULL, '2026-05-06T12:00:00Z', 'RB', false, 't', 'K2') ${CART_UPSERT}`);
    expect(await daily(db)).toEqual(['2026-05-04 1/1 45.00', '2026-05-05 1/1 30.00', '2026-05-06 1/0 0.00']);
    expect(await campaigns(db)).toEqual(['RA 1/1 45.00 4.5000', 'RB 2/1 30.00 1.5000']);
    await db.exec(`DELETE FROM carts WHERE cart_id = 'K2'`);
    expect(await daily(db)).toEqual(['2026-05-04 1/1 45.00', '2026-05-05 1/1 30.00']);
    const keys = await db.query<Row>(`SELECT count(*)::int AS n FROM recovery_emailed_daily`);
    expect(keys.rows[0]!.n).toBe(2); // 05-04 RA, 05-05 RB: the emptied keys are gone
  });

  it('a cart stands for its emails until its own email rows arrive, before or after it', async () => {
    // K1 and K3 have no email rows yet: each cart row is one email of its campaign's step.
    expect(await events(db)).toEqual(['K1:1:RA', 'K3:2:RB']);
    // K4's email rows arrive before the cart; K1's after it.
    await db.exec(`
      INSERT INTO cart_recovery_emails (${EMAIL_COLS}) VALUES
        ('K4', 1, '2026-05-07T13:00:00Z', 'RA', NULL, NULL, 't', 'K4-1'),
        ('K4', 2, '2026-05-08T13:00:00Z', 'RB', NULL, NULL, 't', 'K4-2');
      INSERT INTO carts (${CART_COLS}) VALUES
        ('K4', '2026-05-07T11:00:00Z', '2026-05-07T11:30:00Z', 800, NULL, '2026-05-08T13:00:00Z', 'RB', false, 't', 'K4');
      INSERT INTO cart_recovery_emails (${EMAIL_COLS}) VALUES
        ('K1', 1, '2026-05-04T13:30:00Z', 'RA', '2026-05-04T14:00:00Z', NULL, 't', 'K1-1');`);
    expect(await events(db)).toEqual(['K1:1:RA', 'K3:2:RB', 'K4:1:RA', 'K4:2:RB']);
    // Re-loading an email with its open changes only the open; removing K1's row brings back the cart's own.
    await db.exec(`INSERT INTO cart_recovery_emails (${EMAIL_COLS}) VALUES
        ('K1', 1, '2026-05-04T13:30:00Z', 'RA', '2026-05-04T14:00:00Z', '2026-05-04T14:05:00Z', 't', 'K1-1') ${EMAIL_UPSERT}`);
    const opened = await db.query<Row>(`SELECT clicked_at FROM kpi.cart_recovery_email_events WHERE cart_id = 'K1'`);
    expect(opened.rows).toEqual([{ clicked_at: new Date('2026-05-04T14:05:00Z') }]);
    await db.exec(`DELETE FROM cart_recovery_emails WHERE cart_id = 'K1'`);
    expect(await events(db)).toEqual(['K1:1:RA', 'K3:2:RB', 'K4:1:RA', 'K4:2:RB']);
    const own = await db.query<Row>(`SELECT opened_at FROM kpi.cart_recovery_email_events WHERE cart_id = 'K1'`);
    expect(own.rows).toEqual([{ opened_at: null }]);
    // ROI spans: RA's emails run 05-04 (K1) .. 05-07 (K4 step 1) local days = 4 days; RB's 05-05 .. 05-08 = 4.
    // Recovered in the range: K1 by RA (O1, 45.00), K3 by RB (O2, 30.00), as the journey counts them.
    const range = `'2026-05-01T04:00:00Z', '2026-05-10T04:00:00Z'`;
    const roi = await db.query<Row>(`SELECT campaign_id, campaign_days, carts_recovered::int AS n, recovered_revenue::text AS rev
      FROM kpi.recovery_roi_range(${range}) ORDER BY campaign_id`);
    expect(roi.rows).toEqual([{ campaign_id: 'RA', campaign_days: 4, n: 1, rev: '45.00' }, { campaign_id: 'RB', campaign_days: 4, n: 1, rev: '30.00' }]);
    const journey = await db.query<Row>(`SELECT recovered_campaign_id AS campaign_id, count(*)::int AS n, kpi.money(sum(recovered_cents))::text AS rev
      FROM kpi.cart_journey_carts(timestamptz '2026-05-01T04:00:00Z' - INTERVAL '30 days', '2026-05-10T04:00:00Z')
      WHERE recovered AND recovered_at >= '2026-05-01T04:00:00Z' AND recovered_at < '2026-05-10T04:00:00Z' GROUP BY 1 ORDER BY 1`);
    expect(journey.rows).toEqual(roi.rows.map((x) => ({ campaign_id: x.campaign_id, n: x.n, rev: x.rev })));
  });

  it('referral conversion follows the referred customer\'s first valid order as orders arrive, change and re-load', async () => {
    const conv = async () => {
      const r = await db.query<Row>(`SELECT referrals_sent::int AS s, referrals_converted::int AS c FROM kpi.referrals_daily WHERE day = '2026-05-04'`);
      return r.rows[0];
    };
    await db.exec(`INSERT INTO referrals (referral_id, sent_at, referrer_customer_id, referred_customer_id, source, source_id) VALUES
        ('F1', '2026-05-04T12:00:00Z', 'C1', 'C9', 't', 'F1'), ('F2', '2026-05-04T13:00:00Z', 'C1', NULL, 't', 'F2')`);
    expect(await conv()).toEqual({ s: 2, c: 0 }); // C9 has no order yet; F2 names nobody
    await db.exec(`INSERT INTO orders (${ORDER_COLS}) VALUES ('O9', '2026-05-05T10:00:00Z', 'C9', 'completed', 1000, 0, 1000, 'direct', 't', 'O9')`);
    expect(await conv()).toEqual({ s: 2, c: 1 }); // first valid order 05-05, after the referral
    // An older order of C9 arrives late: the first valid order is now before the referral.
    await db.exec(`INSERT INTO orders (${ORDER_COLS}) VALUES ('O8', '2026-05-03T10:00:00Z', 'C9', 'completed', 1000, 0, 1000, 'direct', 't', 'O8')`);
    expect(await conv()).toEqual({ s: 2, c: 0 });
    await db.exec(`INSERT INTO orders (${ORDER_COLS}) VALUES ('O8', '2026-05-03T10:00:00Z', 'C9', 'cancelled', 1000, 0, 1000, 'direct', 't', 'O8') ${ORDER_UPSERT}`);
    expect(await conv()).toEqual({ s: 2, c: 1 }); // O8 cancelled: O9 is the first valid order again
    await db.exec(`INSERT INTO orders (${ORDER_COLS}) VALUES ('O8', '2026-05-03T10:00:00Z', 'C9', 'cancelled', 1000, 0, 1000, 'direct', 't', 'O8') ${ORDER_UPSERT}`);
    expect(await conv()).toEqual({ s: 2, c: 1 });
    const keys = await db.query<Row>(`SELECT order_id, valid FROM order_keys WHERE customer_id = 'C9' ORDER BY order_id`);
    expect(keys.rows).toEqual([{ order_id: 'O8', valid: false }, { order_id: 'O9', valid: true }]);
  });

  it('a restart (migrations again) keeps the rows and adds none', async () => {
    await migrate(db, { timeZone: TZ });
    expect(await daily(db)).toEqual(['2026-05-04 1/1 45.00', '2026-05-05 1/1 30.00', '2026-05-08 1/0 0.00']);
  });
});
