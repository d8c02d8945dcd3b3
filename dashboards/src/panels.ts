// Typed constructors for the panel kinds the dashboards use. Options are typed with the panel
// option types that @grafana/schema 12.4.10 generates from each core panel's CUE schema, so a
// missing or misspelt required option fails `tsc`, not a dashboard load.
import {
  BarGaugeDisplayMode,
  BarGaugeNamePlacement,
  BarGaugeSizing,
  BarGaugeValueMode,
  BigValueColorMode,
  BigValueGraphMode,
  BigValueJustifyMode,
  BigValueTextMode,
  FieldColorModeId,
  GraphDrawStyle,
  LegendDisplayMode,
  LineInterpolation,
  PercentChangeColorMode,
  SortOrder,
  StackingMode,
  TableCellDisplayMode,
  TableCellHeight,
  TooltipDisplayMode,
  VizOrientation,
  type DataSourceRef,
  type FieldConfigSource,
  type Panel,
  type ThresholdsConfig,
} from '@grafana/schema';
import type { Options as BarGaugeOptions } from '@grafana/schema/dist/esm/raw/composable/bargauge/panelcfg/x/BarGaugePanelCfg_types.gen';
import { PieChartLabels, PieChartLegendValues, PieChartType, type Options as PieOptions } from '@grafana/schema/dist/esm/raw/composable/piechart/panelcfg/x/PieChartPanelCfg_types.gen';
import type { Options as StatOptions } from '@grafana/schema/dist/esm/raw/composable/stat/panelcfg/x/StatPanelCfg_types.gen';
import type { Options as TableOptions } from '@grafana/schema/dist/esm/raw/composable/table/panelcfg/x/TablePanelCfg_types.gen';
import { TextMode, type Options as TextOptions } from '@grafana/schema/dist/esm/raw/composable/text/panelcfg/x/TextPanelCfg_types.gen';
import type { Options as TimeSeriesOptions } from '@grafana/schema/dist/esm/raw/composable/timeseries/panelcfg/x/TimeSeriesPanelCfg_types.gen';
import { SeriesMapping, type Options as XYOptions } from '@grafana/schema/dist/esm/raw/composable/xychart/panelcfg/x/XYChartPanelCfg_types.gen';
import { neutralThresholds } from './catalog';
import { GRAFANA_DS, LIVE_ORDERS_CHANNEL, PLUGIN_FUNNEL, PLUGIN_ORDER_FEED } from './config';

/** One SQL target as written in the sources, with the columns its panel reads. */
export interface SqlQuery {
  refId: string;
  rawSql: string;
  format: 'table' | 'time_series';
  /** Exact result columns, in order; the database tests assert them. */
  columns: string[];
}

/**
 * A panel that shows columns of another panel's result: Grafana's `-- Dashboard --` datasource
 * hands it the source panel's frames (after the source's transformations) and a filter-by-name
 * transformation keeps `fields`. The source panel's query selects every column its readers need.
 */
export interface Reuse {
  panelId: number;
  fields: string[];
}

/** A panel before layout: size, and what role-specific datasource to bind its SQL to. */
export interface PanelSpec {
  id: number;
  w: number;
  h: number;
  panel: Omit<Panel, 'id' | 'gridPos' | 'targets' | 'datasource'>;
  queries: SqlQuery[];
  /** Targets that do not go to the role's PostgreSQL datasource (Grafana Live). */
  extraTargets?: Array<Record<string, unknown>>;
  /** Set instead of queries: the panel reads another panel's result. */
  reuse?: Reuse;
}

export interface FieldOpts {
  unit?: string;
  decimals?: number;
  thresholds?: ThresholdsConfig;
  min?: number;
  max?: number;
  description?: string;
  overrides?: FieldConfigSource['overrides'];
  custom?: Record<string, unknown>;
  links?: Array<Record<string, unknown>>;
  colorMode?: FieldColorModeId;
  displayName?: string;
  noValue?: string;
}

