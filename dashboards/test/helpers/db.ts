// A migrated in-memory PGlite-TimescaleDB (the lead's harness in etl/src/db), the KPI catalog
// synced into it, and a way to run one statement as one of the login roles.
import type { PGlite } from '@electric-sql/pglite';
import { openEmbedded } from '../../../etl/src/db/embedded';
import { migrate } from '../../../etl/src/db/migrate';
import { refreshAggregates } from '../../../etl/src/kpi/aggregates';
import { syncCatalog } from '../../../etl/src/kpi/catalog';

export const STORE_TZ = 'America/New_York';

export interface KpiDb {
  pglite: PGlite;
  close(): Promise<void>;
}

export async function openKpiDb(seedSql: string): Promise<KpiDb> {
  const db = await openEmbedded();
  await migrate(db, { timeZone: STORE_TZ });
  await syncCatalog(db);
  await db.pglite.exec(seedSql);
  await refreshAggregates(db, null, null);
  return { pglite: db.pglite, close: () => db.close() };
}

export interface RoleResult {
  fields: string[];
  rows: Array<Record<string, unknown>>;
}

/**
 * PGlite is a superuser session; SET LOCAL ROLE inside a transaction makes the grants apply as
 * they would for a login as that role, and the rollback leaves the session as it was.
 */
export async function queryAs(pg: PGlite, role: string, statement: string): Promise<RoleResult> {
  return pg.transaction(async (tx) => {
    await tx.query(`SET LOCAL ROLE ${role}`);
    const r = await tx.query<Record<string, unknown>>(statement);
    await tx.rollback();
    return { fields: r.fields.map((f) => f.name), rows: r.rows };
  });
}
