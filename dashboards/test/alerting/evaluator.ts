// A small evaluator of a Grafana-managed alert rule, following Grafana's documented behaviour:
//  * each SQL query is expanded by the server-side macro engine with the range
//    [at - relativeTimeRange.from, at - relativeTimeRange.to] and run as the datasource's role;
//  * a table result becomes "numeric data": exactly one numeric column, every other column a
//    string label, one labelled number per row, label sets unique (else the rule errors);
//  * reduce over a number is a pass-through (dropNN drops nulls), math combines sets by labels
//    (equal label sets, or one a subset of the other), threshold maps to 1/0;
//  * the `condition` result decides each instance: non-zero fires, zero is normal, an empty
//    result is "no data", mapped by noDataState.
// It also renders the rule's annotations with the few template functions they use, so a
// reference to a missing refId or label fails a test.
import type { PGlite } from '@electric-sql/pglite';
import { datasourceJsonData } from '../../src/all';
import { DATASOURCE, DB_ROLE, type Role } from '../../src/config';
import { expandServerSql } from '../../src/macros';
import { isSql, type AlertRule, type ExprModel } from '../../src/alerting/model';

export type Labels = Record<string, string>;
export interface Num {
  labels: Labels;
  value: number | null;
}

export type InstanceState = 'Alerting' | 'Normal' | 'NoData';

export interface Instance {
  labels: Labels;
  state: InstanceState;
  /** every refId's value for this instance (the template's $values) */
  values: Record<string, number | null>;
  annotations: Record<string, string>;
}

export interface Evaluation {
  at: Date;
  /** the condition returned nothing: the rule's noDataState decided */
  noData: boolean;
  instances: Instance[];
  /** statements as sent to PostgreSQL, by refId */
  statements: Record<string, string>;
}

const NUMERIC_OIDS = new Set([20, 21, 23, 700, 701, 1700]);
const TEXT_OIDS = new Set([25, 1042, 1043, 19]);

const roleOfUid = (uid: string): Role => {
  const r = (Object.keys(DATASOURCE) as Role[]).find((k) => DATASOURCE[k].uid === uid);
  if (!r) throw new Error(`datasource uid ${uid} is not provisioned`);
  return r;
};

export const fingerprint = (l: Labels): string =>
  JSON.stringify(Object.keys(l).sort().map((k) => [k, l[k]]));

/** Runs one statement as a role; returns rows with each column's type oid. */
async function runAs(pg: PGlite, role: string, statement: string): Promise<{ fields: Array<{ name: string; oid: number }>; rows: Array<Record<string, unknown>> }> {
  return pg.transaction(async (tx) => {
    await tx.query(`SET LOCAL ROLE ${role}`);
    const r = await tx.query<Record<string, unknown>>(statement);
    await tx.rollback();
    return { fields: r.fields.map((f) => ({ name: f.name, oid: f.dataTypeID })), rows: r.rows };
  });
}

/** Grafana's table → numeric data conversion. */
export function tableToNumbers(refId: string, t: Awaited<ReturnType<typeof runAs>>): Num[] {
  if (t.rows.length === 0) return [];
  const numeric = t.fields.filter((f) => NUMERIC_OIDS.has(f.oid));
  if (numeric.length !== 1) throw new Error(`${refId}: a table for alerting needs exactly one numeric column, got ${numeric.map((f) => f.name).join(', ') || 'none'}`);
  const other = t.fields.filter((f) => f !== numeric[0]);
  for (const f of other) if (!TEXT_OIDS.has(f.oid)) throw new Error(`${refId}: column ${f.name} (type oid ${f.oid}) is neither numeric nor a string label`);
  const seen = new Set<string>();
  return t.rows.map((row) => {
    const labels: Labels = {};
    for (const f of other) labels[f.name] = row[f.name] == null ? '' : String(row[f.name]);
    const fp = fingerprint(labels);
    if (seen.has(fp)) throw new Error(`${refId}: duplicate label set ${fp}: rows must be unique by their string columns`);
    seen.add(fp);
    const v = row[numeric[0]!.name];
    return { labels, value: v == null ? null : Number(v) };
  });
}

