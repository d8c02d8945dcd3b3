import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Client } from 'pg';
import { openEmbedded } from '../../src/db/embedded';
import { openServer } from '../../src/db/server';
import { migrate, readMigrations, renderMigration } from '../../src/db/migrate';

/** A real PostgreSQL server (CI starts one); the advisory lock is only meaningful across connections. */
const PG_URL = process.env.TEST_PG_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';

function migrationsDir(files: Record<string, string>): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'kpi-mig-'));
  for (const [name, sql] of Object.entries(files)) writeFileSync(path.join(dir, name), sql);
  return dir;
}

const base = {
  '0001_settings.sql': 'CREATE TABLE store_settings (key text PRIMARY KEY, value text NOT NULL);',
  // A slow migration widens the window in which two runners race.
  '0002_slow.sql': `SELECT pg_sleep(0.3); CREATE TABLE things (id int PRIMARY KEY, tz text DEFAULT {{STORE_TIMEZONE}});`,
};

describe('migration runner', () => {
  it('renders the store time zone as a quoted literal', () => {
    expect(renderMigration("time_bucket('1 day', t, {{STORE_TIMEZONE}})", "Pacific/O'Fake")).toBe("time_bucket('1 day', t, 'Pacific/O''Fake')");
  });

  it('applies the repo migrations on embedded TimescaleDB, and a second run applies nothing', async () => {
    const db = await openEmbedded();
    try {
      const first = await migrate(db, { timeZone: 'America/New_York' });
      expect(first.applied).toEqual(readMigrations().map((m) => m.name));
      const second = await migrate(db, { timeZone: 'America/New_York' });
      expect(second.applied).toEqual([]);
      await expect(migrate(db, { timeZone: 'Europe/Berlin' })).rejects.toThrow(/STORE_TIMEZONE is Europe\/Berlin but this database buckets .* America\/New_York/);
    } finally {
      await db.close();
    }
  });

  describe('on a PostgreSQL server', () => {
    const dbName = `kpi_mig_${process.pid}_${Date.now()}`;
    const url = PG_URL.replace(/\/[^/?]*(\?|$)/, `/${dbName}$1`);
    beforeAll(async () => {
      const c = new Client({ connectionString: PG_URL });
      await c.connect();
      await c.query(`CREATE DATABASE ${dbName}`);
      await c.end();
    });
    afterAll(async () => {
      const c = new Client({ connectionString: PG_URL });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`);
      await c.end();
    });

    it('two runners starting together apply each migration exactly once', async () => {
      const dir = migrationsDir(base);
      const a = openServer(url);
      const b = openServer(url);
      try {
        const [ra, rb] = await Promise.all([migrate(a, { timeZone: 'UTC', dir }), migrate(b, { timeZone: 'UTC', dir })]);
        expect([...ra.applied, ...rb.applied].sort()).toEqual(['0001_settings.sql', '0002_slow.sql']);
        expect([...ra.skipped, ...rb.skipped].sort()).toEqual(['0001_settings.sql', '0002_slow.sql']);
        const rows = await a.query<{ n: string }>('SELECT count(*)::text AS n FROM schema_migrations');
        expect(rows.rows[0]?.n).toBe('2');
      } finally {
        await a.close();
        await b.close();
      }
    });

    it('refuses to start when an applied migration was edited, naming the file', async () => {
      const edited = migrationsDir({ ...base, '0002_slow.sql': base['0002_slow.sql'] + ' -- edited' });
      const db = openServer(url);
      try {
        await expect(migrate(db, { timeZone: 'UTC', dir: edited })).rejects.toThrow(/edited since they ran: 0002_slow\.sql/);
      } finally {
        await db.close();
      }
    });
  });
});
