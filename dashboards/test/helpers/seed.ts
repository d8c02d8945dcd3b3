// The hand-made data set: two store days (America/New_York) small enough to work out every
// expected number by hand. Comments give the arithmetic the tests assert.
export const RANGE = {
  from: new Date('2026-10-12T04:00:00Z'), // 2026-10-12 00:00 EDT
  to: new Date('2026-10-13T19:00:00Z'), // 2026-10-13 15:00 EDT
};

const src = `'seed', gen_random_uuid()::text`;

export const SEED_SQL = `
INSERT INTO products (sku, name, tier, price_cents, unit_cost_cents, active, back_office_url, source, source_id) VALUES
  ('A', 'Alpha', 'Brick', 1000, 400, true, 'https://shop.example/admin/products/A', ${src}),
  ('B', 'Beta', 'Value', 2000, 800, true, 'https://shop.example/admin/products/B', ${src}),
  ('C', 'Gamma', 'Premium', 5000, 2000, true, 'https://shop.example/admin/products/C', ${src}),
  ('D', 'Delta', 'Top Shelf', 10000, 6000, true, 'https://shop.example/admin/products/D', ${src});

INSERT INTO customers (customer_id, email, name, country, created_at, source, source_id) VALUES
  ('c1', 'ann@example.com', 'Ann', 'US', '2026-09-01T12:00:00Z', ${src}),
  ('c2', 'bob@example.com', 'Bob', 'CA', '2026-09-01T12:00:00Z', ${src});

-- Day 1 (Mon 12 Oct): o1 Ann 40.00 (A×2 + B×1), email; o2 Bob 50.00 − 5.00 discount (C×1), paid.
-- Day 2 (Tue 13 Oct): o3 Ann 10.00 (A×1), direct; o4 cancelled; o5 a test order.
INSERT INTO orders (order_id, placed_at, customer_id, status, is_test, subtotal_cents, discount_cents, shipping_cents, tax_cents, total_cents, traffic_source, session_id, items_summary, source, source_id) VALUES
  ('o1', '2026-10-12T14:00:00Z', 'c1', 'completed', false, 4000, 0, 500, 300, 4800, 'email', 's1', 'Alpha ×2, Beta', ${src}),
  ('o2', '2026-10-12T18:00:00Z', 'c2', 'completed', false, 5000, 500, 0, 0, 4500, 'paid', NULL, 'Gamma', ${src}),
  ('o3', '2026-10-13T13:00:00Z', 'c1', 'pending_verification', false, 1000, 0, 0, 0, 1000, 'direct', NULL, 'Alpha', ${src}),
  ('o4', '2026-10-13T14:00:00Z', 'c2', 'cancelled', false, 5000, 0, 0, 0, 5000, 'direct', NULL, 'Gamma', ${src}),
  ('o5', '2026-10-13T15:00:00Z', 'c2', 'completed', true, 9000, 0, 0, 0, 9000, 'direct', NULL, 'Test', ${src});

INSERT INTO order_lines (order_id, line_no, placed_at, sku, quantity, unit_price_cents, line_subtotal_cents, allocated_discount_cents, unit_cost_cents, order_valid, source, source_id) VALUES
  ('o1', 1, '2026-10-12T14:00:00Z', 'A', 2, 1000, 2000, 0, 400, true, ${src}),
  ('o1', 2, '2026-10-12T14:00:00Z', 'B', 1, 2000, 2000, 0, 800, true, ${src}),
  ('o2', 1, '2026-10-12T18:00:00Z', 'C', 1, 5000, 5000, 500, 2000, true, ${src}),
  ('o3', 1, '2026-10-13T13:00:00Z', 'A', 1, 1000, 1000, 0, 400, true, ${src}),
  ('o4', 1, '2026-10-13T14:00:00Z', 'C', 1, 5000, 5000, 0, 2000, false, ${src}),
  ('o5', 1, '2026-10-13T15:00:00Z', 'D', 1, 9000, 9000, 0, 6000, false, ${src});

-- Refund of 10.00 on o1, issued day 2 at 12:00 EDT: counts on day 2, attributed to email.
INSERT INTO refunds (refund_id, refunded_at, order_id, amount_cents, reason, source, source_id) VALUES
  ('r1', '2026-10-13T16:00:00Z', 'o1', 1000, 'customer_request', ${src});

-- Day 1 sessions: 4 visitors; 3 add to cart; 2 begin checkout; 1 orders.
INSERT INTO sessions (session_id, started_at, visitor_id, customer_id, channel, device, country, added_to_cart, began_checkout, completed_checkout, order_id, source, source_id) VALUES
  ('s1', '2026-10-12T13:50:00Z', 'v1', 'c1', 'email', 'desktop', 'US', true, true, true, 'o1', ${src}),
  ('s2', '2026-10-12T15:00:00Z', 'v2', NULL, 'social', 'mobile', 'US', true, false, false, NULL, ${src}),
  ('s3', '2026-10-12T16:00:00Z', 'v3', NULL, 'organic', 'mobile', 'CA', false, false, false, NULL, ${src}),
  ('s4', '2026-10-12T17:00:00Z', 'v4', NULL, 'paid', 'tablet', 'CA', true, true, false, NULL, ${src});
`;
