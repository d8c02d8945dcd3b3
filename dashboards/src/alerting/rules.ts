// The alert rules, built from kpi/catalog.json: every amount, fraction, threshold, floor and
// baseline below is read from the catalog, so a target changes in one place. Rule SQL reads the
// role's views like the dashboards do and takes the evaluation instant from $__timeTo() (Grafana
// sets the query range to [now - from, now - to] at each evaluation), never from now(): the same
// statement can then be evaluated "at" any instant.
import type { KpiCatalog, KpiEntry } from '../catalog';
import { DATASOURCE, SCHEMA } from '../config';
import { mainUid } from '../dashboards/main';
import { math, reduce, threshold, type AlertRule, type RuleQuery, type SqlModel } from './model';

export type AlertRole = 'admin' | 'manager';

/** Label routing alerts to a notification policy (see notify.ts). */
export type AlertKind = 'revenue_behind' | 'big_order' | 'site_down' | 'kpi_deviation' | 'abandonment_spike';

export interface BuiltRule {
  group: 'kpi-notify' | 'kpi-site' | 'kpi-deviation';
  kind: AlertKind;
  /** Catalog KPIs the rule is about: the Managers org gets a rule only if managers may see all of them. */
  kpis: string[];
  rule: AlertRule;
}

/** The evaluation instant as a timestamptz (the macro expands to a quoted RFC 3339 literal). */
const AT = '$__timeTo()::timestamptz';

/**
 * Where each deviation KPI's daily value and volume come from (the same sources as
 * kpi.kpi_deviation_daily). A catalog KPI with a deviation threshold but no source here fails
 * generation instead of silently going unwatched.
 */
export const DEVIATION_SOURCES: Record<string, { view: string; value: string; volume: string; panelId: number }> = {
  revenue: { view: 'revenue_daily', value: 'revenue', volume: 'orders', panelId: 6 },
  orders: { view: 'revenue_daily', value: 'orders', volume: 'orders', panelId: 9 },
  aov: { view: 'revenue_daily', value: 'aov', volume: 'orders', panelId: 8 },
  sessions: { view: 'conversion_daily', value: 'sessions', volume: 'sessions', panelId: 21 },
  conversion_rate: { view: 'conversion_daily', value: 'conversion_rate', volume: 'sessions', panelId: 22 },
  add_to_cart_rate: { view: 'conversion_daily', value: 'add_to_cart_rate', volume: 'sessions', panelId: 23 },
  checkout_completion_rate: { view: 'conversion_daily', value: 'checkout_completion_rate', volume: 'checkout_sessions', panelId: 24 },
  cart_abandonment_rate: { view: 'cart_abandonment_daily', value: 'cart_abandonment_rate', volume: 'carts_converted + carts_abandoned', panelId: 25 },
};

function sqlQuery(role: AlertRole, refId: string, rawSql: string, fromSeconds: number): RuleQuery {
  const ds = DATASOURCE[role];
  const model: SqlModel = {
    refId,
    datasource: { type: ds.type, uid: ds.uid },
    editorMode: 'code',
    format: 'table',
    rawQuery: true,
    rawSql: dedent(rawSql),
    intervalMs: 60_000,
    maxDataPoints: 43_200,
  };
  return { refId, relativeTimeRange: { from: fromSeconds, to: 0 }, datasourceUid: ds.uid, model };
}

function expr(model: RuleQuery['model']): RuleQuery {
  return { refId: model.refId, relativeTimeRange: { from: 0, to: 0 }, datasourceUid: '__expr__', model };
}

function dedent(s: string): string {
  const lines = s.replace(/^\n/, '').replace(/\s+$/, '').split('\n');
  const indent = Math.min(...lines.filter((l) => l.trim()).map((l) => l.match(/^ */)![0].length));
  return lines.map((l) => l.slice(indent)).join('\n');
}

const num = (v: unknown, what: string): number => {
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new Error(`kpi/catalog.json: ${what} must be a number`);
  return v;
};
const str = (v: unknown, what: string): string => {
  if (typeof v !== 'string' || v === '') throw new Error(`kpi/catalog.json: ${what} must be a string`);
  return v;
};

const uidFor = (role: AlertRole, name: string): string => `kpi-${role === 'admin' ? 'a' : 'm'}-${name}`.slice(0, 40);

