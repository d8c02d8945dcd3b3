/**
 * The hand-written data set behind the KPI tests. Store zone America/New_York: EST = UTC−5 until
 * Sun 2026-03-08 02:00 local, EDT = UTC−4 after, so 2026-03-08 is a 23-hour local day.
 * Every expected value in the tests is computed by hand from the rows below; the comments next
 * to each row give its local time so the day buckets can be checked by eye.
 *
 * Orders (valid = not cancelled, not test):
 *   A1 Thu 03-05 10:00 EST (15:00Z) C1 email    P1×2 + P3×1 = 7000, discount 700 (lines 200/500), ship 500, tax 560
 *   A2 Thu 03-05 23:59 EST (03-06 04:59Z, next UTC day) C2 direct P2×1 = 2500, tax 200
 *   A3 Thu 03-05 12:00 EST cancelled C3 P4×1 = 10000            → excluded
 *   A4 Thu 03-05 13:00 EST test order P1×1 = 1000               → excluded
 *   A5 Fri 03-06 09:00 EST (14:00Z) C1 social P4×1 = 10000, discount 1000; refunded 3000 on Sat 03-07
 *   A6 Sun 03-08 23:30 EDT (03-09 03:30Z) C4 paid  P2×2 = 5000   (UTC date is the next day)
 *   A7 Mon 03-09 00:30 EDT (04:30Z) C2 organic P1×1 = 1000, line unit cost 450 (cost rose after P1's 400)
 *   (Tue 03-10: nothing at all — the empty day)
 *   A8 Wed 03-11 10:00 EDT (14:00Z) guest referral P3×1 = 5000, discount 500
 */
import type { Queryable } from '../../src/db/db';
import { refreshAggregates } from '../../src/kpi/aggregates';
import { syncCatalog } from '../../src/kpi/catalog';
import { createTestDb, type TestDb } from '../helpers/testDb';

export const TZ = 'America/New_York';