export const sql = (rawSql: string, columns: string[], format: SqlQuery['format'] = 'table', refId = 'A'): SqlQuery => ({
  refId,
  rawSql: dedent(rawSql),
  format,
  columns,
});

/** Source SQL is indented to sit in TypeScript; the JSON gets it flush left. */
function dedent(s: string): string {
  const lines = s.replace(/^\n+|\s+$/g, '').split('\n');
  const indent = Math.min(...lines.filter((l) => l.trim()).map((l) => /^ */.exec(l)![0].length));
  return lines.map((l) => l.slice(indent)).join('\n');
}

function fieldConfig(o: FieldOpts): FieldConfigSource {
  return {
    defaults: {
      unit: o.unit,
      decimals: o.decimals,
      min: o.min,
      max: o.max,
      displayName: o.displayName,
      noValue: o.noValue,
      thresholds: o.thresholds ?? neutralThresholds(),
      color: { mode: o.colorMode ?? (o.thresholds ? FieldColorModeId.Thresholds : FieldColorModeId.PaletteClassic) },
      custom: o.custom,
      links: o.links,
      mappings: [],
    },
    overrides: o.overrides ?? [],
  };
}

interface Base {
  id: number;
  title: string;
  w: number;
  h: number;
  description?: string;
  queries: SqlQuery[];
  reuse?: Reuse;
}

const base = (b: Base, type: string, options: object, fc: FieldConfigSource, extra: Partial<Panel> = {}): PanelSpec => ({
  id: b.id,
  w: b.w,
  h: b.h,
  queries: b.queries,
  ...(b.reuse ? { reuse: b.reuse } : {}),
  panel: { type, title: b.title, description: b.description, options: options as Record<string, unknown>, fieldConfig: fc, ...extra },
});

export function stat(b: Base & FieldOpts & { fields?: string; graph?: boolean; calcs?: string[] }): PanelSpec {
  const options: StatOptions = {
    reduceOptions: { calcs: b.calcs ?? ['lastNotNull'], fields: b.fields ?? '', values: false },
    orientation: VizOrientation.Auto,
    colorMode: b.thresholds ? BigValueColorMode.Value : BigValueColorMode.None,
    graphMode: b.graph ? BigValueGraphMode.Area : BigValueGraphMode.None,
    justifyMode: BigValueJustifyMode.Auto,
    textMode: BigValueTextMode.Auto,
    wideLayout: true,
    showPercentChange: false,
    percentChangeColorMode: PercentChangeColorMode.Standard,
  };
  return base(b, 'stat', options, fieldConfig({ ...b, colorMode: b.thresholds ? FieldColorModeId.Thresholds : FieldColorModeId.Fixed }));
}

export function timeseries(b: Base & FieldOpts & { bars?: boolean; stack?: boolean }): PanelSpec {
  const options: TimeSeriesOptions = {
    legend: { showLegend: true, displayMode: LegendDisplayMode.List, placement: 'bottom', calcs: [] },
    tooltip: { mode: TooltipDisplayMode.Multi, sort: SortOrder.None },
  };
  const custom = {
    drawStyle: b.bars ? GraphDrawStyle.Bars : GraphDrawStyle.Line,
    lineInterpolation: LineInterpolation.Linear,
    lineWidth: 2,
    fillOpacity: b.bars ? 80 : 10,
    showPoints: 'auto',
    spanNulls: false,
    stacking: { mode: b.stack ? StackingMode.Normal : StackingMode.None, group: 'A' },
    ...b.custom,
  };
  return base(b, 'timeseries', options, fieldConfig({ ...b, custom, colorMode: FieldColorModeId.PaletteClassic }));
}

export function table(b: Base & FieldOpts & { sortBy?: { field: string; desc: boolean } }): PanelSpec {
  const options: TableOptions = {
    showHeader: true,
    frameIndex: 0,
    cellHeight: TableCellHeight.Sm,
    sortBy: b.sortBy ? [{ displayName: b.sortBy.field, desc: b.sortBy.desc }] : [],
  };
  const custom = { align: 'auto', cellOptions: { type: TableCellDisplayMode.Auto }, filterable: false, ...b.custom };
  return base(b, 'table', options, fieldConfig({ ...b, custom }));
}

