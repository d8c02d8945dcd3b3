import { loadCatalog, syncCatalog } from '../../src/kpi/catalog';
import type { TestDb } from '../helpers/testDb';
import { createSeededKpiDb, isoDay, num } from './fixture';

type Row = Record<string, unknown>;

describe('operations, product and deviation KPIs (hand-computed from fixture.ts)', () => {
  let db: TestDb;
  beforeAll(async () => {
    db = await createSeededKpiDb();
  });
  afterAll(async () => {
    await db.close();
  });

  it('verification, refunds for failed verification and shipping time per placement day', async () => {
    const r = await db.query<Row>(`SELECT * FROM kpi.operations_daily WHERE day BETWEEN '2026-03-05' AND '2026-03-10' ORDER BY day`);
    const get = (d: string) => r.rows.find((x) => isoDay(x.day) === d);
    // 03-05: A1 required, verified 6 h after placing; A1 shipped 24 h after verification, A2 30 h after placing
    expect(get('2026-03-05')).toMatchObject({ verification_required: 1, verification_required_matured: 1, verified_matured: 1, refunded_unverified: 0, shipped_orders: 2 });
    expect(num(get('2026-03-05')?.verification_completion_rate)).toBe(1);
    expect(num(get('2026-03-05')?.time_to_verification_hours)).toBe(6);
    expect(num(get('2026-03-05')?.shipping_time_hours)).toBe(27); // (24 + 30) / 2
    expect(num(get('2026-03-05')?.refund_rate_unverified)).toBe(0);
    // 03-06: A5 required, failed, refunded for verification_failed
    expect(get('2026-03-06')).toMatchObject({ verification_required: 1, verified_matured: 0, refunded_unverified: 1 });
    expect(num(get('2026-03-06')?.verification_completion_rate)).toBe(0);
    expect(num(get('2026-03-06')?.refund_rate_unverified)).toBe(1);
    // 03-08: A6 required, never verified; 03-09: A7 shipped 12 h after placing
    expect(num(get('2026-03-08')?.verification_completion_rate)).toBe(0);
    expect(num(get('2026-03-09')?.shipping_time_hours)).toBe(12);
    expect(get('2026-03-10')).toMatchObject({ verification_required: 0, shipped_orders: 0 }); // empty day present
  });

  it('only orders older than 72 h count toward verification completion', async () => {
    // At 03-08 00:00Z: A1 (03-05 15:00Z) is 57 h old → not matured; nothing matured on 03-05 yet.
    const r = await db.query<Row>(`SELECT * FROM kpi.operations_at('2026-03-08T00:00:00Z') WHERE day = '2026-03-05'`);
    expect(r.rows[0]).toMatchObject({ verification_required: 1, verification_required_matured: 0, verified_matured: 0 });
    expect(r.rows[0]?.verification_completion_rate).toBeNull();
  });

  it('operations over a range and support response time', async () => {
    // orders placed 03-05..03-11 local: required A1 A5 A6 = 3, verified A1 → 1/3; TTV 6 h;
    // refunded unverified A5 → 1/3; shipping (24 + 30 + 12) / 3 = 22 h;
    // tickets T1 1.5 h, T2 4.5 h, T3 unanswered → 3 tickets, 2 replied, mean 3 h
    const r = await db.query<Row>(`SELECT * FROM kpi.operations_range('2026-03-05T05:00:00Z', '2026-03-12T04:00:00Z')`);
    expect(r.rows[0]).toMatchObject({ verification_required: 3, verified_matured: 1, refunded_unverified: 1, shipped_orders: 3, tickets: 3, replied_tickets: 2 });
    expect(num(r.rows[0]?.verification_completion_rate)).toBe(0.3333);
    expect(num(r.rows[0]?.time_to_verification_hours)).toBe(6);
    expect(num(r.rows[0]?.refund_rate_unverified)).toBe(0.3333);
    expect(num(r.rows[0]?.shipping_time_hours)).toBe(22);
    expect(num(r.rows[0]?.support_response_hours)).toBe(3);
    const s = await db.query<Row>(`SELECT * FROM kpi.support_daily WHERE day IN ('2026-03-05', '2026-03-06') ORDER BY day`);
    expect(s.rows[0]).toMatchObject({ tickets: 2, replied_tickets: 2 });
    expect(num(s.rows[0]?.support_response_hours)).toBe(3); // (1.5 + 4.5) / 2
    expect(s.rows[1]).toMatchObject({ tickets: 1, replied_tickets: 0, support_response_hours: null });
  });

  it('product performance reads whole days from the daily aggregate and edges from the lines: same sums as the lines of the range', async () => {
    await db.query(`CALL refresh_continuous_aggregate('kpi.order_lines_daily', NULL, NULL)`);
    const raw = async (from: string, to: string) =>
      (
        await db.query<Row>(
          `SELECT sku, sum(quantity)::bigint AS units, sum(line_subtotal_cents - allocated_discount_cents) AS rev,
                  sum(quantity::bigint * unit_cost_cents) AS cogs
           FROM order_lines WHERE order_valid AND placed_at >= $1 AND placed_at < $2 GROUP BY sku ORDER BY sku`,
          [from, to],
        )
      ).rows.map((x) => [x.sku, num(x.units), Number(x.rev) / 100, Number(x.cogs) / 100]);
    // aligned to local days (New York midnight = 05:00Z in March before DST), cut inside days,
    // inside one day, empty, and the fixture's month
    const ranges: [string, string][] = [
      ['2026-03-05T05:00:00Z', '2026-03-12T04:00:00Z'],
      ['2026-03-05T15:30:00Z', '2026-03-09T11:00:00Z'],
      ['2026-03-05T06:00:00Z', '2026-03-05T20:00:00Z'],
      ['2026-03-05T05:00:00Z', '2026-03-05T05:00:00Z'],
      ['2026-03-01T00:00:00Z', '2026-04-01T00:00:00Z'],
      ['2026-02-01T05:00:00Z', '2026-05-01T04:00:00Z'],
    ];
    for (const [from, to] of ranges) {
      const r = await db.query<Row>(`SELECT sku, units, revenue, cogs FROM kpi.product_performance($1, $2) WHERE units > 0 ORDER BY sku`, [from, to]);
      expect(r.rows.map((x) => [x.sku, num(x.units), num(x.revenue), num(x.cogs)])).toEqual(await raw(from, to));
    }
  });

  it('product performance: revenue after allocated discounts, COGS at sale-time cost, margin', async () => {
    const r = await db.query<Row>(`SELECT * FROM kpi.product_performance('2026-03-01', '2026-04-01')`);
    const get = (sku: string) => r.rows.find((x) => x.sku === sku);
    const vals = (sku: string) => {
      const x = get(sku);
      return [num(x?.units), num(x?.revenue), num(x?.cogs), num(x?.margin), num(x?.margin_pct)];
    };
    // P1: A1 2×(2000 − 200) = 1800 + A7 1000 = 2800; COGS 2×400 + 1×450 (A7's sale-time cost) = 1250;
    //     margin 1550 → 55.357 %
    expect(vals('P1')).toEqual([3, 28, 12.5, 15.5, 55.36]);
    // P2: A2 2500 + A6 5000 = 7500; COGS 3×1000 = 3000; margin 4500 → 60 %
    expect(vals('P2')).toEqual([3, 75, 30, 45, 60]);
    // P3: A1 5000 − 500 + A8 5000 − 500 = 9000; COGS 4000; 5000 → 55.556 %
    expect(vals('P3')).toEqual([2, 90, 40, 50, 55.56]);
    // P4: A5 10000 − 1000 = 9000 (cancelled A3 excluded); COGS 5000; 4000 → 44.444 %
    expect(vals('P4')).toEqual([1, 90, 50, 40, 44.44]);
    // zero sellers are listed
    expect(vals('P5')).toEqual([0, 0, 0, 0, null]);
    // sum of SKU revenue = Σ valid orders' (subtotal − discount) = 63 + 25 + 90 + 50 + 10 + 45 = 283
    expect(r.rows.reduce((a, x) => a + Number(x.revenue), 0)).toBeCloseTo(283, 10);
    expect(num(get('P3')?.rank_by_revenue)).toBe(1);
    expect(num(get('P4')?.rank_by_revenue)).toBe(1); // tie at 90.00
    expect(num(get('P1')?.rank_by_units)).toBe(1); // tie at 3 units with P2
  });

  it('best sellers and low performers (active SKUs, zero sellers first)', async () => {
    const best = await db.query<Row>(`SELECT sku FROM kpi.best_sellers('2026-03-01', '2026-04-01', 3)`);
    expect(best.rows.map((x) => x.sku)).toEqual(['P3', 'P4', 'P2']); // 90 (2 units), 90 (1 unit), 75
    const low = await db.query<Row>(`SELECT sku, units FROM kpi.low_performers('2026-03-01', '2026-04-01')`);
    // P6 is inactive; P5 sold nothing; then P4 1, P3 2, P1 3 (28.00), P2 3 (75.00)
    expect(low.rows.map((x) => x.sku)).toEqual(['P5', 'P4', 'P3', 'P1', 'P2']);
  });

  it('product sales per day (from the continuous aggregate)', async () => {
    const r = await db.query<Row>(`SELECT * FROM kpi.product_sales_daily WHERE day = '2026-03-05' AND sku = 'P1'`);
    // A1 only (A4 is a test order): 2 units, 1800 revenue, COGS 800, margin 1000 → 55.56 %
    expect(r.rows[0]).toMatchObject({ units: 2, name: 'Brick Bar', tier: 'Brick' });
    expect([num(r.rows[0]?.revenue), num(r.rows[0]?.cogs), num(r.rows[0]?.margin), num(r.rows[0]?.margin_pct)]).toEqual([18, 8, 10, 55.56]);
  });

  it('out-of-stock incidents: transitions from > 0 to ≤ 0', async () => {
    const r = await db.query<Row>(`SELECT day, sku, incidents FROM kpi.out_of_stock_incidents_daily ORDER BY day, sku`);
    expect(r.rows.map((x) => [isoDay(x.day), x.sku, Number(x.incidents)])).toEqual([
      ['2026-03-05', 'P2', 1], // first change seen: 0 − (−1) = 1 → 0
      ['2026-03-06', 'P1', 1], // 8 → 0
      ['2026-03-09', 'P1', 1], // 5 → 0 at 00:30 EDT; the later 0 → −1 is not a new incident
    ]);
  });

  it('inventory turnover = COGS ÷ average inventory value at cost', async () => {
    // Range Thu 03-05 00:00 EST .. Sun 03-08 00:00 EST.
    // Start: P1 at L1 counted 10 × 400 = 4000. End: P1 5 × 400 = 2000, P2 L1 0, P2 L2 2 × 1000 = 2000.
    // COGS: A1 (P1 800, P3 2000), A2 (P2 1000), A5 (P4 5000) = 8800.
    const r = await db.query<Row>(`SELECT * FROM kpi.inventory_turnover('2026-03-05T05:00:00Z', '2026-03-08T05:00:00Z')`);
    const get = (sku: string) => r.rows.find((x) => x.sku === sku);
    const vals = (sku: string) => {
      const x = get(sku);
      return [num(x?.cogs), num(x?.inventory_value_start), num(x?.inventory_value_end), num(x?.avg_inventory_value), num(x?.inventory_turnover)];
    };
    expect(vals('*')).toEqual([88, 40, 40, 40, 2.2]); // 8800 / ((4000 + 4000) / 2)
    expect(vals('P1')).toEqual([8, 40, 20, 30, 0.2667]); // 800 / 3000
    expect(vals('P2')).toEqual([10, 0, 20, 10, 1]); // 1000 / 1000
    expect(vals('P4')).toEqual([50, 0, 0, 0, null]); // no stock recorded
  });

  it('KPI vs 7-day average with volume floor, threshold and method text', async () => {
    const rev = await db.query<Row>(`SELECT * FROM kpi.kpi_deviation_daily WHERE kpi_id = 'revenue' AND day IN ('2026-03-11', '2026-03-12') ORDER BY day`);
    // 03-11: baseline = 03-05..03-10 (only 6 days exist) = (88 + 90 − 30 + 50 + 10 + 0) / 6 = 34.6667;
    // value 45 → (45 − 34.6667) / 34.6667 = 0.29808; not flagged: baseline incomplete and below the floor
    expect(num(rev.rows[0]?.baseline)).toBe(34.6667);
    expect(num(rev.rows[0]?.deviation)).toBe(0.2981);
    expect(rev.rows[0]).toMatchObject({ baseline_days: 6, flagged: false, day_complete: true });
    // 03-12: baseline 03-05..03-11 = 253 / 7 = 36.142857; value 0 → −100 %
    expect(num(rev.rows[1]?.baseline)).toBe(36.1429);
    expect(num(rev.rows[1]?.deviation_pct)).toBe(-100);
    // baseline volume = orders per day: (2 + 1 + 0 + 1 + 1 + 0 + 1) / 7 = 0.857 < floor 5 → not flagged
    expect(num(rev.rows[1]?.baseline_volume)).toBe(0.86);
    expect(num(rev.rows[1]?.volume_floor)).toBe(5);
    expect(num(rev.rows[1]?.threshold)).toBe(0.2);
    expect(rev.rows[1]?.flagged).toBe(false);
    expect(rev.rows[1]?.method).toBe(
      'revenue on 2026-03-12 = 0.00 vs 36.1429, the mean of the 7 previous local days; deviation -100.00% (threshold 20.00%); baseline volume 0.86 orders per day (floor 5)',
    );
    // Lower the floor in the catalog (the only place it is written): now the same row is flagged.
    await syncCatalog(db, loadCatalog().map((e) => (e.id === 'revenue' ? { ...e, volume_floor: 0.5 } : e)));
    const flagged = await db.query<Row>(`SELECT flagged FROM kpi.kpi_deviation_daily WHERE kpi_id = 'revenue' AND day = '2026-03-12'`);
    expect(flagged.rows[0]?.flagged).toBe(true);
    await syncCatalog(db);
    // Rates are compared the same way: conversion on 03-06 vs 03-05 (one baseline day)
    const conv = await db.query<Row>(`SELECT value, baseline, deviation FROM kpi.kpi_deviation_daily WHERE kpi_id = 'conversion_rate' AND day = '2026-03-06'`);
    // 0.3333 vs 0.2 → +66.65 %
    expect([num(conv.rows[0]?.value), num(conv.rows[0]?.baseline), num(conv.rows[0]?.deviation)]).toEqual([0.3333, 0.2, 0.6665]);
  });
});
