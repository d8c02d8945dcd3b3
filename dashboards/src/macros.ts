// Expands a panel's rawSql exactly as Grafana 12 does before the query reaches PostgreSQL, so
// that tests can run the very statement Grafana would run. Two stages, in Grafana's order:
//  1. the browser (templateSrv + the SQL datasource's interpolateVariable) replaces template and
//     built-in variables ($var, ${var:fmt}, [[var]], $__interval, $__from, ...);
//  2. the backend (pkg/tsdb/grafana-postgresql-datasource: sqleng.Interpolate, then the postgres
//     macro engine) replaces $__interval(_ms), $__unixEpochFrom/To() and the $__macro(args) calls.
// Sources read: grafana/grafana pkg/tsdb/grafana-postgresql-datasource/macros.go, macros_test.go,
// sqleng/sql_engine.go; grafana-plugin-sdk-go backend/gtime; public/app/features/plugins/sql.

import { stripSqlComments } from '@kpi/etl/contract';

export interface TimeRange {
  from: Date;
  to: Date;
}

export interface VariableValue {
  /** current value(s); an "All" selection is passed as the list of all option values */
  value: string | string[];
  multi?: boolean;
  includeAll?: boolean;
}

export interface ExpandOptions {
  range: TimeRange;
  /** the panel's query interval as Grafana computed it (maxDataPoints, min interval) */
  intervalMs: number;
  /** the datasource's jsonData.timescaledb switch */
  timescaledb: boolean;
  variables?: Record<string, VariableValue>;
  /** wall clock used by gtime for calendar units (M, y) in $__timeGroup intervals */
  now?: Date;
}

export class MacroError extends Error {}

// ------------------------------------------------------------------ Go-compatible formatting

/** Go's time.RFC3339Nano in UTC: fractional seconds only when non-zero, trailing zeros trimmed. */
export function rfc3339Nano(d: Date): string {
  const iso = d.toISOString(); // 2018-04-12T18:00:00.000Z
  const [main, frac = ''] = iso.slice(0, -1).split('.');
  const trimmed = frac.replace(/0+$/, '');
  return trimmed ? `${main}.${trimmed}Z` : `${main}Z`;
}

/** Go's fmt %v for a float64 (strconv 'g', shortest): exponent form when exp < -4 or >= 6. */
export function goFloatV(x: number): string {
  if (x === 0) return '0';
  if (!Number.isFinite(x)) return x > 0 ? '+Inf' : x < 0 ? '-Inf' : 'NaN';
  const exp = Math.floor(Math.log10(Math.abs(x)));
  // strconv uses eprec = 6 for the shortest 'g' form, so 1036800 prints as 1.0368e+06
  if (exp < -4 || exp >= 6) {
    const [mant, e] = x.toExponential().split('e');
    const sign = e!.startsWith('-') ? '-' : '+';
    const digits = e!.replace(/^[+-]/, '').padStart(2, '0');
    return `${mant}e${sign}${digits}`;
  }
  return String(x);
}

const UNIT_NS: Record<string, number> = {
  ns: 1,
  us: 1e3,
  'µs': 1e3,
  'μs': 1e3,
  ms: 1e6,
  s: 1e9,
  m: 60e9,
  h: 3600e9,
};

/** Go's time.ParseDuration, returning seconds ("1h30m", "1.5h", "20ms", "0"). */
export function parseGoDuration(s: string): number {
  let rest = s;
  let sign = 1;
  if (rest.startsWith('-') || rest.startsWith('+')) {
    if (rest.startsWith('-')) sign = -1;
    rest = rest.slice(1);
  }
  if (rest === '0') return 0;
  if (rest === '') throw new MacroError(`time: invalid duration "${s}"`);
  let totalNs = 0;
  const part = /^([0-9]*(?:\.[0-9]*)?)([a-zµμ]+)/;
  while (rest.length > 0) {
    const m = part.exec(rest);
    if (!m || m[1] === '' || m[1] === '.') throw new MacroError(`time: invalid duration "${s}"`);
    const unit = UNIT_NS[m[2]!];
    if (unit === undefined) throw new MacroError(`time: unknown unit "${m[2]}" in duration "${s}"`);
    totalNs += Number(m[1]) * unit;
    rest = rest.slice(m[0].length);
  }
  return (sign * totalNs) / 1e9;
}

/** gtime.ParseInterval: Go durations plus d, w and calendar M, y (relative to now), in seconds. */
export function parseGtimeInterval(s: string, now: Date = new Date()): number {
  const m = /^(\d+)([dwMy])$/.exec(s);
  if (!m) return parseGoDuration(s);
  const n = Number(m[1]);
  switch (m[2]) {
    case 'd':
      return n * 86400;
    case 'w':
      return n * 7 * 86400;
    case 'M': {
      const then = new Date(now.getTime());
      then.setUTCMonth(then.getUTCMonth() + n);
      return (then.getTime() - now.getTime()) / 1000;
    }
    default: {
      const then = new Date(now.getTime());
      then.setUTCFullYear(then.getUTCFullYear() + n);
      return (then.getTime() - now.getTime()) / 1000;
    }
  }
}