/** Today's revenue below a fraction of the daily target, from a local time of day on. */
function revenueBehind(role: AlertRole, cat: KpiCatalog): BuiltRule {
  const k = cat.get('revenue');
  const fraction = num(k.alert?.fraction, 'revenue.alert.fraction');
  const from = str(k.alert?.from_local_time, 'revenue.alert.from_local_time');
  if (!/^([01]\d|2[0-3]):[0-5]\d$/.test(from)) throw new Error(`kpi/catalog.json: revenue.alert.from_local_time "${from}" is not HH:MM`);
  const S = SCHEMA[role];
  // Before the gate the query returns no row: no data is "OK", so nothing fires before 17:00 and
  // the alert resolves by itself at local midnight.
  const gate = `WHERE time_of_day >= interval '${from}'`;
  return {
    group: 'kpi-notify',
    kind: 'revenue_behind',
    kpis: ['revenue'],
    rule: {
      uid: uidFor(role, 'revenue-behind'),
      title: 'Revenue behind target',
      condition: 'D',
      data: [
        sqlQuery(role, 'A', `SELECT revenue FROM ${S}.revenue_comparison($__timeTo()) ${gate}`, 600),
        sqlQuery(role, 'B', `SELECT target_day FROM ${S}.revenue_comparison($__timeTo()) ${gate}`, 600),
        expr(math('C', '$A / $B')),
        expr(threshold('D', 'C', 'lt', [fraction])),
      ],
      dashboardUid: mainUid(role),
      panelId: 2,
      noDataState: 'OK',
      execErrState: 'Error',
      for: '0s',
      annotations: {
        summary: `Revenue today is {{ humanizePercentage $values.C.Value }} of the daily target (alert below ${pct(fraction)} from ${from} store time)`,
        description:
          `Revenue so far today: {{ printf "%.2f" $values.A.Value }}; daily target {{ printf "%.2f" $values.B.Value }} ` +
          `(monthly target ÷ days in the month, kpi/catalog.json).`,
      },
      labels: { alert: 'revenue_behind', notify: role === 'admin' ? String(k.alert?.channel) : 'dashboard' },
      isPaused: false,
    },
  };
}

/** Each valid order above the catalog amount, one alert instance per order id. */
function bigOrder(role: AlertRole, cat: KpiCatalog): BuiltRule {
  const k = cat.get('orders');
  const amount = num(k.alert?.amount, 'orders.alert.amount');
  const link = str(k.alert?.order_url, 'orders.alert.order_url');
  if (!link.includes('{order_id}')) throw new Error('kpi/catalog.json: orders.alert.order_url must contain {order_id}');
  const S = SCHEMA[role];
  return {
    group: 'kpi-notify',
    kind: 'big_order',
    kpis: ['orders'],
    rule: {
      uid: uidFor(role, 'big-order'),
      title: 'Big order',
      condition: 'C',
      data: [
        // The window (1 h) is much longer than the evaluation interval (1 min), so an order that
        // arrives late from its source is still seen; one instance per order id, and the policy
        // (group by order_id, no repeat, no resolved message) makes it one message per order.
        sqlQuery(
          role,
          'A',
          `
          SELECT order_id, coalesce(customer_name, 'guest') AS customer, coalesce(items_summary, '') AS items, total
          FROM ${S}.order_feed
          WHERE $__timeFilter(placed_at) AND valid`,
          BIG_ORDER_WINDOW_SECONDS,
        ),
        expr(reduce('B', 'A', 'last')),
        expr(threshold('C', 'B', 'gt', [amount])),
      ],
      noDataState: 'OK',
      execErrState: 'Error',
      for: '0s',
      annotations: {
        summary: `Order {{ $labels.order_id }} from {{ $labels.customer }}: {{ $labels.items }}; total {{ printf "%.2f" $values.B.Value }} (above ${amount})`,
        order_url: link.replace('{order_id}', '{{ $labels.order_id }}'),
      },
      labels: { alert: 'big_order', notify: role === 'admin' ? String(k.alert?.channel) : 'dashboard' },
      isPaused: false,
    },
  };
}

export const BIG_ORDER_WINDOW_SECONDS = 3600;
export const SITE_WINDOW_SECONDS = 600;
/** Days of daily rows a deviation query reads: the judged day plus 4 weeks of baseline, with room. */
const DEVIATION_LOOKBACK_DAYS = 36;

