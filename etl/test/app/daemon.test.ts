import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Client } from 'pg';
import { startApp, type App } from '../../src/app';
import { loadConfig } from '../../src/config/config';
import { logger } from '../../src/log/logger';
import { readSummary, formatSummary } from '../../src/cli/summaryReport';
import { syncSimulator } from '../../src/jobs/syncSimulator';
import { StoreSimulator } from '../../src/sources/simulator';

/**
 * The daemon end to end on the embedded defaults: migrate, backfill the simulator, serve the
 * database on a loopback port where a plain `pg` client (what psql and Grafana speak) sees the
 * orders, then stop cleanly. The clock is fixed so the numbers are reproducible.
 */
describe('daemon on embedded defaults', () => {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'kpi-daemon-'));
  const now = new Date('2026-11-20T19:30:00Z'); // 14:30 in New York
  let app: App;

  beforeAll(async () => {
    const config = loadConfig({ DATA_DIR: dataDir, EMBEDDED_PG_PORT: '0', HTTP_PORT: '0', BACKFILL_DAYS: '5', KPI_MANAGER_PASSWORD: 'manager-secret' });
    app = await startApp(config, logger, { now: () => now });
  }, 120_000);
  afterAll(async () => {
    await app?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('backfills the simulated days and a pg client on the printed port sees the same orders', async () => {
    expect(app.backfill?.days).toBe(5);
    expect(app.backfill?.rejected).toBe(0);
    expect(app.embeddedUrl).toMatch(/^postgresql:\/\/postgres:postgres@127\.0\.0\.1:\d+\/postgres\?sslmode=disable$/);
    const inProcess = await app.db.query<{ n: string }>('SELECT count(*)::text AS n FROM orders');
    const client = new Client({ connectionString: app.embeddedUrl ?? '' });
    await client.connect();
    try {
      const r = await client.query<{ n: string; last: Date }>('SELECT count(*)::text AS n, max(placed_at) AS last FROM orders');
      expect(r.rows[0]?.n).toBe(inProcess.rows[0]?.n);
      expect(Number(r.rows[0]?.n)).toBeGreaterThan(5 * 20);
      expect(r.rows[0]?.last.getTime()).toBeLessThanOrEqual(now.getTime());
    } finally {
      await client.end();
    }
  });

  it('a second sync of the same instant changes nothing', async () => {
    const before = await app.db.query('SELECT order_id, status, updated_at FROM orders ORDER BY order_id');
    const opened = await app.db.query<{ value: string }>(`SELECT value FROM store_settings WHERE key = 'simulator_opened_on'`);
    const sim = new StoreSimulator({ seed: 42, scale: 1, timeZone: 'America/New_York', openedOn: opened.rows[0]?.value ?? '' });
    const stats = await syncSimulator(app.db, sim, { timeZone: 'America/New_York', openedOn: opened.rows[0]?.value ?? '', now, log: logger });
    expect(stats.received).toBeGreaterThan(0);
    expect(stats.changed).toBe(0);
    const after = await app.db.query('SELECT order_id, status, updated_at FROM orders ORDER BY order_id');
    expect(after.rows).toEqual(before.rows);
  });

  it('the summary reads today against targets from the catalog', async () => {
    const s = await readSummary(app.db, now);
    expect(s.day).toBe('2026-11-20');
    expect(s.targetDay).toBeCloseTo(100000 / 30, 2);
    const orders = await app.db.query<{ n: string }>(
      `SELECT count(*)::text AS n FROM orders WHERE status <> 'cancelled' AND NOT is_test AND placed_at >= '2026-11-20T05:00:00Z' AND placed_at <= $1`,
      [now.toISOString()],
    );
    expect(s.orders).toBe(Number(orders.rows[0]?.n));
    const text = formatSummary(s, 'America/New_York', 'USD');
    expect(text).toContain('Today 2026-11-20 (America/New_York) as of 14:30');
    expect(text).toMatch(/Revenue so far\s+\$[\d,]+\.\d\d/);
    expect(text).toMatch(/Conversion rate/);
  });

  it('sets the login role password from the environment', async () => {
    const r = await app.db.query<{ has: boolean }>(`SELECT rolpassword IS NOT NULL AS has FROM pg_authid WHERE rolname = 'kpi_manager'`);
    expect(r.rows).toEqual([{ has: true }]);
  });
});