/** gtime.FormatInterval, the text $__interval becomes (the browser's secondsToHms agrees on whole units). */
export function formatInterval(ms: number): string {
  const year = 365 * 86400e3;
  const day = 86400e3;
  if (ms >= year) return `${Math.floor(ms / year)}y`;
  if (ms >= day) return `${Math.floor(ms / day)}d`;
  if (ms >= 3600e3) return `${Math.floor(ms / 3600e3)}h`;
  if (ms >= 60e3) return `${Math.floor(ms / 60e3)}m`;
  if (ms >= 1e3) return `${Math.floor(ms / 1e3)}s`;
  if (ms >= 1) return `${Math.floor(ms)}ms`;
  return '1ms';
}

// ------------------------------------------------------------------ stage 1: browser

const quoteLiteral = (v: string): string => `'${v.replace(/'/g, "''")}'`;

/** The SQL datasource's interpolateVariable: the default format for SQL queries. */
function sqlDefaultFormat(value: string | string[], v: VariableValue): string {
  if (Array.isArray(value)) return value.map(quoteLiteral).join(',');
  if (v.multi || v.includeAll) return quoteLiteral(value);
  return value.replace(/'/g, "''");
}

function applyFormat(value: string | string[], v: VariableValue, format: string | undefined): string {
  const list = Array.isArray(value) ? value : [value];
  switch (format) {
    case undefined:
      return sqlDefaultFormat(value, v);
    case 'raw':
      return list.join(',');
    case 'csv':
      return list.join(',');
    case 'singlequote':
      return list.map((x) => `'${x.replace(/'/g, "\\'")}'`).join(',');
    case 'doublequote':
      return list.map((x) => `"${x.replace(/"/g, '\\"')}"`).join(',');
    case 'sqlstring':
      return list.map(quoteLiteral).join(',');
    case 'pipe':
      return list.join('|');
    default:
      throw new MacroError(`variable format "${format}" is not supported by this expander`);
  }
}

function builtin(name: string, fmt: string | undefined, o: ExpandOptions): string | undefined {
  const from = o.range.from.getTime();
  const to = o.range.to.getTime();
  const asDate = (ms: number): string => {
    if (fmt === undefined) return String(ms);
    if (fmt === 'date' || fmt === 'date:iso') return new Date(ms).toISOString();
    if (fmt === 'date:seconds') return String(Math.floor(ms / 1000));
    throw new MacroError(`format ${fmt} of $__from/$__to is not supported by this expander`);
  };
  switch (name) {
    case '__from':
      return asDate(from);
    case '__to':
      return asDate(to);
    case '__interval':
      return formatInterval(o.intervalMs);
    case '__interval_ms':
      return String(o.intervalMs);
    case '__range_ms':
      return String(to - from);
    case '__range_s':
      return String(Math.round((to - from) / 1000));
    case '__range':
      return formatInterval(to - from);
    default:
      return undefined;
  }
}

// templateSrv's variable regex: $name | [[name(:fmt)]] | ${name(.path)(:fmt)}
const VARIABLE_RE = /\$(\w+)|\[\[(\w+?)(?::(\w+))?\]\]|\$\{(\w+)(?:\.([^:^}]+))?(?::([^}]+))?\}/g;

/** The browser's templateSrv.replace for a SQL datasource; unknown names are left untouched. */
export function interpolateVariables(sql: string, o: ExpandOptions): string {
  return sql.replace(
    VARIABLE_RE,
    (match: string, g1?: string, g2?: string, g3?: string, g4?: string, _g5?: string, g6?: string) => {
      const name = g1 ?? g2 ?? g4 ?? '';
      const fmt = g3 ?? g6;
      const b = builtin(name, fmt, o);
      if (b !== undefined) return b;
      const v = o.variables?.[name];
      if (!v) return match;
      return applyFormat(v.value, v, fmt);
    },
  );
}

// ------------------------------------------------------------------ stage 2: backend

/** sqleng.Interpolate: the global substitutions, in Grafana's order. */
function globalSubstitutions(sql: string, o: ExpandOptions): string {
  return sql
    .split('$__interval_ms')
    .join(String(Math.trunc(o.intervalMs)))
    .split('$__interval')
    .join(formatInterval(o.intervalMs))
    .split('$__unixEpochFrom()')
    .join(String(Math.floor(o.range.from.getTime() / 1000)))
    .split('$__unixEpochTo()')
    .join(String(Math.floor(o.range.to.getTime() / 1000)));
}

