import path from 'node:path';
import { Client } from 'pg';
import { ConfigError, loadConfig } from '../config/config';
import type { Queryable } from '../db/db';
import { lockDataDir } from '../db/dataDirLock';
import { openEmbedded } from '../db/embedded';
import { formatSummary, readSummary } from './summaryReport';

/**
 * Prints today's KPIs against targets. With DATABASE_URL it reads the server; otherwise it asks
 * the running daemon's embedded port, and opens the data directory itself when no daemon runs.
 */
async function main(): Promise<void> {
  const config = loadConfig();
  const url = config.DATABASE_URL ?? `postgresql://postgres@127.0.0.1:${config.EMBEDDED_PG_PORT}/postgres?sslmode=disable`;
  const client = new Client({ connectionString: url, connectionTimeoutMillis: 3000 });
  let db: Queryable & { close(): Promise<void> };
  try {
    await client.connect();
    db = {
      query: async <T>(sql: string, params?: unknown[]) => ({ rows: (await client.query(sql, params)).rows as T[] }),
      exec: async (sql: string) => void (await client.query(sql)),
      close: () => client.end(),
    };
  } catch (err) {
    if (config.DATABASE_URL) throw err;
    // No daemon answered: open the data dir ourselves, under its lock (refused if a daemon holds it).
    const dirLock = lockDataDir(config.DATA_DIR);
    const embedded = await openEmbedded(path.resolve(config.DATA_DIR, 'pglite'));
    db = { ...embedded, close: async () => { await embedded.close(); dirLock.release(); } };
  }
  try {
    process.stdout.write(`${formatSummary(await readSummary(db), config.STORE_TIMEZONE, config.STORE_CURRENCY)}\n`);
  } finally {
    await db.close();
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof ConfigError ? err.message : `summary failed: ${err instanceof Error ? err.message : String(err)}`}\n`);
  process.exit(1);
});
