import { closeSync, existsSync, mkdirSync, openSync, readFileSync, renameSync, statSync, unlinkSync, writeFileSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import path from 'node:path';

/** The data dir cannot be used at all (not a directory, not writable): a configuration error. */
export class DataDirUnusableError extends Error {
  constructor(public readonly dir: string, reason: string) {
    super(`DATA_DIR: ${dir} is not usable: ${reason}`);
    this.name = 'DataDirUnusableError';
  }
}

/** Another live process holds the data dir. */
export class DataDirLockedError extends Error {
  constructor(public readonly dir: string, public readonly pid: number, host: string) {
    super(
      `DATA_DIR ${dir} is in use by another process (pid ${pid} on ${host}): one embedded database, one process. ` +
        `Stop that process, or give this one its own DATA_DIR.`,
    );
    this.name = 'DataDirLockedError';
  }
}

export const LOCK_FILE = 'daemon.lock';
/** Lock files this process holds now: our own pid in one of them is not a stale leftover. */
const heldHere = new Set<string>();

interface Owner {
  pid: number;
  host: string;
  /** Kernel start time of the process (Linux), so a recycled pid is not taken for the owner. */
  started: string | null;
  /** The owner's database process: the dir stays held while it lives, even if the owner died. */
  child?: { pid: number; started: string | null };
}

function processStart(pid: number): string | null {
  try {
    // Field 22 of /proc/<pid>/stat, counted after the parenthesised command name.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19] ?? null;
  } catch {
    return null;
  }
}

/** A process that exited but was not reaped yet (its new parent, e.g. a container's init, may never): it holds nothing. */
function exited(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    return state === 'Z' || state === 'X';
  } catch {
    return false;
  }
}

function alive(owner: Owner): boolean {
  if (owner.host !== hostname()) return true; // cannot check another machine's process: assume it lives
  if (owner.pid === process.pid) return false; // our own pid from an earlier life (containers reuse pids)
  try {
    process.kill(owner.pid, 0);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  if (exited(owner.pid)) return false;
  const now = processStart(owner.pid);
  return !(owner.started && now && now !== owner.started);
}

/** The pid of the owner, or else of its database process, while one of them lives; null when the lock is stale. */
function livingHolder(owner: Owner): number | null {
  if (alive(owner)) return owner.pid;
  const child = owner.child;
  return child && alive({ pid: child.pid, host: owner.host, started: child.started }) ? child.pid : null;
}

function readOwner(file: string): Owner | null {
  try {
    const o = JSON.parse(readFileSync(file, 'utf8')) as Partial<Owner>;
    const child = o.child && typeof o.child.pid === 'number' ? { pid: o.child.pid, started: o.child.started ?? null } : undefined;
    return typeof o.pid === 'number' ? { pid: o.pid, host: String(o.host ?? hostname()), started: o.started ?? null, ...(child ? { child } : {}) } : null;
  } catch {
    return null; // half-written by a process that died while writing it
  }
}

function createExclusive(file: string, content: string): boolean {
  let fd: number;
  try {
    fd = openSync(file, 'wx', 0o644);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw err;
  }
  try {
    writeSync(fd, content);
  } finally {
    closeSync(fd);
  }
  return true;
}

/** The nearest ancestor of dir (or dir itself) that exists, and the missing parts below it. */
function existingAncestor(dir: string): { probe: string; missing: string[] } {
  let probe = path.resolve(dir);
  const missing: string[] = [];
  while (!existsSync(probe)) {
    const up = path.dirname(probe);
    if (up === probe) break;
    missing.unshift(probe);
    probe = up;
  }
  return { probe, missing };
}

/**
 * mkdir -p one level at a time. Node's own `mkdirSync(dir, { recursive: true })` never returns
 * under /proc (ENOENT on the child, EEXIST on the parent, retried forever).
 */
export function makeDirs(dir: string): void {
  for (const d of existingAncestor(dir).missing) {
    try {
      mkdirSync(d);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
  }
}

/** Checks the dir exists (or can be created) as a writable directory, without writing anything. */
export function checkDataDir(dir: string): void {
  const { probe } = existingAncestor(dir);
  let st;
  try {
    st = statSync(probe);
  } catch (err) {
    throw new DataDirUnusableError(dir, (err as Error).message);
  }
  if (!st.isDirectory()) throw new DataDirUnusableError(dir, `${probe} is not a directory`);
}

export interface DataDirLock {
  readonly file: string;
  /**
   * Records this process's database process in the lock, so the dir stays held while that one
   * lives: a daemon killed with SIGKILL leaves it running for a moment (it ends by itself).
   */
  adopt(childPid: number): void;
  release(): void;
}

/**
 * Takes the data dir for this process: creates it if needed, then creates `daemon.lock` with
 * O_EXCL holding our pid. A lock whose owner is dead (crash, SIGKILL) is stale and taken over;
 * a takeover is itself guarded by an O_EXCL file, so two processes finding the same stale lock
 * do not both win. Released on release() and on process exit.
 */
export function lockDataDir(dir: string): DataDirLock {
  const abs = path.resolve(dir);
  checkDataDir(abs);
  try {
    makeDirs(abs);
  } catch (err) {
    throw new DataDirUnusableError(dir, (err as Error).message);
  }
  const file = path.join(abs, LOCK_FILE);
  const me: Owner = { pid: process.pid, host: hostname(), started: processStart(process.pid) };
  const content = `${JSON.stringify(me)}\n`;
  const guard = `${file}.takeover`;
  let held = false;
  for (let attempt = 0; attempt < 5 && !held; attempt++) {
    try {
      held = createExclusive(file, content);
    } catch (err) {
      throw new DataDirUnusableError(dir, (err as Error).message);
    }
    if (held) break;
    const owner = readOwner(file);
    if (heldHere.has(file)) throw new DataDirLockedError(abs, process.pid, hostname());
    const holder = owner && livingHolder(owner);
    if (owner && holder) throw new DataDirLockedError(abs, holder, owner.host);
    if (!createExclusive(guard, content)) {
      const g = readOwner(guard);
      if (g && alive(g)) throw new DataDirLockedError(abs, g.pid, g.host);
      unlinkQuiet(guard);
      continue;
    }
    try {
      // Re-read under the guard: another process may have taken over since we looked.
      const again = readOwner(file);
      const holderAgain = again && livingHolder(again);
      if (again && holderAgain) throw new DataDirLockedError(abs, holderAgain, again.host);
      unlinkQuiet(file);
    } finally {
      unlinkQuiet(guard);
    }
  }
  if (!held) throw new DataDirUnusableError(dir, `could not take ${file}`);
  heldHere.add(file);
  let released = false;
  const release = () => {
    if (released) return;
    released = true;
    heldHere.delete(file);
    process.off('exit', release);
    if (readOwner(file)?.pid === process.pid) unlinkQuiet(file);
  };
  process.on('exit', release);
  const adopt = (childPid: number) => {
    if (released) return;
    const next: Owner = { ...me, child: { pid: childPid, started: processStart(childPid) } };
    // Replaced by a rename, never rewritten in place: a reader must not see a half-written lock,
    // which it would take for a stale one.
    const tmp = `${file}.${process.pid}.tmp`;
    writeFileSync(tmp, `${JSON.stringify(next)}\n`);
    renameSync(tmp, file);
  };
  return { file, adopt, release };
}

function unlinkQuiet(file: string): void {
  try {
    unlinkSync(file);
  } catch {
    // already gone
  }
}
