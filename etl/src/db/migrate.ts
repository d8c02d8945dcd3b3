import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { Logger } from '../log/logger';
import { analyzeStaleTables } from './analyze';
import type { Db } from './db';
import { renderStoreTimeZone } from './sqlTemplate';
import { applyViews, VIEWS_DIR, type ApplyViewsResult } from './viewSet';

export const SQL_DIR = path.resolve(__dirname, '../../../sql/migrations');
/** Arbitrary but fixed key: every process migrating this database takes the same lock. */
const MIGRATION_LOCK_KEY = 7_301_202_611;
const MIGRATION_FILE = /^(\d{4})_[a-z0-9_]+\.sql$/;

export interface Migration {
  version: string;
  name: string;
  sql: string;
  checksum: string;
}

export class MigrationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MigrationError';
  }
}

export function readMigrations(dir = SQL_DIR): Migration[] {
  return readdirSync(dir)
    .filter((f) => MIGRATION_FILE.test(f))
    .sort()
    .map((file) => {
      const sql = readFileSync(path.join(dir, file), 'utf8');
      return {
        version: file.slice(0, 4),
        name: file,
        sql,
        checksum: createHash('sha256').update(sql).digest('hex'),
      };
    });
}

export { quoteLiteral } from './sqlTemplate';
/** Migrations are templates only for the store time zone, which the daily buckets bake in. */
export const renderMigration = renderStoreTimeZone;

export interface MigrateResult {
  applied: string[];
  skipped: string[];
  /** The view set (sql/views and the role schemas); null when no views directory was given. */
  views: ApplyViewsResult | null;
}

export interface MigrateOptions {
  timeZone: string;
  /** Migrations folder; default sql/migrations. */
  dir?: string;
  /**
   * View files folder, or null for migrations only. Defaults to sql/views with the repo's
   * migrations, and to null when `dir` points elsewhere (a custom migrations folder has no views).
   */
  viewsDir?: string | null;
  /** Gets one line per migration applied, with its duration (an upgrade's slow step shows there). */
  log?: Pick<Logger, 'info'>;
}

/**
 * Applies pending migrations, each in its own transaction under a transaction-level advisory
 * lock, so two processes starting together apply each migration once. Refuses to run when a
 * migration that was already applied has been edited, or when the store time zone changed.
 * Then re-applies the view set (sql/views) when a view file or the role exposure changed, or
 * when a migration ran (it may have replaced a view the set owns).
 */
