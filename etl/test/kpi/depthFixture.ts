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
 */
import type { Queryable } from '../../src/db/db';
import { refreshAggregates } from '../../src/kpi/aggregates';
import { syncCatalog } from '../../src/kpi/catalog';
import { createTestDb, type TestDb } from '../helpers/testDb';

export const AT = '2026-04-15T16:00:00Z';

export async function loadDepthFixture(db: Queryable): Promise<void> {
  await db.exec(`
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
  ('D6', 'Ivy', 'd6@example.com', '2025-01-01T00:00:00Z', 't', 'D6');

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
  ('B14', '2026-03-01T17:00:00Z', NULL, 'completed',  1200,    0,  1200, 'email',  'EM1', 't', 'B14');

INSERT INTO refunds (refund_id, refunded_at, order_id, amount_cents, reason, source, source_id) VALUES
  ('Q1', '2026-03-10T16:00:00Z', 'B06', 1000, 'customer_request', 't', 'Q1'),
  ('Q2', '2026-04-20T16:00:00Z', 'B07', 8000, 'damaged',          't', 'Q2');
`);
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
