/**
 * The view set: every view and function of the KPI schemas, defined by the files in sql/views
 * (one per KPI family, edited in place) plus the role schemas generated from the exposure
 * declaration. Unlike a migration, the set is re-applied as a whole: all of it is dropped and
 * recreated in dependency order in one transaction, so readers never see half a set, and a
 * failing statement rolls everything back with the file and line in the error. The data lives
 * in tables and continuous aggregates (which stay in migrations and are never dropped here).
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { EXPOSURE } from '../contract/exposure';
import { KPI_SCHEMAS } from '../contract/roles';
import { lineAt, splitSqlStatements } from '../contract/sqlText';
import type { Db, Queryable } from './db';
import { roleSchemaStatements } from './roleSchemas';
import { renderStoreTimeZone } from './sqlTemplate';

export const VIEWS_DIR = path.resolve(__dirname, '../../../sql/views');
const VIEW_FILE = /^([a-z][a-z0-9_]*)\.sql$/;
const REQUIRES = /^--\s*requires:\s*(.*)$/m;
/** The generated role schemas take part in the set under this name. */
export const ROLE_SCHEMAS_ENTRY = 'role schemas (etl/src/contract/exposure.ts)';
/** Bump when roleSchemas.ts generates different SQL from the same declaration. */
const ROLE_SCHEMA_GENERATOR = 1;

/**
 * Objects deliberately removed from sql/views, as "schema.name": the runner refuses to drop
 * anything the files do not recreate unless it is listed here, so a view that a migration
 * created in a KPI schema is never lost silently.
 */
export const RETIRED_OBJECTS: readonly string[] = [];

export interface ViewFile {
  name: string;
  sql: string;
  checksum: string;
  requires: string[];
}

export class ViewSetError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ViewSetError';
  }
}

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

/**
 * The view files in dependency order: each names the families it reads in a `-- requires:`
 * line; files with no requirement come first, ties by name.
 */
export function readViewFiles(dir = VIEWS_DIR): ViewFile[] {
  const files = readdirSync(dir)
    .filter((f) => f.endsWith('.sql'))
    .sort()
    .map((file): ViewFile => {
      if (!VIEW_FILE.test(file)) throw new ViewSetError(`sql/views/${file}: view files are named <family>.sql (lower case, no number)`);
      const sql = readFileSync(path.join(dir, file), 'utf8');
      const req = REQUIRES.exec(sql);
      const requires = req ? (req[1] ?? '').split(',').map((s) => s.trim()).filter(Boolean) : [];
      return { name: file, sql, checksum: sha256(sql), requires: requires.map((r) => `${r}.sql`) };
    });
  const byName = new Map(files.map((f) => [f.name, f]));
  const ordered: ViewFile[] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (f: ViewFile, chain: string[]) => {
    if (state.get(f.name) === 'done') return;
    if (state.get(f.name) === 'visiting') throw new ViewSetError(`sql/views: circular requires: ${[...chain, f.name].join(' -> ')}`);
    state.set(f.name, 'visiting');
    for (const r of f.requires) {
      const dep = byName.get(r);
      if (!dep) throw new ViewSetError(`sql/views/${f.name} requires ${r}, which does not exist`);
      visit(dep, [...chain, f.name]);
    }
    state.set(f.name, 'done');
    ordered.push(f);
  };
  for (const f of files) visit(f, []);
  return ordered;
}

/** name → checksum of everything the set is built from. */
export function viewSetChecksums(files: ViewFile[]): Map<string, string> {
  const m = new Map(files.map((f) => [f.name, f.checksum]));
  m.set(ROLE_SCHEMAS_ENTRY, sha256(JSON.stringify({ generator: ROLE_SCHEMA_GENERATOR, exposure: EXPOSURE })));
  return m;
}

const TRACKING_TABLE = `CREATE TABLE IF NOT EXISTS schema_views (
  name text PRIMARY KEY, checksum text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`;

async function storedChecksums(q: Queryable): Promise<Map<string, string>> {
  const r = await q.query<{ name: string; checksum: string }>('SELECT name, checksum FROM schema_views');
  return new Map(r.rows.map((x) => [x.name, x.checksum]));
}

function sameSet(a: Map<string, string>, b: Map<string, string>): boolean {
  return a.size === b.size && [...a].every(([k, v]) => b.get(k) === v);
}

interface KpiObject {
  kind: 'view' | 'function';
  /** Qualified name for DROP: "kpi.days" or "kpi.funnel(timestamp with time zone, ...)". */
  ident: string;
  /** "schema.name", what RETIRED_OBJECTS lists. */
  name: string;
}

