import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { staleTables } from '../../src/db/analyze';
import { openEmbedded, type EmbeddedDb } from '../../src/db/embedded';
import { migrate } from '../../src/db/migrate';

// The embedded database runs no autovacuum: an upgrade's backfills would be planned without any
// statistics on the history they join unless the runner gathers them first.
describe('migration runner statistics', () => {
  let db: EmbeddedDb;
  beforeAll(async () => {
    db = await openEmbedded();
  });
  afterAll(async () => {
    await db.close();
  });

  it('analyzes the loaded tables before an upgrade applies its migrations, not on a fresh install or a start with nothing pending', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'kpi-mig-analyze-'));
    writeFileSync(
      path.join(dir, '0001_facts.sql'),
      `CREATE TABLE store_settings (key text PRIMARY KEY, value text NOT NULL);
       CREATE TABLE facts (k int PRIMARY KEY, v int NOT NULL);
       INSERT INTO facts SELECT g, g % 7 FROM generate_series(1, 1000) g;`,
    );
    const lines: { message: string; meta: Record<string, unknown> }[] = [];
    const log = { info: (message: string, meta: Record<string, unknown>) => void lines.push({ message, meta }) };
    const run = () => migrate(db, { timeZone: 'UTC', dir, log: log as never });
    const analyzedLines = () => lines.filter((l) => l.message === 'analyzed tables before migrating');

    await run();
    expect(analyzedLines()).toEqual([]);
    expect(lines.map((l) => l.meta.migration)).toEqual(['0001_facts.sql']);
    expect(await staleTables(db)).toContain('public.facts');

    // What the next migration's planner has on facts: one pg_statistic row per column (k, v).
    writeFileSync(
      path.join(dir, '0002_probe.sql'),
      `CREATE TABLE seen AS SELECT count(*) AS stats FROM pg_statistic WHERE starelid = 'facts'::regclass;`,
    );
    const r = await run();
    expect(r.applied).toEqual(['0002_probe.sql']);
    expect(analyzedLines()).toHaveLength(1);
    expect(analyzedLines()[0]?.meta.pending).toBe(1);
    expect((await db.query<{ stats: string }>('SELECT stats::text FROM seen')).rows).toEqual([{ stats: '2' }]);

    // 1000 rows of two ints fill 5 pages (226 a page); analyzed again past 1.2 × 5 + 8 = 14 pages.
    expect(await staleTables(db)).not.toContain('public.facts');
    await db.exec('INSERT INTO facts SELECT g, g % 7 FROM generate_series(1001, 3000) g'); // 14 pages
    expect(await staleTables(db)).not.toContain('public.facts');
    await db.exec('INSERT INTO facts SELECT g, g % 7 FROM generate_series(3001, 3300) g'); // 15 pages
    expect(await staleTables(db)).toContain('public.facts');

    // nothing pending: no statistics gathered at start-up
    await run();
    expect(analyzedLines()).toHaveLength(1);
    expect(await staleTables(db)).toContain('public.facts');
  });
});