const isSubset = (a: Labels, b: Labels): boolean => Object.entries(a).every(([k, v]) => b[k] === v);

/** Math binary operation over two sets, joined by labels as SSE does. */
function combine(a: Num[], b: Num[], op: (x: number, y: number) => number): Num[] {
  const out: Num[] = [];
  for (const x of a) {
    for (const y of b) {
      if (!isSubset(x.labels, y.labels) && !isSubset(y.labels, x.labels)) continue;
      const labels = Object.keys(x.labels).length >= Object.keys(y.labels).length ? x.labels : y.labels;
      out.push({ labels, value: x.value == null || y.value == null ? null : op(x.value, y.value) });
    }
  }
  return out;
}

const unary = (a: Num[], f: (x: number) => number): Num[] => a.map((x) => ({ labels: x.labels, value: x.value == null ? null : f(x.value) }));

// ------------------------------------------------------------------ math expression parser
type Tok = { t: 'num'; v: number } | { t: 'var'; v: string } | { t: 'id'; v: string } | { t: 'op'; v: string };

function tokenize(s: string): Tok[] {
  const out: Tok[] = [];
  const re = /\s*(?:(\d+(?:\.\d+)?(?:e[+-]?\d+)?)|\$\{?([A-Za-z][A-Za-z0-9_]*)\}?|([A-Za-z_][A-Za-z0-9_]*)|(&&|\|\||==|!=|>=|<=|[-+*/%()<>!]))/gy;
  let m: RegExpExecArray | null;
  let pos = 0;
  while (pos < s.length && (m = re.exec(s))) {
    if (m[1] !== undefined) out.push({ t: 'num', v: Number(m[1]) });
    else if (m[2] !== undefined) out.push({ t: 'var', v: m[2] });
    else if (m[3] !== undefined) out.push({ t: 'id', v: m[3] });
    else out.push({ t: 'op', v: m[4]! });
    pos = re.lastIndex;
  }
  if (s.slice(pos).trim() !== '') throw new Error(`math: cannot parse "${s.slice(pos)}" in ${s}`);
  return out;
}

const BINARY: Array<{ ops: string[]; fn: Record<string, (x: number, y: number) => number> }> = [
  { ops: ['||'], fn: { '||': (x, y) => (x !== 0 || y !== 0 ? 1 : 0) } },
  { ops: ['&&'], fn: { '&&': (x, y) => (x !== 0 && y !== 0 ? 1 : 0) } },
  { ops: ['==', '!='], fn: { '==': (x, y) => +(x === y), '!=': (x, y) => +(x !== y) } },
  { ops: ['>', '<', '>=', '<='], fn: { '>': (x, y) => +(x > y), '<': (x, y) => +(x < y), '>=': (x, y) => +(x >= y), '<=': (x, y) => +(x <= y) } },
  { ops: ['+', '-'], fn: { '+': (x, y) => x + y, '-': (x, y) => x - y } },
  { ops: ['*', '/', '%'], fn: { '*': (x, y) => x * y, '/': (x, y) => (y === 0 ? NaN : x / y), '%': (x, y) => x % y } },
];

const FUNCS: Record<string, (x: number) => number> = { abs: Math.abs, ceil: Math.ceil, floor: Math.floor, round: Math.round, log: Math.log };

