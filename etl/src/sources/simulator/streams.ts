/**
 * The simulator's streams as data, one per table it fills; names equal table names because the
 * sync job keys sync_state by them. Records are already rows, so mapping is the identity.
 */
import { TABLES, type Row, type TableName } from '../../schema/tables';
import { DAY_MS } from '../../util/time';
import type { StreamSpec } from '../types';

/**
 * Late edits (verification expiry at 72 h, then refund or shipment) land within 6.9 days of an
 * order; the ETL re-reads this far back. The one place this window is written.
 */
export const SIMULATOR_LOOKBACK_MS = 7 * DAY_MS;

const CURSOR: Partial<Record<TableName, string>> = {
  locations: 'location_id', products: 'sku', customers: 'created_at', campaigns: 'started_at',
};

export const SIMULATOR_TABLES: readonly TableName[] = [
  'locations', 'products', 'customers', 'campaigns', 'orders', 'order_lines', 'payments', 'refunds', 'verifications', 'shipments',
  'inventory_counts', 'inventory_changes', 'traffic_daily', 'sessions', 'carts', 'cart_lines', 'cart_recovery_emails', 'checkouts', 'email_stats', 'social_stats',
  'ad_insights', 'referrals', 'loyalty_events', 'support_tickets', 'uptime_probes',
];

function stream(table: TableName): StreamSpec<Row> {
  const spec = TABLES[table];
  return {
    name: table,
    table,
    primaryKey: spec.key,
    cursorField: spec.timeColumn ?? CURSOR[table] ?? spec.key[0] ?? 'source_id',
    lookbackMs: SIMULATOR_LOOKBACK_MS,
    pageSize: 5000,
    map: (record: Row) => [record],
  };
}

export const SIMULATOR_STREAMS: readonly StreamSpec<Row>[] = SIMULATOR_TABLES.map(stream);
