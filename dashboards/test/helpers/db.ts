// A migrated in-memory PGlite-TimescaleDB with the KPI catalog synced (the shared test-database
// opener of the contract), and a way to run one statement as one of the login roles.
import type { PGlite } from '@electric-sql/pglite';
import { DEFAULT_STORE_TIMEZONE } from '@kpi/etl/contract';
import { openSeededKpiDb } from '@kpi/etl/contract/testing';

export const STORE_TZ = DEFAULT_STORE_TIMEZONE;

export interface KpiDb {
  pglite: PGlite;
  close(): Promise<void>;
}

export async function openKpiDb(seedSql: string): Promise<KpiDb> {
  const db = await openSeededKpiDb({ timeZone: STORE_TZ, seed: (d) => d.exec(seedSql) });
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
