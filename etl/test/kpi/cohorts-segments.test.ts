import { loadCatalog } from '../../src/kpi/catalog';
import type { TestDb } from '../helpers/testDb';
import { AT, createDepthDb } from './depthFixture';
import { isoDay, num } from './fixture';

type Row = Record<string, unknown>;

describe('cohort retention and RFM segments (hand-computed from depthFixture.ts)', () => {
  let db: TestDb;
  beforeAll(async () => {
    db = await createDepthDb();
  });
  afterAll(async () => {
    await db.close();
  });

  it('cohort grid: share still ordering and revenue per cohort customer, by local month', async () => {
    const r = await db.query<Row>(`SELECT * FROM kpi.cohort_retention_at('${AT}')`);
    const grid = r.rows.map((x) => [
      isoDay(x.cohort_month), num(x.months_since), num(x.cohort_customers), num(x.active_customers),
      num(x.retention_rate), num(x.revenue), num(x.revenue_per_customer), num(x.cumulative_revenue_per_customer),
    ]);
    // 2025-03: Ivy alone, then 13 empty months up to April 2026 (the cancelled April order does not count)
    const ivy = grid.filter((g) => g[0] === '2025-03-01');
    expect(ivy).toHaveLength(14);
    expect(ivy[0]).toEqual(['2025-03-01', 0, 1, 1, 1, 90, 90, 90]);
    for (const g of ivy.slice(1)) expect(g.slice(3, 7)).toEqual([0, 0, 0, 0]);
    // 2026-01: Dee and Eli (Eli's 23:30 EST order on 01-31 is January locally, February in UTC)
    expect(grid.filter((g) => g[0] === '2026-01-01')).toEqual([
      ['2026-01-01', 0, 2, 2, 1, 160, 80, 80], // 100 + 60
      ['2026-01-01', 1, 2, 1, 0.5, 50, 25, 105], // Dee 50 (55 − 5 discount)
      ['2026-01-01', 2, 2, 2, 1, 50, 25, 130], // Dee 40 + Eli 20 − 10 refund issued 03-10
      ['2026-01-01', 3, 2, 1, 0.5, 30, 15, 145], // Dee 30
    ]);
    // 2026-02: Fay 80 (her refund is issued after AT) + Gus 25 + 25; nobody since
    expect(grid.filter((g) => g[0] === '2026-02-01')).toEqual([
      ['2026-02-01', 0, 2, 2, 1, 130, 65, 65],
      ['2026-02-01', 1, 2, 0, 0, 0, 0, 65],
      ['2026-02-01', 2, 2, 0, 0, 0, 0, 65],
    ]);
    // 2026-04: Hal 15; his 04-20 order is after AT
    expect(grid.filter((g) => g[0] === '2026-04-01')).toEqual([['2026-04-01', 0, 1, 1, 1, 15, 15, 15]]);
    expect(grid).toHaveLength(14 + 4 + 3 + 1);
  });

  it('cohort grid after the April refund: Fay\'s 80.00 leaves her cohort\'s month 0', async () => {
    const r = await db.query<Row>(`SELECT revenue, revenue_per_customer FROM kpi.cohort_retention_at('2026-04-21T00:00:00Z')
                                   WHERE cohort_month = '2026-02-01' AND months_since = 0`);
    expect([num(r.rows[0]?.revenue), num(r.rows[0]?.revenue_per_customer)]).toEqual([50, 25]);
  });

  it('RFM scores, quintiles by percent rank, named segments', async () => {
    const r = await db.query<Row>(`SELECT * FROM kpi.rfm_customers_at('${AT}') ORDER BY customer_id`);
    // Ivy's only valid order is more than 365 days old: not scored.
    expect(r.rows.map((x) => [x.customer_id, num(x.recency_days), num(x.frequency), num(x.monetary), x.rfm, x.segment])).toEqual([
      ['D1', 13, 4, 220, '455', 'champions'], // last 04-02, 4 orders, 100 + 50 + 40 + 30
      ['D2', 41, 2, 70, '333', 'others'], // last 03-05; 60 + 20 − 10
      ['D3', 71, 1, 80, '114', 'hibernating'], // last 02-03
      ['D4', 49, 2, 50, '232', 'at_risk'], // last 02-25
      ['D5', 5, 1, 15, '511', 'new'], // last 04-10
    ]);
  });

  it('RFM segment summary: counts, revenue and shares, every segment listed', async () => {
    const r = await db.query<Row>(`SELECT * FROM kpi.rfm_segments_at('${AT}')`);
    expect(r.rows.map((x) => [x.segment, num(x.customers), num(x.customer_share), num(x.revenue), num(x.revenue_share)])).toEqual([
      ['champions', 1, 0.2, 220, 0.5057], // 220 / 435
      ['loyal', 0, 0, 0, 0],
      ['new', 1, 0.2, 15, 0.0345], // 15 / 435
      ['at_risk', 1, 0.2, 50, 0.1149],
      ['hibernating', 1, 0.2, 80, 0.1839],
      ['others', 1, 0.2, 70, 0.1609],
    ]);
  });

  it('the same answer whatever the session time zone', async () => {
    const q = `SELECT (SELECT json_agg(json_build_array(c.cohort_month, c.months_since, c.active_customers, c.revenue)) FROM kpi.cohort_retention_at('${AT}') c)::text AS a,
                      (SELECT json_agg(s) FROM kpi.rfm_customers_at('${AT}') s)::text AS b`;
    await db.exec(`SET TIME ZONE 'UTC'`);
    const utc = await db.query<Row>(q);
    await db.exec(`SET TIME ZONE 'Asia/Tokyo'`);
    const tokyo = await db.query<Row>(q);
    await db.exec(`RESET TIME ZONE`);
    expect(tokyo.rows[0]).toEqual(utc.rows[0]);
  });

  it('kpi_manager reads both through mgr', async () => {
    await db.exec('SET ROLE kpi_manager');
    try {
      const a = await db.query<Row>(`SELECT count(*)::int AS n FROM mgr.cohort_retention_at('${AT}')`);
      const b = await db.query<Row>(`SELECT count(*)::int AS n FROM mgr.rfm_segments_at('${AT}')`);
      expect([a.rows[0]?.n, b.rows[0]?.n]).toEqual([22, 6]);
      await expect(db.query('SELECT * FROM kpi.rfm_segments')).rejects.toThrow(/permission denied/);
    } finally {
      await db.exec('RESET ROLE');
    }
  });

  it('every new KPI is in the catalog and names an object that exists in schema kpi', async () => {
    const byId = new Map(loadCatalog().map((e) => [e.id, e]));
    const ids = ['cohort_retention', 'rfm_segment', 'email_conversion_rate', 'funnel_window', 'time_to_convert', 'live_carts', 'cart_journey',
      'recovery_by_segment', 'recovery_roi_range', 'abandoned_products', 'recovered_products', 'out_of_stock_incidents_store', 'clv_predictive'];
    for (const id of ids) {
      const e = byId.get(id);
      expect(e?.roles).toEqual(['kpi_admin', 'kpi_manager']);
      const name = /^kpi\.([a-z_0-9]+)/.exec(e!.view)![1]!;
      const r = await db.query<Row>(
        `SELECT (EXISTS (SELECT 1 FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = 'kpi' AND p.proname = $1)
              OR EXISTS (SELECT 1 FROM pg_views WHERE schemaname = 'kpi' AND viewname = $1)) AS ok`,
        [name],
      );
      expect([id, r.rows[0]?.ok]).toEqual([id, true]);
    }
    const synced = await db.query<Row>(`SELECT count(*)::int AS n FROM kpi_catalog WHERE id = ANY($1::text[])`, [ids]);
    expect(synced.rows[0]?.n).toBe(ids.length);
  });
});
