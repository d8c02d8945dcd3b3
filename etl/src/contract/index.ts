/**
 * What the workspaces share (imported as `@kpi/etl/contract`): the KPI catalog schema and
 * types, role and schema names, the role exposure, the store time zone default, the SQL lexer
 * and the opener of a migrated test database.
 */
export * from './catalog';
export * from './exposure';
export * from './roles';
export * from './sqlText';
export { openMigratedDb, openSeededKpiDb, type MigratedDb } from './testDb';
