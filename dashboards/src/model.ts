// Checks a generated dashboard against what Grafana 12.4.10 accepts and renders sensibly:
// unique ids, the 24-column grid without overlaps, datasources that provisioning defines, panel
// types that exist. Returns problems as strings so a test can print all of them at once.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { Dashboard, Panel, RowPanel } from '@grafana/schema';
import { GRID_COLUMNS } from './builder';
import { DASHBOARD_DS, GRAFANA_DS, MIXED_DS, PLUGIN_FUNNEL, PLUGIN_ORDER_FEED } from './config';

type AnyPanel = Panel | RowPanel;

/** Core panel directory names in @grafana/schema whose plugin id differs from the folder name. */
const SCHEMA_DIR_TO_PANEL_ID: Record<string, string> = {
  annotationslist: 'annolist',
  dashboardlist: 'dashlist',
  nodegraph: 'nodeGraph',
  statetimeline: 'state-timeline',
  statushistory: 'status-history',
};

/** Schema folders for work-in-progress variants that are not selectable panel ids on their own. */
const NOT_PANEL_IDS = new Set(['logsnew', 'newgauge', 'xychart2']);

/** Core panels of 12.x that carry no CUE options schema, hence no folder in @grafana/schema. */
const CORE_PANELS_WITHOUT_SCHEMA = ['row', 'alertlist', 'flamegraph', 'traces', 'gettingstarted', 'welcome', 'live'];

/** Panel plugin ids built into the pinned @grafana/schema (its version is checked by the tests). */
export function corePanelTypes(): Set<string> {
  const schemaPkg = path.dirname(require.resolve('@grafana/schema/package.json'));
  const dir = path.join(schemaPkg, 'dist/types/raw/composable');
  const ids = new Set(CORE_PANELS_WITHOUT_SCHEMA);
  for (const name of readdirSync(dir)) {
    // Panels have a panelcfg folder; datasources (loki, tempo ...) have dataquery instead.
    if (existsSync(path.join(dir, name, 'panelcfg')) && !NOT_PANEL_IDS.has(name)) ids.add(SCHEMA_DIR_TO_PANEL_ID[name] ?? name);
  }
  return ids;
}

export function pinnedSchemaVersion(): string {
  return (JSON.parse(readFileSync(require.resolve('@grafana/schema/package.json'), 'utf8')) as { version: string }).version;
}

/** Our panel plugins: ids from grafana-plugins/<plugin>/src/plugin.json, plus the ids the issue fixes. */
export function pluginPanelTypes(repoRoot: string): Set<string> {
  const ids = new Set([PLUGIN_FUNNEL, PLUGIN_ORDER_FEED]);
  const dir = path.join(repoRoot, 'grafana-plugins');
  if (existsSync(dir)) {
    for (const p of readdirSync(dir)) {
      const f = path.join(dir, p, 'src/plugin.json');
      if (existsSync(f)) {
        const j = JSON.parse(readFileSync(f, 'utf8')) as { id?: string; type?: string };
        if (j.type === 'panel' && j.id) ids.add(j.id);
      }
    }
  }
  return ids;
}

export function allPanels(d: Dashboard): AnyPanel[] {
  const out: AnyPanel[] = [];
  for (const p of d.panels ?? []) {
    out.push(p);
    if (p.type === 'row') out.push(...((p as RowPanel).panels ?? []));
  }
  return out;
}

function overlaps(a: NonNullable<Panel['gridPos']>, b: NonNullable<Panel['gridPos']>): boolean {
  return a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h;
}

function gridProblems(panels: AnyPanel[], where: string): string[] {
  const problems: string[] = [];
  panels.forEach((p, i) => {
    const g = p.gridPos;
    if (!g) {
      problems.push(`${where}: panel ${p.id} has no gridPos`);
      return;
    }
    const ints = [g.x, g.y, g.w, g.h].every((n) => Number.isInteger(n));
    if (!ints || g.x < 0 || g.y < 0 || g.w < 1 || g.h < 1 || g.x + g.w > GRID_COLUMNS) {
      problems.push(`${where}: panel ${p.id} gridPos ${JSON.stringify(g)} is outside the ${GRID_COLUMNS}-column grid`);
    }
    for (const q of panels.slice(i + 1)) {
      if (q.gridPos && overlaps(g, q.gridPos)) problems.push(`${where}: panels ${p.id} and ${q.id} overlap`);
    }
  });
  return problems;
}

export interface ModelContext {
  /** datasource uids provisioned in the dashboard's org */
  datasourceUids: Set<string>;
  panelTypes: Set<string>;
}

