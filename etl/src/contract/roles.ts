/**
 * Who reads the KPI layer: three read-only login roles, each with its own schema of views and
 * function wrappers over the internal `kpi` schema (no role has USAGE on `kpi` itself).
 */
export const ROLE_KEYS = ['admin', 'manager', 'public'] as const;
export type RoleKey = (typeof ROLE_KEYS)[number];

export const DB_ROLE = { admin: 'kpi_admin', manager: 'kpi_manager', public: 'kpi_public' } as const satisfies Record<RoleKey, string>;
export type DbRole = (typeof DB_ROLE)[RoleKey];
export const DB_ROLES = [DB_ROLE.admin, DB_ROLE.manager, DB_ROLE.public] as const;

export const ROLE_SCHEMA = { admin: 'adm', manager: 'mgr', public: 'pub' } as const satisfies Record<RoleKey, string>;
export type RoleSchema = (typeof ROLE_SCHEMA)[RoleKey];

/** The internal schema holding every KPI view, function and continuous aggregate. */
export const KPI_SCHEMA = 'kpi';
/** Every schema whose views and functions the view set owns (dropped and recreated together). */
export const KPI_SCHEMAS = [KPI_SCHEMA, ROLE_SCHEMA.admin, ROLE_SCHEMA.manager, ROLE_SCHEMA.public] as const;

/** Calendar days of every daily KPI are days in this zone unless STORE_TIMEZONE says otherwise. */
export const DEFAULT_STORE_TIMEZONE = 'America/New_York';
