import { Pool, type PoolConfig } from 'pg';
import { SourceHttpError } from '../runtime/errors';
import { isErrorLike } from '../wire/errorLike';
import { checkColumns, CUSTOM_STREAMS, MappingError, type CustomMapping, type CustomStreamName } from './mapping';

export const CUSTOM = 'customdb';

/** Result column types of each mapped stream, learned when the mapping was checked. */
export type ColumnTypes = Map<string, number>;

export interface CustomDbClient {
  pool: Pool;
  mapping: CustomMapping;
  columns: Map<CustomStreamName, ColumnTypes>;
  close(): Promise<void>;
}

/**
 * A read-only pool on the store's database (every transaction of its sessions is READ ONLY, so
 * no mapping can write there), with the mapping checked against the live schema first.
 */
export async function openCustomDb(o: { url: string; mapping: CustomMapping; pool?: Partial<PoolConfig> }): Promise<CustomDbClient> {
  const pool = new Pool({
    connectionString: o.url, max: 2, idleTimeoutMillis: 10_000, connectionTimeoutMillis: 10_000,
    options: '-c default_transaction_read_only=on -c statement_timeout=120000', application_name: 'kpi-etl customdb', ...o.pool,
  });
  // An idle client that loses its server must not crash the daemon; the next query reports it.
  pool.on('error', () => undefined);
  try {
    const columns = await checkMapping(pool, o.mapping);
    return { pool, mapping: o.mapping, columns, close: () => pool.end() };
  } catch (err) {
    await pool.end().catch(() => undefined);
    throw err;
  }
}

/** Runs each SELECT with LIMIT 0 and compares its columns with what the stream needs. */
export async function checkMapping(pool: Pool, mapping: CustomMapping): Promise<Map<CustomStreamName, ColumnTypes>> {
  const problems: string[] = [];
  const out = new Map<CustomStreamName, ColumnTypes>();
  for (const s of mapping.streams) {
    try {
      const r = await pool.query(`SELECT * FROM (${s.sql}) AS m LIMIT 0`);
      const p = checkColumns(s.name, r.fields);
      problems.push(...p);
      if (p.length === 0) out.set(s.name, new Map(r.fields.map((f) => [f.name, f.dataTypeID])));
    } catch (err) {
      const e = normalizeCustomDbError(err);
      if (e instanceof SourceHttpError) throw e;
      problems.push(`stream ${s.name}: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
  if (problems.length > 0) throw new MappingError(problems);
  return out;
}

const quoteIdent = (s: string) => `"${s.replace(/"/g, '""')}"`;
const quoteLiteral = (s: string) => `'${s.replace(/'/g, "''")}'`;

/**
 * The keyset-paged read of one stream: rows with updated_at in [since, until), after the last
 * (updated_at, key) of the previous page. `timestamp without time zone` columns are read in the
 * mapping's zone, so no instant depends on the session's or the process's zone.
 */
export function pageSql(name: CustomStreamName, sql: string, types: ColumnTypes, timeZone: string): string {
  const spec = CUSTOM_STREAMS[name];
  const expr = (col: string) => (types.get(col) === 1114 ? `(m.${quoteIdent(col)} AT TIME ZONE ${quoteLiteral(timeZone)})` : `m.${quoteIdent(col)}`);
  const cols = [...Object.keys(spec.columns), 'updated_at'].filter((c) => types.has(c));
  const at = expr('updated_at');
  const key = `${expr(spec.key)}::text`;
  return (
    `SELECT ${cols.map((c) => `${expr(c)} AS ${quoteIdent(c)}`).join(', ')}, ${at}::text AS "__cursor", ${key} AS "__key" ` +
    `FROM (${sql}) AS m ` +
    `WHERE ${at} >= $1 AND ${at} < $2 AND ($3::text IS NULL OR (${at}, ${key}) > ($3::text::timestamptz, $4::text)) ` +
    `ORDER BY ${at}, ${key} LIMIT $5`
  );
}

/** Connection trouble is worth retrying (and counts toward the breaker); SQL errors are not. */
export function normalizeCustomDbError(err: unknown): unknown {
  if (!isErrorLike(err)) return err;
  const { code, message } = err;
  if (typeof code === 'string' && /^(ECONNREFUSED|ECONNRESET|ETIMEDOUT|ENOTFOUND|EPIPE)$/.test(code)) return new SourceHttpError(CUSTOM, null, `connection failed: ${code}`, null, true);
  if (/Connection terminated|timeout exceeded when trying to connect/i.test(message)) return new SourceHttpError(CUSTOM, null, `connection failed: ${message}`, null, true);
  // admin shutdown, cannot connect now, too many connections, serialization/deadlock: transient.
  if (typeof code === 'string' && ['57P01', '57P03', '53300', '40001', '40P01'].includes(code)) return new SourceHttpError(CUSTOM, null, `database busy: ${code} ${message}`, null, true);
  return err;
}
