import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import path from 'node:path';
import { DataDirLockedError, DataDirUnusableError, LOCK_FILE, lockDataDir } from '../../src/db/dataDirLock';

describe('data dir lock', () => {
  const root = mkdtempSync(path.join(tmpdir(), 'kpi-lock-'));
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('is exclusive inside one process and released on release()', () => {
    const dir = path.join(root, 'a');
    const lock = lockDataDir(dir);
    expect(JSON.parse(readFileSync(path.join(dir, LOCK_FILE), 'utf8')).pid).toBe(process.pid);
    expect(() => lockDataDir(dir)).toThrow(DataDirLockedError);
    lock.release();
    expect(existsSync(path.join(dir, LOCK_FILE))).toBe(false);
    lockDataDir(dir).release();
  });

  it('refuses while another live process holds it, naming the dir and its pid', async () => {
    const dir = path.join(root, 'b');
    // Another process writes a lock with its own pid and stays alive.
    const holder = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
    try {
      lockDataDir(dir).release();
      writeFileSync(path.join(dir, LOCK_FILE), JSON.stringify({ pid: holder.pid, host: hostname(), started: null }));
      let err: unknown;
      try {
        lockDataDir(dir);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(DataDirLockedError);
      expect((err as Error).message).toContain(path.resolve(dir));
      expect((err as Error).message).toContain(`pid ${holder.pid}`);
    } finally {
      holder.kill('SIGKILL');
    }
  });

  it('takes over the lock of a process that died (crash, SIGKILL)', () => {
    const dir = path.join(root, 'c');
    const dead = spawnSync(process.execPath, ['-e', 'process.exit(0)']).pid;
    lockDataDir(dir).release();
    writeFileSync(path.join(dir, LOCK_FILE), JSON.stringify({ pid: dead, host: hostname(), started: '1' }));
    const lock = lockDataDir(dir);
    expect(JSON.parse(readFileSync(lock.file, 'utf8')).pid).toBe(process.pid);
    lock.release();
  });

  it('stays held while the dead owner\'s database process lives; stale once both are gone', async () => {
    const dir = path.join(root, 'e');
    const lock = lockDataDir(dir);
    const child = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
    const childGone = new Promise((r) => child.once('exit', r));
    try {
      lock.adopt(child.pid as number);
      const recorded = JSON.parse(readFileSync(lock.file, 'utf8')) as { pid: number; child: { pid: number } };
      expect(recorded.pid).toBe(process.pid);
      expect(recorded.child.pid).toBe(child.pid);
      // The owner is now a dead process; its database process still runs.
      const dead = spawnSync(process.execPath, ['-e', 'process.exit(0)']).pid;
      writeFileSync(lock.file, JSON.stringify({ ...recorded, pid: dead, started: '1' }));
      lock.release(); // not ours any more: leaves the file alone
      expect(readFileSync(lock.file, 'utf8')).toContain(`"pid":${dead}`);
      expect(() => lockDataDir(dir)).toThrow(`pid ${child.pid}`);
    } finally {
      child.kill('SIGKILL');
    }
    await childGone;
    const again = lockDataDir(dir);
    expect(JSON.parse(readFileSync(again.file, 'utf8'))).toEqual({ pid: process.pid, host: hostname(), started: expect.anything() });
    again.release();
  });

  it('a database process that exited but was never reaped (a zombie) holds nothing', async () => {
    const dir = path.join(root, 'f');
    // sh starts `sleep 0` in the background, prints its pid and becomes `sleep 5`, which never reaps it.
    const parent = spawn('sh', ['-c', 'sleep 0 & echo $!; exec sleep 5'], { stdio: ['ignore', 'pipe', 'ignore'] });
    try {
      const zombie = Number(await new Promise<string>((r) => parent.stdout.once('data', (d: Buffer) => r(d.toString()))));
      for (let i = 0; i < 50 && !readFileSync(`/proc/${zombie}/stat`, 'utf8').includes(') Z '); i++) await new Promise((r) => setTimeout(r, 20));
      expect(readFileSync(`/proc/${zombie}/stat`, 'utf8')).toContain(') Z ');
      const dead = spawnSync(process.execPath, ['-e', 'process.exit(0)']).pid;
      lockDataDir(dir).release();
      writeFileSync(path.join(dir, LOCK_FILE), JSON.stringify({ pid: dead, host: hostname(), started: '1', child: { pid: zombie, started: null } }));
      const lock = lockDataDir(dir);
      expect(JSON.parse(readFileSync(lock.file, 'utf8')).pid).toBe(process.pid);
      lock.release();
    } finally {
      parent.kill('SIGKILL');
    }
  });

  it('a half-written lock file is stale', () => {
    const dir = path.join(root, 'd');
    lockDataDir(dir).release();
    writeFileSync(path.join(dir, LOCK_FILE), '{"pi');
    lockDataDir(dir).release();
  });

  it('an unusable dir is a clear error, without hanging', () => {
    expect(() => lockDataDir('/proc/kpi-no-such-dir')).toThrow(DataDirUnusableError);
    const file = path.join(root, 'a-file');
    writeFileSync(file, 'x');
    expect(() => lockDataDir(path.join(file, 'sub'))).toThrow(/DATA_DIR: .* is not usable: .*a-file is not a directory/);
  });
});
