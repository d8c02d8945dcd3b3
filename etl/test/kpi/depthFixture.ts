/**
 * A second hand-written data set, for the cohort, segment, journey and timing KPIs: several months
 * of orders, carts with their recovery emails, sessions. Store zone America/New_York (EST = UTC−5
 * until 2026-03-08, EDT = UTC−4 after). The reference instant is AT = Wed 2026-04-15 12:00 EDT.
 * The tests work every expected value out by hand from the rows below.
 *
 * Customers and their valid orders (net = subtotal − discount − refunds issued before AT):
 *   D1 Dee   01-10 100.00, 02-12 50.00, 03-20 40.00, 04-02 30.00                       cohort 2026-01
 *   D2 Eli   01-31 23:30 EST (02-01 04:30Z: January locally) 60.00, 03-05 20.00 − 10.00 refund (03-10)
 *                                                                                       cohort 2026-01
 *   D3 Fay   02-03 80.00, refunded 80.00 on 04-20 (after AT: not subtracted at AT)     cohort 2026-02
 *   D4 Gus   02-20 25.00, 02-25 25.00                                                   cohort 2026-02
 *   D5 Hal   04-10 15.00; 04-20 30.00 (after AT)                                        cohort 2026-04
 *   D6 Ivy   2025-03-01 90.00 (more than 365 days before AT); 04-11 cancelled          cohort 2025-03
 *   guest order 03-01 (no customer): never in customer KPIs
 *
 * Carts, week of Mon 2026-05-04 (EDT; AT2 = Wed 05-06 12:00 EDT = 16:00Z). Times below are UTC.
 *   K1 D1   05-04 14:00, ordered B20 at 14:20 (never abandoned)                       40.00  P1×4
 *   K2 D7   05-04 15:00, last 15:30 → abandoned 16:30; E1 17:30 (opened 18:00), E2 05-05 16:30,
 *           E3 05-07 16:30 (after AT2); never recovered. Jo (D7) has no order: a new customer 50.00  P3
 *   K3 D5   05-04 16:00, last 16:00 → abandoned 17:00; E1 18:00, opened 18:30, clicked 18:40;
 *           recovered by B21 at 19:10 (35.00 − 3.50 discount = 31.50). Hal: returning       35.00  P1 + P2
 *   K4 —    05-05 12:00, last 12:10 → abandoned 13:10; E1 14:10 (not opened); E2 05-06 12:10,
 *           opened 12:30, clicked 12:50; recovered by B22 at 13:50 (25.00). A guest           25.00  P2
 *   K5 D3   05-06 15:40, last 15:50: still open at AT2, live (checkout)                   50.00  P3
 *   K6 —    05-05 20:00, last 20:30 → abandoned 21:30, no email                            10.00  P1
 *   K7 D4   05-06 15:35, last 15:40, ordered B23 at 15:40 (not live: it has its order)   10.00  P1
 *   K8 —    05-06 14:00, last 15:20: open (under 60 min idle) but not live (over 30 min)  20.00
 *   K9 —    05-06 15:10, last 15:45: live (payment)                                        15.00
 * Recovery campaigns: RC1 (step 1, cost 30.00, started 05-01 local), RC2 (step 2, cost 10.00, no
 * start: its first email), RC3 (step 3, cost 5.00).
 */
import type { Queryable } from '../../src/db/db';
import { refreshAggregates } from '../../src/kpi/aggregates';
import { syncCatalog } from '../../src/kpi/catalog';
import { createTestDb, type TestDb } from '../helpers/testDb';

export const AT = '2026-04-15T16:00:00Z';
export const AT2 = '2026-05-06T16:00:00Z';
/** Mon 2026-05-04 00:00 EDT. */
export const WEEK_START = '2026-05-04T04:00:00Z';

