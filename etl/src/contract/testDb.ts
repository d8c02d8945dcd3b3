import { openEmbedded } from '../db/embedded';
import { migrate } from '../db/migrate';
import type { Db } from '../db/db';
import type { PGlite } from '@electric-sql/pglite';
import { refreshAggregates } from '../kpi/aggregates';
import { syncCatalog } from '../kpi/catalog';
import { refreshSnapshots } from '../kpi/snapshots';
import { DEFAULT_STORE_TIMEZONE } from './roles';

export type MigratedDb = Db & { pglite: PGlite };

/**
 * A fresh in-memory PGlite-TimescaleDB with every migration and the view set applied: what the
 * tests of every workspace start from.
 */
export async function openMigratedDb(opts: { timeZone?: string } = {}): Promise<MigratedDb> {
  const db = await openEmbedded();
  try {
    await migrate(db, { timeZone: opts.timeZone ?? DEFAULT_STORE_TIMEZONE });
  } catch (err) {
    await db.close();
    throw err;
  }
  return db;
}

/**
 * A migrated test database with the KPI catalog synced, `seed` run and the continuous
 * aggregates and KPI snapshots refreshed: ready for KPI queries, as the daemon leaves a store.
 */
export async function openSeededKpiDb(opts: { timeZone?: string; seed?: (db: MigratedDb) => Promise<void> } = {}): Promise<MigratedDb> {
  const db = await openMigratedDb(opts);
  try {
    await syncCatalog(db);
    await opts.seed?.(db);
    await refreshAggregates(db, null, null);
    await refreshSnapshots(db);
  } catch (err) {
    await db.close();
    throw err;
  }
  return db;
}
