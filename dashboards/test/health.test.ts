// The system-health dashboard's SQL, expanded as Grafana expands it and run as kpi_admin against
// a database with known sync runs, dead letters and API request figures.
import { healthDashboard } from '../src/dashboards/health';
import { expandSql } from '../src/macros';
import { EXPAND } from './expand';
import { openKpiDb, queryAs, type KpiDb } from './helpers/db';
import { SEED_SQL } from './helpers/seed';

// Inside the seed range (2026-10-12 00:00 → 2026-10-13 15:00 EDT), plus runs "now" for the lag.
const HEALTH_SQL = `
INSERT INTO etl_runs (source, stream, started_at, finished_at, status, rows_read, rows_upserted, rows_rejected, api_calls, breaker_state, error) VALUES
  ('square', 'orders',  '2026-10-12T14:00:00Z', '2026-10-12T14:00:02Z', 'ok',    50, 40, 1, 3, 'closed', NULL),
  ('square', 'orders',  '2026-10-12T15:00:00Z', '2026-10-12T15:00:01Z', 'error',  0,  0, 0, 5, 'open',   'HTTP 503 from Square'),
  ('ga4',    'traffic', '2026-10-12T16:00:00Z', '2026-10-12T16:00:04Z', 'ok',    10, 10, 0, 1, 'closed', NULL),
  ('ga4',    'traffic', now() - interval '125 seconds', now() - interval '120 seconds', 'ok', 5, 5, 0, 1, 'closed', NULL),
  ('square', 'orders',  now() - interval '61 seconds', now() - interval '60 seconds', 'error', 0, 0, 0, 2, 'open', 'HTTP 503 from Square');
INSERT INTO dead_letters (received_at, source, stream, source_id, reason, payload) VALUES
  ('2026-10-12T14:00:01Z', 'square', 'orders', 'o-1', 'total_cents: expected integer', '{}'),
  ('2026-10-12T14:00:01Z', 'square', 'orders', 'o-2', 'total_cents: expected integer', '{}'),
  ('2026-10-13T10:00:00Z', 'ga4', 'traffic', 'g-1', 'day: not a date', '{}'),
  ('2026-09-01T10:00:00Z', 'ga4', 'traffic', 'g-0', 'day: not a date', '{}');
INSERT INTO api_request_stats (minute, route, requests, errors, rejected, p50_ms, p99_ms, max_ms) VALUES
  ('2026-10-12T14:00:00Z', '/api/v1/dashboard/top-products', 120, 0, 2, 1.20, 6.50, 9.00),
  ('2026-10-12T14:01:00Z', '/api/v1/dashboard/top-products', 80, 1, 0, 1.10, 12.25, 40.00),
  ('2026-10-12T14:01:00Z', '/metrics', 2, 0, 0, 0.80, 0.90, 0.90);
`;

const d = healthDashboard();
let db: KpiDb;
beforeAll(async () => {
  db = await openKpiDb(SEED_SQL + HEALTH_SQL);
});
afterAll(async () => {
  await db?.close();
});

const run = async (panelId: number) => {
  const q = d.queries.find((x) => x.panelId === panelId)!;
  const r = await queryAs(db.pglite, 'kpi_admin', expandSql(q.rawSql, EXPAND));
  expect(r.fields).toEqual(q.columns);
  return r.rows;
};
const plain = (rows: Array<Record<string, unknown>>) => rows.map((r) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, typeof v === 'bigint' ? Number(v) : v])));

test('it is an admin dashboard reading only adm views', () => {
  expect(d).toMatchObject({ role: 'admin', orgId: 1, file: 'admin/health.json' });
  for (const q of d.queries) expect(q.rawSql).toMatch(/adm\.(etl_runs|dead_letters|api_request_stats)/);
});

test('sources: sync lag, last status and breaker, runs and errors in the range', async () => {
  const rows = plain(await run(2));
  expect(rows.map((r) => ({ ...r, lag_seconds: Math.round(Number(r.lag_seconds) / 10) * 10 }))).toEqual([
    { source: 'ga4', lag_seconds: 120, last_status: 'ok', breaker_state: 'closed', runs: 1, errors: 0 },
    // square's last success is the 2026-10-12 14:00 run; its latest run failed with the breaker open.
    { source: 'square', lag_seconds: expect.any(Number), last_status: 'error', breaker_state: 'open', runs: 2, errors: 1 },
  ]);
  const square = rows.find((r) => r.source === 'square')!;
  expect(Math.abs(Number(square.lag_seconds) - (Date.now() - Date.parse('2026-10-12T14:00:02Z')) / 1000)).toBeLessThan(30);
});

test('open breakers, errors in range, worst lag', async () => {
  expect(plain(await run(3))).toEqual([{ open_breakers: 1 }]);
  expect(plain(await run(4))).toEqual([{ errors: 1 }]);
  const [worst] = await run(5);
  expect(Number(worst!.lag_seconds)).toBeGreaterThan(86_400);
});

test('rows per run and recent errors', async () => {
  expect(plain(await run(6)).map((r) => [r.metric, r.rows_upserted])).toEqual([
    ['square/orders', 40],
    ['square/orders', 0],
    ['ga4/traffic', 10],
  ]);
  expect(plain(await run(8)).map((r) => [r.source, r.error, r.breaker_state])).toEqual([['square', 'HTTP 503 from Square', 'open']]);
});

test('dead letters in the range, by source and by reason', async () => {
  expect(plain(await run(11))).toEqual([{ dead_letters: 3 }]);
  expect(plain(await run(12))).toEqual([
    { source: 'square', dead_letters: 2 },
    { source: 'ga4', dead_letters: 1 },
  ]);
  expect(plain(await run(13)).map((r) => [r.source, r.reason, r.dead_letters])).toEqual([
    ['square', 'total_cents: expected integer', 2],
    ['ga4', 'day: not a date', 1],
  ]);
});

test('API latency: worst p99 minute, 5xx, per-route series', async () => {
  expect(plain(await run(21)).map((r) => [String(r.p99_ms), Number(r.requests), Number(r.errors)])).toEqual([['12.25', 202, 1]]);
  expect(plain(await run(22)).map((r) => Number(r.errors))).toEqual([1]);
  expect((await run(23)).map((r) => [r.metric, String(r.p99_ms)])).toEqual([
    ['/api/v1/dashboard/top-products', '6.50'],
    ['/api/v1/dashboard/top-products', '12.25'],
    ['/metrics', '0.90'],
  ]);
});

test('the payload of a dead letter (possibly customer data) is not readable through adm', async () => {
  await expect(queryAs(db.pglite, 'kpi_admin', 'SELECT payload FROM adm.dead_letters')).rejects.toThrow(/column "payload" does not exist/);
  await expect(queryAs(db.pglite, 'kpi_admin', 'SELECT * FROM public.dead_letters')).rejects.toThrow(/permission denied/);
  await expect(queryAs(db.pglite, 'kpi_manager', 'SELECT * FROM adm.etl_runs')).rejects.toThrow(/permission denied/);
});
