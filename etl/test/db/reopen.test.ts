import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { timescaledb } from '@electric-sql/pglite/timescaledb';
import { openEmbedded } from '../../src/db/embedded';
import { migrate } from '../../src/db/migrate';
import { syncSimulator } from '../../src/jobs/syncSimulator';
import { refreshAggregates } from '../../src/kpi/aggregates';
import { logger } from '../../src/log/logger';
import { StoreSimulator } from '../../src/sources/simulator';

/**
 * An existing data dir opened a second time: TimescaleDB must be fully initialised, so the
 * first write to a hypertable with a continuous aggregate and the next refresh both work.
 */
describe('reopening an embedded data dir', () => {
  const root = mkdtempSync(path.join(tmpdir(), 'kpi-reopen-'));
  const dataDir = path.join(root, 'pglite');
  const tz = 'America/New_York';
  const openedOn = '2026-11-18';
  const sim = new StoreSimulator({ seed: 7, scale: 0.2, timeZone: tz, openedOn });
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  // The materialization hypertable itself: the view is real-time and would show raw rows unrefreshed.
  const dailyOrders = async (db: Awaited<ReturnType<typeof openEmbedded>>) => {
    const m = await db.query<{ t: string }>(
      `SELECT format('%I.%I', materialization_hypertable_schema, materialization_hypertable_name) AS t
         FROM timescaledb_information.continuous_aggregates WHERE view_schema = 'kpi' AND view_name = 'orders_daily'`,
    );
    const r = await db.query<{ day: string; orders: string }>(
      `SELECT to_char(bucket AT TIME ZONE '${tz}', 'YYYY-MM-DD') AS day, sum(orders)::text AS orders FROM ${m.rows[0]?.t} GROUP BY 1 ORDER BY 1`,
    );
    return r.rows.map((x) => `${x.day}:${x.orders}`);
  };
  const rawDailyOrders = async (db: Awaited<ReturnType<typeof openEmbedded>>) => {
    const r = await db.query<{ day: string; orders: string }>(
      `SELECT to_char((placed_at AT TIME ZONE $1)::date, 'YYYY-MM-DD') AS day, count(*)::text AS orders FROM orders
        WHERE status <> 'cancelled' AND NOT is_test GROUP BY 1 ORDER BY 1`,
      [tz],
    );
    return r.rows.map((x) => `${x.day}:${x.orders}`);
  };

  it('the first open migrates, loads a day and materializes it', async () => {
    const db = await openEmbedded(dataDir);
    try {
      await migrate(db, { timeZone: tz });
      const s = await syncSimulator(db, sim, { timeZone: tz, openedOn, now: new Date('2026-11-18T23:00:00-05:00'), log: logger });
      expect(s.changed).toBeGreaterThan(0);
      await refreshAggregates(db, null, null);
      expect(await dailyOrders(db)).toEqual(await rawDailyOrders(db));
      expect((await dailyOrders(db)).length).toBe(1);
    } finally {
      await db.close();
    }
  }, 120_000);

  it('without the loader a reopened dir refuses the insert (what openEmbedded prevents)', async () => {
    const bare = await PGlite.create({ dataDir, extensions: { timescaledb } });
    try {
      await bare.exec('CREATE EXTENSION IF NOT EXISTS timescaledb');
      await expect(bare.query(`SHOW timescaledb.license`)).rejects.toThrow(/unrecognized configuration parameter/);
      await expect(bare.exec(`CALL refresh_continuous_aggregate('kpi.orders_daily', NULL, NULL)`)).rejects.toThrow(/not supported under the current "timescale" license/);
    } finally {
      await bare.close();
    }
  }, 60_000);

  it('reopened through openEmbedded, inserts into the hypertable and refreshes work, twice', async () => {
    for (const [i, until] of ['2026-11-19T23:00:00-05:00', '2026-11-20T23:00:00-05:00'].entries()) {
      const db = await openEmbedded(dataDir);
      try {
        expect((await db.query<{ l: string }>(`SELECT current_setting('timescaledb.license') AS l`)).rows[0]?.l).toBe('timescale');
        const s = await syncSimulator(db, sim, { timeZone: tz, openedOn, now: new Date(until), log: logger });
        expect(s.changed).toBeGreaterThan(0);
        await refreshAggregates(db, null, null);
        const materialized = await dailyOrders(db);
        expect(materialized).toEqual(await rawDailyOrders(db));
        expect(materialized.length).toBe(2 + i);
      } finally {
        await db.close();
      }
    }
  }, 180_000);
});
