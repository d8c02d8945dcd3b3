// What a panel receives, as Grafana hands it over: the result of its own query, or, for a panel on
// the `-- Dashboard --` datasource, its source panel's result narrowed by its filter-by-name
// transformation (the columns it shows).
import type { PGlite } from '@electric-sql/pglite';
import type { BuiltDashboard } from '../../src/builder';
import { DB_ROLE } from '../../src/config';
import { expandSql, type ExpandOptions } from '../../src/macros';
import { queryAs, type RoleResult } from './db';

export async function panelData(pg: PGlite, d: BuiltDashboard, id: number, o: ExpandOptions): Promise<RoleResult> {
  const reuse = d.reuses.find((r) => r.readerId === id);
  const sourceId = reuse ? reuse.panelId : id;
  const q = d.queries.find((x) => x.panelId === sourceId);
  if (!q) throw new Error(`${d.dashboard.uid}: panel ${sourceId} has no query`);
  const r = await queryAs(pg, DB_ROLE[d.role], expandSql(q.rawSql, o));
  if (!reuse) return r;
  const missing = reuse.fields.filter((f) => !r.fields.includes(f));
  if (missing.length) throw new Error(`${d.dashboard.uid}: panel ${id} shows ${missing.join(', ')}, which panel ${sourceId}'s result lacks`);
  const fields = r.fields.filter((f) => reuse.fields.includes(f));
  return { fields, rows: r.rows.map((row) => Object.fromEntries(fields.map((f) => [f, row[f]]))) };
}