/** The last N probes of a target all failed (N from the catalog's uptime block). */
function siteDown(cat: KpiCatalog): BuiltRule {
  const n = cat.uptime.consecutive_failures;
  const targets = cat.uptime.targets.map((t) => `'${t.replace(/'/g, "''")}'`).join(', ');
  return {
    group: 'kpi-site',
    kind: 'site_down',
    kpis: [],
    rule: {
      uid: uidFor('admin', 'site-down'),
      title: 'Site down',
      condition: 'C',
      data: [
        sqlQuery(
          'admin',
          'A',
          `
          SELECT target, count(*) FILTER (WHERE NOT ok) AS failed
          FROM (
            SELECT target, ok, row_number() OVER (PARTITION BY target ORDER BY probed_at DESC) AS n
            FROM adm.uptime_probes
            WHERE $__timeFilter(probed_at) AND target IN (${targets})
          ) last_probes
          WHERE n <= ${n}
          GROUP BY target`,
          SITE_WINDOW_SECONDS,
        ),
        expr(reduce('B', 'A', 'last')),
        expr(math('C', `$B >= ${n}`)),
      ],
      // No probe at all for 10 minutes means the prober (the ETL itself) is down.
      noDataState: 'Alerting',
      execErrState: 'Alerting',
      for: '0s',
      annotations: {
        summary: `{{ $labels.target }} down: last ${n} probes failed`,
        description: `The ETL probes the store site and its own /healthz every ${cat.uptime.probe_every_seconds} s (table uptime_probes).`,
      },
      labels: { alert: 'site_down', notify: cat.uptime.channel },
      isPaused: false,
    },
  };
}

function baselineText(k: KpiEntry): string {
  return k.baseline === 'same_weekday_4w'
    ? 'the mean of the same weekday in the 4 previous weeks'
    : 'the mean of the 7 previous local days';
}

/** The deviation statement for one KPI; `out` is the one numeric column the query returns. */
export function deviationSql(role: AlertRole, k: KpiEntry, out: 'deviation' | 'value' | 'baseline' | 'baseline_volume'): string {
  const src = DEVIATION_SOURCES[k.id];
  if (!src) throw new Error(`KPI "${k.id}" has a deviation_threshold but no deviation source in dashboards/src/alerting/rules.ts`);
  const S = SCHEMA[role];
  const weekday = k.baseline === 'same_weekday_4w';
  const baselineDays = weekday ? 'd.day IN (t.day - 7, t.day - 14, t.day - 21, t.day - 28)' : 'd.day BETWEEN t.day - 7 AND t.day - 1';
  const needed = weekday ? 4 : 7;
  const column = {
    deviation: 'round((v.value - b.baseline) / b.baseline, 4) AS deviation',
    value: 'v.value',
    baseline: 'round(b.baseline, 4) AS baseline',
    baseline_volume: 'round(b.volume, 2) AS baseline_volume',
  }[out];
  // The day judged is the last complete local day before the instant: the latest day whose
  // local midnight precedes the instant is today, so yesterday is max(day) - 1.
  return `
    WITH d AS (
      SELECT day, (${src.value})::numeric AS value, (${src.volume})::numeric AS volume
      FROM ${S}.${src.view}
      WHERE time >= ${AT} - interval '${DEVIATION_LOOKBACK_DAYS} days' AND time < ${AT}
    ), t AS (
      SELECT max(day) - 1 AS day FROM d
    ), b AS (
      SELECT avg(d.value) AS baseline, count(d.value) AS days, avg(d.volume) AS volume
      FROM d, t
      WHERE ${baselineDays}
    )
    SELECT '${k.id}' AS kpi, to_char(v.day, 'YYYY-MM-DD') AS day, ${column}
    FROM t JOIN d v ON v.day = t.day CROSS JOIN b
    WHERE v.value IS NOT NULL AND b.days = ${needed} AND b.baseline <> 0`;
}

