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
    AND ((NOT EXISTS (SELECT 1 FROM pg_catalog.pg_statistic s WHERE s.starelid = c.oid)
          -- but not when the last ANALYZE found no live rows and the table has not grown since (a
          -- staging table emptied after each load: it has no statistics to take)
          AND NOT (c.reltuples = 0 AND pg_catalog.pg_relation_size(c.oid) / pg_catalog.current_setting('block_size')::int <= c.relpages))
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

/**
 * autovacuum's ANALYZE for a load that runs in pages (a backfill: one local day a page) on a
 * database without autovacuum. The row triggers' plans are made with the statistics of the
 * moment: a fresh store's first plans see empty tables, and an ANALYZE that changes a table's
 * recorded size invalidates the cached plans that read it, so they are made again with the
 * grown table. analyzeStaleTables runs after page 1 and then each time the pages loaded grew by
 * a fifth (pages 1-6, 8, 10, 12, 15, 18, 22, 27, …: 19 checks for 90 days, each 0.1-0.4 s on
 * the embedded database); it ANALYZEs only the tables that grew by a fifth themselves.
 */
export class GrowthAnalyzer {
  private next = 1;
  private ms = 0;
  private runs = 0;
  constructor(private readonly db: Queryable) {}

  /** Call after each page committed, with the count of pages loaded so far. */
  async afterPage(pages: number): Promise<AnalyzeResult | null> {
    if (pages < this.next) return null;
    this.next = Math.max(pages + 1, Math.ceil(pages * 1.2));
    return this.run();
  }

  /** The last check, after the load (whatever the page count). */
  async finish(): Promise<{ runs: number; ms: number }> {
    await this.run();
    return { runs: this.runs, ms: this.ms };
  }

  private async run(): Promise<AnalyzeResult> {
    const r = await analyzeStaleTables(this.db);
    this.runs += 1;
    this.ms += r.ms;
    return r;
  }
}