export function evalMath(expression: string, vars: Record<string, Num[]>): Num[] {
  const toks = tokenize(expression);
  let i = 0;
  const peek = (): Tok | undefined => toks[i];
  const level = (n: number): Num[] => {
    if (n === BINARY.length) return unaryExpr();
    let left = level(n + 1);
    for (;;) {
      const t = peek();
      if (!t || t.t !== 'op' || !BINARY[n]!.ops.includes(t.v)) return left;
      i++;
      left = combine(left, level(n + 1), BINARY[n]!.fn[t.v]!);
    }
  };
  const unaryExpr = (): Num[] => {
    const t = toks[i++];
    if (!t) throw new Error(`math: unexpected end of ${expression}`);
    if (t.t === 'num') return [{ labels: {}, value: t.v }];
    if (t.t === 'var') {
      const v = vars[t.v];
      if (!v) throw new Error(`math: $${t.v} is not a refId of this rule`);
      return v;
    }
    if (t.t === 'op' && t.v === '-') return unary(unaryExpr(), (x) => -x);
    if (t.t === 'op' && t.v === '!') return unary(unaryExpr(), (x) => +(x === 0));
    if (t.t === 'op' && t.v === '(') {
      const r = level(0);
      if (toks[i++]?.v !== ')') throw new Error(`math: missing ) in ${expression}`);
      return r;
    }
    if (t.t === 'id') {
      const f = FUNCS[t.v];
      if (!f) throw new Error(`math: unknown function ${t.v}`);
      if (toks[i++]?.v !== '(') throw new Error(`math: ${t.v} needs (`);
      const r = level(0);
      if (toks[i++]?.v !== ')') throw new Error(`math: missing ) in ${expression}`);
      return unary(r, f);
    }
    throw new Error(`math: unexpected ${t.v} in ${expression}`);
  };
  const r = level(0);
  if (i !== toks.length) throw new Error(`math: trailing tokens in ${expression}`);
  return r;
}

function evalExpr(m: ExprModel, results: Record<string, Num[]>): Num[] {
  switch (m.type) {
    case 'reduce': {
      const input = results[m.expression];
      if (!input) throw new Error(`reduce ${m.refId}: input ${m.expression} not evaluated before it`);
      // A number reduces to itself; the mode decides what happens to a null.
      if (m.settings.mode === 'dropNN') return input.filter((x) => x.value != null && !Number.isNaN(x.value));
      if (m.settings.mode === 'replaceNN') return input.map((x) => ({ ...x, value: x.value == null || Number.isNaN(x.value) ? (m.settings.replaceWithValue ?? 0) : x.value }));
      return input;
    }
    case 'math':
      return evalMath(m.expression, results);
    case 'threshold': {
      const input = results[m.expression];
      if (!input) throw new Error(`threshold ${m.refId}: input ${m.expression} not evaluated before it`);
      if (m.conditions.length !== 1) throw new Error(`threshold ${m.refId}: one condition expected`);
      const { type, params } = m.conditions[0]!.evaluator;
      const [p0, p1] = params as [number, number | undefined];
      const test: Record<string, (x: number) => boolean> = {
        gt: (x) => x > p0,
        lt: (x) => x < p0,
        within_range: (x) => x > p0 && x < (p1 as number),
        outside_range: (x) => x < p0 || x > (p1 as number),
      };
      return unary(input, (x) => (test[type]!(x) ? 1 : 0));
    }
  }
}

// ------------------------------------------------------------------ annotation templates
function fmt(format: string, x: number): string {
  const m = /^%\.(\d+)([fg])$/.exec(format);
  if (!m) throw new Error(`template: printf format ${format} not supported here`);
  const digits = Number(m[1]);
  return m[2] === 'f' ? x.toFixed(digits) : String(Number(x.toPrecision(digits)));
}

/** Renders {{ $labels.x }}, {{ $values.R.Value }}, printf "%.Nf|g" and humanizePercentage. */
export function renderTemplate(tpl: string, labels: Labels, values: Record<string, number | null>): string {
  return tpl.replace(/\{\{\s*(.*?)\s*\}\}/g, (_, body: string) => {
    const term = (t: string): string | number => {
      let m = /^\$labels\.([A-Za-z_][A-Za-z0-9_]*)$/.exec(t);
      if (m) {
        if (!(m[1]! in labels)) throw new Error(`template: no label ${m[1]}`);
        return labels[m[1]!]!;
      }
      m = /^\$values\.([A-Z][A-Za-z0-9_]*)\.Value$/.exec(t);
      if (m) {
        const v = values[m[1]!];
        if (v === undefined) throw new Error(`template: no value for refId ${m[1]}`);
        return v ?? NaN;
      }
      throw new Error(`template: cannot render ${t}`);
    };
    let m = /^printf\s+"([^"]+)"\s+(\S+)$/.exec(body);
    if (m) return fmt(m[1]!, Number(term(m[2]!)));
    m = /^humanizePercentage\s+(\S+)$/.exec(body);
    if (m) return `${Number((Number(term(m[1]!)) * 100).toPrecision(4))}%`;
    return String(term(body));
  });
}

