/**
 * Runs inside a worker thread: owns the embedded PGlite and its TCP socket, answers the main
 * thread's queries by message. A long query (from a socket client or a job) then blocks only
 * this thread, never the daemon's timers, jobs and HTTP.
 */
import { existsSync, renameSync, rmSync } from 'node:fs';
import path from 'node:path';
import { parentPort, workerData } from 'node:worker_threads';
import type { Transaction } from '@electric-sql/pglite';
import { openEmbedded } from './embedded';
import { serveEmbedded, type EmbeddedSocket } from './embeddedSocket';
import { serializeError, type Reply, type Request, type WorkerEvent } from './embeddedProtocol';

const ROLLBACK = Symbol('rollback');

/**
 * A new data dir is created beside its final name and renamed into place once initdb and
 * CREATE EXTENSION are done, so a process stopped or killed while creating it leaves no
 * half-initialised cluster behind (the next start discards the partial one and begins again).
 */
async function open(dataDir: string | undefined): Promise<Awaited<ReturnType<typeof openEmbedded>>> {
  if (dataDir && !existsSync(path.join(dataDir, 'PG_VERSION'))) {
    const partial = `${dataDir}.partial`;
    rmSync(partial, { recursive: true, force: true });
    const fresh = await openEmbedded(partial);
    await fresh.close();
    rmSync(dataDir, { recursive: true, force: true });
    renameSync(partial, dataDir);
  }
  return openEmbedded(dataDir);
}

async function main(): Promise<void> {
  const port = parentPort;
  if (!port) throw new Error('embeddedWorker must run in a worker thread');
  const { dataDir } = workerData as { dataDir?: string };
  let db: Awaited<ReturnType<typeof openEmbedded>>;
  try {
    db = await open(dataDir);
  } catch (err) {
    port.postMessage({ ready: false, error: serializeError(err) } satisfies WorkerEvent);
    return;
  }
  const txs = new Map<number, { tx: Transaction; end: (commit: boolean) => void; done: Promise<void> }>();
  let socket: EmbeddedSocket | null = null;
  let nextTx = 1;

  const begin = (): Promise<number> =>
    new Promise<number>((started, failed) => {
      const id = nextTx++;
      let end!: (commit: boolean) => void;
      const decided = new Promise<boolean>((r) => (end = r));
      const done = db.pglite
        .transaction(async (tx) => {
          txs.set(id, { tx, end, done });
          started(id);
          if (!(await decided)) throw ROLLBACK;
        })
        .catch((err: unknown) => {
          if (err !== ROLLBACK) throw err;
        })
        .finally(() => txs.delete(id));
      done.catch(failed);
    });

  const handle = async (req: Request): Promise<unknown> => {
    switch (req.op) {
      case 'query': {
        const q = req.tx ? txs.get(req.tx)?.tx : db.pglite;
        if (!q) throw new Error(`transaction ${req.tx} is not open`);
        const r = await q.query(req.sql, req.params);
        return { rows: r.rows, affectedRows: r.affectedRows };
      }
      case 'exec': {
        const q = req.tx ? txs.get(req.tx)?.tx : db.pglite;
        if (!q) throw new Error(`transaction ${req.tx} is not open`);
        await q.exec(req.sql);
        return null;
      }
      case 'begin':
        return begin();
      case 'end': {
        const t = txs.get(req.tx);
        if (!t) throw new Error(`transaction ${req.tx} is not open`);
        t.end(req.commit);
        await t.done;
        return null;
      }
      case 'serve':
        socket = await serveEmbedded(db.pglite, req.port, { host: req.host, queueTimeoutMs: req.queueTimeoutMs, sessionDefaultsSql: db.sessionDefaultsSql });
        return { url: socket.url, port: socket.port };
      case 'unserve':
        await socket?.stop();
        socket = null;
        return null;
      case 'close':
        await socket?.stop();
        socket = null;
        for (const t of txs.values()) t.end(false);
        await db.close();
        return null;
    }
  };

  port.on('message', (req: Request) => {
    handle(req).then(
      (value) => port.postMessage({ id: req.id, ok: true, value } satisfies Reply),
      (err: unknown) => port.postMessage({ id: req.id, ok: false, error: serializeError(err) } satisfies Reply),
    );
  });
  port.postMessage({ ready: true } satisfies WorkerEvent);
}

void main();
