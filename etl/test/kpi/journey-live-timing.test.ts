import { loadBatch } from '../../src/load/loader';
import type { TestDb } from '../helpers/testDb';
import { AT2, createDepthDb, WEEK_START } from './depthFixture';
import { isoDay, num } from './fixture';

type Row = Record<string, unknown>;

const pick = (rows: Row[], cols: string[]) =>
  rows.map((r) => cols.map((c) => (typeof r[c] === 'string' && Number.isNaN(Number(r[c])) ? r[c] : num(r[c]))));

describe('cart journey, recovery by segment and ROI, products, live carts, email conversions, funnel timing, stock-outs', () => {
  let db: TestDb;
  beforeAll(async () => {
    db = await createDepthDb();
  });
  afterAll(async () => {
    await db.close();
  });

  it('journey: counts, share of carts created, value and median hours between stages', async () => {
    const r = await db.query<Row>(`SELECT * FROM kpi.cart_journey('${WEEK_START}', '${AT2}')`);
    expect(pick(r.rows, ['stage', 'carts', 'share_of_created', 'value', 'median_hours_from_previous'])).toEqual([
      ['cart_created', 9, 1, 255, null], // K1..K9
      ['abandoned', 4, 0.4444, 120, 1.33], // K2 1.5 h, K3 1 h, K4 1 h 10 min, K6 1.5 h → (1.1667 + 1.5) / 2
      ['email_1_sent', 3, 0.3333, 110, 1], // K2, K3, K4: each 1 h after abandonment
      ['email_2_sent', 2, 0.2222, 75, 22.5], // K2 23 h, K4 22 h after email 1
      ['email_3_sent', 0, 0, 0, null], // K2's third email goes out after AT2
      ['opened', 3, 0.3333, 110, 0.5], // K2 30 min, K3 30 min, K4 20 min after the email opened
      ['clicked', 2, 0.2222, 60, 0.25], // K3 10 min, K4 20 min after the open
      ['recovered', 2, 0.2222, 56.5, 0.75], // K3 31.50 30 min, K4 25.00 1 h after the click
    ]);
  });

  it('journey as known earlier: at 05-04 18:10Z only K2 and K3 had their first email', async () => {
    const r = await db.query<Row>(`SELECT stage, carts FROM kpi.cart_journey('${WEEK_START}', '2026-05-04T18:10:00Z')`);
    expect(pick(r.rows, ['stage', 'carts'])).toEqual([
      ['cart_created', 3], ['abandoned', 2], ['email_1_sent', 2], ['email_2_sent', 0], ['email_3_sent', 0],
      ['opened', 1], ['clicked', 0], ['recovered', 0],
    ]);
  });

  it('recovery by customer type, RFM segment (as of the range start) and email step', async () => {
    const r = await db.query<Row>(`SELECT * FROM kpi.recovery_by_segment('${WEEK_START}', '${AT2}')`);
    expect(pick(r.rows, ['dimension', 'segment', 'carts_emailed', 'carts_recovered', 'recovery_rate', 'recovered_revenue'])).toEqual([
      ['customer_type', 'guest', 1, 1, 1, 25], // K4
      ['customer_type', 'new', 1, 0, 0, 0], // K2: Jo had never ordered
      ['customer_type', 'returning', 1, 1, 1, 31.5], // K3: Hal ordered in April
      ['rfm_segment', 'guest', 1, 1, 1, 25],
      ['rfm_segment', 'not_scored', 1, 0, 0, 0],
      ['rfm_segment', 'others', 1, 1, 1, 31.5], // Hal on 05-04: R5 F2
      ['email_step', 'email_1', 3, 1, 0.3333, 31.5], // K3 came back after email 1
      ['email_step', 'email_2', 2, 1, 0.5, 25], // K4 after email 2
    ]);
  });

  it('recovery ROI for a range: campaign cost spread evenly over its days', async () => {
    const r = await db.query<Row>(`SELECT * FROM kpi.recovery_roi_range('${WEEK_START}', '${AT2}')`);
    const cols = ['campaign_id', 'campaign_cost', 'campaign_days', 'cost_per_day', 'days_in_range', 'cost_in_range', 'carts_recovered', 'recovered_revenue', 'recovery_roi'];
    expect(pick(r.rows, cols)).toEqual([
      // RC1: 05-01 (start) .. 05-05 (last email) = 5 days at 6.00; 05-04 and 05-05 in range → 12.00; K3 31.50 → 2.625
      ['RC1', 30, 5, 6, 2, 12, 1, 31.5, 2.625],
      // RC2: first email 05-05 .. last 05-06 = 2 days at 5.00, both in range; K4 25.00 → 2.5
      ['RC2', 10, 2, 5, 2, 10, 1, 25, 2.5],
      // RC3: its one day (05-07) starts after the range: no cost in range, ROI undefined
      ['RC3', 5, 1, 5, 0, 0, 0, 0, null],
    ]);
    const week = await db.query<Row>(`SELECT campaign_id, cost_in_range, recovery_roi FROM kpi.recovery_roi_range('2026-05-01T04:00:00Z', '2026-05-08T04:00:00Z')`);
    expect(pick(week.rows, ['campaign_id', 'cost_in_range', 'recovery_roi'])).toEqual([
      ['RC1', 30, 1.05], // whole cost: 31.50 / 30.00
      ['RC2', 10, 2.5],
      ['RC3', 5, 0],
    ]);
  });

  it('most abandoned and most recovered products', async () => {
    const a = await db.query<Row>(`SELECT * FROM kpi.abandoned_products('${WEEK_START}', '${AT2}')`);
    expect(pick(a.rows, ['rank', 'sku', 'carts', 'units', 'value', 'carts_recovered'])).toEqual([
      [1, 'P2', 2, 2, 50, 2], // K3, K4
      [2, 'P3', 1, 1, 50, 0], // K2
      [3, 'P1', 2, 2, 20, 1], // K3, K6
    ]);
    const r = await db.query<Row>(`SELECT * FROM kpi.recovered_products('${WEEK_START}', '${AT2}', 1)`);
    // B21 P2 25.00 − 2.50 + B22 P2 25.00 = 47.50 (P1: 10.00 − 1.00 = 9.00 is cut by max_rows)
    expect(pick(r.rows, ['rank', 'sku', 'name', 'carts', 'units', 'revenue'])).toEqual([[1, 'P2', 'Value Pack', 2, 2, 47.5]]);
  });

  it('live carts: active in the last 30 minutes, no order yet', async () => {
    const r = await db.query<Row>(`SELECT * FROM kpi.live_carts_at('${AT2}')`);
    expect(pick(r.rows, ['cart_id', 'customer_name', 'stage', 'value', 'minutes_idle'])).toEqual([
      ['K5', 'Fay', 'checkout', 50, 10],
      ['K9', 'guest', 'payment', 15, 15],
    ]);
    const earlier = await db.query<Row>(`SELECT cart_id, customer_name, value FROM kpi.live_carts_at('2026-05-04T16:10:00Z')`);
    expect(pick(earlier.rows, ['cart_id', 'customer_name', 'value'])).toEqual([['K3', 'Hal', 35]]);
  });

  it('email conversions per campaign in March (local days)', async () => {
    const r = await db.query<Row>(`SELECT * FROM kpi.email_conversions('2026-03-01T05:00:00Z', '2026-04-01T04:00:00Z')`);
    expect(pick(r.rows, ['campaign_id', 'delivered', 'orders', 'email_conversion_rate', 'revenue', 'revenue_per_delivered'])).toEqual([
      ['EM1', 1600, 2, 0.0013, 52, 0.0325], // B03 40.00 + guest B14 12.00 over 1000 + 600 delivered
      ['EM2', 400, 1, 0.0025, 20, 0.05], // B06 20.00 before its refund
    ]);
  });

  it('funnel timing: conversion within 1 h / 1 day / 7 days of the first session, median and p90 hours', async () => {
    const rows: unknown[][] = [];
    for (const w of ['1 hour', '1 day', '7 days', '9 days']) {
      const r = await db.query<Row>(`SELECT * FROM kpi.funnel_window('${WEEK_START}', '${AT2}', '${w}')`);
      rows.push(...pick(r.rows, ['visitors', 'converted_visitors', 'conversion_rate', 'median_hours_to_convert', 'p90_hours_to_convert']));
    }
    expect(rows).toEqual([
      [6, 2, 0.3333, 0.29, 0.46], // 5 min and 30 min: p90 = 0.0833 + 0.9 × 0.4167
      [6, 3, 0.5, 0.5, 2.63], // + 3 h 10 min: p90 = 0.5 + 0.8 × 2.6667
      [6, 4, 0.6667, 1.83, 19.03], // + 25 h 50 min: median (0.5 + 3.1667) / 2, p90 = 3.1667 + 0.7 × 22.6667
      [6, 5, 0.8333, 3.17, 139.93], // + exactly 9 days (216 h): p90 = 25.8333 + 0.6 × 190.1667
    ]);
  });

  it('out of stock: store-wide count beside the per-location one', async () => {
    const s = await db.query<Row>(`SELECT day, sku, incidents FROM kpi.out_of_stock_store_daily ORDER BY day, sku`);
    expect(s.rows.map((x) => [isoDay(x.day), x.sku, num(x.incidents)])).toEqual([
      ['2026-05-02', 'P2', 1],
      ['2026-05-03', 'P1', 1],
      ['2026-05-05', 'P1', 1],
    ]);
    const l = await db.query<Row>(`SELECT sum(incidents)::int AS n FROM kpi.out_of_stock_incidents_daily`);
    expect(l.rows[0]?.n).toBe(4);
  });

  it('the manager role reads every one of them through mgr', async () => {
    await db.exec('SET ROLE kpi_manager');
    try {
      for (const q of [
        `mgr.cart_journey('${WEEK_START}', '${AT2}')`, `mgr.recovery_by_segment('${WEEK_START}', '${AT2}')`,
        `mgr.recovery_roi_range('${WEEK_START}', '${AT2}')`, `mgr.abandoned_products('${WEEK_START}', '${AT2}')`,
        `mgr.recovered_products('${WEEK_START}', '${AT2}')`, `mgr.live_carts_at('${AT2}')`, 'mgr.live_carts',
        `mgr.email_conversions('${WEEK_START}', '${AT2}')`, `mgr.funnel_window('${WEEK_START}', '${AT2}', '1 day')`,
        'mgr.out_of_stock_store_daily',
      ]) {
        await db.query(`SELECT * FROM ${q}`);
      }
      await expect(db.query('SELECT * FROM public.cart_recovery_emails')).rejects.toThrow(/permission denied/);
      await expect(db.query('SELECT * FROM public.cart_lines')).rejects.toThrow(/permission denied/);
    } finally {
      await db.exec('RESET ROLE');
    }
  });

  it('the loader fills the new tables idempotently; a late click moves K2 into "clicked"', async () => {
    const row = { cart_id: 'K2', step: 1, sent_at: '2026-05-04T17:30:00Z', campaign_id: 'RC1', opened_at: '2026-05-04T18:00:00Z', clicked_at: '2026-05-04T18:05:00Z', source: 't', source_id: 'K2-1' };
    const changed: number[] = [];
    for (let i = 0; i < 2; i++) changed.push((await loadBatch(db, { source: 't', stream: 'recovery_emails' }, { cart_recovery_emails: [row] })).changed);
    expect(changed).toEqual([1, 0]);
    const n = await db.query<Row>(`SELECT count(*)::int AS n FROM cart_recovery_emails WHERE cart_id = 'K2'`);
    expect(n.rows[0]?.n).toBe(3);
    const r = await db.query<Row>(`SELECT carts, median_hours_from_previous AS h FROM kpi.cart_journey('${WEEK_START}', '${AT2}') WHERE stage = 'clicked'`);
    // K2 5 min, K3 10 min, K4 20 min after the open → median 10 min
    expect([num(r.rows[0]?.carts), num(r.rows[0]?.h)]).toEqual([3, 0.17]);
    const bad = await loadBatch(db, { source: 't', stream: 'recovery_emails' }, { cart_recovery_emails: [{ ...row, step: null, source_id: 'bad' }] });
    expect(bad.rejected).toBe(1);
  });
});
