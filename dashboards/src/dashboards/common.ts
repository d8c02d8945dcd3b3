// Panels and variables shared by several dashboards (main, mobile, public), so that a KPI is
// queried the same way wherever it appears.
import { type DashboardLink, type VariableModel } from '@grafana/schema';
import type { KpiCatalog } from '../catalog';
import { CURRENCY_UNIT, SCHEMA, type Role } from '../config';
import { sql, stat, timeseries, unitFor, type PanelSpec } from '../panels';

export const TIERS = ['Brick', 'Value', 'Premium', 'Top Shelf'];

/** Product tier filter: multi-value with All, interpolated as a quoted list ('Brick','Value'). */
export function tierVariable(): VariableModel {
  return {
    type: 'custom',
    name: 'tier',
    label: 'Tier',
    query: TIERS.join(','),
    multi: true,
    includeAll: true,
    current: { text: ['All'], value: ['$__all'] },
    options: [],
  };
}

/** How many rows ranked panels show; single value, interpolated bare (LIMIT 10). */
export function topNVariable(): VariableModel {
  return {
    type: 'custom',
    name: 'top_n',
    label: 'Top N',
    query: '5,10,20,50',
    multi: false,
    includeAll: false,
    current: { text: '10', value: '10' },
    options: [],
  };
}

export function dashLinks(links: Array<{ title: string; uid: string }>): DashboardLink[] {
  return links.map((l) => ({
    title: l.title,
    type: 'link',
    url: `/d/${l.uid}`,
    icon: 'dashboard',
    tooltip: '',
    tags: [],
    asDropdown: false,
    includeVars: false,
    keepTime: true,
    targetBlank: false,
  }));
}

interface Size {
  w: number;
  h: number;
}

export type VsKind = 'yesterday' | 'avg7' | 'target';

const VS: Record<VsKind, { title: string; col: string; ref: string; desc: string }> = {
  yesterday: { title: 'vs yesterday (same time)', col: 'vs_yesterday_pct', ref: 'yesterday_revenue', desc: 'Today so far vs yesterday up to the same local time of day.' },
  avg7: { title: 'vs 7-day average', col: 'vs_avg7_pct', ref: 'avg7_revenue', desc: 'Today so far vs the mean of the 7 previous days, each up to the same local time of day.' },
  target: { title: 'vs target (pro rata)', col: 'vs_target_pct', ref: 'target_to_time', desc: 'Today so far vs the daily target (monthly target ÷ days in month) scaled to the elapsed part of the day.' },
};

/** The columns of revenue_comparison a "vs" panel reads: its percentage and the reference amount. */
export const vsColumns = (kind: VsKind): string[] => [VS[kind].col, VS[kind].ref];

/**
 * "Today" is the local day containing the end of the selected range, up to that instant, so the
 * time picker also moves these numbers (now by default; any past moment when picked).
 * This panel's query is the dashboard's one read of revenue_comparison: it also selects the
 * columns of the `vs` panels that reuse its result (revenueVs with this panel's id as source).
 */
export function revenueToday(role: Role, id: number, s: Size, vs: VsKind[] = []): PanelSpec {
  const columns = ['revenue', 'orders', ...vs.flatMap(vsColumns)];
  return stat({
    id,
    title: 'Revenue today',
    ...s,
    description: 'Net sales so far today (store time zone), up to the end of the selected range. Shipping and tax excluded.',
    unit: CURRENCY_UNIT,
    decimals: 0,
    queries: [sql(`SELECT ${columns.join(', ')} FROM ${SCHEMA[role]}.revenue_comparison($__timeTo())`, columns)],
    fields: '/^revenue$/',
  });
}

/**
 * A "today vs …" stat: its columns of the revenueToday panel `from.reuse`'s result, or, with
 * `from.role`, its own query (the externally shared public dashboard fetches each panel's query
 * from the server by panel id, where a browser-side reuse of another panel has no query to run).
 */
export function revenueVs(cat: KpiCatalog, kind: VsKind, id: number, s: Size, from: { reuse: number } | { role: Role }): PanelSpec {
  const spec = VS[kind];
  const thresholds =
    kind === 'target'
      ? cat.revenueVsTargetThresholds()
      : { mode: cat.revenueVsTargetThresholds().mode, steps: [{ color: 'red', value: null }, { color: 'green', value: 0 }] };
  return stat({
    id,
    title: spec.title,
    ...s,
    description: spec.desc,
    unit: 'percent',
    decimals: 1,
    thresholds,
    ...('reuse' in from
      ? { queries: [], reuse: { panelId: from.reuse, fields: vsColumns(kind) } }
      : { queries: [sql(`SELECT ${vsColumns(kind).join(', ')} FROM ${SCHEMA[from.role]}.revenue_comparison($__timeTo())`, vsColumns(kind))] }),
    fields: `/^${spec.col}$/`,
  });
}

export function revenueTrend(role: Role, id: number, s: Size, title = 'Revenue per day vs target'): PanelSpec {
  const S = SCHEMA[role];
  return timeseries({
    id,
    title,
    ...s,
    description: 'Daily net revenue with the daily target (from the KPI catalog) and the 7-day moving average.',
    unit: CURRENCY_UNIT,
    decimals: 0,
    queries: [
      sql(
        `
        SELECT d.time, d.revenue, d.target, t.revenue_7d_avg
        FROM ${S}.revenue_daily d
        JOIN ${S}.revenue_trend t ON t.time = d.time
        WHERE $__timeFilter(d.time)
        ORDER BY d.time`,
        ['time', 'revenue', 'target', 'revenue_7d_avg'],
        'time_series',
      ),
    ],
    custom: { drawStyle: 'bars', fillOpacity: 70 },
    overrides: [
      {
        matcher: { id: 'byName', options: 'target' },
        properties: [
          { id: 'custom.drawStyle', value: 'line' },
          { id: 'custom.lineStyle', value: { fill: 'dash', dash: [10, 10] } },
          { id: 'custom.fillOpacity', value: 0 },
          { id: 'color', value: { mode: 'fixed', fixedColor: 'red' } },
          { id: 'displayName', value: 'Target' },
        ],
      },
      {
        matcher: { id: 'byName', options: 'revenue_7d_avg' },
        properties: [
          { id: 'custom.drawStyle', value: 'line' },
          { id: 'custom.fillOpacity', value: 0 },
          { id: 'displayName', value: '7-day average' },
        ],
      },
      unitFor('revenue', CURRENCY_UNIT, [{ id: 'displayName', value: 'Revenue' }]),
    ],
  });
}
