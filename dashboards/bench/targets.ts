// The targets a browser load of one dashboard sends, read from the generated dashboard JSON as
// Grafana reads it: every SQL target expanded with the dashboard's default variable values and
// the chosen range, and every `-- Dashboard --` target recorded as reuse of its source panel's
// result (Grafana runs nothing for it).
import type { Dashboard, Panel, RowPanel, VariableModel } from '@grafana/schema';
import { buildDashboards, DATASOURCES, datasourceJsonData } from '../src/all';
import type { BuiltDashboard } from '../src/builder';
import { DB_ROLE } from '../src/config';
import { expandSql, type TimeRange, type VariableValue } from '../src/macros';

/** Grafana's uid of the datasource that reuses another panel's query result. */
export const DASHBOARD_DS_UID = '-- Dashboard --';

export const DASHBOARD_CHOICES = ['main', 'recovery', 'mobile', 'public', 'manager', 'executive', 'health'] as const;
export type DashboardChoice = (typeof DASHBOARD_CHOICES)[number];

const FILE_OF: Record<DashboardChoice, string> = {
  main: 'admin/main.json',
  recovery: 'admin/recovery.json',
  mobile: 'admin/mobile.json',
  public: 'public/revenue.json',
  manager: 'manager/main.json',
  executive: 'admin/executive.json',
  health: 'admin/health.json',
};

export interface SqlTarget {
  kind: 'sql';
  /** "#panelId refId title", what the tables print */
  label: string;
  panelId: number;
  refId: string;
  /** database role the target's datasource logs in as */
  role: string;
  statement: string;
  /** inside a row Grafana shows collapsed: it loads only when the row is opened */
  collapsed: boolean;
}

export interface ReuseTarget {
  kind: 'reuse';
  label: string;
  panelId: number;
  sourcePanelId: number;
  collapsed: boolean;
}

export type BenchTarget = SqlTarget | ReuseTarget;

export function pickDashboard(choice: DashboardChoice): BuiltDashboard {
  const file = FILE_OF[choice];
  const d = buildDashboards().find((x) => x.file === file);
  if (!d) throw new Error(`no generated dashboard ${file}`);
  return d;
}

/** Custom variables at their saved default: "All" is the list of every option value. */
export function defaultVariables(list: VariableModel[]): Record<string, VariableValue> {
  const out: Record<string, VariableValue> = {};
  for (const v of list) {
    if (v.type !== 'custom' || typeof v.query !== 'string') throw new Error(`variable ${v.name}: only custom variables are supported`);
    // A custom query is "a,b,c" or "text : value" pairs; the value is what the SQL receives.
    const options = v.query.split(',').map((o) => o.split(' : ').pop()!.trim());
    const cur = v.current?.value;
    const selected = Array.isArray(cur) ? cur : [String(cur ?? options[0])];
    const all = selected.includes('$__all');
    const value = all ? options : v.multi ? selected : selected[0]!;
    out[v.name] = { value, multi: v.multi ?? false, includeAll: v.includeAll ?? false };
  }
  return out;
}

const roleOfUid = new Map(DATASOURCES.map((d) => [d.uid, DB_ROLE[d.role]]));

/** Panels in grid order, with whether their row is collapsed (nested panels of a collapsed row). */
function flatPanels(d: Dashboard): Array<{ panel: Panel; collapsed: boolean }> {
  const out: Array<{ panel: Panel; collapsed: boolean }> = [];
  for (const p of d.panels ?? []) {
    if (p.type === 'row') {
      const row = p as RowPanel;
      for (const inner of row.panels ?? []) out.push({ panel: inner as Panel, collapsed: !!row.collapsed });
    } else out.push({ panel: p as Panel, collapsed: false });
  }
  return out;
}

/**
 * Grafana's interval for a panel: the range over the panel's data points (its width in pixels),
 * never below the datasource's timeInterval. Grafana also rounds it to a "nice" step; no target
 * of these dashboards reads $__interval, so the unrounded value is kept.
 */
function intervalMs(range: TimeRange, panel: Panel): number {
  const minMs = 60_000; // datasource timeInterval "1m"
  const widthPx = Math.max(1, Math.round(((panel.gridPos?.w ?? 24) / 24) * 1600));
  return Math.max(minMs, Math.ceil((range.to.getTime() - range.from.getTime()) / widthPx));
}

export function dashboardTargets(built: BuiltDashboard, range: TimeRange): BenchTarget[] {
  const d = built.dashboard;
  const variables = defaultVariables(d.templating?.list ?? []);
  const timescaledb = datasourceJsonData().timescaledb === true;
  const out: BenchTarget[] = [];
  for (const { panel, collapsed } of flatPanels(d)) {
    for (const t of (panel.targets ?? []) as Array<Record<string, unknown>>) {
      const ds = (t.datasource ?? panel.datasource) as { uid?: string } | undefined;
      const refId = String(t.refId ?? 'A');
      const label = `#${panel.id} ${refId} ${panel.title ?? ''}`.trim();
      if (ds?.uid === DASHBOARD_DS_UID) {
        out.push({ kind: 'reuse', label, panelId: panel.id ?? 0, sourcePanelId: Number(t.panelId), collapsed });
        continue;
      }
      if (typeof t.rawSql !== 'string') continue; // Grafana Live and other non-SQL targets
      const role = roleOfUid.get(ds?.uid ?? '');
      if (!role) throw new Error(`panel ${panel.id}: datasource ${ds?.uid} is not a KPI datasource`);
      const statement = expandSql(t.rawSql, { range, intervalMs: intervalMs(range, panel), timescaledb, variables });
      out.push({ kind: 'sql', label, panelId: panel.id ?? 0, refId, role, statement, collapsed });
    }
  }
  return out;
}
