import type { TestDb } from '../helpers/testDb';
import { TZ, createSeededKpiDb, isoDay, num } from './fixture';

type Row = Record<string, unknown>;

describe('revenue KPIs (hand-computed from fixture.ts)', () => {
  let db: TestDb;
  const byDay = new Map<string, Row>();

  beforeAll(async () => {
    db = await createSeededKpiDb();
    const rows = await db.query<Row>(`SELECT * FROM kpi.revenue_daily WHERE day BETWEEN '2026-03-01' AND '2026-03-31' ORDER BY day`);
    for (const r of rows.rows) byDay.set(isoDay(r.day), r);
  });
  afterAll(async () => {
    await db.close();
  });

  const money = (day: string, col: string) => num(byDay.get(day)?.[col]);

  it('starts at the first day with data and has no gaps (empty Tue 03-10 present with 0)', () => {
    expect([...byDay.keys()]).toEqual([
      '2026-03-05', '2026-03-06', '2026-03-07', '2026-03-08', '2026-03-09', '2026-03-10', '2026-03-11',
      ...Array.from({ length: 20 }, (_, i) => `2026-03-${String(i + 12).padStart(2, '0')}`),
    ]);
    // 03-10: nothing placed, nothing refunded.
    expect(byDay.get('2026-03-10')).toMatchObject({ orders: 0 });
    expect(money('2026-03-10', 'revenue')).toBe(0);
    expect(money('2026-03-10', 'aov')).toBeNull();
  });

  it('Thu 03-05: A1 + A2 (23:59 EST, UTC next day) count; cancelled A3 and test A4 do not', () => {
    const r = byDay.get('2026-03-05');
    expect(r?.orders).toBe(2); // A1, A2
    expect(money('2026-03-05', 'item_subtotal')).toBe(95); // 7000 + 2500 = 9500 c
    expect(money('2026-03-05', 'discounts')).toBe(7); // 700 c
    expect(money('2026-03-05', 'refunds')).toBe(0);
    expect(money('2026-03-05', 'revenue')).toBe(88); // 9500 − 700 − 0 = 8800 c
    expect(money('2026-03-05', 'aov')).toBe(44); // 8800 / 2 = 4400 c
    expect(money('2026-03-05', 'shipping')).toBe(5); // 500 c
    expect(money('2026-03-05', 'tax')).toBe(7.6); // 560 + 200 = 760 c
    // March has 31 days: 100000 / 31 = 3225.806 → 3225.81; 88 / 3225.81 = 0.02728 → 0.0273
    expect(money('2026-03-05', 'target')).toBe(3225.81);
    expect(money('2026-03-05', 'target_attainment_rate')).toBe(0.0273);
  });

  it('a refund counts on the day it is issued and leaves the original day (and its AOV) alone', () => {
    // Fri 03-06: A5 10000 − 1000 = 9000 c; A2 is not here although its UTC date is 03-06.
    expect(byDay.get('2026-03-06')?.orders).toBe(1);
    expect(money('2026-03-06', 'revenue')).toBe(90);
    expect(money('2026-03-06', 'aov')).toBe(90); // 9000 / 1, refund of 03-07 not subtracted
    expect(money('2026-03-06', 'refunds')).toBe(0); // R2 (on cancelled A3, 03-06) is ignored
    // Sat 03-07: no orders, R1 = 3000 c → revenue −30.00, AOV undefined
    expect(byDay.get('2026-03-07')?.orders).toBe(0);
    expect(money('2026-03-07', 'refunds')).toBe(30);
    expect(money('2026-03-07', 'revenue')).toBe(-30);
    expect(money('2026-03-07', 'aov')).toBeNull();
  });

  it('buckets by DST-aware local days', () => {
    const d8 = byDay.get('2026-03-08');
    const d9 = byDay.get('2026-03-09');
    // 03-08 starts at 00:00 EST = 05:00Z, 03-09 at 00:00 EDT = 04:00Z (the 23-hour day between).
    expect((d8?.time as Date).toISOString()).toBe('2026-03-08T05:00:00.000Z');
    expect((d9?.time as Date).toISOString()).toBe('2026-03-09T04:00:00.000Z');
    // A6 at 03-09 03:30Z is 23:30 EDT on 03-08; A7 at 03-09 04:30Z is 00:30 EDT on 03-09
    // (a fixed −5 h offset would have put A7 on 03-08).
    expect(d8?.orders).toBe(1);
    expect(money('2026-03-08', 'revenue')).toBe(50); // A6 5000 c
    expect(d9?.orders).toBe(1);
    expect(money('2026-03-09', 'revenue')).toBe(10); // A7 1000 c
    expect(money('2026-03-11', 'revenue')).toBe(45); // A8 5000 − 500
  });

  it('hourly revenue: UTC hour buckets, refunds in their hour, gap-free', async () => {
    const rows = await db.query<Row>(
      `SELECT time, orders, revenue, refunds FROM kpi.revenue_hourly WHERE time >= '2026-03-05T15:00Z' AND time < '2026-03-07T17:00Z' ORDER BY time`,
    );
    expect(rows.rows).toHaveLength(50); // 15:00Z on 03-05 .. 16:00Z on 03-07 inclusive = 9 + 24 + 17 hours
    const at = (iso: string) => rows.rows.find((r) => (r.time as Date).toISOString() === iso);
    expect(num(at('2026-03-05T15:00:00.000Z')?.revenue)).toBe(63); // A1 7000 − 700
    expect(num(at('2026-03-06T04:00:00.000Z')?.revenue)).toBe(25); // A2 at 04:59Z
    expect(num(at('2026-03-07T16:00:00.000Z')?.refunds)).toBe(30); // R1
    expect(num(at('2026-03-07T16:00:00.000Z')?.revenue)).toBe(-30);
    expect(num(at('2026-03-05T16:00:00.000Z')?.revenue)).toBe(0);
  });

  it('revenue trend: 7-day moving average and month to date', async () => {
    const r = await db.query<Row>(`SELECT * FROM kpi.revenue_trend WHERE day = '2026-03-11'`);
    const row = r.rows[0];
    // 03-05..03-11 revenues: 88, 90, −30, 50, 10, 0, 45 → Σ 253; 7-day avg 253/7 = 36.142857 → 36.14
    expect(num(row?.mtd_revenue)).toBe(253); // first data day is 03-05
    expect(num(row?.revenue_7d_avg)).toBe(36.14);
    // mtd target: 7 days × 3225.81 = 22580.67
    expect(num(row?.mtd_target)).toBe(22580.67);
    expect(num(row?.month_target)).toBe(100000);
  });

  it('revenue by tier: discounts allocated to lines, before refunds, every tier every day', async () => {
    const r = await db.query<Row>(`SELECT day, tier, units, revenue FROM kpi.revenue_by_tier_daily WHERE day IN ('2026-03-05', '2026-03-07') ORDER BY day, tier`);
    const get = (day: string, tier: string) => r.rows.find((x) => isoDay(x.day) === day && x.tier === tier);
    expect(num(get('2026-03-05', 'Brick')?.revenue)).toBe(18); // A1 P1: 2000 − 200
    expect(get('2026-03-05', 'Brick')?.units).toBe(2); // test order A4's P1 excluded
    expect(num(get('2026-03-05', 'Premium')?.revenue)).toBe(45); // A1 P3: 5000 − 500
    expect(num(get('2026-03-05', 'Value')?.revenue)).toBe(25); // A2 P2: 2500
    expect(num(get('2026-03-05', 'Top Shelf')?.revenue)).toBe(0); // A3 cancelled
    // 18 + 45 + 25 = 88 = revenue_daily of 03-05 (no refunds that day)
    // 03-07: the 30.00 refund is not split, every tier shows 0
    expect(r.rows.filter((x) => isoDay(x.day) === '2026-03-07').map((x) => num(x.revenue))).toEqual([0, 0, 0, 0]);
  });

  it('revenue by traffic source sums to daily revenue; refunds follow the order source', async () => {
    const r = await db.query<Row>(`SELECT day, traffic_source, orders, refunds, revenue, aov FROM kpi.revenue_by_source_daily WHERE day BETWEEN '2026-03-05' AND '2026-03-07'`);
    const get = (day: string, s: string) => r.rows.find((x) => isoDay(x.day) === day && x.traffic_source === s);
    expect(num(get('2026-03-05', 'email')?.revenue)).toBe(63); // A1
    expect(num(get('2026-03-05', 'direct')?.revenue)).toBe(25); // A2 (A3 cancelled, A4 test)
    expect(num(get('2026-03-06', 'social')?.revenue)).toBe(90); // A5
    expect(num(get('2026-03-07', 'social')?.refunds)).toBe(30); // R1 on A5 (social)
    expect(num(get('2026-03-07', 'social')?.revenue)).toBe(-30);
    expect(r.rows).toHaveLength(18); // 3 days × 6 sources
    const sum = (day: string) => r.rows.filter((x) => isoDay(x.day) === day).reduce((a, x) => a + Number(x.revenue), 0);
    expect(sum('2026-03-05')).toBeCloseTo(88, 10);
    expect(sum('2026-03-07')).toBeCloseTo(-30, 10);
  });

  it('revenue today compares equal spans: today vs yesterday vs 7-day average vs pro-rata target', async () => {
    // at = Fri 03-06 10:30 EST (15:30Z). Today [03-06 00:00, 10:30]: A5 (09:00) → 90.00, 1 order.
    // Yesterday [03-05 00:00, 10:30]: A1 (10:00) → 63.00 (A2 23:59, A3/A4 invalid).
    // Previous 7 days to 10:30: only 03-05 has 63.00 → 63 / 7 = 9.00.
    // Target: 3225.81 × 10.5/24 = 1411.291875 → 1411.29.
    const r = await db.query<Row>(`SELECT * FROM kpi.revenue_comparison('2026-03-06T15:30:00Z')`);
    const row = r.rows[0];
    expect(isoDay(row?.day)).toBe('2026-03-06');
    expect(num(row?.revenue)).toBe(90);
    expect(row?.orders).toBe(1);
    expect(num(row?.aov)).toBe(90);
    expect(num(row?.yesterday_revenue)).toBe(63);
    expect(row?.yesterday_orders).toBe(1);
    expect(num(row?.avg7_revenue)).toBe(9);
    expect(num(row?.avg7_orders)).toBe(0.14); // 1 / 7
    expect(num(row?.target_day)).toBe(3225.81);
    expect(num(row?.target_to_time)).toBe(1411.29);
    expect(num(row?.vs_yesterday_pct)).toBe(42.86); // (90 − 63) / 63 = 42.857 %
    expect(num(row?.vs_avg7_pct)).toBe(900); // (90 − 9) / 9
    expect(num(row?.vs_target_pct)).toBe(-93.62); // (90 − 1411.29) / 1411.29 = −93.6228 %
    expect(num(row?.target_attainment_rate)).toBe(0.0638); // 90 / 1411.29 = 0.06377
  });

  it('revenue today across the DST change keeps local clock spans', async () => {
    // at = Mon 03-09 12:00 EDT (16:00Z). Today: A7 (00:30 EDT) 10.00.
    // Yesterday (Sun, 23-hour day) 00:00 EST .. 12:00 EDT = 05:00Z..16:00Z: nothing → 0.00.
    // 7 days 03-02..03-08 each to 12:00 local: 03-05 A1 63 (10:00), 03-06 A5 90 (09:00),
    // 03-07 R1 −30 (11:00) → (63 + 90 − 30) / 7 = 17.571 → 17.57.
    // Target: 03-09 is a 24-hour day, 12 h elapsed → 3225.81 / 2 = 1612.905 → 1612.91.
    const r = await db.query<Row>(`SELECT * FROM kpi.revenue_comparison('2026-03-09T16:00:00Z')`);
    const row = r.rows[0];
    expect(num(row?.revenue)).toBe(10);
    expect(num(row?.yesterday_revenue)).toBe(0);
    expect(num(row?.vs_yesterday_pct)).toBeNull(); // no change relative to zero
    expect(num(row?.avg7_revenue)).toBe(17.57);
    expect(num(row?.target_to_time)).toBe(1612.91);
    expect(row?.time_of_day).toBe('12:00:00');
  });

  it('revenue_today is the comparison at now()', async () => {
    const r = await db.query<{ same: boolean }>(
      `SELECT (t.day = (now() AT TIME ZONE '${TZ}')::date AND abs(extract(epoch FROM t.at - now())) < 1) AS same FROM kpi.revenue_today t`,
    );
    expect(r.rows[0]?.same).toBe(true);
  });

  it('live order feed: newest first, non-test orders, customer names, totals in currency', async () => {
    const r = await db.query<Row>(`SELECT order_id, customer_name, items_summary, total, status, valid FROM kpi.order_feed LIMIT 3`);
    expect(r.rows.map((x) => x.order_id)).toEqual(['A8', 'A7', 'A6']);
    expect(r.rows[1]).toMatchObject({ customer_name: 'Ben Two', items_summary: '1× Brick Bar', status: 'completed', valid: true });
    const all = await db.query<Row>(`SELECT order_id, total, valid FROM kpi.order_feed`);
    expect(all.rows.map((x) => x.order_id)).not.toContain('A4'); // test order
    expect(all.rows.find((x) => x.order_id === 'A3')?.valid).toBe(false); // cancelled stays visible, flagged
    expect(num(all.rows.find((x) => x.order_id === 'A1')?.total)).toBe(73.6); // 7360 c incl. shipping and tax
  });
});