/** Views (continuous aggregates excepted) and functions of the KPI schemas. */
async function kpiObjects(q: Queryable): Promise<KpiObject[]> {
  const schemas = [...KPI_SCHEMAS];
  const views = await q.query<{ ident: string; name: string }>(
    `SELECT format('%I.%I', n.nspname, c.relname) AS ident, n.nspname || '.' || c.relname AS name
     FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE n.nspname = ANY ($1) AND c.relkind = 'v'
       AND NOT EXISTS (SELECT 1 FROM timescaledb_information.continuous_aggregates a
                       WHERE a.view_schema = n.nspname AND a.view_name = c.relname)
       AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = c.oid AND d.deptype = 'e')
     ORDER BY 2`,
    [schemas],
  );
  const fns = await q.query<{ ident: string; name: string }>(
    `SELECT format('%I.%I(%s)', n.nspname, p.proname, pg_get_function_identity_arguments(p.oid)) AS ident,
            n.nspname || '.' || p.proname AS name
     FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
     WHERE n.nspname = ANY ($1) AND p.prokind = 'f'
       AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = p.oid AND d.deptype = 'e')
     ORDER BY 2`,
    [schemas],
  );
  return [
    ...views.rows.map((r) => ({ kind: 'view' as const, ident: r.ident, name: r.name })),
    ...fns.rows.map((r) => ({ kind: 'function' as const, ident: r.ident, name: r.name })),
  ];
}

function pgMessage(err: unknown): { message: string; position?: number; detail?: string } {
  const e = err as { message?: string; position?: string | number; detail?: string };
  const position = e.position !== undefined ? Number(e.position) : undefined;
  return { message: e.message ?? String(err), position: Number.isFinite(position) ? position : undefined, detail: e.detail };
}

async function dropAll(tx: Queryable, objects: KpiObject[]): Promise<void> {
  const views = objects.filter((o) => o.kind === 'view').map((o) => o.ident);
  const fns = objects.filter((o) => o.kind === 'function').map((o) => o.ident);
  try {
    // One statement each: dependencies inside the set are fine, anything outside it that
    // depends on a KPI view makes the drop fail (no CASCADE: nothing is dropped unseen).
    if (views.length > 0) await tx.exec(`DROP VIEW ${views.join(', ')}`);
    if (fns.length > 0) await tx.exec(`DROP FUNCTION ${fns.join(', ')}`);
  } catch (err) {
    const e = pgMessage(err);
    throw new ViewSetError(`cannot replace the KPI view set: ${e.message}${e.detail ? ` (${e.detail})` : ''}`);
  }
}

async function runFile(tx: Queryable, file: ViewFile, timeZone: string): Promise<void> {
  for (const st of splitSqlStatements(file.sql)) {
    try {
      await tx.exec(renderStoreTimeZone(st.sql, timeZone));
    } catch (err) {
      const e = pgMessage(err);
      // The position counts characters of the rendered statement; the zone literal holds no
      // newline, so lines of the rendered and the written statement agree.
      const line = e.position !== undefined ? st.line + lineAt(st.sql, e.position - 1) - 1 : st.line;
      throw new ViewSetError(`sql/views/${file.name}:${line}: ${e.message}`);
    }
  }
}

export interface ApplyViewsResult {
  applied: boolean;
  /** Files (and the role-schema entry) whose checksum differed from the stored one. */
  changed: string[];
}

/**
 * Re-applies the view set when any part changed since it was last applied (or `force`, which
 * the migration runner sets after applying a migration: a migration may have replaced or
 * dropped an object the set owns). Holds the migration lock for the whole transaction.
 */
export async function applyViews(
  db: Db,
  opts: { timeZone: string; dir?: string; force?: boolean; lockKey: number },
): Promise<ApplyViewsResult> {
  const files = readViewFiles(opts.dir);
  const wanted = viewSetChecksums(files);
  return db.transaction(async (tx) => {
    await tx.query('SELECT pg_advisory_xact_lock($1)', [opts.lockKey]);
    // Under the lock: two concurrent CREATE TABLE IF NOT EXISTS can still collide in the catalog.
    await tx.exec(TRACKING_TABLE);
    const stored = await storedChecksums(tx);
    const changed = [...wanted].filter(([k, v]) => stored.get(k) !== v).map(([k]) => k);
    if (!opts.force && sameSet(stored, wanted)) return { applied: false, changed: [] };

    const before = await kpiObjects(tx);
    await dropAll(tx, before);
    for (const f of files) await runFile(tx, f, opts.timeZone);
    const generated = await roleSchemaStatements(tx).catch((err: Error) => {
      throw new ViewSetError(`${ROLE_SCHEMAS_ENTRY}: ${err.message}`);
    });
    for (const st of generated) {
      try {
        await tx.exec(st.sql);
      } catch (err) {
        throw new ViewSetError(`${ROLE_SCHEMAS_ENTRY}, ${st.object}: ${pgMessage(err).message}`);
      }
    }
    const after = new Set((await kpiObjects(tx)).map((o) => o.name));
    const lost = [...new Set(before.map((o) => o.name))].filter((n) => !after.has(n) && !RETIRED_OBJECTS.includes(n));
    if (lost.length > 0) {
      throw new ViewSetError(
        `the view set does not recreate ${lost.join(', ')}: define it in sql/views/<family>.sql ` +
          '(or list it in RETIRED_OBJECTS in etl/src/db/viewSet.ts to remove it for good)',
      );
    }
    await tx.exec('DELETE FROM schema_views');
    for (const [name, checksum] of wanted) {
      await tx.query('INSERT INTO schema_views (name, checksum) VALUES ($1, $2)', [name, checksum]);
    }
    return { applied: true, changed };
  });
}
