import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DaemonProcess } from '../helpers/daemonProcess';

/**
 * Every configuration error stops the real daemon process before it writes anything: exit
 * code 2, a message naming the variable, and the data dir never created.
 */
describe('daemon configuration errors', () => {
  const root = mkdtempSync(path.join(tmpdir(), 'kpi-config-'));
  let busy: Server;
  let busyPort = 0;
  beforeAll(async () => {
    busy = createServer();
    await new Promise<void>((r) => busy.listen(0, '127.0.0.1', () => r()));
    busyPort = (busy.address() as { port: number }).port;
  });
  afterAll(async () => {
    await new Promise((r) => busy.close(r));
    rmSync(root, { recursive: true, force: true });
  });

  const cases: [string, () => Record<string, string>, RegExp][] = [
    ['an invalid SYNC_CRON', () => ({ SYNC_CRON: 'every 10 seconds' }), /SYNC_CRON: must be a node-cron expression/],
    ['an invalid REFRESH_CRON', () => ({ REFRESH_CRON: '99 * * * *' }), /REFRESH_CRON: must be a node-cron expression/],
    ['EMBEDDED_PG_PORT already in use', () => ({ EMBEDDED_PG_PORT: String(busyPort) }), /EMBEDDED_PG_PORT: 127\.0\.0\.1:\d+ is already in use/],
    ['HTTP_PORT already in use', () => ({ HTTP_PORT: String(busyPort) }), /HTTP_PORT: 127\.0\.0\.1:\d+ is already in use/],
    ['DATA_DIR under /proc', () => ({ DATA_DIR: '/proc/kpi-no-such-dir' }), /DATA_DIR: \/proc\/kpi-no-such-dir is not usable/],
    ['DATA_DIRR', () => ({ DATA_DIRR: 'x' }), /DATA_DIRR: unknown variable; did you mean DATA_DIR\?/],
    ['REDIS_URI', () => ({ REDIS_URI: 'redis://127.0.0.1:6379' }), /REDIS_URI: unknown variable; did you mean REDIS_URL\?/],
    ['LOG_LEVL', () => ({ LOG_LEVL: 'debug' }), /LOG_LEVL: unknown variable; did you mean LOG_LEVEL\?/],
    ['DATABSE_URL', () => ({ DATABSE_URL: 'postgresql://x@h/db' }), /DATABSE_URL: unknown variable; did you mean DATABASE_URL\?/],
    ['an unknown SIMULATOR_ variable', () => ({ SIMULATOR_SPEED: '2' }), /SIMULATOR_SPEED: unknown variable \(known: SIMULATOR_ENABLED/],
    ['a KPI password under 8 characters', () => ({ KPI_ADMIN_PASSWORD: 'abc' }), /KPI_ADMIN_PASSWORD: .*8/],
  ];

  it.each(cases)('%s: exit 2 naming the variable, data dir untouched', async (_name, env, message) => {
    const dataDir = path.join(root, `dir-${Math.random().toString(36).slice(2)}`);
    const d = new DaemonProcess({ DATA_DIR: dataDir, EMBEDDED_PG_PORT: '0', HTTP_PORT: '0', ...env() });
    const e = await d.exit(60_000);
    expect(e.code).toBe(2);
    expect(d.stderr).toMatch(message);
    expect(existsSync(dataDir)).toBe(false);
    expect(d.stderr).not.toContain('opening the embedded database');
  }, 60_000);
});
