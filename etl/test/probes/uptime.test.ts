// Uptime probes against a real local HTTP server, written into the embedded TimescaleDB.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { cronEvery, probe, probeTargets, recordProbes, scheduleUptimeProbes, type ProbeResult } from '../../src/probes/uptime';
import { loadUptimeSettings } from '../../src/kpi/catalog';
import { Scheduler } from '../../src/jobs/scheduler';
import type { JobLock } from '../../src/jobs/lock';
import { logger } from '../../src/log/logger';
import { createTestDb, type TestDb } from '../helpers/testDb';

let server: Server;
let base: string;
let db: TestDb;

beforeAll(async () => {
  server = createServer((req, res) => {
    if (req.url === '/healthz') return void res.writeHead(200, { 'Content-Type': 'application/json' }).end('{"status":"ok"}');
    if (req.url === '/down') return void res.writeHead(503).end('maintenance');
    if (req.url === '/moved') return void res.writeHead(302, { Location: '/healthz' }).end();
    if (req.url === '/slow') return void setTimeout(() => res.writeHead(200).end('late'), 2000);
    res.writeHead(404).end();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  db = await createTestDb();
});
afterAll(async () => {
  await db?.close();
  server?.closeAllConnections();
  await new Promise((r) => server?.close(r));
});

test('2xx (also after a redirect) is ok; 503, a timeout and a refused connection are failures', async () => {
  const ok = await probe({ target: 'etl-health', url: `${base}/healthz` }, 5000);
  expect(ok).toMatchObject({ ok: true, statusCode: 200 });
  expect(ok.latencyMs).toBeGreaterThanOrEqual(0);
  expect(await probe({ target: 'store', url: `${base}/moved` }, 5000)).toMatchObject({ ok: true, statusCode: 200 });
  expect(await probe({ target: 'store', url: `${base}/down` }, 5000)).toMatchObject({ ok: false, statusCode: 503 });
  expect(await probe({ target: 'store', url: `${base}/slow` }, 300)).toMatchObject({ ok: false, statusCode: null, latencyMs: null, error: 'no answer within 300 ms' });
  const refused = await probe({ target: 'store', url: 'http://127.0.0.1:1/' }, 500);
  expect(refused).toMatchObject({ ok: false, statusCode: null });
  expect(refused.error).toMatch(/fetch failed/);
});

test('results land in uptime_probes once, even when written twice', async () => {
  const at = new Date('2026-11-21T10:02:00Z');
  const results: ProbeResult[] = [
    { target: 'store', probedAt: at, ok: false, statusCode: 503, latencyMs: 40 },
    { target: 'etl-health', probedAt: at, ok: true, statusCode: 200, latencyMs: 3 },
  ];
  expect(await recordProbes(db, results)).toBe(2);
  expect(await recordProbes(db, results)).toBe(0);
  const r = await db.query<{ target: string; ok: boolean; status_code: number | null; source: string }>(
    `SELECT target, ok, status_code, source FROM uptime_probes WHERE probed_at = $1 ORDER BY target`,
    [at.toISOString()],
  );
  expect(r.rows).toEqual([
    { target: 'etl-health', ok: true, status_code: 200, source: 'probe' },
    { target: 'store', ok: false, status_code: 503, source: 'probe' },
  ]);
});

test('targets: the store only with STORE_URL, the health endpoint always; the schedule follows the catalog', () => {
  const settings = loadUptimeSettings();
  expect(settings.probe_every_seconds).toBe(60);
  expect(probeTargets({ STORE_URL: undefined, PROBE_HEALTHZ_URL: `${base}/healthz` }, settings)).toEqual([{ target: 'etl-health', url: `${base}/healthz` }]);
  expect(probeTargets({ STORE_URL: 'https://shop.example', PROBE_HEALTHZ_URL: `${base}/healthz` }, settings).map((t) => t.target)).toEqual(['store', 'etl-health']);
  expect(cronEvery(60)).toBe('0 */1 * * * *');
  expect(cronEvery(15)).toBe('*/15 * * * * *');
  expect(() => cronEvery(45)).toThrow(/probe_every_seconds = 45/);
});

test('the scheduled job probes every target and writes the rows', async () => {
  // A lock that always grants: the scheduler's Redis lock is not what this test is about.
  const lock: JobLock = {
    withLock: async <T>(_name: string, _ttl: number, run: () => Promise<T>) => ({ ran: true as const, value: await run() }),
    close: async () => undefined,
  };
  const scheduler = new Scheduler(lock, logger);
  const added: Array<Parameters<Scheduler['add']>[0]> = [];
  const add = scheduler.add.bind(scheduler);
  scheduler.add = (job) => {
    added.push(job);
    add(job);
  };
  const targets = scheduleUptimeProbes(scheduler, db, { STORE_URL: `${base}/down`, PROBE_HEALTHZ_URL: `${base}/healthz` }, logger);
  expect(targets).toHaveLength(2);
  expect(added.map((j) => [j.name, j.cron])).toEqual([['uptime-probes', '0 */1 * * * *']]);
  const before = Date.now();
  await scheduler.trigger(added[0]!);
  await scheduler.stop();
  const r = await db.query<{ target: string; ok: boolean }>(
    `SELECT target, ok FROM uptime_probes WHERE source = 'probe' AND probed_at >= $1 ORDER BY target`,
    [new Date(before - 1000).toISOString()],
  );
  expect(r.rows).toEqual([
    { target: 'etl-health', ok: true },
    { target: 'store', ok: false },
  ]);
});