export function checkDashboard(d: Dashboard, ctx: ModelContext): string[] {
  const where = d.uid ?? d.title ?? '?';
  const problems: string[] = [];
  if (!d.uid || d.uid.length > 40) problems.push(`${where}: uid must be set and at most 40 characters`);
  if (typeof d.schemaVersion !== 'number') problems.push(`${where}: schemaVersion missing`);

  const panels = allPanels(d);
  const ids = panels.map((p) => p.id);
  const dup = ids.filter((id, i) => ids.indexOf(id) !== i);
  if (dup.length) problems.push(`${where}: duplicate panel ids ${[...new Set(dup)].join(', ')}`);
  if (ids.some((id) => !Number.isInteger(id) || (id as number) < 1)) problems.push(`${where}: panel ids must be positive integers`);

  // Top level (rows and panels of open rows) share one grid; a collapsed row's panels form their own.
  problems.push(...gridProblems(d.panels ?? [], where));
  for (const p of d.panels ?? []) {
    if (p.type === 'row' && (p as RowPanel).collapsed) problems.push(...gridProblems((p as RowPanel).panels, `${where} row ${p.id}`));
    if (p.type === 'row' && !(p as RowPanel).collapsed && (p as RowPanel).panels.length) problems.push(`${where}: open row ${p.id} must not nest panels`);
  }

  for (const p of panels) {
    if (!ctx.panelTypes.has(p.type)) problems.push(`${where}: panel ${p.id} type "${p.type}" is not a Grafana 12.4 core panel or one of our plugins`);
    if (p.type === 'row') continue;
    const panel = p as Panel;
    const known = (uid: string | undefined): boolean => uid !== undefined && (ctx.datasourceUids.has(uid) || uid === GRAFANA_DS.uid || uid === DASHBOARD_DS.uid);
    if (panel.datasource && !known(panel.datasource.uid) && panel.datasource.uid !== MIXED_DS.uid) {
      problems.push(`${where}: panel ${p.id} datasource ${panel.datasource.uid} is not provisioned in this org`);
    }
    const targets = panel.targets ?? [];
    const refIds = targets.map((t) => t.refId);
    if (new Set(refIds).size !== refIds.length) problems.push(`${where}: panel ${p.id} has duplicate refIds`);
    for (const t of targets) {
      const ds = t.datasource as { uid?: string } | undefined;
      if (!known(ds?.uid)) problems.push(`${where}: panel ${p.id} target ${String(t.refId)} datasource ${ds?.uid} is not provisioned in this org`);
    }
    if (targets.length > 1 && panel.datasource?.uid !== MIXED_DS.uid) {
      const uids = new Set(targets.map((t) => (t.datasource as { uid?: string } | undefined)?.uid));
      if (uids.size > 1) problems.push(`${where}: panel ${p.id} mixes datasources without the Mixed datasource`);
    }
  }
  problems.push(...reuseProblems(panels, where));
  return problems;
}

const dsUid = (t: { datasource?: unknown }): string | undefined => (t.datasource as { uid?: string } | undefined)?.uid;

/**
 * Every `-- Dashboard --` target names a panel of the same dashboard that runs a query of its
 * own: Grafana shows "no data" for a missing source and does not chain reuse to a real query.
 */
function reuseProblems(panels: Array<Panel | RowPanel>, where: string): string[] {
  const problems: string[] = [];
  const byId = new Map(panels.map((p) => [p.id, p]));
  for (const p of panels) {
    for (const t of ((p as Panel).targets ?? []) as Array<Record<string, unknown>>) {
      if (dsUid(t) !== DASHBOARD_DS.uid) continue;
      if ((p as Panel).datasource?.uid !== DASHBOARD_DS.uid) problems.push(`${where}: panel ${p.id} has a -- Dashboard -- target but another panel datasource`);
      const source = byId.get(Number(t.panelId));
      const sourceTargets = ((source as Panel | undefined)?.targets ?? []) as Array<Record<string, unknown>>;
      const realQuery = sourceTargets.some((s) => typeof s.rawSql === 'string' && s.rawSql.trim() !== '' && dsUid(s) !== DASHBOARD_DS.uid);
      if (!source || source.id === p.id || !realQuery) problems.push(`${where}: panel ${p.id} reuses panel ${String(t.panelId)}, which is not a panel of this dashboard with a query`);
    }
  }
  return problems;
}

/** Template variable names a SQL text refers to ($name, ${name...}, [[name]]), built-ins excluded. */
export function referencedVariables(rawSql: string): string[] {
  const names = new Set<string>();
  const re = /\$(\w+)|\[\[(\w+?)(?::\w+)?\]\]|\$\{(\w+)(?:\.[^:^}]+)?(?::[^}]+)?\}/g;
  for (const m of rawSql.matchAll(re)) {
    const n = m[1] ?? m[2] ?? m[3];
    if (n && !n.startsWith('__')) names.add(n);
  }
  return [...names];
}
