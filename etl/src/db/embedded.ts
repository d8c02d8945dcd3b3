import { PGlite } from '@electric-sql/pglite';
import { timescaledb } from '@electric-sql/pglite/timescaledb';
import { makeDirs } from './dataDirLock';
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

/**
 * Brings TimescaleDB up in a freshly opened PGlite backend. A server loads TimescaleDB's loader
 * through shared_preload_libraries; PGlite has no such option, and on a data dir where the
 * extension already exists `CREATE EXTENSION IF NOT EXISTS` is a no-op that loads nothing, so the
 * first TimescaleDB function called pulls in the versioned library without the loader and its
 * licensed (TSL) half: "not supported under the current license". Loading the loader first, in
 * every new backend, is what shared_preload_libraries would have done.
 */
export async function initTimescale(pglite: PGlite): Promise<void> {
  await pglite.exec(`LOAD 'timescaledb'`);
  await pglite.exec('CREATE EXTENSION IF NOT EXISTS timescaledb');
  // The GUC only exists once the loader ran: fail here rather than on the first insert.
  const r = await pglite.query<{ license: string }>(`SELECT current_setting('timescaledb.license', true) AS license`);
  if (!r.rows[0]?.license) throw new Error('TimescaleDB did not initialise in the embedded database (timescaledb.license is unset)');
}

/**
 * SQL that puts back the session settings PGlite itself sets after start-up (search_path =
 * public; its reset value is pg_catalog), so a session reset lands on what a new client expects.
 */
async function sessionDefaults(pglite: PGlite): Promise<string> {
  const r = await pglite.query<{ name: string; setting: string }>(`SELECT name, setting FROM pg_settings WHERE source = 'session' ORDER BY name`);
  const lit = (v: string) => `'${v.replace(/'/g, "''")}'`;
  return r.rows.map((x) => `SELECT set_config(${lit(x.name)}, ${lit(x.setting)}, false);`).join('\n');
}

export type EmbeddedDb = Db & { pglite: PGlite; /** Restores PGlite's start-up session settings. */ sessionDefaultsSql: string };

/** Opens PGlite with TimescaleDB in this thread; dataDir undefined keeps it in memory (tests). */
export async function openEmbedded(dataDir?: string): Promise<EmbeddedDb> {
  if (dataDir) makeDirs(dataDir);
  const pglite = await PGlite.create({ dataDir, extensions: { timescaledb } });
  let sessionDefaultsSql: string;
  try {
    sessionDefaultsSql = await sessionDefaults(pglite);
    await initTimescale(pglite);
  } catch (err) {
    await pglite.close().catch(() => undefined);
    throw err;
  }
  const base = wrap(pglite);
  return {
    kind: 'embedded',
    pglite,
    sessionDefaultsSql,
    ...base,
    transaction: <T>(fn: (tx: Queryable) => Promise<T>) => pglite.transaction((tx) => fn(wrap(tx))),
    close: () => pglite.close(),
  };
}

export { serveEmbedded } from './embeddedSocket';
