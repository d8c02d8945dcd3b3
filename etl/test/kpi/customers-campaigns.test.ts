import type { TestDb } from '../helpers/testDb';
import { createSeededKpiDb, isoDay, num } from './fixture';

type Row = Record<string, unknown>;

/*
 * Customer values (value = subtotal − discount − refunds of that order):
 *   C1: A1 6300 (03-05) + A5 9000 − 3000 = 6000 (03-06)    → 12300
 *   C2: A2 2500 (03-05 23:59 EST) + A7 1000 (03-09)          →  3500
 *   C3: only the cancelled A3                               → not a customer with valid orders
 *   C4: A6 5000 (03-08), one order                          →  5000
 */
describe('customer and campaign KPIs (hand-computed from fixture.ts)', () => {
  let db: TestDb;
  beforeAll(async () => {
    db = await createSeededKpiDb();
  });
  afterAll(async () => {
    await db.close();
  });

  it('new vs returning by orders and customers; guests apart', async () => {
    const r = await db.query<Row>(`SELECT * FROM kpi.new_vs_returning_daily WHERE day BETWEEN '2026-03-05' AND '2026-03-11' ORDER BY day`);
    const get = (d: string) => r.rows.find((x) => isoDay(x.day) === d);
    // 03-05: A1 (C1's first), A2 (C2's first) → 2 new orders, 2 new customers, 63 + 25 = 88.00
    expect(get('2026-03-05')).toMatchObject({ new_orders: 2, returning_orders: 0, new_customers: 2, returning_customers: 0, guest_orders: 0 });
    expect(num(get('2026-03-05')?.new_revenue)).toBe(88);
    // 03-06: A5 is C1's second → returning 90.00
    expect(get('2026-03-06')).toMatchObject({ new_orders: 0, returning_orders: 1, returning_customers: 1 });
    expect(num(get('2026-03-06')?.returning_revenue)).toBe(90);
    expect(get('2026-03-08')).toMatchObject({ new_orders: 1, new_customers: 1 }); // A6, C4
    expect(get('2026-03-09')).toMatchObject({ returning_orders: 1 }); // A7, C2
    expect(get('2026-03-10')).toMatchObject({ new_orders: 0, returning_orders: 0, guest_orders: 0 }); // empty day present
    expect(get('2026-03-11')).toMatchObject({ new_orders: 0, returning_orders: 0, guest_orders: 1 }); // A8
  });

  it('CLV: historical mean and 365-day cohorts', async () => {
    // now: customers C1 C2 C4, (12300 + 3500 + 5000) / 3 = 6933.33 c → 69.33; no cohort is 365 days old yet
    const now = await db.query<Row>(`SELECT * FROM kpi.clv`);
    expect(now.rows[0]).toMatchObject({ customers: 3, cohort_customers: 0 });
    expect(num(now.rows[0]?.clv_historical)).toBe(69.33);
    expect(now.rows[0]?.clv_365d).toBeNull();
    expect(num(now.rows[0]?.target)).toBe(200);
    // at 2027-03-06 00:00Z only C1 (first order 2026-03-05 15:00Z) is ≥ 365 days old;
    // C2's first (2026-03-06 04:59Z) is not. C1's first year = 12300 c → 123.00
    const later = await db.query<Row>(`SELECT * FROM kpi.clv_at('2027-03-06T00:00:00Z')`);
    expect(later.rows[0]).toMatchObject({ customers: 3, cohort_customers: 1 });
    expect(num(later.rows[0]?.clv_365d)).toBe(123);
  });

  it('repeat rate 90d counts a one-order customer in the denominator', async () => {
    // eligible (first valid order ≥ 90 days ago): C1, C2, C4; repeated within 90 days: C1 (A5), C2 (A7)
    const r = await db.query<Row>(`SELECT * FROM kpi.repeat_rate_90d`);
    expect(r.rows[0]).toMatchObject({ eligible_customers: 3, repeat_customers: 2 });
    expect(num(r.rows[0]?.repeat_rate_90d)).toBe(0.6667); // 2 / 3
    expect(num(r.rows[0]?.target)).toBe(0.3);
    // at 2026-06-07 00:00Z the cut-off is 2026-03-09 00:00Z: C4 (03-09 03:30Z) is not eligible yet → 2 / 2
    const early = await db.query<Row>(`SELECT * FROM kpi.repeat_rate_90d_at('2026-06-07T00:00:00Z')`);
    expect(early.rows[0]).toMatchObject({ eligible_customers: 2, repeat_customers: 2 });
    expect(num(early.rows[0]?.repeat_rate_90d)).toBe(1);
  });

  it('days between purchases: mean and median', async () => {
    // C1: 03-05 15:00Z → 03-06 14:00Z = 23 h = 0.958333 d; C2: 03-06 04:59Z → 03-09 04:30Z = 71 h 31 m = 2.979861 d
    // mean (0.958333 + 2.979861) / 2 = 1.969097 → 1.97; the median of two gaps is their mean
    const r = await db.query<Row>(`SELECT * FROM kpi.days_between_purchases`);
    expect(r.rows[0]).toMatchObject({ gaps: 2, customers: 2 });
    expect(num(r.rows[0]?.mean_days)).toBe(1.97);
    expect(num(r.rows[0]?.median_days)).toBe(1.97);
  });

  it('top customers in a range', async () => {
    const march = await db.query<Row>(`SELECT * FROM kpi.top_customers('2026-03-01', '2026-04-01')`);
    expect(march.rows.map((x) => [num(x.rank), x.customer_id, x.customer_name, num(x.orders), num(x.revenue)])).toEqual([
      [1, 'C1', 'Ada One', 2, 123], // 6300 + 6000
      [2, 'C4', 'Di Four', 1, 50],
      [3, 'C2', 'Ben Two', 2, 35], // 2500 + 1000
    ]);
    // Thu–Fri local (03-05 05:00Z .. 03-07 05:00Z): C1 A1 + A5 = 123.00, C2 A2 = 25.00
    const r = await db.query<Row>(`SELECT customer_id, revenue FROM kpi.top_customers('2026-03-05T05:00:00Z', '2026-03-07T05:00:00Z', 1)`);
    expect(r.rows).toHaveLength(1);
    expect(r.rows[0]?.customer_id).toBe('C1');
  });

  it('email open and click rates, with and without machine opens', async () => {
    const d = await db.query<Row>(`SELECT * FROM kpi.email_daily WHERE day = '2026-03-05'`);
    expect(d.rows[0]?.campaign_name).toBe('Spring mail');
    expect(num(d.rows[0]?.open_rate)).toBe(0.3); // 300 / 1000
    expect(num(d.rows[0]?.open_rate_excl_machine)).toBe(0.2); // (300 − 100) / 1000
    expect(num(d.rows[0]?.click_rate)).toBe(0.04); // 40 / 1000
    const c = await db.query<Row>(`SELECT * FROM kpi.email_campaigns`);
    expect(c.rows[0]).toMatchObject({ delivered: 1500, unique_opens: 400, machine_opens: 120, unique_clicks: 50 });
    expect(num(c.rows[0]?.open_rate)).toBe(0.2667); // 400 / 1500
    expect(num(c.rows[0]?.open_rate_excl_machine)).toBe(0.1867); // 280 / 1500
    expect(num(c.rows[0]?.click_rate)).toBe(0.0333); // 50 / 1500
  });

  it('social engagement rate', async () => {
    // post1 50+10+5+5+30 = 100, post2 20+5+5+0+10 = 40 → 140 / 3000 = 0.046667
    const r = await db.query<Row>(`SELECT * FROM kpi.social_daily WHERE day = '2026-03-05'`);
    expect(r.rows[0]).toMatchObject({ platform: 'instagram', impressions: 3000, engagements: 140 });
    expect(num(r.rows[0]?.social_engagement_rate)).toBe(0.0467);
  });

  it('ROAS per campaign and overall, MER', async () => {
    const c = await db.query<Row>(`SELECT * FROM kpi.roas_campaigns ORDER BY campaign_id`);
    // AD1: (6000 + 1000) / (2000 + 1000) = 2.3333; AD2: 0 / 1000 = 0
    expect(c.rows.map((x) => [x.campaign_id, num(x.spend), num(x.purchase_value), num(x.roas)])).toEqual([
      ['AD1', 30, 70, 2.3333],
      ['AD2', 10, 0, 0],
    ]);
    const d = await db.query<Row>(`SELECT * FROM kpi.marketing_daily WHERE day IN ('2026-03-05', '2026-03-07') ORDER BY day`);
    // 03-05: spend 3000 c, value 6000 c → ROAS 2; revenue 88.00 / 30.00 = 2.9333
    expect([num(d.rows[0]?.ad_spend), num(d.rows[0]?.roas), num(d.rows[0]?.revenue), num(d.rows[0]?.mer)]).toEqual([30, 2, 88, 2.9333]);
    // 03-07: no spend → MER undefined
    expect(d.rows[1]?.mer).toBeNull();
    // Thu–Fri local: spend 40.00, value 70.00, revenue 88 + 90 = 178.00 → ROAS 1.75, MER 4.45
    const r = await db.query<Row>(`SELECT * FROM kpi.marketing_range('2026-03-05T05:00:00Z', '2026-03-07T05:00:00Z')`);
    expect([num(r.rows[0]?.ad_spend), num(r.rows[0]?.purchase_value), num(r.rows[0]?.roas), num(r.rows[0]?.revenue), num(r.rows[0]?.mer)])
      .toEqual([40, 70, 1.75, 178, 4.45]);
  });

  it('referral conversion rate', async () => {
    const r = await db.query<Row>(`SELECT * FROM kpi.referrals_daily ORDER BY day`);
    // 03-04 (local): F1 → C2 ✓, F2 → C4 ✓, F3 → C3 (cancelled only) ✗, F4 nobody ✗ → 2 / 4
    expect(isoDay(r.rows[0]?.day)).toBe('2026-03-04');
    expect(r.rows[0]).toMatchObject({ referrals_sent: 4, referrals_converted: 2 });
    expect(num(r.rows[0]?.referral_conversion_rate)).toBe(0.5);
    // 03-07: F5 → C2, who had ordered before the referral → 0 / 1
    expect(r.rows[1]).toMatchObject({ referrals_sent: 1, referrals_converted: 0 });
  });
});
