import { Pool, type PoolClient } from 'pg';
import type { Db, Queryable, QueryResult } from './db';

function wrapClient(c: Pick<PoolClient, 'query'>): Queryable {
  return {
    async query<T>(sql: string, params?: unknown[]): Promise<QueryResult<T>> {
      const r = await c.query(sql, params);
      return { rows: r.rows as T[], affectedRows: r.rowCount ?? undefined };
    },
    async exec(sql: string): Promise<void> {
      await c.query(sql);
    },
  };
}

/** A real TimescaleDB/PostgreSQL server through a small pg pool. */
export function openServer(url: string): Db {
  const pool = new Pool({ connectionString: url, max: 4, idleTimeoutMillis: 5_000 });
  // An idle client losing its server (restart) must not crash the daemon; the next query reconnects.
  pool.on('error', () => undefined);
  return {
    kind: 'server',
    ...wrapClient(pool),
    async transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T> {
      const client = await pool.connect();
      try {
        await client.query('BEGIN');
        const out = await fn(wrapClient(client));
        await client.query('COMMIT');
        return out;
      } catch (err) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw err;
      } finally {
        client.release();
      }
    },
    close: () => pool.end(),
  };
}
