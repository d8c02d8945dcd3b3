import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { CatalogError, CATALOG_PATH, loadCatalog, loadUptimeSettings, parseCatalog, syncCatalog } from '../../src/kpi/catalog';
import { CONTINUOUS_AGGREGATES, refreshAggregates } from '../../src/kpi/aggregates';
import { createTestDb, type TestDb } from '../helpers/testDb';

describe('KPI catalog', () => {
  let db: TestDb;
  beforeAll(async () => {
    db = await createTestDb();
  });
  afterAll(async () => {
    await db.close();
  });

  it('loads and validates kpi/catalog.json, covering every KPI of the spec', () => {
    const ids = loadCatalog().map((e) => e.id);
    for (const id of [
      'revenue', 'aov', 'orders', 'revenue_by_tier', 'revenue_by_source', 'revenue_comparison',
      'sessions', 'visitors', 'conversion_rate', 'add_to_cart_rate', 'checkout_completion_rate', 'cart_abandonment_rate', 'funnel',
      'new_vs_returning', 'clv', 'repeat_rate_90d', 'days_between_purchases', 'top_customers',
      'email_open_rate', 'email_click_rate', 'social_engagement_rate', 'roas', 'mer', 'referral_conversion_rate',
      'verification_completion_rate', 'time_to_verification', 'refund_rate_unverified', 'shipping_time', 'support_response_time',
      'best_sellers', 'margin', 'low_performers', 'out_of_stock_incidents', 'inventory_turnover',
      'recovery_rate', 'recovered_revenue', 'recovery_roi',
    ]) {
      expect(ids).toContain(id);
    }
  });

  it('names the bad entry in the error', () => {
    const entries = loadCatalog();
    const bad = { version: 1, kpis: entries.map((e) => (e.id === 'conversion_rate' ? { ...e, target_low: 2 } : e)) };
    expect(() => parseCatalog(bad)).toThrow(CatalogError);
    expect(() => parseCatalog(bad)).toThrow(/"conversion_rate".*target_low/);
    const typo = { version: 1, kpis: [...entries, { ...entries[0], id: 'x_y', unit: 'dollars' }] };
    expect(() => parseCatalog(typo)).toThrow(/"x_y".*unit/);
    const dup = { version: 1, kpis: [...entries, entries[0]] };
    expect(() => parseCatalog(dup)).toThrow(/duplicate/);
  });

  it('validates the deviation baseline per KPI and the uptime block', () => {
    const entries = loadCatalog();
    const byId = new Map(entries.map((e) => [e.id, e]));
    expect(byId.get('orders')?.baseline).toBe('same_weekday_4w');
    expect(byId.get('aov')?.baseline).toBe('7d_mean');
    for (const e of entries) if (e.baseline != null) expect(e.deviation_threshold).not.toBeNull();
    const bad = { version: 1, kpis: entries.map((e) => (e.id === 'aov' ? { ...e, baseline: 'same_weekday' } : e)) };
    expect(() => parseCatalog(bad)).toThrow(/"aov".*baseline/);
    const orphan = { version: 1, kpis: entries.map((e) => (e.id === 'clv' ? { ...e, baseline: '7d_mean' } : e)) };
    expect(() => parseCatalog(orphan)).toThrow(/"clv".*baseline without deviation_threshold/);

    expect(loadUptimeSettings()).toEqual({ consecutive_failures: 2, probe_every_seconds: 60, targets: ['store', 'etl-health'], channel: 'sms' });
    const dir = mkdtempSync(path.join(tmpdir(), 'kpi-catalog-'));
    try {
      const doc = JSON.parse(readFileSync(CATALOG_PATH, 'utf8')) as { uptime: Record<string, unknown> };
      doc.uptime.consecutive_failures = 0;
      writeFileSync(path.join(dir, 'c.json'), JSON.stringify(doc));
      expect(() => loadUptimeSettings(path.join(dir, 'c.json'))).toThrow(/uptime\.consecutive_failures/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('keeps margin and inventory turnover admin-only', () => {
    const byId = new Map(loadCatalog().map((e) => [e.id, e]));
    expect(byId.get('margin')?.roles).toEqual(['kpi_admin']);
    expect(byId.get('inventory_turnover')?.roles).toEqual(['kpi_admin']);
  });

  it('syncs into kpi_catalog idempotently and the views read targets from it', async () => {
    const n = await syncCatalog(db);
    await syncCatalog(db);
    const rows = await db.query<{ n: string }>('SELECT count(*)::text AS n FROM kpi_catalog');
    expect(Number(rows.rows[0]?.n)).toBe(n);
    const funnel = await db.query<{ b: Record<string, number> }>(`SELECT step_benchmarks AS b FROM kpi_catalog WHERE id = 'funnel'`);
    expect(funnel.rows[0]?.b).toEqual({ add_to_cart: 0.9, checkout: 0.55, order: 0.5 });
    // November has 30 days: 100000 / 30 = 3333.33; February 2026 has 28: 100000 / 28 = 3571.43.
    const t = await db.query<{ nov: string; feb: string }>(
      `SELECT kpi.daily_revenue_target('2026-11-05')::text AS nov, kpi.daily_revenue_target('2026-02-10')::text AS feb`,
    );
    expect(t.rows[0]).toEqual({ nov: '3333.33', feb: '3571.43' });
    // An entry removed from the file disappears from the table.
    await syncCatalog(db, loadCatalog().filter((e) => e.id !== 'mer'));
    const mer = await db.query(`SELECT 1 FROM kpi_catalog WHERE id = 'mer'`);
    expect(mer.rows).toHaveLength(0);
    await syncCatalog(db);
  });

  it('refreshes every continuous aggregate, bounded and unbounded', async () => {
    await refreshAggregates(db, null, null);
    await refreshAggregates(db, new Date('2026-01-01T00:00:00Z'), new Date('2026-01-02T00:00:00Z'));
    const caggs = await db.query<{ name: string }>(
      `SELECT view_schema || '.' || view_name AS name FROM timescaledb_information.continuous_aggregates ORDER BY 1`,
    );
    expect(caggs.rows.map((r) => r.name).sort()).toEqual([...CONTINUOUS_AGGREGATES].sort());
  });
});
