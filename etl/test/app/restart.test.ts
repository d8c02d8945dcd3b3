import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Client } from 'pg';
import { LOCK_FILE } from '../../src/db/dataDirLock';
import { DaemonProcess, tableCounts, type TableCounts } from '../helpers/daemonProcess';

/**
 * The daemon as real processes on real data dirs: started, stopped, killed and restarted, a
 * second process on a held dir, and a client stuck on the socket at SIGTERM. A small frozen
 * world (3 days, scale 0.2, a pinned clock) so every run loads the same rows and takes seconds.
 */
describe('daemon restarts on one data dir', () => {
  const root = mkdtempSync(path.join(tmpdir(), 'kpi-restart-'));
  const rareCron = '0 0 3 1 1 *'; // keep the scheduled jobs out of the comparison
  const envFor = (dir: string): Record<string, string> => ({
    DATA_DIR: path.join(root, dir),
    EMBEDDED_PG_PORT: '0',
    HTTP_PORT: '0',
    BACKFILL_DAYS: '3',
    SIMULATOR_SCALE: '0.2',
    SIMULATOR_SEED: '11',
    SIMULATOR_NOW: '2026-11-20T19:30:00Z',
    SYNC_CRON: rareCron,
    REFRESH_CRON: rareCron,
    LOG_LEVEL: 'debug',
  });
  let reference: TableCounts;
  const running: DaemonProcess[] = [];
  const start = (dir: string, opts: { group?: boolean } = {}) => {
    const d = new DaemonProcess(envFor(dir), opts);
    running.push(d);
    return d;
  };
  const stopCleanly = async (d: DaemonProcess, how: 'SIGTERM' | 'Ctrl-C' = 'SIGTERM') => {
    if (how === 'Ctrl-C') d.signalGroup('SIGINT');
    else d.signal('SIGTERM');
    const e = await d.exit(20_000);
    expect(e).toMatchObject({ code: 0, signal: null });
    expect(e.ms).toBeLessThan(10_000);
    expect(d.stderr).toContain('"message":"stopped cleanly"');
    return e;
  };
  const expectReference = (c: TableCounts) => {
    expect(c.counts).toEqual(reference.counts);
    expect(Object.values(c.duplicateKeys).every((n) => n === 0)).toBe(true);
  };

  /** The daemon's database process, as its data dir lock records it. */
  const databasePid = (dir: string): number => (JSON.parse(readFileSync(path.join(root, dir, LOCK_FILE), 'utf8')) as { child: { pid: number } }).child.pid;
  /** Running, not merely awaiting its reaping by init (a zombie holds no file and no port). */
  const alive = (pid: number): boolean => {
    try {
      return !/\) [ZX] /.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
    } catch {
      return false;
    }
  };

  afterAll(async () => {
    for (const d of running) if (d.proc.exitCode === null && d.proc.signalCode === null) d.proc.kill('SIGKILL');
    rmSync(root, { recursive: true, force: true });
  });

  let heldUrl = '';
  let held: DaemonProcess;

  it('clean stop, then start again: the same rows, no duplicates', async () => {
    const first = start('a');
    const url = await first.ready();
    reference = await tableCounts(url);
    expect(reference.counts['public.orders']).toBeGreaterThan(20);
    expect(reference.counts['kpi.orders_daily (materialized)']).toBeGreaterThan(0);
    expect(Object.values(reference.duplicateKeys)).toEqual(Object.values(reference.duplicateKeys).map(() => 0));
    const e = await stopCleanly(first);
    process.stderr.write(`clean stop after start-up: exit ${e.code} in ${e.ms} ms\n`);
    expect(existsSync(path.join(root, 'a', LOCK_FILE))).toBe(false);

    held = start('a');
    heldUrl = await held.ready();
    expectReference(await tableCounts(heldUrl));
  }, 300_000);

  it('the start banner names a command that exists, and it prints the summary from the running daemon', () => {
    const named = held.stdout.match(/Today's KPIs:\s+(npm run (\S+))/);
    expect(named?.[1]).toBe('npm run summary');
    const repo = path.resolve(__dirname, '../../..');
    const scripts = (JSON.parse(readFileSync(path.join(repo, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts;
    expect(scripts[named?.[2] ?? '']).toBeDefined();
    const port = new URL(heldUrl).port;
    const r = spawnSync('npm', ['run', '--silent', 'summary'], {
      cwd: repo,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', DATA_DIR: path.join(root, 'a'), EMBEDDED_PG_PORT: port },
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/Today \d{4}-\d\d-\d\d \(America\/New_York\)/);
  }, 90_000);

  it('a second process on the held dir is refused, names the dir and the pid, and writes nothing', async () => {
    const dir = path.join(root, 'a');
    const before = { files: readdirSync(dir).sort(), lock: readFileSync(path.join(dir, LOCK_FILE), 'utf8') };
    const second = start('a');
    const e = await second.exit(30_000);
    expect(e.code).toBe(3);
    expect(second.stderr).toContain(`DATA_DIR ${dir} is in use by another process (pid ${held.pid}`);
    expect({ files: readdirSync(dir).sort(), lock: readFileSync(path.join(dir, LOCK_FILE), 'utf8') }).toEqual(before);
    expect(second.stderr).not.toContain('migrations');
    expectReference(await tableCounts(heldUrl));
  }, 60_000);

  it('SIGTERM while a client holds the socket and another waits: exit 0 within 10 s; the dir reopens with the same rows', async () => {
    const holder = new Client({ connectionString: heldUrl });
    holder.on('error', () => undefined);
    await holder.connect();
    await holder.query('BEGIN');
    await holder.query('SELECT count(*) FROM orders');
    const waiter = new Client({ connectionString: heldUrl });
    waiter.on('error', () => undefined);
    const waiting = waiter.connect().then(
      () => 'connected',
      () => 'refused',
    );
    await new Promise((r) => setTimeout(r, 300));
    const e = await stopCleanly(held);
    process.stderr.write(`SIGTERM with a client holding the socket and one queued: exit ${e.code} in ${e.ms} ms\n`);
    expect(held.stderr).toContain('"database":"closed"');
    expect(await waiting).toBe('refused');
    await holder.end().catch(() => undefined);

    const again = start('a');
    expectReference(await tableCounts(await again.ready()));
    await stopCleanly(again);
  }, 300_000);

  it('two started at the same moment on an empty dir: one runs, the other is refused', async () => {
    const pair = [start('twins'), start('twins')];
    const first = await Promise.race(pair.map((d) => d.exit(120_000).then((e) => ({ d, e }))));
    expect(first.e.code).toBe(3);
    const winner = pair.find((d) => d !== first.d) as DaemonProcess;
    expect(first.d.stderr).toContain(`(pid ${winner.pid}`);
    // The winner was not disturbed: it stops cleanly (the dir reopening is shown above and below).
    await stopCleanly(winner);
  }, 300_000);

  it('Ctrl-C reaches the database process too: exit 0 within 10 s, database closed; SIGKILL leaves no database process; a restart has the same rows; its database process dying ends it with 1', async () => {
    const first = start('e', { group: true });
    await first.ready();
    const dbPid = databasePid('e');
    expect(dbPid).not.toBe(first.pid);
    const e = await stopCleanly(first, 'Ctrl-C');
    process.stderr.write(`Ctrl-C to the process group: exit ${e.code} in ${e.ms} ms\n`);
    expect(first.stderr).toContain('"database":"closed"');
    expect(alive(dbPid)).toBe(false);

    // Killed while a client's long query keeps the database process busy: its IPC channel closing
    // would only be noticed after the query, the watchdog ends it at once.
    const victim = start('e');
    const busy = new Client({ connectionString: await victim.ready() });
    busy.on('error', () => undefined);
    await busy.connect();
    const sleeping = busy.query('SELECT pg_sleep(30)').catch(() => 'cut');
    await new Promise((r) => setTimeout(r, 300));
    const orphan = databasePid('e');
    victim.signal('SIGKILL');
    expect((await victim.exit()).signal).toBe('SIGKILL');
    const t0 = Date.now();
    while (alive(orphan) && Date.now() - t0 < 5_000) await new Promise((r) => setTimeout(r, 50));
    process.stderr.write(`database process gone ${Date.now() - t0} ms after its daemon's SIGKILL\n`);
    expect(alive(orphan)).toBe(false);
    expect(await sleeping).toBe('cut');

    // The dir reopens; then its database process dying on its own ends the daemon as a crash.
    const again = start('e');
    expectReference(await tableCounts(await again.ready()));
    process.kill(databasePid('e'), 'SIGKILL');
    expect((await again.exit(10_000)).code).toBe(1);
    expect(again.stderr).toContain('"message":"embedded database process died; exiting"');
    expect(again.stderr).toContain('signal SIGKILL');
    expect(existsSync(path.join(root, 'e', LOCK_FILE))).toBe(false);
  }, 300_000);

  it('SIGKILL mid-backfill, then start again: the same rows as the uninterrupted run', async () => {
    const victim = start('b');
    await victim.waitFor(/"message":"simulator day committed"/);
    victim.signal('SIGKILL');
    expect((await victim.exit()).signal).toBe('SIGKILL');
    // Killed inside the backfill: its closing line never came.
    expect(victim.stderr).not.toContain('"message":"simulator sync"');

    const again = start('b');
    expectReference(await tableCounts(await again.ready()));
    await stopCleanly(again);
  }, 300_000);

  it('SIGTERM mid-backfill: finishes the day in flight, exits 0 within 10 s; a restart completes the same rows', async () => {
    const stopped = start('c');
    await stopped.waitFor(/"message":"simulator day committed"/);
    const e = await stopCleanly(stopped);
    process.stderr.write(`SIGTERM mid-backfill: exit ${e.code} in ${e.ms} ms\n`);
    expect(stopped.stderr).not.toContain('aggregates refreshed after backfill');

    const again = start('c');
    expectReference(await tableCounts(await again.ready()));
    await stopCleanly(again);
  }, 300_000);

  it('SIGTERM while opening and migrating the database: exit 0 within 10 s; a restart completes the same rows', async () => {
    const early = start('d');
    await early.waitFor(/"message":"opening the embedded database"/);
    const e = await stopCleanly(early);
    process.stderr.write(`SIGTERM while opening/migrating: exit ${e.code} in ${e.ms} ms\n`);
    expect(early.stdout).not.toContain('Embedded TimescaleDB is up');

    const again = start('d');
    expectReference(await tableCounts(await again.ready()));
    await stopCleanly(again);
  }, 300_000);
});