export async function loadFixture(db: Queryable): Promise<void> {
  await db.exec(`
INSERT INTO products (sku, name, tier, price_cents, unit_cost_cents, active, source, source_id) VALUES
  ('P1', 'Brick Bar',     'Brick',     1000,  400, true,  't', 'P1'),
  ('P2', 'Value Pack',    'Value',     2500, 1000, true,  't', 'P2'),
  ('P3', 'Premium Box',   'Premium',   5000, 2000, true,  't', 'P3'),
  ('P4', 'Top Shelf Set', 'Top Shelf', 10000, 5000, true, 't', 'P4'),
  ('P5', 'Dusty',         'Value',     2000,  800, true,  't', 'P5'),
  ('P6', 'Retired',       'Brick',      500,  100, false, 't', 'P6');

INSERT INTO customers (customer_id, name, email, country, created_at, source, source_id) VALUES
  ('C1', 'Ada One',   'c1@example.com', 'US', '2026-03-01T00:00:00Z', 't', 'C1'),
  ('C2', 'Ben Two',   'c2@example.com', 'US', '2026-03-01T00:00:00Z', 't', 'C2'),
  ('C3', 'Cy Three',  'c3@example.com', 'CA', '2026-03-01T00:00:00Z', 't', 'C3'),
  ('C4', 'Di Four',   'c4@example.com', 'US', '2026-03-01T00:00:00Z', 't', 'C4');

INSERT INTO orders (order_id, placed_at, customer_id, status, is_test, subtotal_cents, discount_cents, shipping_cents, tax_cents,
                    total_cents, traffic_source, requires_verification, items_summary, source, source_id) VALUES
  ('A1', '2026-03-05T15:00:00Z', 'C1', 'completed', false,  7000,  700, 500, 560, 7360, 'email',    true,  '2× Brick Bar, 1× Premium Box', 't', 'A1'),
  ('A2', '2026-03-06T04:59:00Z', 'C2', 'completed', false,  2500,    0,   0, 200, 2700, 'direct',   false, '1× Value Pack', 't', 'A2'),
  ('A3', '2026-03-05T17:00:00Z', 'C3', 'cancelled', false, 10000,    0,   0,   0, 10000, 'direct',  false, '1× Top Shelf Set', 't', 'A3'),
  ('A4', '2026-03-05T18:00:00Z', NULL, 'completed', true,   1000,    0,   0,   0, 1000, 'direct',   false, '1× Brick Bar', 't', 'A4'),
  ('A5', '2026-03-06T14:00:00Z', 'C1', 'refunded',  false, 10000, 1000,   0,   0, 9000, 'social',   true,  '1× Top Shelf Set', 't', 'A5'),
  ('A6', '2026-03-09T03:30:00Z', 'C4', 'completed', false,  5000,    0,   0,   0, 5000, 'paid',     true,  '2× Value Pack', 't', 'A6'),
  ('A7', '2026-03-09T04:30:00Z', 'C2', 'completed', false,  1000,    0,   0,   0, 1000, 'organic',  false, '1× Brick Bar', 't', 'A7'),
  ('A8', '2026-03-11T14:00:00Z', NULL, 'completed', false,  5000,  500,   0,   0, 4500, 'referral', false, '1× Premium Box', 't', 'A8');

INSERT INTO order_lines (order_id, line_no, placed_at, sku, quantity, unit_price_cents, line_subtotal_cents,
                         allocated_discount_cents, unit_cost_cents, order_valid, source, source_id) VALUES
  ('A1', 1, '2026-03-05T15:00:00Z', 'P1', 2, 1000,  2000,  200,  400, true,  't', 'A1-1'),
  ('A1', 2, '2026-03-05T15:00:00Z', 'P3', 1, 5000,  5000,  500, 2000, true,  't', 'A1-2'),
  ('A2', 1, '2026-03-06T04:59:00Z', 'P2', 1, 2500,  2500,    0, 1000, true,  't', 'A2-1'),
  ('A3', 1, '2026-03-05T17:00:00Z', 'P4', 1, 10000, 10000,   0, 5000, false, 't', 'A3-1'),
  ('A4', 1, '2026-03-05T18:00:00Z', 'P1', 1, 1000,  1000,    0,  400, false, 't', 'A4-1'),
  ('A5', 1, '2026-03-06T14:00:00Z', 'P4', 1, 10000, 10000, 1000, 5000, true,  't', 'A5-1'),
  ('A6', 1, '2026-03-09T03:30:00Z', 'P2', 2, 2500,  5000,    0, 1000, true,  't', 'A6-1'),
  ('A7', 1, '2026-03-09T04:30:00Z', 'P1', 1, 1000,  1000,    0,  450, true,  't', 'A7-1'),
  ('A8', 1, '2026-03-11T14:00:00Z', 'P3', 1, 5000,  5000,  500, 2000, true,  't', 'A8-1');

-- R1: Sat 03-07 11:00 EST on A5 (valid) → counts on 03-07. R2: on cancelled A3 → ignored.
INSERT INTO refunds (refund_id, refunded_at, order_id, amount_cents, reason, source, source_id) VALUES
  ('R1', '2026-03-07T16:00:00Z', 'A5', 3000, 'verification_failed', 't', 'R1'),
  ('R2', '2026-03-06T17:00:00Z', 'A3', 10000, 'other', 't', 'R2');

-- Sessions. Thu 03-05: S1..S5 (S5 at 23:30 EST = 03-06 04:30Z). Fri 03-06: S6..S8.
INSERT INTO sessions (session_id, started_at, visitor_id, customer_id, channel, device, country, added_to_cart, began_checkout,
                      completed_checkout, order_id, source, source_id) VALUES
  ('S1', '2026-03-05T15:00:00Z', 'v1', 'C1', 'email',   'desktop', 'US', true,  true,  true,  'A1', 't', 'S1'),
  ('S2', '2026-03-05T16:00:00Z', 'v2', NULL, 'direct',  'mobile',  'US', true,  true,  false, NULL, 't', 'S2'),
  ('S3', '2026-03-05T17:00:00Z', 'v2', NULL, 'direct',  'mobile',  'US', true,  false, false, NULL, 't', 'S3'),
  ('S4', '2026-03-05T18:00:00Z', 'v3', NULL, 'organic', 'mobile',  'CA', false, false, false, NULL, 't', 'S4'),
  ('S5', '2026-03-06T04:30:00Z', 'v4', NULL, 'organic', 'desktop', 'US', false, false, false, NULL, 't', 'S5'),
  ('S6', '2026-03-06T14:00:00Z', 'v2', 'C1', 'direct',  'desktop', 'US', true,  true,  true,  'A5', 't', 'S6'),
  ('S7', '2026-03-06T15:00:00Z', 'v5', NULL, 'social',  'mobile',  'US', false, false, false, NULL, 't', 'S7'),
  ('S8', '2026-03-06T16:00:00Z', 'v6', NULL, 'paid',    'desktop', 'US', true,  true,  false, NULL, 't', 'S8');

-- Day-level traffic: 03-05 has session rows, so its GA4 row is ignored; 03-07 has none, so GA4 is used.
INSERT INTO traffic_daily (day, channel, device, sessions, users, add_to_cart_sessions, checkout_sessions, purchase_sessions, source, source_id) VALUES
  ('2026-03-05', 'direct', 'desktop', 999, 999, 99, 9, 9, 'ga4', 'g1'),
  ('2026-03-07', 'direct', 'desktop', 100,  80, 10, 5, 2, 'ga4', 'g2'),
  ('2026-03-07', 'direct', 'mobile',   50,  40,  5, 2, 1, 'ga4', 'g3');

INSERT INTO campaigns (campaign_id, name, channel, kind, recovery_step, variant, cost_cents, source, source_id) VALUES
  ('EM1', 'Spring mail',        'email',  'marketing',     NULL, NULL,    0, 't', 'EM1'),
  ('AD1', 'Search',             'paid',   'marketing',     NULL, NULL,    0, 't', 'AD1'),
  ('AD2', 'Social ads',         'social', 'marketing',     NULL, NULL,    0, 't', 'AD2'),
  ('RC1', 'Cart reminder 1h',   'email',  'cart_recovery', 1,    'A',  1000, 't', 'RC1'),
  ('RC2', 'Cart reminder 24h',  'email',  'cart_recovery', 2,    'B',  2000, 't', 'RC2');

-- Carts: K1 converted (A1); K2, K3 abandoned and emailed by RC1, not recovered; K4 abandoned at
-- 05:05 EST, emailed by RC2, recovered into A5; K5 still open (active 5 minutes ago).
INSERT INTO carts (cart_id, created_at, session_id, customer_id, last_activity_at, stage, subtotal_cents, country, order_id,
                   converted_at, recovery_email_sent_at, recovery_campaign_id, recovered_by_email, source, source_id) VALUES
  ('K1', '2026-03-05T15:00:00Z', 'S1', 'C1', '2026-03-05T15:00:00Z', 'checkout', 7000, 'US', 'A1', '2026-03-05T15:00:00Z', NULL, NULL, false, 't', 'K1'),
  ('K2', '2026-03-05T16:00:00Z', 'S2', NULL, '2026-03-05T16:20:00Z', 'checkout', 2500, 'US', NULL, NULL, '2026-03-05T18:00:00Z', 'RC1', false, 't', 'K2'),
  ('K3', '2026-03-05T17:00:00Z', 'S3', NULL, '2026-03-05T17:10:00Z', 'cart',     1000, 'CA', NULL, NULL, '2026-03-05T19:00:00Z', 'RC1', false, 't', 'K3'),
  ('K4', '2026-03-06T10:00:00Z', NULL, 'C1', '2026-03-06T10:05:00Z', 'payment', 10000, 'US', 'A5', '2026-03-06T14:00:00Z', '2026-03-06T12:00:00Z', 'RC2', true, 't', 'K4'),
  ('K5', now() - INTERVAL '10 minutes', NULL, NULL, now() - INTERVAL '5 minutes', 'cart', 1000, NULL, NULL, NULL, NULL, NULL, false, 't', 'K5');

INSERT INTO email_stats (campaign_id, day, sent, delivered, unique_opens, machine_opens, unique_clicks, source, source_id) VALUES
  ('EM1', '2026-03-05', 1010, 1000, 300, 100, 40, 't', 'e1'),
  ('EM1', '2026-03-06',  505,  500, 100,  20, 10, 't', 'e2');

INSERT INTO social_stats (post_id, day, platform, campaign_id, impressions, reactions, comments, shares, saves, clicks, source, source_id) VALUES
  ('post1', '2026-03-05', 'instagram', NULL, 2000, 50, 10, 5, 5, 30, 't', 'p1'),
  ('post2', '2026-03-05', 'instagram', NULL, 1000, 20,  5, 5, 0, 10, 't', 'p2');

INSERT INTO ad_insights (campaign_id, day, impressions, clicks, spend_cents, purchases, purchase_value_cents, source, source_id) VALUES
  ('AD1', '2026-03-05', 10000, 100, 2000, 2, 6000, 't', 'a1'),
  ('AD1', '2026-03-06',  5000,  50, 1000, 1, 1000, 't', 'a2'),
  ('AD2', '2026-03-05',  8000,  40, 1000, 0,    0, 't', 'a3');

-- F1 → C2 and F2 → C4 convert (first valid order after sending); F3 → C3 has only a cancelled
-- order; F4 names nobody; F5 → C2 was sent after C2's first order.
INSERT INTO referrals (referral_id, sent_at, referrer_customer_id, referred_customer_id, source, source_id) VALUES
  ('F1', '2026-03-04T12:00:00Z', 'C1', 'C2', 't', 'F1'),
  ('F2', '2026-03-04T13:00:00Z', 'C1', 'C4', 't', 'F2'),
  ('F3', '2026-03-04T14:00:00Z', 'C1', 'C3', 't', 'F3'),
  ('F4', '2026-03-04T15:00:00Z', 'C1', NULL, 't', 'F4'),
  ('F5', '2026-03-07T12:00:00Z', 'C1', 'C2', 't', 'F5');

-- Verification: A1 verified after 6 h; A5 failed (and R1 refunded it for that); A6 never verified.
INSERT INTO verifications (verification_id, requested_at, order_id, status, verified_at, source, source_id) VALUES
  ('V1', '2026-03-05T15:00:00Z', 'A1', 'verified', '2026-03-05T21:00:00Z', 't', 'V1'),
  ('V2', '2026-03-06T14:00:00Z', 'A5', 'failed',   NULL,                   't', 'V2');

-- Shipping: A1 24 h after verification, A2 30 h after placing, A7 12 h after placing.
INSERT INTO shipments (shipment_id, shipped_at, order_id, carrier, source, source_id) VALUES
  ('H1', '2026-03-06T21:00:00Z', 'A1', 'ups', 't', 'H1'),
  ('H2', '2026-03-07T10:59:00Z', 'A2', 'ups', 't', 'H2'),
  ('H3', '2026-03-09T16:30:00Z', 'A7', 'ups', 't', 'H3');

INSERT INTO support_tickets (ticket_id, opened_at, customer_id, channel, first_reply_at, source, source_id) VALUES
  ('T1', '2026-03-05T14:00:00Z', 'C1', 'email', '2026-03-05T15:30:00Z', 't', 'T1'),
  ('T2', '2026-03-05T20:00:00Z', 'C2', 'chat',  '2026-03-06T00:30:00Z', 't', 'T2'),
  ('T3', '2026-03-06T13:00:00Z', 'C3', 'email', NULL,                   't', 'T3');

INSERT INTO locations (location_id, name, country, source, source_id) VALUES
  ('L1', 'Main', 'US', 't', 'L1'), ('L2', 'Annex', 'US', 't', 'L2');

-- Stock of P1 at L1: counted 10, then 8, 0 (incident), 5, 0 (incident, 00:30 EDT 03-09), -1 (not one:
-- it was already 0). P2 at L1: first change seen goes 1 → 0 (incident via available_after − delta).
INSERT INTO inventory_counts (sku, location_id, counted_at, available, source, source_id) VALUES
  ('P1', 'L1', '2026-03-01T00:00:00Z', 10, 't', 'ic0');
INSERT INTO inventory_changes (change_id, changed_at, sku, location_id, delta, available_after, reason, source, source_id) VALUES
  ('IC1', '2026-03-05T15:00:00Z', 'P1', 'L1', -2,  8, 'sale',       't', 'IC1'),
  ('IC2', '2026-03-06T12:00:00Z', 'P1', 'L1', -8,  0, 'sale',       't', 'IC2'),
  ('IC3', '2026-03-07T12:00:00Z', 'P1', 'L1',  5,  5, 'restock',    't', 'IC3'),
  ('IC4', '2026-03-09T04:30:00Z', 'P1', 'L1', -5,  0, 'sale',       't', 'IC4'),
  ('IC5', '2026-03-09T05:00:00Z', 'P1', 'L1', -1, -1, 'adjustment', 't', 'IC5'),
  ('IC6', '2026-03-05T16:00:00Z', 'P2', 'L1', -1,  0, 'sale',       't', 'IC6'),
  ('IC7', '2026-03-06T16:00:00Z', 'P2', 'L2', -3,  2, 'sale',       't', 'IC7');
`);
}

/** Numeric columns come back as strings; this keeps the expectations readable. */
export function num(v: unknown): number | null {
  if (v === null || v === undefined) return null;
  return Number(v);
}

/** Local date of a `day` column (PGlite returns dates as UTC-midnight Date objects). */
export function isoDay(v: unknown): string {
  if (v instanceof Date) return v.toISOString().slice(0, 10);
  return String(v).slice(0, 10);
}

/**
 * The database most KPI tests start from: migrated, catalog synced, fixture loaded, aggregates
 * refreshed. `adjust` runs before the refresh, for a test's own extra rows.
 */
export async function createSeededKpiDb(adjust?: (db: TestDb) => Promise<void>): Promise<TestDb> {
  const db = await createTestDb({ timeZone: TZ });
  await syncCatalog(db);
  await loadFixture(db);
  await adjust?.(db);
  await refreshAggregates(db, null, null);
  return db;
}
