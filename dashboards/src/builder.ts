// Assembles sections of panels into a Grafana dashboard: lays panels out on the 24-column grid,
// binds SQL targets to the role's datasource and records what each query must return.
import type { Dashboard, DashboardLink, Panel, RowPanel, VariableModel } from '@grafana/schema';
import { DASHBOARD_DS, DATASOURCE, MIXED_DS, STORE_TIMEZONE, type Role } from './config';
import type { PanelSpec, Reuse, SqlQuery } from './panels';

export const GRID_COLUMNS = 24;
export const SCHEMA_VERSION = 42; // @grafana/schema 12.4.10 defaultDashboard.schemaVersion

export interface BuiltQuery extends SqlQuery {
  dashboardUid: string;
  panelId: number;
  panelTitle: string;
  panelType: string;
  role: Role;
}

/** A panel showing columns of another panel's result (no query of its own). */
export interface BuiltReuse extends Reuse {
  /** the reading panel */
  readerId: number;
  readerTitle: string;
}

export interface BuiltDashboard {
  /** path under dashboards/json/ */
  file: string;
  role: Role;
  orgId: number;
  dashboard: Dashboard;
  queries: BuiltQuery[];
  reuses: BuiltReuse[];
}

interface Section {
  rowId: number;
  title: string;
  panels: PanelSpec[];
}

export interface DashboardMeta {
  uid: string;
  title: string;
  role: Role;
  file: string;
  orgId: number;
  tags: string[];
  description: string;
  /** rows start collapsed (phone layout): only the key numbers above the first row load */
  collapsed?: boolean;
  variables?: VariableModel[];
  links?: DashboardLink[];
}

/** Panels before the first row() (the phone's key numbers) go into this pseudo-section. */
const TOP = -1;

export class DashboardBuilder {
  private readonly sections: Section[] = [{ rowId: TOP, title: '', panels: [] }];
  constructor(private readonly meta: DashboardMeta) {}

  row(id: number, title: string): this {
    this.sections.push({ rowId: id, title, panels: [] });
    return this;
  }

  add(...panels: Array<PanelSpec | undefined | false>): this {
    const current = this.sections[this.sections.length - 1]!;
    for (const p of panels) if (p) current.panels.push(p);
    return this;
  }

  build(): BuiltDashboard {
    const m = this.meta;
    const queries: BuiltQuery[] = [];
    const reuses: BuiltReuse[] = [];
    const top: Array<Panel | RowPanel> = [];
    let y = 0;
    for (const s of this.sections) {
      if (s.rowId !== TOP) {
        const row: RowPanel = { type: 'row', id: s.rowId, title: s.title, collapsed: !!m.collapsed, gridPos: { x: 0, y, w: GRID_COLUMNS, h: 1 }, panels: [] };
        top.push(row);
        y += 1;
        const { panels, bottom } = this.layout(s.panels, y, queries, reuses);
        // A collapsed row keeps its panels inside it; Grafana lays them out below the row when opened.
        if (m.collapsed) row.panels = panels;
        else top.push(...panels);
        if (!m.collapsed) y = bottom;
      } else if (s.panels.length > 0) {
        const { panels, bottom } = this.layout(s.panels, y, queries, reuses);
        top.push(...panels);
        y = bottom;
      }
    }
    const dashboard: Dashboard = {
      uid: m.uid,
      title: m.title,
      description: m.description,
      tags: m.tags,
      editable: false,
      graphTooltip: 1,
      fiscalYearStartMonth: 0,
      liveNow: false,
      refresh: '1m',
      schemaVersion: SCHEMA_VERSION,
      // Daily KPIs are bucketed in the store's zone; showing the same zone keeps "today" aligned.
      timezone: STORE_TIMEZONE,
      weekStart: 'monday',
      time: { from: 'now-30d', to: 'now' },
      timepicker: { refresh_intervals: ['1m', '5m', '15m', '1h'] },
      templating: { list: m.variables ?? [] },
      annotations: {
        list: [
          {
            builtIn: 1,
            datasource: { type: 'grafana', uid: '-- Grafana --' },
            enable: true,
            hide: true,
            iconColor: 'rgba(0, 211, 255, 1)',
            name: 'Annotations & Alerts',
            type: 'dashboard',
          },
        ],
      },
      links: m.links ?? [],
      panels: top,
      version: 1,
    };
    return { file: m.file, role: m.role, orgId: m.orgId, dashboard, queries, reuses };
  }

  /** Skyline packing in source order: each panel goes to the left-most lowest spot it fits. */
  private layout(specs: PanelSpec[], startY: number, queries: BuiltQuery[], reuses: BuiltReuse[]): { panels: Panel[]; bottom: number } {
    const heights = new Array<number>(GRID_COLUMNS).fill(startY);
    const panels: Panel[] = [];
    for (const spec of specs) {
      if (spec.w < 1 || spec.w > GRID_COLUMNS) throw new Error(`panel ${spec.id}: width ${spec.w}`);
      let bestX = 0;
      let bestY = Number.POSITIVE_INFINITY;
      for (let x = 0; x + spec.w <= GRID_COLUMNS; x++) {
        const yAt = Math.max(...heights.slice(x, x + spec.w));
        if (yAt < bestY) {
          bestY = yAt;
          bestX = x;
        }
      }
      for (let x = bestX; x < bestX + spec.w; x++) heights[x] = bestY + spec.h;
      panels.push(this.bind(spec, { x: bestX, y: bestY, w: spec.w, h: spec.h }, queries, reuses));
    }
    return { panels, bottom: Math.max(startY, ...heights) };
  }

  private bind(spec: PanelSpec, gridPos: NonNullable<Panel['gridPos']>, queries: BuiltQuery[], reuses: BuiltReuse[]): Panel {
    if (spec.reuse) return this.bindReuse(spec, gridPos, spec.reuse, reuses);
    const ds = DATASOURCE[this.meta.role];
    const targets: Array<Record<string, unknown>> = spec.queries.map((q) => ({
      refId: q.refId,
      datasource: ds,
      editorMode: 'code',
      format: q.format,
      rawQuery: true,
      rawSql: q.rawSql,
    }));
    for (const q of spec.queries) {
      queries.push({ ...q, dashboardUid: this.meta.uid, panelId: spec.id, panelTitle: spec.panel.title ?? '', panelType: spec.panel.type, role: this.meta.role });
    }
    if (spec.extraTargets) targets.push(...spec.extraTargets);
    const datasource = spec.extraTargets?.length ? MIXED_DS : spec.queries.length ? ds : undefined;
    return { id: spec.id, gridPos, ...spec.panel, datasource, targets };
  }

  /** The JSON Grafana saves when a panel's query editor picks "-- Dashboard --" and a source panel. */
  private bindReuse(spec: PanelSpec, gridPos: NonNullable<Panel['gridPos']>, reuse: Reuse, reuses: BuiltReuse[]): Panel {
    if (spec.queries.length || spec.extraTargets?.length) throw new Error(`panel ${spec.id}: a panel reusing another's result has no queries of its own`);
    reuses.push({ ...reuse, readerId: spec.id, readerTitle: spec.panel.title ?? '' });
    const transformations = [{ id: 'filterFieldsByName', options: { include: { names: reuse.fields } } }, ...(spec.panel.transformations ?? [])];
    return {
      id: spec.id,
      gridPos,
      ...spec.panel,
      datasource: DASHBOARD_DS,
      targets: [{ refId: 'A', datasource: DASHBOARD_DS, panelId: reuse.panelId, withTransforms: true }],
      transformations,
    };
  }
}
