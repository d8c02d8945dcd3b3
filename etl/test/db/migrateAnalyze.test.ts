import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { GrowthAnalyzer, staleTables } from '../../src/db/analyze';
import { openEmbedded, type EmbeddedDb } from '../../src/db/embedded';
import { migrate } from '../../src/db/migrate';
import { syncSimulator } from '../../src/jobs/syncSimulator';
import { logger } from '../../src/log/logger';
import { StoreSimulator } from '../../src/sources/simulator';
import { openMigratedDb } from '../../src/contract/testDb';

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

  // autovacuum's stand-in during a backfill: checked after page 1, then whenever the pages loaded
  // grew by a fifth (next = max(p + 1, ceil(1.2 p)): 6 -> 8 -> 10 -> 12 -> 15 -> 18 -> 22 -> 27).
  it('checks the tables after the pages where the load grew by a fifth, and analyzes the grown ones', async () => {
    await db.exec('CREATE TABLE grown (k int PRIMARY KEY, v int NOT NULL)');
    const analyzer = new GrowthAnalyzer(db);
    const checked: number[] = [];
    for (let page = 1; page <= 30; page += 1) {
      await db.exec(`INSERT INTO grown SELECT g, g % 7 FROM generate_series(${(page - 1) * 500 + 1}, ${page * 500}) g`);
      if (await analyzer.afterPage(page)) checked.push(page);
    }
    expect(checked).toEqual([1, 2, 3, 4, 5, 6, 8, 10, 12, 15, 18, 22, 27]);
    // pages 28-30 grew grown from 27 × 500 to 30 × 500 rows: less than a fifth, not stale yet
    expect(await staleTables(db)).not.toContain('public.grown');
    await db.exec('INSERT INTO grown SELECT g, g % 7 FROM generate_series(15001, 20000) g');
    expect(await staleTables(db)).toContain('public.grown');
    expect(await analyzer.finish()).toEqual({ runs: 14, ms: expect.any(Number) });
    expect(await staleTables(db)).not.toContain('public.grown');
  });
});

// The daemon's start-up sync of a fresh embedded store takes statistics as it loads: nothing it
// wrote is left without them, so the triggers' plans and the first reads see the real tables.
describe('simulator backfill statistics', () => {
  it('leaves no loaded table without statistics on the embedded database', async () => {
    const tz = 'America/New_York';
    const openedOn = '2026-11-16';
    const fresh = await openMigratedDb({ timeZone: tz });
    try {
      const sim = new StoreSimulator({ seed: 7, scale: 0.2, timeZone: tz, openedOn });
      const s = await syncSimulator(fresh, sim, { timeZone: tz, openedOn, now: new Date('2026-11-18T23:00:00-05:00'), log: logger, analyze: true });
      expect(s.days).toBe(3);
      expect(await staleTables(fresh)).toEqual([]);
      expect((await fresh.query<{ n: number }>(`SELECT count(*)::int AS n FROM pg_stats WHERE tablename = 'cart_journey_facts'`)).rows[0]?.n).toBe(23);
    } finally {
      await fresh.close();
    }
  });
});