export function bargauge(b: Base & FieldOpts): PanelSpec {
  const options: BarGaugeOptions = {
    reduceOptions: { calcs: ['lastNotNull'], fields: '', values: true },
    orientation: VizOrientation.Horizontal,
    displayMode: BarGaugeDisplayMode.Gradient,
    valueMode: BarGaugeValueMode.Color,
    namePlacement: BarGaugeNamePlacement.Auto,
    showUnfilled: true,
    sizing: BarGaugeSizing.Auto,
    minVizHeight: 16,
    minVizWidth: 8,
    maxVizHeight: 300,
    legend: { showLegend: false, displayMode: LegendDisplayMode.List, placement: 'bottom', calcs: [] },
  };
  return base(b, 'bargauge', options, fieldConfig({ ...b, colorMode: b.colorMode ?? FieldColorModeId.ContinuousBlues }));
}

export function pie(b: Base & FieldOpts & { perRow: boolean }): PanelSpec {
  const options: PieOptions = {
    // perRow: one slice per result row (label + value columns); else one slice per column.
    reduceOptions: { calcs: b.perRow ? ['lastNotNull'] : ['sum'], fields: '', values: b.perRow },
    orientation: VizOrientation.Auto,
    pieType: PieChartType.Donut,
    displayLabels: [PieChartLabels.Percent],
    legend: { showLegend: true, displayMode: LegendDisplayMode.Table, placement: 'right', calcs: [], values: [PieChartLegendValues.Value, PieChartLegendValues.Percent] },
    tooltip: { mode: TooltipDisplayMode.Single, sort: SortOrder.None },
    sort: SortOrder.Descending,
  };
  return base(b, 'piechart', options, fieldConfig(b));
}

export function xy(b: Base & FieldOpts & { x: string; y: string }): PanelSpec {
  const options: XYOptions = {
    mapping: SeriesMapping.Manual,
    series: [{ x: { matcher: { id: 'byName', options: b.x } }, y: { matcher: { id: 'byName', options: b.y } } }],
    legend: { showLegend: false, displayMode: LegendDisplayMode.List, placement: 'bottom', calcs: [] },
    tooltip: { mode: TooltipDisplayMode.Single, sort: SortOrder.None },
  };
  return base(b, 'xychart', options, fieldConfig({ ...b, custom: { show: 'points', pointSize: { fixed: 6 } } }));
}

export function text(id: number, title: string, w: number, h: number, content: string): PanelSpec {
  const options: TextOptions = { mode: TextMode.Markdown, content };
  return base({ id, title, w, h, queries: [] }, 'text', options, fieldConfig({}));
}

/** Markers on a world map, placed by looking the country code up in Grafana's gazetteer. */
export function geomap(b: Base & FieldOpts & { lookupField: string; sizeField: string; colorField: string }): PanelSpec {
  // The geomap option types reference the ui package's map-layer types, which are not in
  // @grafana/schema; the shape below is the one Grafana 12 saves for a lookup markers layer.
  const options = {
    view: { id: 'zero', lat: 20, lon: 0, zoom: 1, allLayers: true },
    controls: { showZoom: true, mouseWheelZoom: false, showAttribution: true },
    basemap: { type: 'default', name: 'Basemap' },
    layers: [
      {
        type: 'markers',
        name: 'Abandoned carts',
        location: { mode: 'lookup', lookup: b.lookupField, gazetteer: 'public/gazetteer/countries.json' },
        config: {
          style: {
            size: { field: b.sizeField, min: 4, max: 24, fixed: 5 },
            color: { field: b.colorField, fixed: 'dark-green' },
            opacity: 0.6,
            symbol: { mode: 'fixed', fixed: 'img/icons/marker/circle.svg' },
          },
          showLegend: true,
        },
        tooltip: true,
      },
    ],
    tooltip: { mode: 'details' },
  };
  return base(b, 'geomap', options, fieldConfig({ ...b, colorMode: FieldColorModeId.Thresholds }));
}

