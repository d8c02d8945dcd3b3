import type { KpiCatalog } from '../../catalog';
import type { SCHEMA } from '../../config';

/** What every section of the main dashboard is built from. */
export interface MainContext {
  role: 'admin' | 'manager';
  /** The role's schema (adm or mgr). */
  S: (typeof SCHEMA)['admin' | 'manager'];
  /** Cost panels and columns only for admins. */
  admin: boolean;
  /** The dashboard time range as function arguments. */
  range: string;
  cat: KpiCatalog;
}