/** The rows, as one SQL script (the dashboards' tests load it too). */
export const DEPTH_SQL = `
INSERT INTO products (sku, name, tier, price_cents, unit_cost_cents, active, source, source_id) VALUES
  ('P1', 'Brick Bar',   'Brick',   1000,  400, true, 't', 'P1'),
  ('P2', 'Value Pack',  'Value',   2500, 1000, true, 't', 'P2'),
  ('P3', 'Premium Box', 'Premium', 5000, 2000, true, 't', 'P3');

INSERT INTO customers (customer_id, name, email, created_at, source, source_id) VALUES
  ('D1', 'Dee', 'd1@example.com', '2025-01-01T00:00:00Z', 't', 'D1'),
  ('D2', 'Eli', 'd2@example.com', '2025-01-01T00:00:00Z', 't', 'D2'),
  ('D3', 'Fay', 'd3@example.com', '2025-01-01T00:00:00Z', 't', 'D3'),
  ('D4', 'Gus', 'd4@example.com', '2025-01-01T00:00:00Z', 't', 'D4'),
  ('D5', 'Hal', 'd5@example.com', '2025-01-01T00:00:00Z', 't', 'D5'),
  ('D6', 'Ivy', 'd6@example.com', '2025-01-01T00:00:00Z', 't', 'D6'),
  ('D7', 'Jo',  'd7@example.com', '2025-01-01T00:00:00Z', 't', 'D7');

INSERT INTO campaigns (campaign_id, name, channel, kind, recovery_step, cost_cents, started_at, source, source_id) VALUES
  ('EM1', 'Newsletter',       'email', 'marketing',     NULL,    0, NULL,                   't', 'EM1'),
  ('EM2', 'Spring sale',      'email', 'marketing',     NULL,    0, NULL,                   't', 'EM2'),
  ('RC1', 'Cart reminder 1',  'email', 'cart_recovery', 1,    3000, '2026-05-01T04:00:00Z', 't', 'RC1'),
  ('RC2', 'Cart reminder 2',  'email', 'cart_recovery', 2,    1000, NULL,                   't', 'RC2'),
  ('RC3', 'Cart reminder 3',  'email', 'cart_recovery', 3,     500, NULL,                   't', 'RC3');

INSERT INTO orders (order_id, placed_at, customer_id, status, subtotal_cents, discount_cents, total_cents, traffic_source, campaign_id, source, source_id) VALUES
  ('B01', '2026-01-10T15:00:00Z', 'D1', 'completed', 10000,    0, 10000, 'direct', NULL,  't', 'B01'),
  ('B02', '2026-02-12T15:00:00Z', 'D1', 'completed',  5500,  500,  5000, 'email',  'EM1', 't', 'B02'),
  ('B03', '2026-03-20T15:00:00Z', 'D1', 'completed',  4000,    0,  4000, 'email',  'EM1', 't', 'B03'),
  ('B04', '2026-04-02T16:00:00Z', 'D1', 'completed',  3000,    0,  3000, 'email',  'RC1', 't', 'B04'),
  ('B05', '2026-02-01T04:30:00Z', 'D2', 'completed',  6000,    0,  6000, 'direct', NULL,  't', 'B05'),
  ('B06', '2026-03-05T16:00:00Z', 'D2', 'refunded',   2000,    0,  2000, 'email',  'EM2', 't', 'B06'),
  ('B07', '2026-02-03T16:00:00Z', 'D3', 'refunded',   8000,    0,  8000, 'email',  'EM1', 't', 'B07'),
  ('B08', '2026-02-20T16:00:00Z', 'D4', 'completed',  2500,    0,  2500, 'direct', NULL,  't', 'B08'),
  ('B09', '2026-02-25T16:00:00Z', 'D4', 'completed',  2500,    0,  2500, 'email',  'EM1', 't', 'B09'),
  ('B10', '2026-04-10T16:00:00Z', 'D5', 'completed',  1500,    0,  1500, 'direct', NULL,  't', 'B10'),
  ('B11', '2026-04-20T16:00:00Z', 'D5', 'completed',  3000,    0,  3000, 'direct', NULL,  't', 'B11'),
  ('B12', '2025-03-01T17:00:00Z', 'D6', 'completed',  9000,    0,  9000, 'direct', NULL,  't', 'B12'),
  ('B13', '2026-04-11T16:00:00Z', 'D6', 'cancelled',  7000,    0,  7000, 'email',  'EM1', 't', 'B13'),
  ('B14', '2026-03-01T17:00:00Z', NULL, 'completed',  1200,    0,  1200, 'email',  'EM1', 't', 'B14'),
  ('B20', '2026-05-04T14:20:00Z', 'D1', 'completed',  4000,    0,  4000, 'direct', NULL,  't', 'B20'),
  ('B21', '2026-05-04T19:10:00Z', 'D5', 'completed',  3500,  350,  3150, 'email',  'RC1', 't', 'B21'),
  ('B22', '2026-05-06T13:50:00Z', NULL, 'completed',  2500,    0,  2500, 'email',  'RC2', 't', 'B22'),
  ('B23', '2026-05-06T15:40:00Z', 'D4', 'completed',  1000,    0,  1000, 'direct', NULL,  't', 'B23'),
  ('B24', '2026-05-14T10:00:00Z', NULL, 'completed',  1000,    0,  1000, 'direct', NULL,  't', 'B24');

INSERT INTO order_lines (order_id, line_no, placed_at, sku, quantity, unit_price_cents, line_subtotal_cents, allocated_discount_cents,
                         unit_cost_cents, order_valid, source, source_id) VALUES
  ('B20', 1, '2026-05-04T14:20:00Z', 'P1', 4, 1000, 4000,   0,  400, true, 't', 'B20-1'),
  ('B21', 1, '2026-05-04T19:10:00Z', 'P1', 1, 1000, 1000, 100,  400, true, 't', 'B21-1'),
  ('B21', 2, '2026-05-04T19:10:00Z', 'P2', 1, 2500, 2500, 250, 1000, true, 't', 'B21-2'),
  ('B22', 1, '2026-05-06T13:50:00Z', 'P2', 1, 2500, 2500,   0, 1000, true, 't', 'B22-1'),
  ('B23', 1, '2026-05-06T15:40:00Z', 'P1', 1, 1000, 1000,   0,  400, true, 't', 'B23-1');

INSERT INTO carts (cart_id, created_at, customer_id, last_activity_at, stage, subtotal_cents, order_id, converted_at,
                   recovery_email_sent_at, recovery_campaign_id, recovered_by_email, source, source_id) VALUES
  ('K1', '2026-05-04T14:00:00Z', 'D1', '2026-05-04T14:20:00Z', 'payment',  4000, 'B20', '2026-05-04T14:20:00Z', NULL, NULL, false, 't', 'K1'),
  ('K2', '2026-05-04T15:00:00Z', 'D7', '2026-05-04T15:30:00Z', 'checkout', 5000, NULL,  NULL, '2026-05-04T17:30:00Z', 'RC1', false, 't', 'K2'),
  ('K3', '2026-05-04T16:00:00Z', 'D5', '2026-05-04T16:00:00Z', 'cart',     3500, 'B21', '2026-05-04T19:10:00Z', '2026-05-04T18:00:00Z', 'RC1', true, 't', 'K3'),
  ('K4', '2026-05-05T12:00:00Z', NULL, '2026-05-05T12:10:00Z', 'checkout', 2500, 'B22', '2026-05-06T13:50:00Z', '2026-05-05T14:10:00Z', 'RC1', true, 't', 'K4'),
  ('K5', '2026-05-06T15:40:00Z', 'D3', '2026-05-06T15:50:00Z', 'checkout', 5000, NULL,  NULL, NULL, NULL, false, 't', 'K5'),
  ('K6', '2026-05-05T20:00:00Z', NULL, '2026-05-05T20:30:00Z', 'cart',     1000, NULL,  NULL, NULL, NULL, false, 't', 'K6'),
  ('K7', '2026-05-06T15:35:00Z', 'D4', '2026-05-06T15:40:00Z', 'payment',  1000, 'B23', '2026-05-06T15:40:00Z', NULL, NULL, false, 't', 'K7'),
  ('K8', '2026-05-06T14:00:00Z', NULL, '2026-05-06T15:20:00Z', 'cart',     2000, NULL,  NULL, NULL, NULL, false, 't', 'K8'),
  ('K9', '2026-05-06T15:10:00Z', NULL, '2026-05-06T15:45:00Z', 'payment',  1500, NULL,  NULL, NULL, NULL, false, 't', 'K9');

INSERT INTO cart_lines (cart_id, line_no, created_at, sku, quantity, unit_price_cents, line_subtotal_cents, source, source_id) VALUES
  ('K1', 1, '2026-05-04T14:00:00Z', 'P1', 4, 1000, 4000, 't', 'K1-1'),
  ('K2', 1, '2026-05-04T15:00:00Z', 'P3', 1, 5000, 5000, 't', 'K2-1'),
  ('K3', 1, '2026-05-04T16:00:00Z', 'P1', 1, 1000, 1000, 't', 'K3-1'),
  ('K3', 2, '2026-05-04T16:00:00Z', 'P2', 1, 2500, 2500, 't', 'K3-2'),
  ('K4', 1, '2026-05-05T12:00:00Z', 'P2', 1, 2500, 2500, 't', 'K4-1'),
  ('K5', 1, '2026-05-06T15:40:00Z', 'P3', 1, 5000, 5000, 't', 'K5-1'),
  ('K6', 1, '2026-05-05T20:00:00Z', 'P1', 1, 1000, 1000, 't', 'K6-1'),
  ('K7', 1, '2026-05-06T15:35:00Z', 'P1', 1, 1000, 1000, 't', 'K7-1');

INSERT INTO cart_recovery_emails (cart_id, step, sent_at, campaign_id, opened_at, clicked_at, source, source_id) VALUES
  ('K2', 1, '2026-05-04T17:30:00Z', 'RC1', '2026-05-04T18:00:00Z', NULL,                   't', 'K2-1'),
  ('K2', 2, '2026-05-05T16:30:00Z', 'RC2', NULL,                   NULL,                   't', 'K2-2'),
  ('K2', 3, '2026-05-07T16:30:00Z', 'RC3', NULL,                   NULL,                   't', 'K2-3'),
  ('K3', 1, '2026-05-04T18:00:00Z', 'RC1', '2026-05-04T18:30:00Z', '2026-05-04T18:40:00Z', 't', 'K3-1'),
  ('K4', 1, '2026-05-05T14:10:00Z', 'RC1', NULL,                   NULL,                   't', 'K4-1'),
  ('K4', 2, '2026-05-06T12:10:00Z', 'RC2', '2026-05-06T12:30:00Z', '2026-05-06T12:50:00Z', 't', 'K4-2');

INSERT INTO refunds (refund_id, refunded_at, order_id, amount_cents, reason, source, source_id) VALUES
  ('Q1', '2026-03-10T16:00:00Z', 'B06', 1000, 'customer_request', 't', 'Q1'),
  ('Q2', '2026-04-20T16:00:00Z', 'B07', 8000, 'damaged',          't', 'Q2');

-- Sessions (funnel timing over [WEEK_START, AT2)): first session in the range of each visitor →
-- first valid order from one of the visitor's sessions.
--   w1 13:50 → B20 05-04 14:20 = 0.5 h (its 05-03 session is before the range)
--   w2 16:00 → B21 19:10 = 3 h 10 min;  w3 05-05 12:00 → B22 05-06 13:50 = 25 h 50 min
--   w4 no order;  w5 05-06 15:35 → B23 15:40 = 5 min;  w6 05-05 10:00 → B24 05-14 10:00 = 9 days
--   w7 starts after AT2: not in the range
INSERT INTO sessions (session_id, started_at, visitor_id, channel, device, order_id, source, source_id) VALUES
  ('s0',  '2026-05-03T10:00:00Z', 'w1', 'direct',  'desktop', NULL,  't', 's0'),
  ('s1',  '2026-05-04T13:50:00Z', 'w1', 'direct',  'desktop', NULL,  't', 's1'),
  ('s2',  '2026-05-04T14:10:00Z', 'w1', 'direct',  'desktop', 'B20', 't', 's2'),
  ('s3',  '2026-05-04T16:00:00Z', 'w2', 'organic', 'mobile',  NULL,  't', 's3'),
  ('s4',  '2026-05-04T19:00:00Z', 'w2', 'email',   'mobile',  'B21', 't', 's4'),
  ('s5',  '2026-05-05T12:00:00Z', 'w3', 'paid',    'mobile',  NULL,  't', 's5'),
  ('s6',  '2026-05-06T13:40:00Z', 'w3', 'email',   'mobile',  'B22', 't', 's6'),
  ('s7',  '2026-05-04T20:00:00Z', 'w4', 'social',  'mobile',  NULL,  't', 's7'),
  ('s8',  '2026-05-06T15:35:00Z', 'w5', 'direct',  'desktop', 'B23', 't', 's8'),
  ('s9',  '2026-05-05T10:00:00Z', 'w6', 'direct',  'desktop', NULL,  't', 's9'),
  ('s10', '2026-05-14T09:55:00Z', 'w6', 'direct',  'desktop', 'B24', 't', 's10'),
  ('s11', '2026-05-06T17:00:00Z', 'w7', 'direct',  'desktop', NULL,  't', 's11');

-- Email deliveries. March (local): EM1 1000 + 600, EM2 400; 02-28 and 04-01 are outside it.
INSERT INTO email_stats (campaign_id, day, sent, delivered, unique_opens, unique_clicks, source, source_id) VALUES
  ('EM1', '2026-02-28', 5100, 5000, 900, 90, 't', 'es1'),
  ('EM1', '2026-03-01', 1010, 1000, 250, 30, 't', 'es2'),
  ('EM1', '2026-03-20',  610,  600, 150, 20, 't', 'es3'),
  ('EM1', '2026-04-01',  300,  300,  60,  6, 't', 'es4'),
  ('EM2', '2026-03-05',  404,  400, 100, 12, 't', 'es5');

-- Stock (10:00 EDT each day). P1: L1 3 → 0 (05-01), L2 4 → 2 (05-02), L2 2 → 0 (05-03: the store is
-- out), L1 0 → 5 (05-04), L1 5 → 0 (05-05: out again), L1 0 → −1 (05-05, already out).
-- P2 only at L1: 1 → 0 (05-02). Per SKU × location: 4 incidents; store-wide: 3.
INSERT INTO locations (location_id, name, source, source_id) VALUES ('L1', 'Main', 't', 'L1'), ('L2', 'Annex', 't', 'L2');
INSERT INTO inventory_changes (change_id, changed_at, sku, location_id, delta, available_after, reason, source, source_id) VALUES
  ('IC1', '2026-05-01T14:00:00Z', 'P1', 'L1', -3,  0, 'sale',       't', 'IC1'),
  ('IC2', '2026-05-02T14:00:00Z', 'P1', 'L2', -2,  2, 'sale',       't', 'IC2'),
  ('IC3', '2026-05-03T14:00:00Z', 'P1', 'L2', -2,  0, 'sale',       't', 'IC3'),
  ('IC4', '2026-05-04T14:00:00Z', 'P1', 'L1',  5,  5, 'restock',    't', 'IC4'),
  ('IC5', '2026-05-05T14:00:00Z', 'P1', 'L1', -5,  0, 'sale',       't', 'IC5'),
  ('IC6', '2026-05-05T15:00:00Z', 'P1', 'L1', -1, -1, 'adjustment', 't', 'IC6'),
  ('IC7', '2026-05-02T15:00:00Z', 'P2', 'L1', -1,  0, 'sale',       't', 'IC7');
`;

export async function loadDepthFixture(db: Queryable): Promise<void> {
  await db.exec(DEPTH_SQL);
}

/** Migrated, catalog synced, depth fixture loaded, aggregates refreshed. */
export async function createDepthDb(adjust?: (db: TestDb) => Promise<void>): Promise<TestDb> {
  const db = await createTestDb({ timeZone: 'America/New_York' });
  await syncCatalog(db);
  await loadDepthFixture(db);
  await adjust?.(db);
  await refreshAggregates(db, null, null);
  return db;
}
