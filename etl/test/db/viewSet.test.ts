import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Client } from 'pg';
import type { Db } from '../../src/db/db';
import { openEmbedded } from '../../src/db/embedded';
import { migrate } from '../../src/db/migrate';
import { openServer } from '../../src/db/server';
import { applyViews, readViewFiles, ROLE_SCHEMAS_ENTRY, VIEWS_DIR } from '../../src/db/viewSet';
import { splitSqlStatements } from '../../src/contract/sqlText';

const TZ = 'America/New_York';

function copyOfViews(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'kpi-views-'));
  cpSync(VIEWS_DIR, dir, { recursive: true });
  return dir;
}

async function storedSet(db: Db): Promise<Record<string, string>> {
  const r = await db.query<{ name: string; checksum: string }>('SELECT name, checksum FROM schema_views ORDER BY name');
  return Object.fromEntries(r.rows.map((x) => [x.name, x.checksum]));
}

describe('view files', () => {
  it('are ordered by their requires lines, helpers first and deviation after what it reads', () => {
    const names = readViewFiles().map((f) => f.name);
    expect(names[0]).toBe('helpers.sql');
    expect(names.indexOf('deviation.sql')).toBeGreaterThan(names.indexOf('conversion.sql'));
    expect(names.indexOf('campaigns.sql')).toBeGreaterThan(names.indexOf('customers.sql'));
    expect(names.indexOf('recovery.sql')).toBeGreaterThan(names.indexOf('customers.sql'));
    expect([...names].sort()).toEqual(
      ['campaigns', 'conversion', 'customers', 'deviation', 'helpers', 'operations', 'products', 'recovery', 'revenue', 'snapshots', 'system'].map((f) => `${f}.sql`),
    );
  });

  it('name a missing requirement', () => {
    const dir = copyOfViews();
    writeFileSync(path.join(dir, 'alerts.sql'), '-- requires: helpers, sirens\nCREATE VIEW kpi.x AS SELECT 1 AS a;\n');
    expect(() => readViewFiles(dir)).toThrow('sql/views/alerts.sql requires sirens.sql, which does not exist');
  });

  it('split into statements with the line each starts on, semicolons in bodies and strings kept', () => {
    const sql = "-- head; comment\nCREATE FUNCTION f() RETURNS int LANGUAGE sql AS $$ SELECT 1; $$;\n\n/* x; */ SELECT ';' AS s;\n";
    expect(splitSqlStatements(sql)).toEqual([
      { sql: 'CREATE FUNCTION f() RETURNS int LANGUAGE sql AS $$ SELECT 1; $$;', line: 2 },
      { sql: "SELECT ';' AS s;", line: 4 },
    ]);
  });
});

describe('re-applying the view set (embedded)', () => {
  let db: Db;
  let dir: string;
  beforeAll(async () => {
    dir = copyOfViews();
    db = await openEmbedded();
    const first = await migrate(db, { timeZone: TZ, viewsDir: dir });
    expect(first.views?.applied).toBe(true);
  });
  afterAll(async () => {
    await db.close();
  });

  it('a restart with nothing changed applies nothing', async () => {
    const again = await migrate(db, { timeZone: TZ, viewsDir: dir });
    expect(again).toMatchObject({ applied: [], views: { applied: false, changed: [] } });
  });

  it('a broken view file rolls the whole set back, names file and line, and the old views keep answering', async () => {
    const stored = await storedSet(db);
    const file = path.join(dir, 'conversion.sql');
    const good = readFileSync(file, 'utf8');
    // Appended statement with a comment before it and the bad column on its third line.
    const broken = `${good}\n-- a new view\nCREATE VIEW kpi.broken AS\nSELECT started_at,\n       no_such_column\nFROM public.sessions;\n`;
    writeFileSync(file, broken);
    const line = broken.split('\n').findIndex((l) => l.includes('no_such_column')) + 1;
    try {
      await expect(migrate(db, { timeZone: TZ, viewsDir: dir })).rejects.toThrow(
        new RegExp(`^sql/views/conversion\\.sql:${line}: column "no_such_column" does not exist`),
      );
      expect(await storedSet(db)).toEqual(stored);
      expect((await db.query(`SELECT * FROM adm.revenue_today`)).rows).toHaveLength(1);
      expect((await db.query(`SELECT * FROM adm.funnel(now() - interval '1 day', now())`)).rows).toHaveLength(4);
      const gone = await db.query(`SELECT to_regclass('kpi.broken') AS r`);
      expect(gone.rows[0]).toEqual({ r: null });
    } finally {
      writeFileSync(file, good);
    }
  });

  it('an edited view file is re-applied alone, without any migration, and the change shows', async () => {
    const file = path.join(dir, 'revenue.sql');
    const good = readFileSync(file, 'utf8');
    writeFileSync(file, good.replace("COMMENT ON VIEW kpi.revenue_daily IS 'Revenue per local day:", "COMMENT ON VIEW kpi.revenue_daily IS 'Edited. Revenue per local day:"));
    try {
      const r = await migrate(db, { timeZone: TZ, viewsDir: dir });
      expect(r).toMatchObject({ applied: [], views: { applied: true, changed: ['revenue.sql'] } });
      const c = await db.query<{ c: string }>(`SELECT obj_description('kpi.revenue_daily'::regclass) AS c`);
      expect(c.rows[0]?.c).toMatch(/^Edited\. /);
    } finally {
      writeFileSync(file, good);
    }
    const back = await migrate(db, { timeZone: TZ, viewsDir: dir });
    expect(back.views?.changed).toEqual(['revenue.sql']);
  });

  it('refuses to drop an object the files do not recreate, naming it', async () => {
    await db.exec(`CREATE VIEW kpi.made_by_a_migration AS SELECT 1 AS a`);
    try {
      await expect(applyViews(db, { timeZone: TZ, dir, force: true, lockKey: 1 })).rejects.toThrow(
        /the view set does not recreate kpi\.made_by_a_migration: define it in sql\/views/,
      );
      expect((await db.query(`SELECT * FROM kpi.made_by_a_migration`)).rows).toEqual([{ a: 1 }]);
    } finally {
      await db.exec(`DROP VIEW kpi.made_by_a_migration`);
    }
  });

  it('refuses to drop a KPI view something outside the set depends on', async () => {
    await db.exec(`CREATE VIEW public.depends_on_kpi AS SELECT day FROM kpi.revenue_daily`);
    try {
      await expect(applyViews(db, { timeZone: TZ, dir, force: true, lockKey: 1 })).rejects.toThrow(
        /^cannot replace the KPI view set: .*view depends_on_kpi depends on view kpi\.revenue_daily/,
      );
    } finally {
      await db.exec(`DROP VIEW public.depends_on_kpi`);
    }
  });

  it('tracks one checksum per file plus the role schemas', async () => {
    expect(Object.keys(await storedSet(db)).sort()).toEqual([...readViewFiles(dir).map((f) => f.name), ROLE_SCHEMAS_ENTRY].sort());
  });
});

