/**
 * Runs in a child process (embeddedChild, as the daemon runs it) or a worker thread
 * (embeddedThread): owns the embedded PGlite and its TCP socket, answers the daemon's queries by
 * message. A long query (from a socket client or a job) then blocks only this process or thread,
 * never the daemon's timers, jobs and HTTP.
 */
import { existsSync, renameSync, rmSync } from 'node:fs';
import path from 'node:path';
import { parentPort, Worker, workerData } from 'node:worker_threads';
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

interface Channel {
  dataDir: string | undefined;
  send(m: Reply | WorkerEvent): void;
  onRequest(cb: (req: Request) => void): void;
}

/**
 * Ends this process once the daemon is gone. The channel closing says so, but only to an idle
 * event loop: a long query (a socket client's) would keep an orphan holding the data dir and the
 * port until it finished. A watchdog thread, which the query does not block, sees the parent
 * change (re-parented to init or a subreaper) and kills the process, as a crash would.
 */
function endWithParent(): void {
  process.once('disconnect', () => process.exit(0));
  const watchdog = new Worker(
    `const { workerData } = require('node:worker_threads');
     setInterval(() => { if (process.ppid !== workerData.ppid) process.kill(process.pid, 'SIGKILL'); }, 250);`,
    { eval: true, workerData: { ppid: process.ppid } },
  );
  watchdog.unref();
}

function channel(): Channel {
  if (parentPort) {
    const port = parentPort;
    return {
      dataDir: (workerData as { dataDir?: string }).dataDir,
      send: (m) => port.postMessage(m),
      onRequest: (cb) => port.on('message', cb),
    };
  }
  const send = process.send?.bind(process);
  if (!send) throw new Error('embeddedWorker must run in a worker thread or a child process with an IPC channel');
  // Ctrl-C reaches the whole foreground process group: the daemon decides when this one closes.
  process.on('SIGINT', () => undefined);
  process.on('SIGTERM', () => undefined);
  endWithParent();
  return {
    dataDir: process.argv[2],
    send: (m) => {
      if (process.connected) send(m);
    },
    onRequest: (cb) => process.on('message', (m: Request) => cb(m)),
  };
}

async function main(): Promise<void> {
  const port = channel();
  const { dataDir } = port;
  let db: Awaited<ReturnType<typeof openEmbedded>>;
  try {
    db = await open(dataDir);
  } catch (err) {
    port.send({ ready: false, error: serializeError(err) } satisfies WorkerEvent);
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

  port.onRequest((req) => {
    handle(req).then(
      (value) => port.send({ id: req.id, ok: true, value } satisfies Reply),
      (err: unknown) => port.send({ id: req.id, ok: false, error: serializeError(err) } satisfies Reply),
    );
  });
  port.send({ ready: true } satisfies WorkerEvent);
}

void main();
