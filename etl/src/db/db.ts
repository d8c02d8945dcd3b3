/**
 * The one small seam between the ETL and its database: either the embedded PGlite-TimescaleDB
 * (no DATABASE_URL) or a real TimescaleDB server. Everything else talks to this interface.
 */
export interface QueryResult<T> {
  rows: T[];
  affectedRows?: number;
}

export interface Queryable {
  query<T = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<QueryResult<T>>;
  /** Runs one or more statements without parameters (implicitly one transaction on PGlite). */
  exec(sql: string): Promise<void>;
}

export interface Db extends Queryable {
  readonly kind: 'embedded' | 'server';
  /** Runs fn inside BEGIN/COMMIT; rolls back on any error. */
  transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}