// ------------------------------------------------------------------ the rule
export async function evaluateRule(pg: PGlite, rule: AlertRule, at: Date): Promise<Evaluation> {
  const results: Record<string, Num[]> = {};
  const statements: Record<string, string> = {};
  for (const q of rule.data) {
    if (results[q.refId]) throw new Error(`${rule.uid}: refId ${q.refId} used twice`);
    const m = q.model;
    if (m.refId !== q.refId) throw new Error(`${rule.uid}: model refId ${m.refId} differs from ${q.refId}`);
    if (isSql(m)) {
      if (m.datasource.uid !== q.datasourceUid) throw new Error(`${rule.uid} ${q.refId}: datasourceUid and model.datasource differ`);
      const role = roleOfUid(q.datasourceUid);
      const statement = expandServerSql(m.rawSql, {
        range: { from: new Date(at.getTime() - q.relativeTimeRange.from * 1000), to: new Date(at.getTime() - q.relativeTimeRange.to * 1000) },
        intervalMs: m.intervalMs,
        timescaledb: datasourceJsonData().timescaledb === true,
      });
      statements[q.refId] = statement;
      results[q.refId] = tableToNumbers(q.refId, await runAs(pg, DB_ROLE[role], statement));
    } else {
      if (q.datasourceUid !== '__expr__') throw new Error(`${rule.uid} ${q.refId}: expressions use datasource __expr__`);
      results[q.refId] = evalExpr(m, results);
    }
  }
  const cond = results[rule.condition];
  if (!cond) throw new Error(`${rule.uid}: condition ${rule.condition} is not a refId`);
  const valuesFor = (labels: Labels): Record<string, number | null> => {
    const v: Record<string, number | null> = {};
    for (const [ref, set] of Object.entries(results)) {
      const hit = set.find((x) => isSubset(x.labels, labels) || isSubset(labels, x.labels));
      if (hit) v[ref] = hit.value;
    }
    return v;
  };
  const annotate = (labels: Labels, values: Record<string, number | null>): Record<string, string> =>
    Object.fromEntries(Object.entries(rule.annotations).map(([k, t]) => [k, renderTemplate(t, labels, values)]));
  if (cond.length === 0) {
    const state: InstanceState = rule.noDataState === 'Alerting' ? 'Alerting' : rule.noDataState === 'OK' ? 'Normal' : 'NoData';
    const labels = { alertname: 'DatasourceNoData' };
    return { at, noData: true, instances: [{ labels, state, values: {}, annotations: {} }], statements };
  }
  const instances = cond.map((c): Instance => {
    const values = valuesFor(c.labels);
    const state: InstanceState = c.value == null || Number.isNaN(c.value) ? 'NoData' : c.value !== 0 ? 'Alerting' : 'Normal';
    return { labels: c.labels, state, values, annotations: state === 'Alerting' ? annotate(c.labels, values) : {} };
  });
  return { at, noData: false, instances, statements };
}

export const firing = (e: Evaluation): Instance[] => e.instances.filter((i) => i.state === 'Alerting');

/** Instances firing now that were not firing at the previous evaluation: what gets notified. */
export function newlyFiring(prev: Evaluation | null, next: Evaluation): Instance[] {
  const before = new Set((prev ? firing(prev) : []).map((i) => fingerprint(i.labels)));
  return firing(next).filter((i) => !before.has(fingerprint(i.labels)));
}