export async function migrate(db: Db, opts: MigrateOptions): Promise<MigrateResult> {
  const migrations = readMigrations(opts.dir);
  // Under the lock too: two concurrent CREATE TABLE IF NOT EXISTS can still collide in the catalog.
  await db.transaction(async (tx) => {
    await tx.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK_KEY]);
    await tx.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
      version text PRIMARY KEY, name text NOT NULL, checksum text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`);
  });

  const done = new Map(
    (await db.query<{ version: string; name: string; checksum: string }>('SELECT version, name, checksum FROM schema_migrations')).rows.map((r) => [r.version, r]),
  );
  const edited = migrations.filter((m) => done.has(m.version) && done.get(m.version)?.checksum !== m.checksum);
  if (edited.length > 0) {
    throw new MigrationError(
      `Refusing to start: applied migration(s) were edited since they ran: ${edited.map((m) => m.name).join(', ')}. ` +
        'Landed migrations are never edited; restore the file and add a new migration instead.',
    );
  }
  const unknown = [...done.keys()].filter((v) => !migrations.some((m) => m.version === v));
  if (unknown.length > 0) {
    throw new MigrationError(`Database has migration(s) this code does not know: ${unknown.join(', ')} (is the code older than the database?)`);
  }
  await checkTimeZone(db, opts.timeZone);

  // An upgrade's backfills join the history already loaded: give the planner statistics first
  // (the embedded database never gathers them itself; see analyze.ts). A fresh database has no
  // rows to analyze, and a start with nothing pending skips this.
  const pending = migrations.filter((m) => !done.has(m.version)).length;
  if (pending > 0 && done.size > 0) {
    const analyzed = await analyzeStaleTables(db);
    opts.log?.info('analyzed tables before migrating', { pending, tables: analyzed.tables, ms: analyzed.ms });
  }

  const applied: string[] = [];
  const skipped: string[] = [];
  for (const m of migrations) {
    const started = performance.now();
    const ran = await retryOnRoleRace(() =>
      db.transaction(async (tx) => {
        await tx.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK_KEY]);
        const already = await tx.query('SELECT 1 FROM schema_migrations WHERE version = $1', [m.version]);
        if (already.rows.length > 0) return false;
        await tx.exec(renderMigration(m.sql, opts.timeZone));
        await tx.query('INSERT INTO schema_migrations (version, name, checksum) VALUES ($1, $2, $3)', [m.version, m.name, m.checksum]);
        return true;
      }),
    );
    (ran ? applied : skipped).push(m.name);
    if (ran) opts.log?.info('migration applied', { migration: m.name, ms: Math.round(performance.now() - started) });
  }
  await db.query(
    `INSERT INTO store_settings (key, value) VALUES ('store_timezone', $1) ON CONFLICT (key) DO NOTHING`,
    [opts.timeZone],
  );
  const viewsDir = opts.viewsDir !== undefined ? opts.viewsDir : opts.dir ? null : VIEWS_DIR;
  const views = viewsDir
    ? await applyViews(db, { timeZone: opts.timeZone, dir: viewsDir, force: applied.length > 0, lockKey: MIGRATION_LOCK_KEY })
    : null;
  return { applied, skipped, views };
}

/**
 * True for the errors of a migration that lost a race on a role: roles (pg_authid and their
 * settings) are cluster-wide, while the advisory lock above is per database, so a migration on
 * another database of the same server can create the role between this one's IF NOT EXISTS
 * check and its CREATE ROLE (unique violation), or alter the same role at the same time.
 */
export function isRoleRace(err: unknown): boolean {
  const e = err as { code?: unknown; constraint?: unknown; message?: unknown } | null;
  if (!e || typeof e !== 'object') return false;
  const message = typeof e.message === 'string' ? e.message : '';
  if (e.code === '23505') return e.constraint === 'pg_authid_rolname_index' || message.includes('pg_authid_rolname_index');
  if (e.code === '42710') return /^role ".*" already exists$/.test(message);
  return e.code === 'XX000' && message === 'tuple concurrently updated';
}

const ROLE_RACE_ATTEMPTS = 3;

/**
 * Runs a migration's transaction again after a lost role race (it rolled back whole): by then the
 * other database's transaction has committed, so the rerun finds the role and alters it alone.
 */
export async function retryOnRoleRace<T>(fn: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (err) {
      if (attempt >= ROLE_RACE_ATTEMPTS || !isRoleRace(err)) throw err;
      // Apart by a random moment, so two losers do not collide again in step.
      await new Promise((r) => setTimeout(r, 50 + Math.random() * 200));
    }
  }
}

async function checkTimeZone(db: Db, timeZone: string): Promise<void> {
  const exists = await db.query<{ t: string | null }>(`SELECT to_regclass('store_settings')::text AS t`);
  if (!exists.rows[0]?.t) return;
  const row = await db.query<{ value: string }>(`SELECT value FROM store_settings WHERE key = 'store_timezone'`);
  const recorded = row.rows[0]?.value;
  if (recorded && recorded !== timeZone) {
    throw new MigrationError(
      `STORE_TIMEZONE is ${timeZone} but this database buckets its daily aggregates in ${recorded}. ` +
        `Set STORE_TIMEZONE=${recorded}, or start on a new database (DATA_DIR or DATABASE_URL) to use ${timeZone}.`,
    );
  }
}
