/**
 * Two databases of one PostgreSQL cluster migrated at the same time. Roles are cluster-wide and
 * the migration lock is per database, so the role-creating migration of one can lose a race
 * with the other's (unique violation on pg_authid_rolname_index); the runner reruns it once.
 * On the native TimescaleDB server (127.0.0.1:5434); skipped with the reason when it is absent.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Client } from 'pg';
import { isRoleRace, migrate, readMigrations } from '../../src/db/migrate';
import { openServer } from '../../src/db/server';

const ADMIN_URL = process.env.NATIVE_TSDB_URL ?? 'postgresql://postgres@127.0.0.1:5434/postgres';
const TZ = 'America/New_York';
const tag = randomUUID().slice(0, 8);
const created: string[] = [];
let admin: Client | null = null;
let reason: string | null = null;

function urlOf(db: string): string {
  const u = new URL(ADMIN_URL);
  u.pathname = `/${db}`;
  return u.toString();
}

async function freshDb(name: string): Promise<string> {
  await (admin as Client).query(`CREATE DATABASE ${name}`);
  created.push(name);
  return urlOf(name);
}

/** Both migrations at once on their own databases; each runner gets its own connection. */
async function migrateBoth(urls: string[], dir?: string) {
  const dbs = urls.map((u) => openServer(u));
  try {
    return await Promise.allSettled(dbs.map((db) => migrate(db, { timeZone: TZ, ...(dir ? { dir } : {}) })));
  } finally {
    await Promise.all(dbs.map((db) => db.close()));
  }
}

beforeAll(async () => {
  const c = new Client({ connectionString: ADMIN_URL, connectionTimeoutMillis: 2000 });
  try {
    await c.connect();
    const ext = await c.query(`SELECT 1 FROM pg_available_extensions WHERE name = 'timescaledb'`);
    if (ext.rows.length === 0) throw new Error('no timescaledb extension on that server');
    admin = c;
  } catch (err) {
    reason = `skipped: no native TimescaleDB at ${ADMIN_URL.replace(/\/\/[^@]*@/, '//')} (${(err as Error).message})`;
    process.stdout.write(`${reason}\n`);
    await c.end().catch(() => undefined);
  }
});

afterAll(async () => {
  if (!admin) return;
  for (const d of created) await admin.query(`DROP DATABASE IF EXISTS ${d} WITH (FORCE)`).catch(() => undefined);
  await admin.query(`DROP ROLE IF EXISTS race_role_${tag}`).catch(() => undefined);
  await admin.end();
});

test('a role race between two databases fails the plain way and is rerun by the runner', async () => {
  if (!admin) return void process.stdout.write(`${reason}\n`);
  const role = `race_role_${tag}`;
  // 0012's pattern (check, then create) with the creator holding its transaction open a moment,
  // so both runners pass the check before either commits: the race, every time.
  const dir = mkdtempSync(path.join(tmpdir(), 'kpi-mig-roles-'));
  writeFileSync(path.join(dir, '0001_settings.sql'), 'CREATE TABLE store_settings (key text PRIMARY KEY, value text NOT NULL);');
  writeFileSync(
    path.join(dir, '0002_role.sql'),
    `DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '${role}') THEN PERFORM pg_sleep(0.5); CREATE ROLE ${role} LOGIN; END IF; END $$;\nSELECT pg_sleep(0.5);`,
  );
  const urls = [await freshDb(`race_roles_a_${tag}`), await freshDb(`race_roles_b_${tag}`)];

  // Without the runner: the same statements on the two databases at once, one loses.
  const raw = urls.map((u) => new Client({ connectionString: u }));
  await Promise.all(raw.map((c) => c.connect()));
  const plain = await Promise.allSettled(
    raw.map(async (c) => {
      await c.query('BEGIN');
      await c.query(`DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '${role}_plain') THEN PERFORM pg_sleep(0.5); CREATE ROLE ${role}_plain; END IF; END $$`);
      await c.query('COMMIT');
    }),
  );
  await Promise.all(raw.map((c) => c.end()));
  await (admin as Client).query(`DROP ROLE IF EXISTS ${role}_plain`);
  const lost = plain.filter((p): p is PromiseRejectedResult => p.status === 'rejected');
  expect(lost).toHaveLength(1);
  expect(isRoleRace(lost[0]?.reason)).toBe(true);

  // Through the runner: both databases end up migrated, the role exists once.
  const out = await migrateBoth(urls, dir);
  expect(out.map((o) => (o.status === 'fulfilled' ? o.value.applied : String(o.reason)))).toEqual([
    ['0001_settings.sql', '0002_role.sql'],
    ['0001_settings.sql', '0002_role.sql'],
  ]);
  expect((await (admin as Client).query(`SELECT count(*)::int AS n FROM pg_roles WHERE rolname = $1`, [role])).rows).toEqual([{ n: 1 }]);
}, 60_000);

test('the repo migrations and views on two fresh databases of the cluster at once', async () => {
  if (!admin) return void process.stdout.write(`${reason}\n`);
  const urls = [await freshDb(`race_mig_a_${tag}`), await freshDb(`race_mig_b_${tag}`)];
  const out = await migrateBoth(urls);
  const all = readMigrations().map((m) => m.name);
  expect(out.map((o) => (o.status === 'fulfilled' ? o.value.applied : String(o.reason)))).toEqual([all, all]);
  for (const u of urls) {
    const c = new Client({ connectionString: u });
    await c.connect();
    try {
      // The role schemas exist and are granted in both databases.
      const r = await c.query<{ ok: boolean }>(`SELECT has_schema_privilege('kpi_manager', 'mgr', 'USAGE') AS ok`);
      expect(r.rows).toEqual([{ ok: true }]);
    } finally {
      await c.end();
    }
  }
}, 600_000);
