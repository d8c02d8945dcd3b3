import { createServer, type Socket } from 'node:net';
import type { PGlite } from '@electric-sql/pglite';
import { PGLiteSocketHandler } from '@electric-sql/pglite-socket';

export interface EmbeddedSocket {
  url: string;
  port: number;
  /** Stops listening, force-closes every client (active or queued), resolves within stopTimeoutMs. */
  stop(): Promise<void>;
}

export interface ServeOptions {
  host?: string;
  /** How long a client waits for the single session before it is refused (ms). */
  queueTimeoutMs?: number;
  /** Upper bound of stop(): a client that never closes its side must not hold the daemon. */
  stopTimeoutMs?: number;
  /** Run after DISCARD ALL to restore the settings PGlite sets at start (see openEmbedded). */
  sessionDefaultsSql?: string;
}

function message(type: string, body: Buffer): Buffer {
  const len = Buffer.alloc(4);
  len.writeInt32BE(body.length + 4);
  return Buffer.concat([Buffer.from(type), len, body]);
}
const SYNC = message('S', Buffer.alloc(0));
const simpleQuery = (sql: string): Buffer => message('Q', Buffer.from(`${sql}\0`));

/** A FATAL ErrorResponse, so a refused client reports why instead of "connection terminated". */
function fatal(code: string, text: string): Buffer {
  const field = (k: string, v: string) => Buffer.from(`${k}${v}\0`);
  return message('E', Buffer.concat([field('S', 'FATAL'), field('V', 'FATAL'), field('C', code), field('M', text), Buffer.from('\0')]));
}

/**
 * Puts the one PGlite session back to its defaults after a socket client leaves: a pending
 * extended-protocol exchange is ended (Sync), an open or failed transaction rolled back, then
 * DISCARD ALL resets settings (time zone, search_path, role), prepared statements, temp tables,
 * advisory locks and LISTENs. Without it one client's `SET TIME ZONE` holds for the next client
 * and for the daemon's own queries. Runs inside the session's exclusive section, so nobody else
 * gets the session before it is clean.
 */
async function resetSession(pglite: PGlite, defaultsSql: string | undefined): Promise<void> {
  await pglite.execProtocolRaw(new Uint8Array(SYNC));
  await pglite.execProtocolRaw(new Uint8Array(simpleQuery('ROLLBACK')));
  await pglite.execProtocolRaw(new Uint8Array(simpleQuery('DISCARD ALL')));
  if (defaultsSql) await pglite.execProtocolRaw(new Uint8Array(simpleQuery(defaultsSql)));
}

/**
 * Serves the embedded database on a loopback TCP port for psql and Grafana, one client at a
 * time (PGlite is a single session), with pglite-socket's protocol handler. The port checks no
 * password (every client is the superuser), which is why it never binds beyond loopback.
 * Differences from pglite-socket's own server, each for a failure seen with it: the session is
 * reset between clients; stop() destroys every socket and is bounded (the original waited for
 * half-closed queued clients forever); a client that disconnects while waiting for the session
 * does not keep it; a refused client gets an error message.
 */
export async function serveEmbedded(pglite: PGlite, port: number, opts: ServeOptions = {}): Promise<EmbeddedSocket> {
  const host = opts.host ?? '127.0.0.1';
  const queueTimeoutMs = opts.queueTimeoutMs ?? 60_000;
  const stopTimeoutMs = opts.stopTimeoutMs ?? 2_000;
  const sockets = new Set<Socket>();
  const queue: { socket: Socket; timer: NodeJS.Timeout }[] = [];
  let active: PGLiteSocketHandler | null = null;
  let stopping = false;
  let sessionDone: Promise<void> = Promise.resolve();

  // The handler only needs these three members; wrapping runExclusive lets the reset run before
  // the session is released, and keeps a client's socket error from becoming an unhandled rejection.
  const facade = {
    waitReady: pglite.waitReady,
    execProtocolRaw: (m: Uint8Array) => pglite.execProtocolRaw(m),
    runExclusive: <T>(fn: () => Promise<T>): Promise<T | undefined> => {
      const run = pglite.runExclusive(async () => {
        try {
          return await fn();
        } catch {
          return undefined;
        } finally {
          await resetSession(pglite, opts.sessionDefaultsSql).catch(() => undefined);
        }
      });
      sessionDone = run.then(() => undefined);
      return run;
    },
  } as unknown as PGlite;

  const attachNext = (): void => {
    active = null;
    if (stopping) return;
    let next = queue.shift();
    while (next && next.socket.destroyed) next = queue.shift();
    if (!next) return;
    clearTimeout(next.timer);
    void attach(next.socket);
  };

  const attach = async (socket: Socket): Promise<void> => {
    const handler = new PGLiteSocketHandler({ db: facade, closeOnDetach: true });
    active = handler;
    handler.addEventListener('close', attachNext);
    await handler.attach(socket);
    // The handler listens for 'close' only once it holds the session; a client gone meanwhile
    // would otherwise keep the session forever.
    if (socket.destroyed || stopping) {
      handler.detach(true);
      if (active === handler) attachNext();
    }
  };

  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    if (stopping) {
      socket.destroy();
      return;
    }
    if (!active) {
      void attach(socket);
      return;
    }
    const timer = setTimeout(() => {
      const i = queue.findIndex((q) => q.socket === socket);
      if (i >= 0) queue.splice(i, 1);
      socket.end(fatal('53300', `embedded database busy: another client has held the single connection for ${queueTimeoutMs / 1000} s`));
      socket.destroySoon();
      setTimeout(() => socket.destroy(), 1000).unref();
    }, queueTimeoutMs);
    queue.push({ socket, timer });
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address();
  const bound = typeof address === 'object' && address ? address.port : port;

  return {
    // psql asks for a password when the server requests one; any value is accepted.
    url: `postgresql://postgres:postgres@${host}:${bound}/postgres?sslmode=disable`,
    port: bound,
    async stop() {
      stopping = true;
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const q of queue.splice(0)) clearTimeout(q.timer);
      active?.detach(true);
      for (const s of sockets) s.destroy();
      let timer: NodeJS.Timeout | undefined;
      const bound = new Promise<void>((resolve) => (timer = setTimeout(resolve, stopTimeoutMs)));
      await Promise.race([Promise.all([closed, sessionDone]), bound]);
      clearTimeout(timer);
    },
  };
}
