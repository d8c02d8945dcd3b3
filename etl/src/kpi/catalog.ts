/**
 * Copies the validated KPI catalog into the kpi_catalog table, because the KPI views read their
 * targets from SQL. The schema and its types live in the contract (shared by every workspace).
 */
import type { Queryable } from '../db/db';
import { loadCatalog, type KpiEntry } from '../contract/catalog';

export { CATALOG_PATH, CatalogError, KPI_FAMILIES, KPI_ROLES, loadCatalog, parseCatalog, loadUptimeSettings, uptimeSchema, type KpiEntry, type UptimeSettings } from '../contract/catalog';

const COLUMNS = [
  'id', 'name', 'family', 'unit', 'direction', 'target', 'target_low', 'target_high', 'benchmark', 'warn_below', 'warn_above',
  'volume_floor', 'roles', 'definition', 'target_period', 'view_name', 'formula', 'step_benchmarks', 'deviation_threshold',
  'volume_metric', 'alert',
] as const;

function toRow(e: KpiEntry): unknown[] {
  const json = (v: unknown) => (v == null ? null : JSON.stringify(v));
  return [
    e.id, e.name, e.family, e.unit, e.direction, e.target ?? null, e.target_low ?? null, e.target_high ?? null, e.benchmark ?? null,
    e.warn_below ?? null, e.warn_above ?? null, e.volume_floor ?? null, e.roles, e.definition, e.target_period ?? null, e.view,
    e.formula, json(e.step_benchmarks), e.deviation_threshold ?? null, e.volume_metric ?? null, json(e.alert),
  ];
}

/**
 * Upserts every entry into kpi_catalog and deletes rows no longer in the file, so the table
 * mirrors the file exactly (a removed KPI must not keep a stale target alive in SQL).
 */
export async function syncCatalog(db: Queryable, entries: KpiEntry[] = loadCatalog()): Promise<number> {
  const placeholders = COLUMNS.map((c, i) => (c === 'step_benchmarks' || c === 'alert' ? `$${i + 1}::jsonb` : `$${i + 1}`)).join(', ');
  const updates = COLUMNS.filter((c) => c !== 'id').map((c) => `${c} = EXCLUDED.${c}`).join(', ');
  const sql = `INSERT INTO kpi_catalog (${COLUMNS.join(', ')}, synced_at) VALUES (${placeholders}, now())
    ON CONFLICT (id) DO UPDATE SET ${updates}, synced_at = now()`;
  for (const e of entries) await db.query(sql, toRow(e));
  await db.query('DELETE FROM kpi_catalog WHERE NOT (id = ANY($1::text[]))', [entries.map((e) => e.id)]);
  return entries.length;
}
