import { fork, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import type { Reply, WorkerEvent } from './embeddedProtocol';
import { connectEmbedded, type EmbeddedRemoteDb, type EmbeddedTransport } from './embeddedRemote';

/** How long a child that closed its database gets to exit by itself before it is killed. */
const EXIT_GRACE_MS = 2_000;

/**
 * The database process: embeddedWorker run by fork, with an IPC channel whose structured-clone
 * serialization keeps values (Dates, BigInts, buffers) as worker messages do. Under tsx/jest
 * (TypeScript sources) the child registers tsx's require hook first.
 */
function startChild(dataDir: string | undefined): ChildProcess {
  const ts = __filename.endsWith('.ts');
  const file = path.join(__dirname, `embeddedWorker${ts ? '.ts' : '.js'}`);
  return fork(file, dataDir ? [dataDir] : [], {
    execArgv: ts ? ['--require', require.resolve('tsx/cjs')] : [],
    serialization: 'advanced',
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
}

function childTransport(child: ChildProcess): EmbeddedTransport {
  const gone = new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else child.once('exit', () => resolve());
  });
  let spawnError: Error | null = null;
  child.on('error', (err) => (spawnError = err));
  // A parent ending without closing it (process.exit on a crash or an overrun stop) takes the
  // database with it before the data dir lock goes: prepended, this runs before the lock's exit
  // handler. The child also ends by itself once its channel closes (see embeddedWorker).
  const killOnExit = () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  };
  process.prependListener('exit', killOnExit);
  void gone.then(() => process.off('exit', killOnExit));
  const kill = async () => {
    killOnExit();
    await gone;
  };
  return {
    what: 'process',
    send: (req) => {
      if (child.connected) child.send(req);
    },
    onMessage: (cb) => child.on('message', (m: WorkerEvent | Reply) => cb(m)),
    onGone: (cb) => {
      child.once('exit', (code, signal) => cb(signal ? `signal ${signal}` : `code ${code}`));
      child.once('error', () => {
        // Never spawned: no exit event follows.
        if (child.pid === undefined) cb(`not started: ${spawnError?.message ?? 'spawn failed'}`);
      });
    },
    kill,
    async release() {
      if (child.connected) child.disconnect();
      let timer: NodeJS.Timeout | undefined;
      const late = await Promise.race([gone.then(() => false), new Promise<boolean>((r) => (timer = setTimeout(() => r(true), EXIT_GRACE_MS)))]);
      clearTimeout(timer);
      if (late) await kill();
    },
  };
}

export interface EmbeddedChildDb extends EmbeddedRemoteDb {
  /** The database process's pid. */
  readonly pid: number;
}

/**
 * Opens the embedded PGlite-TimescaleDB in a child process: a long query, its garbage and its
 * CPU stay out of this process, so the HTTP server keeps its latency. The child ignores SIGINT
 * and SIGTERM (Ctrl-C reaches the whole process group; this process closes it), and ends when
 * its IPC channel closes or this process dies. `onStart` gets its pid as soon as it exists
 * (before the database is open), e.g. to record it in the data dir lock.
 */
export async function openEmbeddedChild(dataDir?: string, opts: { signal?: AbortSignal; onStart?: (pid: number) => void } = {}): Promise<EmbeddedChildDb> {
  const child = startChild(dataDir);
  if (child.pid !== undefined) opts.onStart?.(child.pid);
  const db = await connectEmbedded(childTransport(child), opts);
  return Object.assign(db, { pid: child.pid as number });
}
