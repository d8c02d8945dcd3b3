// Hand-made scenarios for the alert rules (store zone America/New_York; EDT = UTC−4 until
// 1 Nov 2026, EST = UTC−5 after). Each scenario sits on its own days so they do not disturb
// one another; the comments give what each rule must see.
const src = `'seed', gen_random_uuid()::text`;
const TZ = 'America/New_York';

/** n orders per local day at noon, subtotal = total = cents, for the days of a series. */
const dailyOrders = (from: string, to: string, perDay: string, cents: number, prefix: string): string => `
INSERT INTO orders (order_id, placed_at, customer_id, status, subtotal_cents, total_cents, items_summary, source, source_id)
SELECT '${prefix}' || to_char(d, 'YYYYMMDD') || '-' || n, (d + time '12:00') AT TIME ZONE '${TZ}', 'c1', 'completed',
       ${cents}, ${cents}, 'Alpha', ${src}
FROM generate_series(date '${from}', date '${to}', interval '1 day') AS d,
     generate_series(1, ${perDay}) AS n;`;

export const ALERT_SEED_SQL = `
INSERT INTO customers (customer_id, email, name, country, created_at, source, source_id) VALUES
  ('c1', 'ann@example.com', 'Ann Archer', 'US', '2026-08-01T12:00:00Z', ${src}),
  ('c2', 'bob@example.com', 'Bob Baker', 'US', '2026-08-01T12:00:00Z', ${src});

-- Revenue behind. October: daily target = 100000 / 31 = 3225.81.
-- Tue 6 Oct: one order of 1290.32 at 10:00 EDT = 40 % of the target.
-- Wed 7 Oct: one order of 1935.48 at 10:00 EDT = 60 % of the target.
INSERT INTO orders (order_id, placed_at, customer_id, status, subtotal_cents, total_cents, items_summary, source, source_id) VALUES
  ('rev40', '2026-10-06T14:00:00Z', 'c1', 'completed', 129032, 129032, 'Delta ×13', ${src}),
  ('rev60', '2026-10-07T14:00:00Z', 'c1', 'completed', 193548, 193548, 'Delta ×19', ${src});

-- Deviation, below the floor: Mondays 14, 21, 28 Sep and 5 Oct have 4 orders each, Monday 12 Oct
-- has 3 (−25 %), but the baseline volume 4 is under the orders floor (5).
${dailyOrders('2026-09-14', '2026-10-05', "CASE WHEN extract(isodow FROM d) = 1 THEN 4 ELSE 0 END", 5000, 'f')}
${dailyOrders('2026-10-12', '2026-10-12', '3', 5000, 'f')}

-- Deviation with volume: from Tue 13 Oct to Sun 15 Nov every Monday has 8 orders and every other
-- day 20, each 50.00. Monday 16 Nov has 6 orders of 37.50:
--   orders (same weekday, 4 Mondays 19 Oct … 9 Nov): 6 vs 8 = −25 %, baseline volume 8 ≥ 5;
--   aov (7-day mean, 9 … 15 Nov): 37.50 vs 50.00 = −25 %, baseline volume (8 + 6 × 20) / 7 ≥ 5;
--   with a 7-day mean the orders baseline would be 18.29, not 8.
${dailyOrders('2026-10-13', '2026-11-15', "CASE WHEN extract(isodow FROM d) = 1 THEN 8 ELSE 20 END", 5000, 'v')}
${dailyOrders('2026-11-16', '2026-11-16', '6', 3750, 'v')}

-- Big order, Fri 20 Nov (times UTC). Window of the rule: the hour before the evaluation.
INSERT INTO orders (order_id, placed_at, customer_id, status, subtotal_cents, total_cents, items_summary, source, source_id) VALUES
  ('B-old', '2026-11-20T13:00:00Z', 'c2', 'completed', 50000, 50000, 'Delta ×5', ${src}),
  ('B-1', '2026-11-20T14:00:00Z', 'c2', 'completed', 18001, 20001, 'Delta ×1, Alpha ×8', ${src}),
  ('B-2', '2026-11-20T14:03:00Z', 'c1', 'completed', 20000, 20000, 'Delta ×2', ${src}),
  ('B-x', '2026-11-20T14:05:00Z', 'c1', 'cancelled', 90000, 90000, 'Delta ×9', ${src}),
  ('B-3', '2026-11-20T14:10:30Z', 'c1', 'processing', 35000, 35000, 'Delta ×3, Beta', ${src});
INSERT INTO orders (order_id, placed_at, customer_id, status, is_test, subtotal_cents, total_cents, items_summary, source, source_id) VALUES
  ('B-test', '2026-11-20T14:06:00Z', 'c1', 'completed', true, 99900, 99900, 'Test', ${src});

-- Site down, Sat 21 Nov (UTC): the store answers at 10:00 and 10:01, fails at 10:02 and 10:03;
-- the health endpoint answers every minute.
INSERT INTO uptime_probes (target, probed_at, ok, status_code, latency_ms, source, source_id) VALUES
  ('store', '2026-11-21T10:00:00Z', true, 200, 150, ${src}),
  ('store', '2026-11-21T10:01:00Z', true, 200, 160, ${src}),
  ('store', '2026-11-21T10:02:00Z', false, 503, 90, ${src}),
  ('store', '2026-11-21T10:03:00Z', false, NULL, NULL, ${src}),
  ('etl-health', '2026-11-21T10:00:00Z', true, 200, 5, ${src}),
  ('etl-health', '2026-11-21T10:01:00Z', true, 200, 5, ${src}),
  ('etl-health', '2026-11-21T10:02:00Z', true, 200, 5, ${src}),
  ('etl-health', '2026-11-21T10:03:00Z', true, 200, 5, ${src});

-- Abandonment spike. 30 carts between 12:00 on 22 Nov and 09:45 on 23 Nov (UTC), 8 with an order:
-- at 12:00 on 23 Nov the 24-hour rate is 1 − 8 / 30 = 73.33 % over 30 decided carts (floor 20).
-- 10 carts on 26 Nov, 2 with an order: 80 % at 12:00 on 27 Nov, but only 10 decided carts.
INSERT INTO carts (cart_id, created_at, last_activity_at, order_id, source, source_id)
SELECT 'k' || n, t, t + interval '5 minutes', CASE WHEN n <= 8 THEN 'ko' || n END, ${src}
FROM generate_series(1, 30) AS n, LATERAL (SELECT timestamptz '2026-11-22T12:00:00Z' + (n - 1) * interval '45 minutes' AS t) x;
INSERT INTO carts (cart_id, created_at, last_activity_at, order_id, source, source_id)
SELECT 'q' || n, t, t + interval '5 minutes', CASE WHEN n <= 2 THEN 'qo' || n END, ${src}
FROM generate_series(1, 10) AS n, LATERAL (SELECT timestamptz '2026-11-26T12:00:00Z' + (n - 1) * interval '60 minutes' AS t) x;
`;
