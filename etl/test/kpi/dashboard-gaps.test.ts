import type { TestDb } from '../helpers/testDb';
import { createSeededKpiDb, num } from './fixture';

type Row = Record<string, unknown>;
type Role = 'kpi_admin' | 'kpi_manager' | 'kpi_public';

// Local Thu 03-05 and Fri 03-06 (EST = UTC−5).
const THU = ['2026-03-05T05:00:00Z', '2026-03-06T05:00:00Z'];
const FRI = ['2026-03-06T05:00:00Z', '2026-03-07T05:00:00Z'];

describe('columns and functions added for the dashboards (0015, hand-computed from fixture.ts)', () => {
  let db: TestDb;
  beforeAll(async () => {
    // The fixture has no back-office URLs; one product gets one, the others stay NULL.
    db = await createSeededKpiDb((d) => d.exec(`UPDATE products SET back_office_url = 'https://bo.example/products/p1' WHERE sku = 'P1'`));
  });
  afterAll(async () => {
    await db.close();
  });

  async function as(role: Role, sql: string, params: unknown[] = []): Promise<Row[]> {
    await db.exec(`SET ROLE ${role}`);
    try {
      return (await db.query<Row>(sql, params)).rows;
    } finally {
      await db.exec('RESET ROLE');
    }
  }

  it('product functions carry back_office_url, for admins and managers', async () => {
    const url = (rows: Row[], sku: string) => rows.find((x) => x.sku === sku)?.back_office_url;
    const k = (await db.query<Row>(`SELECT * FROM kpi.product_performance('2026-03-01', '2026-04-01')`)).rows;
    expect(url(k, 'P1')).toBe('https://bo.example/products/p1');
    expect(url(k, 'P2')).toBeNull();
    const a = await as('kpi_admin', `SELECT sku, margin, back_office_url FROM adm.product_performance('2026-03-01', '2026-04-01')`);
    expect(url(a, 'P1')).toBe('https://bo.example/products/p1');
    expect(num(a.find((x) => x.sku === 'P1')?.margin)).toBe(15.5); // unchanged: 2800 − 1250 c
    const m = await as('kpi_manager', `SELECT * FROM mgr.product_performance('2026-03-01', '2026-04-01')`);
    expect(url(m, 'P1')).toBe('https://bo.example/products/p1');
    expect(Object.keys(m[0] ?? {})).toEqual(['sku', 'name', 'tier', 'active', 'units', 'revenue', 'rank_by_revenue', 'rank_by_units', 'back_office_url']);
    // best sellers by revenue: P3 90 (2 units), P4 90 (1 unit), P2 75, P1 28
    const best = await as('kpi_manager', `SELECT sku, back_office_url FROM mgr.best_sellers('2026-03-01', '2026-04-01', 4)`);
    expect(best.map((x) => [x.sku, x.back_office_url])).toEqual([['P3', null], ['P4', null], ['P2', null], ['P1', 'https://bo.example/products/p1']]);
    // low performers: P5 0, P4 1, P3 2, P1 3 (28.00)
    const low = await as('kpi_admin', `SELECT sku, back_office_url FROM adm.low_performers('2026-03-01', '2026-04-01', 4)`);
    expect(low.map((x) => [x.sku, x.back_office_url])).toEqual([['P5', null], ['P4', null], ['P3', null], ['P1', 'https://bo.example/products/p1']]);
  });

  it('ads: impressions, clicks and purchases per campaign day and per campaign', async () => {
    const d = await as('kpi_manager', `SELECT campaign_id, impressions, clicks, purchases FROM mgr.ads_campaign_daily WHERE day = '2026-03-05' ORDER BY campaign_id`);
    // AD1 03-05: 10000 impressions, 100 clicks, 2 purchases; AD2 03-05: 8000, 40, 0
    expect(d.map((x) => [x.campaign_id, num(x.impressions), num(x.clicks), num(x.purchases)])).toEqual([
      ['AD1', 10000, 100, 2],
      ['AD2', 8000, 40, 0],
    ]);
    const c = await as('kpi_admin', `SELECT campaign_id, impressions, clicks, purchases, roas FROM adm.roas_campaigns ORDER BY campaign_id`);
    // AD1: 10000 + 5000, 100 + 50, 2 + 1; ROAS unchanged 7000 / 3000
    expect(c.map((x) => [x.campaign_id, num(x.impressions), num(x.clicks), num(x.purchases), num(x.roas)])).toEqual([
      ['AD1', 15000, 150, 3, 2.3333],
      ['AD2', 8000, 40, 0, 0],
    ]);
  });

  it('cart recovery over a range, by step and variant', async () => {
    const q = `SELECT * FROM mgr.cart_recovery_range($1, $2)`;
    const pick = (r: Row[]) => r.map((x) => [x.campaign_id, x.recovery_step, x.variant, num(x.carts_emailed), num(x.carts_recovered), num(x.recovery_rate), num(x.recovered_revenue), num(x.campaign_cost), num(x.recovery_roi)]);
    // Thu: RC1 emailed K2 (18:00Z) and K3 (19:00Z), none recovered; RC2 sent nothing (rate undefined)
    expect(pick(await as('kpi_manager', q, THU))).toEqual([
      ['RC1', 1, 'A', 2, 0, 0, 0, 10, 0],
      ['RC2', 2, 'B', 0, 0, null, 0, 20, 0],
    ]);
    // Fri: RC2 emailed K4 (12:00Z), recovered into A5 → 10000 − 1000 = 90.00; ROI 90 / 20 = 4.5
    expect(pick(await as('kpi_admin', `SELECT * FROM adm.cart_recovery_range($1, $2)`, FRI))).toEqual([
      ['RC1', 1, 'A', 0, 0, null, 0, 10, 0],
      ['RC2', 2, 'B', 1, 1, 1, 90, 20, 4.5],
    ]);
    // Over all time it equals cart_recovery.
    const all = await db.query<Row>(`SELECT * FROM kpi.cart_recovery_range('2000-01-01', '2100-01-01')`);
    const view = await db.query<Row>(`SELECT * FROM kpi.cart_recovery ORDER BY recovery_step, variant`);
    expect(all.rows).toEqual(view.rows);
  });

  it('CLV and 90-day repeat rate as of an instant, for admins and managers only', async () => {
    // at 2027-03-06 00:00Z only C1 is a 365-day cohort: first year 12300 c → 123.00
    const clv = await as('kpi_manager', `SELECT * FROM mgr.clv_at('2027-03-06T00:00:00Z')`);
    expect(clv[0]).toMatchObject({ customers: 3, cohort_customers: 1 });
    expect(num(clv[0]?.clv_365d)).toBe(123);
    // at 2026-06-07 00:00Z eligible C1 (03-05) and C2 (03-06); both repeated (A5, A7)
    const rr = await as('kpi_admin', `SELECT * FROM adm.repeat_rate_90d_at('2026-06-07T00:00:00Z')`);
    expect(rr[0]).toMatchObject({ eligible_customers: 2, repeat_customers: 2 });
    expect(num(rr[0]?.repeat_rate_90d)).toBe(1);
    await expect(as('kpi_public', `SELECT * FROM mgr.clv_at(now())`)).rejects.toThrow(/permission denied/);
    await expect(as('kpi_manager', `SELECT * FROM adm.repeat_rate_90d_at(now())`)).rejects.toThrow(/permission denied/);
  });
});