/** Native TimescaleDB (a real server) when it runs here; skipped with a reason otherwise. */
const TS_URL = process.env.TEST_TIMESCALEDB_URL ?? 'postgresql://postgres@127.0.0.1:5434/postgres';

describe('the view set on a TimescaleDB server', () => {
  const name = `kpi_views_${process.pid}_${Date.now()}`;
  const url = TS_URL.replace(/\/[^/?]*(\?|$)/, `/${name}$1`);
  let reachable = false;
  beforeAll(async () => {
    const c = new Client({ connectionString: TS_URL, connectionTimeoutMillis: 2000 });
    try {
      await c.connect();
      const ext = await c.query(`SELECT 1 FROM pg_available_extensions WHERE name = 'timescaledb'`);
      if (ext.rows.length === 0) throw new Error('no timescaledb extension');
      await c.query(`CREATE DATABASE ${name}`);
      reachable = true;
    } catch (err) {
      console.log(`skipping the server check: no TimescaleDB at ${TS_URL} (${(err as Error).message})`);
    } finally {
      await c.end().catch(() => undefined);
    }
  });
  afterAll(async () => {
    if (!reachable) return;
    const c = new Client({ connectionString: TS_URL });
    await c.connect();
    await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await c.end();
  });

  it('applies migrations and views, re-applies only on change, and rolls back a broken file', async () => {
    if (!reachable) return;
    const dir = copyOfViews();
    const db = openServer(url);
    try {
      await db.exec('CREATE EXTENSION IF NOT EXISTS timescaledb');
      const first = await migrate(db, { timeZone: TZ, viewsDir: dir });
      expect(first.views?.applied).toBe(true);
      expect((await migrate(db, { timeZone: TZ, viewsDir: dir })).views?.applied).toBe(false);
      // Two processes starting together after a view file changed: the set is applied once.
      const file0 = path.join(dir, 'deviation.sql');
      writeFileSync(file0, `${readFileSync(file0, 'utf8')}
-- edited
`);
      const other = openServer(url);
      try {
        const both = await Promise.all([migrate(db, { timeZone: TZ, viewsDir: dir }), migrate(other, { timeZone: TZ, viewsDir: dir })]);
        expect(both.map((r) => r.views?.applied).sort()).toEqual([false, true]);
      } finally {
        await other.close();
      }
      const file = path.join(dir, 'products.sql');
      writeFileSync(file, `${readFileSync(file, 'utf8')}\nSELECT 1/0;\n`);
      await expect(migrate(db, { timeZone: TZ, viewsDir: dir })).rejects.toThrow(/^sql\/views\/products\.sql:\d+: division by zero/);
      const r = await db.query<{ n: string }>(`SELECT count(*)::text AS n FROM information_schema.views WHERE table_schema = 'mgr'`);
      expect(Number(r.rows[0]?.n)).toBeGreaterThan(25);
    } finally {
      await db.close();
    }
  });
});
