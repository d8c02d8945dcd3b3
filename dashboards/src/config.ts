import type { DataSourceRef } from '@grafana/schema';
import { DB_ROLE, DEFAULT_STORE_TIMEZONE, ROLE_SCHEMA, type RoleKey } from '@kpi/etl/contract';

/** A datasource reference with both parts set (Grafana resolves by uid, checks type). */
export type DsRef = Required<Pick<DataSourceRef, 'type' | 'uid'>>;


export type Role = RoleKey;

/** The PostgreSQL schema each role reads (generated from etl/src/contract/exposure.ts). */
export const SCHEMA = ROLE_SCHEMA;

/** The database login role behind each datasource. */
export { DB_ROLE };

export const PG_TYPE = 'grafana-postgresql-datasource';

/** Datasource uids are fixed so that dashboards can reference them without a lookup. */
export const DATASOURCE: Record<Role, DsRef> = {
  admin: { type: PG_TYPE, uid: 'kpi-pg-admin' },
  manager: { type: PG_TYPE, uid: 'kpi-pg-manager' },
  public: { type: PG_TYPE, uid: 'kpi-pg-public' },
};

/** Grafana's built-in "-- Grafana --" datasource (Live measurements, annotations). */
export const GRAFANA_DS: DsRef = { type: 'datasource', uid: 'grafana' };
/**
 * Grafana's "-- Dashboard --" datasource: a panel reusing another panel's query result in the
 * browser. Its target is `{ panelId, withTransforms }`; nothing is sent to the database for it.
 */
export const DASHBOARD_DS: DsRef = { type: 'datasource', uid: '-- Dashboard --' };
/** Panels whose targets use different datasources. */
export const MIXED_DS: DsRef = { type: 'datasource', uid: '-- Mixed --' };

/** Orgs: 1 is Grafana's default org, renamed "Admin" by the access bootstrap; 2 is "Managers". */
export const ORG_ID: Record<Role, number> = { admin: 1, manager: 2, public: 1 };

/**
 * Dashboards are shown in the store's time zone, the same zone the KPI views bucket days in.
 * The JSON is committed, so the zone is fixed at generation: STORE_TIMEZONE (default as in the ETL).
 */
export const STORE_TIMEZONE = process.env.STORE_TIMEZONE ?? DEFAULT_STORE_TIMEZONE;

export const CURRENCY_UNIT = `currency${process.env.STORE_CURRENCY ?? 'USD'}`;

/** Grafana Live channel the ETL publishes new orders to. */
export const LIVE_ORDERS_CHANNEL = 'stream/orders/live';

export const PLUGIN_FUNNEL = 'kpi-funnel-panel';
export const PLUGIN_ORDER_FEED = 'kpi-orderfeed-panel';
