import path from 'node:path';
import { Worker } from 'node:worker_threads';
import type { Db, Queryable, QueryResult } from './db';
import { deserializeError, type Reply, type Request, type WorkerEvent } from './embeddedProtocol';

type Body = Request extends infer R ? (R extends { id: number } ? Omit<R, 'id'> : never) : never;

export interface EmbeddedThreadDb extends Db {
  readonly kind: 'embedded';
  /** Serves the database on a loopback TCP port from the database's own thread. */
  serve(port: number, opts?: { host?: string; queueTimeoutMs?: number }): Promise<{ url: string; port: number }>;
  /** Stops the socket, force-closing its clients (bounded by the socket's own stop timeout). */
  unserve(timeoutMs: number): Promise<void>;
  /**
   * Stops the socket and closes the database; when the thread does not answer within timeoutMs
   * (a client's long query keeps it busy) the thread is terminated, and the next open recovers
   * from the write-ahead log as after a crash. Resolves to which of the two happened.
   */
  shutdown(timeoutMs: number): Promise<'closed' | 'terminated'>;
  /** Called once if the database thread dies on its own (a WASM abort, out of memory). */
  onCrash(cb: (err: Error) => void): void;
}

/**
 * The worker script: the compiled .js next to this file, or under tsx/jest (TypeScript sources)
 * a tiny bootstrap that registers tsx's require hook in the new thread before loading it.
 */
function startWorker(dataDir: string | undefined): Worker {
  const ts = __filename.endsWith('.ts');
  const file = path.join(__dirname, `embeddedWorker${ts ? '.ts' : '.js'}`);
  if (!ts) return new Worker(file, { workerData: { dataDir } });
  const boot = `require('tsx/cjs'); require(${JSON.stringify(file)});`;
  return new Worker(boot, { eval: true, workerData: { dataDir } });
}

/**
 * Opens the embedded PGlite-TimescaleDB in a worker thread and returns a Db that talks to it by
 * messages. Same SQL, same single session, same transactions as the in-thread `openEmbedded`.
 */
export async function openEmbeddedThread(dataDir?: string, opts: { signal?: AbortSignal } = {}): Promise<EmbeddedThreadDb> {
  const worker = startWorker(dataDir);
  const pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  let nextId = 1;
  let dead: Error | null = null;
  let closing = false;
  const crashListeners: ((err: Error) => void)[] = [];

  await new Promise<void>((resolve, reject) => {
    const onEarlyExit = (code: number) => reject(new Error(`embedded database thread exited with code ${code} while opening`));
    // A stop while opening ends the thread at once: an existing dir recovers from its WAL as
    // after a crash, a new one is created under a temporary name (see embeddedWorker).
    const onAbort = () => {
      worker.off('exit', onEarlyExit);
      void worker.terminate().then(() => reject(new Error('opening the embedded database was stopped')));
    };
    opts.signal?.addEventListener('abort', onAbort, { once: true });
    if (opts.signal?.aborted) onAbort();
    worker.once('error', reject);
    worker.once('exit', onEarlyExit);
    worker.once('message', (ev: WorkerEvent) => {
      opts.signal?.removeEventListener('abort', onAbort);
      worker.off('error', reject);
      worker.off('exit', onEarlyExit);
      if (ev.ready) resolve();
      else {
        void worker.terminate();
        reject(deserializeError(ev.error));
      }
    });
  });

  const fail = (err: Error) => {
    if (dead) return;
    dead = err;
    for (const p of pending.values()) p.reject(err);
    pending.clear();
    if (!closing) for (const cb of crashListeners) cb(err);
  };
  worker.on('message', (r: Reply) => {
    const p = pending.get(r.id);
    if (!p) return;
    pending.delete(r.id);
    if (r.ok) p.resolve(r.value);
    else p.reject(deserializeError(r.error));
  });
  worker.on('error', (err) => fail(err));
  worker.on('exit', (code) => fail(new Error(`embedded database thread exited (code ${code})`)));

  const call = <T>(body: Body): Promise<T> => {
    if (dead) return Promise.reject(dead);
    const id = nextId++;
    return new Promise<T>((resolve, reject) => {
      pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      worker.postMessage({ ...body, id } as Request);
    });
  };
  const on = (tx?: number): Queryable => ({
    query: <T>(sql: string, params?: unknown[]) => call<QueryResult<T>>({ op: 'query', sql, params, tx }),
    exec: (sql: string) => call<void>({ op: 'exec', sql, tx }),
  });

  let shutdownOnce: Promise<'closed' | 'terminated'> | null = null;
  const shutdown = (timeoutMs: number): Promise<'closed' | 'terminated'> => {
    closing = true;
    shutdownOnce ??= (async () => {
      let timer: NodeJS.Timeout | undefined;
      const late = new Promise<'late'>((r) => (timer = setTimeout(() => r('late'), timeoutMs)));
      const outcome = await Promise.race([call<void>({ op: 'close' }).then(() => 'closed' as const, () => 'closed' as const), late]);
      clearTimeout(timer);
      await worker.terminate();
      return outcome === 'late' ? 'terminated' : 'closed';
    })();
    return shutdownOnce;
  };

  return {
    kind: 'embedded',
    ...on(),
    async transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T> {
      const tx = await call<number>({ op: 'begin' });
      let out: T;
      try {
        out = await fn(on(tx));
      } catch (err) {
        await call<void>({ op: 'end', tx, commit: false }).catch(() => undefined);
        throw err;
      }
      await call<void>({ op: 'end', tx, commit: true });
      return out;
    },
    serve: (port, opts = {}) => call<{ url: string; port: number }>({ op: 'serve', port, ...opts }),
    async unserve(timeoutMs) {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([call<void>({ op: 'unserve' }).catch(() => undefined), new Promise((r) => (timer = setTimeout(r, timeoutMs)))]);
      clearTimeout(timer);
    },
    shutdown,
    async close() {
      await shutdown(10_000);
    },
    onCrash(cb) {
      crashListeners.push(cb);
    },
  };
}
