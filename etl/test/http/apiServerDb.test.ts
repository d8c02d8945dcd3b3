/**
 * The KPI API against a real TimescaleDB server (the native build on 127.0.0.1:5434 where the
 * machine has one; TEST_TSDB_URL to point elsewhere): the same SQL, role switching and cache as on
 * the embedded database. Skipped, with the reason printed, when no server answers.
 */
import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import type { Db } from '../../src/db/db';
import { migrate } from '../../src/db/migrate';
import { openServer } from '../../src/db/server';
import { refreshAggregates } from '../../src/kpi/aggregates';
import { syncCatalog } from '../../src/kpi/catalog';
import { loadFixture, TZ } from '../kpi/fixture';
import { get, startTestServer, token, type TestServer } from './helpers';

const ADMIN_URL = process.env.TEST_TSDB_URL ?? 'postgresql://postgres@127.0.0.1:5434/postgres';
const dbName = `kpi_api_${randomUUID().replace(/-/g, '').slice(0, 12)}`;
let reachable = false;
let db: Db | null = null;
let srv: TestServer | null = null;

async function admin<T>(fn: (c: Client) => Promise<T>): Promise<T> {
  const c = new Client({ connectionString: ADMIN_URL, connectionTimeoutMillis: 2000 });
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}

beforeAll(async () => {
  try {
    const ext = await admin((c) => c.query(`SELECT 1 FROM pg_available_extensions WHERE name = 'timescaledb'`));
    if (ext.rowCount === 0) throw new Error('no timescaledb extension');
    reachable = true;
  } catch (err) {
    console.log(`skipping the API on a TimescaleDB server: ${ADMIN_URL.replace(/\/\/[^@]*@/, '//')} not usable (${(err as Error).message})`);
    return;
  }
  await admin((c) => c.query(`CREATE DATABASE ${dbName}`));
  const url = new URL(ADMIN_URL);
  url.pathname = `/${dbName}`;
  db = openServer(url.toString());
  await db.exec('CREATE EXTENSION IF NOT EXISTS timescaledb');
  await migrate(db, { timeZone: TZ });
  await syncCatalog(db);
  await loadFixture(db);
  await refreshAggregates(db, null, null);
  srv = await startTestServer(db, { dbIdentity: dbName });
}, 180_000);

afterAll(async () => {
  await srv?.close();
  await db?.close();
  if (reachable) await admin((c) => c.query(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`));
});

test('the endpoints return the server views’ figures, as each role, cached on the second call', async () => {
  if (!reachable || !srv || !db) return;
  const [adminTok, managerTok] = await Promise.all([token('admin'), token('manager')]);
  const top = await get(`${srv.url}/api/v1/dashboard/top-products?from=2026-03-05&to=2026-03-11&limit=2`, adminTok);
  expect(top.status).toBe(200);
  expect((top.body.products as Array<Record<string, unknown>>).map((p) => [p.sku, p.revenue, p.margin])).toEqual([
    ['P3', '90.00', '50.00'],
    ['P4', '90.00', '40.00'],
  ]);
  const today = await get(`${srv.url}/api/v1/dashboard/revenue-today?at=2026-03-06T12:00:00-05:00`, managerTok);
  const [v] = (await db.query<{ revenue: string; vs_yesterday_pct: string }>(`SELECT revenue, vs_yesterday_pct FROM mgr.revenue_comparison('2026-03-06T12:00:00-05:00')`)).rows;
  expect([today.body.revenue, (today.body.vs_yesterday as { change_pct: number }).change_pct]).toEqual([v?.revenue, Number(v?.vs_yesterday_pct)]);
  expect(today.body.revenue).toBe('90.00');
  const funnel = await get(`${srv.url}/api/v1/dashboard/conversion-funnel?from=2026-03-05&to=2026-03-06`, managerTok);
  expect((funnel.body.steps as Array<{ visitors: number }>).map((s) => s.visitors)).toEqual([6, 3, 3, 2]);
  const again = await get(`${srv.url}/api/v1/dashboard/conversion-funnel?from=2026-03-05&to=2026-03-06`, managerTok);
  expect(again.headers.get('x-cache')).toBe('hit');
  const m = await get(`${srv.url}/api/v1/dashboard/customer-insights?from=2026-03-05&to=2026-03-11`, managerTok);
  expect(m.status).toBe(200);
  expect(JSON.stringify(m.body)).not.toMatch(/cogs|margin/);
  const ready = await get(`${srv.url}/readyz`);
  expect(ready.status).toBe(200);
});
