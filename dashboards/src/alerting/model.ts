// Grafana's alerting file-provisioning format (provisioning/alerting/*.yaml, apiVersion 1) as
// typed structures: rule groups, contact points, notification policies, templates and time
// intervals ("muteTimes"). Field names are Grafana's, so the objects serialise as they are.

/** Grafana's server-side expression datasource. */
export const EXPR_UID = '__expr__';

export type ReducerName = 'last' | 'mean' | 'min' | 'max' | 'sum' | 'count';
export type ThresholdType = 'gt' | 'lt' | 'within_range' | 'outside_range';

/** A SQL query of a rule (the PostgreSQL datasource's query model, table format). */
export interface SqlModel {
  refId: string;
  datasource: { type: string; uid: string };
  editorMode: 'code';
  format: 'table';
  rawQuery: true;
  rawSql: string;
  intervalMs: number;
  maxDataPoints: number;
}

export interface ReduceModel {
  refId: string;
  datasource: { type: typeof EXPR_UID; uid: typeof EXPR_UID };
  type: 'reduce';
  expression: string;
  reducer: ReducerName;
  settings: { mode: 'dropNN' | 'replaceNN' | 'strict'; replaceWithValue?: number };
}

export interface MathModel {
  refId: string;
  datasource: { type: typeof EXPR_UID; uid: typeof EXPR_UID };
  type: 'math';
  expression: string;
}

export interface ThresholdModel {
  refId: string;
  datasource: { type: typeof EXPR_UID; uid: typeof EXPR_UID };
  type: 'threshold';
  expression: string;
  conditions: Array<{ evaluator: { type: ThresholdType; params: number[] } }>;
}

export type ExprModel = ReduceModel | MathModel | ThresholdModel;

export interface RuleQuery {
  refId: string;
  /** seconds before the evaluation instant: the query's $__timeFrom() / $__timeTo() */
  relativeTimeRange: { from: number; to: number };
  datasourceUid: string;
  model: SqlModel | ExprModel;
}

export type NoDataState = 'NoData' | 'Alerting' | 'OK';
export type ExecErrState = 'Error' | 'Alerting' | 'OK';

export interface AlertRule {
  uid: string;
  title: string;
  condition: string;
  data: RuleQuery[];
  dashboardUid?: string;
  panelId?: number;
  noDataState: NoDataState;
  execErrState: ExecErrState;
  for: string;
  annotations: Record<string, string>;
  labels: Record<string, string>;
  isPaused: boolean;
}

export interface RuleGroup {
  orgId: number;
  name: string;
  folder: string;
  interval: string;
  rules: AlertRule[];
}

export interface Receiver {
  uid: string;
  type: 'email' | 'slack' | 'webhook';
  settings: Record<string, string | number | boolean>;
  disableResolveMessage: boolean;
}

export interface ContactPoint {
  orgId: number;
  name: string;
  receivers: Receiver[];
}

export interface Route {
  receiver?: string;
  object_matchers?: Array<[string, '=' | '!=' | '=~' | '!~', string]>;
  group_by?: string[];
  group_wait?: string;
  group_interval?: string;
  repeat_interval?: string;
  mute_time_intervals?: string[];
  active_time_intervals?: string[];
  continue?: boolean;
  routes?: Route[];
}

export interface Policy extends Route {
  orgId: number;
  receiver: string;
}

export interface Template {
  orgId: number;
  name: string;
  template: string;
}

export interface TimeRangeOfDay {
  start_time: string;
  end_time: string;
}

export interface TimeInterval {
  times?: TimeRangeOfDay[];
  weekdays?: string[];
  location?: string;
}

export interface MuteTime {
  orgId: number;
  name: string;
  time_intervals: TimeInterval[];
}

export interface AlertingFile {
  apiVersion: 1;
  groups?: RuleGroup[];
  contactPoints?: ContactPoint[];
  policies?: Policy[];
  templates?: Template[];
  muteTimes?: MuteTime[];
}

const exprDs = { type: EXPR_UID, uid: EXPR_UID } as const;

export function reduce(refId: string, expression: string, reducer: ReducerName = 'last'): ReduceModel {
  return { refId, datasource: exprDs, type: 'reduce', expression, reducer, settings: { mode: 'dropNN' } };
}

export function math(refId: string, expression: string): MathModel {
  return { refId, datasource: exprDs, type: 'math', expression };
}

export function threshold(refId: string, expression: string, type: ThresholdType, params: number[]): ThresholdModel {
  return { refId, datasource: exprDs, type: 'threshold', expression, conditions: [{ evaluator: { type, params } }] };
}

export function isSql(m: RuleQuery['model']): m is SqlModel {
  return 'rawSql' in m;
}