const MACRO_RE = /\$([_a-zA-Z0-9]+)\(([^)]*)\)/g;

function checkFill(arg: string): void {
  // sqleng.SetupFillmode accepts NULL, previous or a number; the fill itself happens on the
  // result frame, not in SQL, so only the validation matters here.
  if (arg === 'NULL' || arg === 'previous') return;
  if (arg.trim() === '' || Number.isNaN(Number(arg))) throw new MacroError(`error parsing fill value ${arg}`);
}

function evaluateMacro(name: string, args: string[], o: ExpandOptions): string {
  const from = o.range.from;
  const to = o.range.to;
  const needColumn = (): string => {
    // strings.Split("", ",") yields [""], so Go sees one empty argument and does not fail here;
    // split() below does the same, so this check only fires where Grafana's does.
    if (args.length === 0) throw new MacroError(`missing time column argument for macro ${name}`);
    return args[0]!;
  };
  const groupSeconds = (): number => {
    if (args.length < 2) throw new MacroError(`macro ${name} needs time column and interval and optional fill value`);
    let seconds: number;
    try {
      seconds = parseGtimeInterval(args[1]!.replace(/^'+|'+$/g, ''), o.now);
    } catch {
      throw new MacroError(`error parsing interval ${args[1]}`);
    }
    if (args.length === 3) checkFill(args[2]!);
    return seconds;
  };
  switch (name) {
    case '__time':
      return `${needColumn()} AS "time"`;
    case '__timeEpoch':
      return `extract(epoch from ${needColumn()}) as "time"`;
    case '__timeFilter':
      return `${needColumn()} BETWEEN '${rfc3339Nano(from)}' AND '${rfc3339Nano(to)}'`;
    case '__timeFrom':
      return `'${rfc3339Nano(from)}'`;
    case '__timeTo':
      return `'${rfc3339Nano(to)}'`;
    case '__timeGroup': {
      const s = groupSeconds();
      if (o.timescaledb) return `time_bucket('${s.toFixed(3)}s',${args[0]})`;
      return `floor(extract(epoch from ${args[0]})/${goFloatV(s)})*${goFloatV(s)}`;
    }
    case '__timeGroupAlias':
      return `${evaluateMacro('__timeGroup', args, o)} AS "time"`;
    case '__unixEpochFilter': {
      const c = needColumn();
      return `${c} >= ${Math.floor(from.getTime() / 1000)} AND ${c} <= ${Math.floor(to.getTime() / 1000)}`;
    }
    case '__unixEpochNanoFilter': {
      const c = needColumn();
      return `${c} >= ${BigInt(from.getTime()) * 1000000n} AND ${c} <= ${BigInt(to.getTime()) * 1000000n}`;
    }
    case '__unixEpochNanoFrom':
      return String(BigInt(from.getTime()) * 1000000n);
    case '__unixEpochNanoTo':
      return String(BigInt(to.getTime()) * 1000000n);
    case '__unixEpochGroup': {
      const s = groupSeconds();
      return `floor((${args[0]})/${goFloatV(s)})*${goFloatV(s)}`;
    }
    case '__unixEpochGroupAlias':
      return `${evaluateMacro('__unixEpochGroup', args, o)} AS "time"`;
    default:
      throw new MacroError(`unknown macro "${name}"`);
  }
}

/** The postgres macro engine's Interpolate. */
export function interpolateMacros(sql: string, o: ExpandOptions): string {
  return sql.replace(MACRO_RE, (whole: string, rawName: string, rawArgs: string) => {
    let name = rawName;
    // Grafana's pre-5.3 compatibility: a $__timeGroup directly followed by ',' (looked up at the
    // first occurrence of the same text in the query) gets the AS "time" alias.
    if (name === '__timeGroup') {
      const at = sql.indexOf(whole);
      if (at >= 0 && sql[at + whole.length] === ',') name = '__timeGroupAlias';
    }
    const args = rawArgs.split(',').map((a) => a.replace(/^ +| +$/g, ''));
    return evaluateMacro(name, args, o);
  });
}

/** Both stages: the statement Grafana 12 sends to PostgreSQL for this rawSql. */
export function expandSql(rawSql: string, o: ExpandOptions): string {
  // Comments go first (quote-aware), as in Grafana 12.4: a macro inside a comment is never expanded.
  return interpolateMacros(globalSubstitutions(interpolateVariables(stripSqlComments(rawSql), o), o), o);
}

/**
 * The backend stage alone: what an alert rule's rawSql becomes. Alert queries are run by the
 * server (no browser templateSrv), so only sqleng.Interpolate and the macro engine apply; a
 * dashboard template variable left in an alert query would reach PostgreSQL unexpanded.
 */
export function expandServerSql(rawSql: string, o: ExpandOptions): string {
  return interpolateMacros(globalSubstitutions(rawSql, o), o);
}
