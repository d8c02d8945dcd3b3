import type { Queryable } from './db';

/**
 * The tables holding rows whose planner statistics are missing, or were taken when the table was
 * well smaller than it is now (more than 20 % + 8 pages bigger than the size recorded by the last
 * ANALYZE, VACUUM or CREATE INDEX). The embedded database (PGlite) runs no autovacuum and keeps
 * no activity counters, so without this its tables are never analyzed: the planner then guesses
 * every selectivity, and a backfill probing one key per row can pick a plan that walks a whole
 * index per row (quadratic in the history). Sizes stand in for autovacuum's counts of changed
 * rows, which PGlite does not keep. On a server autovacuum has analyzed the tables already, so
 * the list is empty or short there.
 */
const STALE_TABLES = `
  SELECT format('%I.%I', n.nspname, c.relname) AS name
  FROM pg_catalog.pg_class c
  JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
  WHERE c.relkind IN ('r', 'm') AND c.relpersistence = 'p'
    AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname !~ '^pg_(toast|temp)'
    AND pg_catalog.pg_relation_size(c.oid) > 0
    AND (NOT EXISTS (SELECT 1 FROM pg_catalog.pg_statistic s WHERE s.starelid = c.oid)
         OR pg_catalog.pg_relation_size(c.oid) / pg_catalog.current_setting('block_size')::int > 1.2 * c.relpages + 8)
  ORDER BY 1`;

export async function staleTables(db: Queryable): Promise<string[]> {
  return (await db.query<{ name: string }>(STALE_TABLES)).rows.map((r) => r.name);
}

export interface AnalyzeResult {
  tables: number;
  ms: number;
}

/** ANALYZEs the stale tables (see STALE_TABLES) in one statement; nothing when none is. */
export async function analyzeStaleTables(db: Queryable): Promise<AnalyzeResult> {
  const started = performance.now();
  const tables = await staleTables(db);
  if (tables.length > 0) await db.exec(`ANALYZE ${tables.join(', ')}`);
  return { tables: tables.length, ms: Math.round(performance.now() - started) };
}
