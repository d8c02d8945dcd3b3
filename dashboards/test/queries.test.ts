// Every SQL target of every dashboard, expanded exactly as Grafana expands it, runs against the
// seeded database as the dashboard's role and returns the columns its panel reads.
import { buildDashboards } from '../src/all';
import { DB_ROLE } from '../src/config';
import { expandSql } from '../src/macros';
import { EXPAND } from './expand';
import { openKpiDb, queryAs, type KpiDb } from './helpers/db';
import { panelData } from './helpers/panelData';
import { SEED_SQL } from './helpers/seed';

const built = buildDashboards();
const queries = built.flatMap((d) => d.queries);

let db: KpiDb;
beforeAll(async () => {
  db = await openKpiDb(SEED_SQL);
});
afterAll(async () => {
  await db?.close();
});

test('there is something to check', () => {
  expect(queries.length).toBeGreaterThan(60);
});

test.each(queries.map((q) => [`${q.dashboardUid} #${q.panelId} ${q.refId} ${q.panelTitle}`, q] as const))('%s', async (_name, q) => {
  const statement = expandSql(q.rawSql, EXPAND);
  expect(statement).not.toMatch(/\$__|\$\{|\[\[|\$[a-z_]/i);
  const r = await queryAs(db.pglite, DB_ROLE[q.role], statement);
  expect(r.fields).toEqual(q.columns);
  if (q.format === 'time_series') expect(r.fields[0]).toBe('time');
});

// The same targets over the dashboards' default range (now-30d → now) and with one tier picked,
// so gap-free "up to today" views and single-value variable expansion are exercised too.
const now = new Date();
const DEFAULT_RANGE = { ...EXPAND, range: { from: new Date(now.getTime() - 30 * 86400e3), to: now }, variables: { ...EXPAND.variables, tier: { value: ['Brick'], multi: true, includeAll: true } } };

test.each(queries.map((q) => [`${q.dashboardUid} #${q.panelId} ${q.refId} (now-30d, tier=Brick)`, q] as const))('%s', async (_name, q) => {
  const r = await queryAs(db.pglite, DB_ROLE[q.role], expandSql(q.rawSql, DEFAULT_RANGE));
  expect(r.fields).toEqual(q.columns);
});

// Panels on the `-- Dashboard --` datasource: their columns are in the source panel's result.
const reuses = built.flatMap((d) => d.reuses.map((r) => [`${d.dashboard.uid} #${r.readerId} ${r.readerTitle} ← #${r.panelId}`, d, r] as const));

test('some panels reuse another panel\'s result', () => {
  expect(reuses.length).toBeGreaterThan(10);
});

test.each(reuses)('%s', async (_name, d, r) => {
  const shown = await panelData(db.pglite, d, r.readerId, EXPAND);
  expect(shown.fields).toEqual(r.fields);
  // A reader shows every row of its source (one for the stats beside a stat, a stage per row for
  // the journey chart beside its table), with only its own columns.
  const source = await panelData(db.pglite, d, r.panelId, EXPAND);
  expect(shown.rows.length).toBeGreaterThan(0);
  expect(shown.rows).toEqual(source.rows.map((row) => Object.fromEntries(r.fields.map((f) => [f, row[f]]))));
});