/** Our funnel panel plugin: rows of (step name, count); drop-off and bottleneck computed by the panel. */
export function funnel(b: Base & { benchmarks: string }): PanelSpec {
  const options = {
    layout: 'vertical',
    stepSource: 'rows',
    order: 'asGiven',
    showDropOff: true,
    benchmarks: b.benchmarks,
    decimals: 1,
    compare: false,
    linkUrl: '',
  };
  return base(b, PLUGIN_FUNNEL, options, fieldConfig({ unit: 'short' }));
}

/** Our live order feed plugin: SQL backfill (last orders) plus Grafana Live pushes. */
export function orderFeed(b: Base & { maxOrders: number; currency: string; badgeAbove: number }): PanelSpec {
  // Option names as the plugin registers them (grafana-plugins/order-feed-panel/src/module.ts);
  // channel stays empty because the Live target below delivers the stream as panel data.
  const options = { maxOrders: b.maxOrders, currency: b.currency, minorUnits: false, badgeAbove: b.badgeAbove, channel: '' };
  const spec = base(b, PLUGIN_ORDER_FEED, options, fieldConfig({ unit: 'short' }));
  spec.extraTargets = [
    { refId: 'LIVE', datasource: GRAFANA_DS satisfies DataSourceRef, queryType: 'measurements', channel: LIVE_ORDERS_CHANNEL },
  ];
  return spec;
}

/** Table cell colouring by thresholds for one column. */
export function colourCell(field: string, thresholds: ThresholdsConfig, unit?: string): NonNullable<FieldConfigSource['overrides']>[number] {
  const properties: Array<{ id: string; value: unknown }> = [
    { id: 'thresholds', value: thresholds },
    { id: 'color', value: { mode: FieldColorModeId.Thresholds } },
    { id: 'custom.cellOptions', value: { type: TableCellDisplayMode.ColorText } },
  ];
  if (unit) properties.push({ id: 'unit', value: unit });
  return { matcher: { id: 'byName', options: field }, properties };
}

export function unitFor(field: string, unit: string, extra: Array<{ id: string; value: unknown }> = []): NonNullable<FieldConfigSource['overrides']>[number] {
  return { matcher: { id: 'byName', options: field }, properties: [{ id: 'unit', value: unit }, ...extra] };
}

/**
 * Grafana's alert list panel (unified alerting). @grafana/schema has no generated type for it;
 * the option names are those of public/app/plugins/panel/alertlist (UnifiedAlertListOptions).
 */
export interface AlertListOptions {
  viewMode: 'list' | 'stat';
  groupMode: 'default' | 'custom';
  groupBy: string[];
  maxItems: number;
  /** 1 alphabetical, 3 importance, 5 newest first */
  sortOrder: 1 | 2 | 3 | 4 | 5;
  /** only rules linked to this dashboard (their dashboardUid annotation) */
  dashboardAlerts: boolean;
  alertName: string;
  alertInstanceLabelFilter: string;
  showInstances: boolean;
  stateFilter: { firing: boolean; pending: boolean; noData: boolean; normal: boolean; error: boolean };
}

export function alertList(b: { id: number; title: string; w: number; h: number; description?: string; labelFilter?: string }): PanelSpec {
  const options: AlertListOptions = {
    viewMode: 'list',
    groupMode: 'default',
    groupBy: [],
    maxItems: 20,
    sortOrder: 3,
    dashboardAlerts: true,
    alertName: '',
    alertInstanceLabelFilter: b.labelFilter ?? '',
    showInstances: true,
    stateFilter: { firing: true, pending: true, noData: false, normal: false, error: true },
  };
  return base({ ...b, queries: [] }, 'alertlist', options, fieldConfig({}));
}
