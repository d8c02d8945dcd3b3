import { mkdirSync } from 'node:fs';
import { PGlite } from '@electric-sql/pglite';
import { timescaledb } from '@electric-sql/pglite/timescaledb';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';
import type { Db, Queryable, QueryResult } from './db';

function wrap(q: Pick<PGlite, 'query' | 'exec'>): Queryable {
  return {
    async query<T>(sql: string, params?: unknown[]): Promise<QueryResult<T>> {
      const r = await q.query<T>(sql, params as unknown[] | undefined);
      return { rows: r.rows, affectedRows: r.affectedRows };
    },
    async exec(sql: string): Promise<void> {
      await q.exec(sql);
    },
  };
}

/** Opens PGlite with TimescaleDB; dataDir undefined keeps it in memory (tests). */
export async function openEmbedded(dataDir?: string): Promise<Db & { pglite: PGlite }> {
  if (dataDir) mkdirSync(dataDir, { recursive: true });
  const pglite = await PGlite.create({ dataDir, extensions: { timescaledb } });
  await pglite.exec('CREATE EXTENSION IF NOT EXISTS timescaledb');
  const base = wrap(pglite);
  return {
    kind: 'embedded',
    pglite,
    ...base,
    transaction: <T>(fn: (tx: Queryable) => Promise<T>) => pglite.transaction((tx) => fn(wrap(tx))),
    close: () => pglite.close(),
  };
}

/**
 * Serves the embedded database on a loopback TCP port for psql and Grafana. The port checks no
 * password (every client is the superuser), which is why it never binds beyond 127.0.0.1.
 * A connected client holds the single connection: one-shot `psql -c` and pools that drop idle
 * connections quickly are fine; an idle interactive session makes the loader wait.
 */
export async function serveEmbedded(pglite: PGlite, port: number): Promise<{ url: string; stop: () => Promise<void> }> {
  const server = new PGLiteSocketServer({ db: pglite, host: '127.0.0.1', port });
  await server.start();
  const conn = server.getServerConn();
  return {
    // psql asks for a password when the server requests one; any value is accepted.
    url: `postgresql://postgres:postgres@${conn}/postgres?sslmode=disable`,
    stop: () => server.stop(),
  };
}
