import type { Db, Queryable, QueryResult } from './db';
import { deserializeError, type Reply, type Request, type WorkerEvent } from './embeddedProtocol';

type Body = Request extends infer R ? (R extends { id: number } ? Omit<R, 'id'> : never) : never;

/** The embedded database run elsewhere (a worker thread or a child process), spoken to by messages. */
export interface EmbeddedRemoteDb extends Db {
  readonly kind: 'embedded';
  /** Serves the database on a loopback TCP port from the database's own thread or process. */
  serve(port: number, opts?: { host?: string; queueTimeoutMs?: number }): Promise<{ url: string; port: number }>;
  /** Stops the socket, force-closing its clients (bounded by the socket's own stop timeout). */
  unserve(timeoutMs: number): Promise<void>;
  /**
   * Stops the socket and closes the database; when it does not answer within timeoutMs (a
   * client's long query keeps it busy) its thread or process is ended, and the next open
   * recovers from the write-ahead log as after a crash. Resolves to which of the two happened.
   */
  shutdown(timeoutMs: number): Promise<'closed' | 'terminated'>;
  /** Called once if the database's thread or process dies on its own (a WASM abort, out of memory, a kill). */
  onCrash(cb: (err: Error) => void): void;
}

/** What carries the protocol's messages: a worker thread or a child process. */
export interface EmbeddedTransport {
  /** 'thread' or 'process', for messages. */
  readonly what: string;
  send(req: Request): void;
  onMessage(cb: (m: WorkerEvent | Reply) => void): void;
  /** Once, when it ends for any reason (described), or fails to start. */
  onGone(cb: (why: string) => void): void;
  /** Ends it at once (worker terminate, SIGKILL); resolves once it is gone. */
  kill(): Promise<void>;
  /** After the database closed: lets it end by itself (killing it if it does not); resolves once it is gone. */
  release(): Promise<void>;
}

/**
 * The Db over a transport: same SQL, same single session, same transactions as the in-thread
 * `openEmbedded`. Resolves once the database is open; a stop on `signal` while opening ends the
 * thread or process at once: an existing dir recovers from its WAL as after a crash, a new one is
 * created under a temporary name (see embeddedWorker).
 */
export async function connectEmbedded(t: EmbeddedTransport, opts: { signal?: AbortSignal } = {}): Promise<EmbeddedRemoteDb> {
  const pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  let nextId = 1;
  let dead: Error | null = null;
  let closing = false;
  let opened = false;
  const crashListeners: ((err: Error) => void)[] = [];
  let onReady: ((ev: WorkerEvent) => void) | null = null;
  let onEarlyGone: ((why: string) => void) | null = null;

  const fail = (err: Error) => {
    if (dead) return;
    dead = err;
    for (const p of pending.values()) p.reject(err);
    pending.clear();
    if (!closing) for (const cb of crashListeners) cb(err);
  };
  t.onMessage((m) => {
    if (!opened) return onReady?.(m as WorkerEvent);
    const r = m as Reply;
    const p = pending.get(r.id);
    if (!p) return;
    pending.delete(r.id);
    if (r.ok) p.resolve(r.value);
    else p.reject(deserializeError(r.error));
  });
  t.onGone((why) => {
    if (!opened) onEarlyGone?.(why);
    else fail(new Error(`embedded database ${t.what} exited (${why})`));
  });

  await new Promise<void>((resolve, reject) => {
    const onAbort = () => {
      onEarlyGone = null;
      onReady = null;
      void t.kill().then(() => reject(new Error('opening the embedded database was stopped')));
    };
    onEarlyGone = (why) => {
      opts.signal?.removeEventListener('abort', onAbort);
      reject(new Error(`embedded database ${t.what} exited (${why}) while opening`));
    };
    onReady = (ev) => {
      opts.signal?.removeEventListener('abort', onAbort);
      onEarlyGone = null;
      onReady = null;
      if (ev.ready) {
        opened = true;
        resolve();
      } else {
        void t.kill();
        reject(deserializeError(ev.error));
      }
    };
    opts.signal?.addEventListener('abort', onAbort, { once: true });
    if (opts.signal?.aborted) onAbort();
  });

  const call = <T>(body: Body): Promise<T> => {
    if (dead) return Promise.reject(dead);
    const id = nextId++;
    return new Promise<T>((resolve, reject) => {
      pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      t.send({ ...body, id } as Request);
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
      if (outcome === 'late') {
        await t.kill();
        return 'terminated';
      }
      await t.release();
      return 'closed';
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