/** One rule per catalog KPI with a deviation threshold, linked to the KPI's main-dashboard panel. */
function deviation(role: AlertRole, k: KpiEntry): BuiltRule {
  const src = DEVIATION_SOURCES[k.id];
  if (!src) throw new Error(`KPI "${k.id}" has a deviation_threshold but no deviation source in dashboards/src/alerting/rules.ts`);
  const thr = num(k.deviation_threshold, `${k.id}.deviation_threshold`);
  const floor = num(k.volume_floor, `${k.id}.volume_floor`);
  const q = (refId: string, out: Parameters<typeof deviationSql>[2]) => sqlQuery(role, refId, deviationSql(role, k, out), DEVIATION_LOOKBACK_DAYS * 86400);
  const method = `baseline = ${baselineText(k)}; threshold ${pct(thr)}; volume floor ${floor} ${k.volume_metric ?? 'per day'}`;
  return {
    group: 'kpi-deviation',
    kind: 'kpi_deviation',
    kpis: [k.id],
    rule: {
      uid: uidFor(role, `dev-${k.id.replace(/_/g, '-')}`),
      title: `${k.name}: deviation from baseline`,
      condition: 'E',
      data: [
        q('A', 'deviation'),
        q('B', 'value'),
        q('C', 'baseline'),
        q('D', 'baseline_volume'),
        expr(math('E', `abs($A) > ${thr} && $D >= ${floor}`)),
      ],
      dashboardUid: mainUid(role),
      panelId: src.panelId,
      noDataState: 'OK',
      execErrState: 'Error',
      for: '0s',
      annotations: {
        summary: `${k.name} on {{ $labels.day }}: {{ printf "%.4g" $values.B.Value }} vs baseline {{ printf "%.4g" $values.C.Value }} ({{ humanizePercentage $values.A.Value }})`,
        description: `Value {{ $values.B.Value }}, baseline {{ $values.C.Value }}, deviation {{ humanizePercentage $values.A.Value }}, baseline volume {{ $values.D.Value }}. Method: ${method}.`,
        method,
      },
      labels: { alert: 'kpi_deviation', notify: 'dashboard', kpi: k.id },
      isPaused: false,
    },
  };
}

/** Cart abandonment over the 24 hours before the instant above its catalog limit, with the floor. */
function abandonmentSpike(role: AlertRole, cat: KpiCatalog): BuiltRule {
  const k = cat.get('cart_abandonment_rate');
  const limit = num(k.warn_above ?? k.target, 'cart_abandonment_rate.warn_above');
  const floor = num(k.volume_floor, 'cart_abandonment_rate.volume_floor');
  const hours = num(k.alert?.window_hours, 'cart_abandonment_rate.alert.window_hours');
  const S = SCHEMA[role];
  const fn = `${S}.cart_abandonment_window(${AT} - interval '${hours} hours', ${AT})`;
  return {
    group: 'kpi-notify',
    kind: 'abandonment_spike',
    kpis: ['cart_abandonment_rate'],
    rule: {
      uid: uidFor(role, 'abandonment-spike'),
      title: 'Cart abandonment spike',
      condition: 'C',
      data: [
        sqlQuery(role, 'A', `SELECT cart_abandonment_rate FROM ${fn} WHERE cart_abandonment_rate IS NOT NULL`, hours * 3600),
        sqlQuery(role, 'B', `SELECT carts_decided FROM ${fn}`, hours * 3600),
        expr(math('C', `$A > ${limit} && $B >= ${floor}`)),
      ],
      dashboardUid: mainUid(role),
      panelId: 25,
      noDataState: 'OK',
      execErrState: 'Error',
      for: '0s',
      annotations: {
        summary: `Cart abandonment over the last ${hours} h is {{ humanizePercentage $values.A.Value }} (limit ${pct(limit)})`,
        description: `{{ $values.B.Value }} carts decided in the last ${hours} h (floor ${floor}); a cart is abandoned after 60 minutes without activity or order.`,
      },
      labels: { alert: 'abandonment_spike', notify: role === 'admin' ? String(k.alert?.channel) : 'dashboard' },
      isPaused: false,
    },
  };
}

function pct(f: number): string {
  return `${Math.round(f * 10000) / 100} %`;
}

/** Every rule of one org: the Admin org gets all; the Managers org those managers may see. */
export function buildRules(role: AlertRole, cat: KpiCatalog): BuiltRule[] {
  const rules: BuiltRule[] = [revenueBehind(role, cat), bigOrder(role, cat), abandonmentSpike(role, cat)];
  for (const k of cat.all()) if (k.deviation_threshold != null) rules.push(deviation(role, k));
  if (role === 'admin') return [...rules, siteDown(cat)];
  // Managers get a rule only when every KPI it shows lists kpi_manager (site down is operations
  // data, no KPI: admin only); the manager SQL reads only mgr views, which carry no cost data.
  return rules.filter((r) => r.kpis.length > 0 && r.kpis.every((id) => cat.get(id).roles.includes('kpi_manager')));
}
