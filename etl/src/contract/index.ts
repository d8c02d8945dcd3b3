/**
 * What the workspaces share (imported as `@kpi/etl/contract`): the KPI catalog schema and
 * types, role and schema names, the role exposure, the store time zone default and the SQL
 * lexer. The test-database openers are `@kpi/etl/contract/testing` (they load the database).
 */
export * from './catalog';
export * from './exposure';
export * from './roles';
export * from './sqlText';
