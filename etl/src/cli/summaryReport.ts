import type { Queryable } from '../db/db';

export interface SummaryData {
  day: string;
  at: string;
  revenue: number;
  orders: number;
  aov: number | null;
  targetDay: number | null;
  targetToTime: number | null;
  vsYesterdayPct: number | null;
  vsAvg7Pct: number | null;
  vsTargetPct: number | null;
  conversionRate: number | null;
  conversionLow: number | null;
  conversionHigh: number | null;
  aovTarget: number | null;
}

const num = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));

/** Reads today's headline KPIs from the admin views (the same ones the dashboards use). */
export async function readSummary(db: Queryable, at: Date | null = null): Promise<SummaryData> {
  const r = await db.query<Record<string, unknown>>(
    `SELECT c.day::text AS day, c.at, c.revenue, c.orders, c.aov, c.target_day, c.target_to_time,
            c.vs_yesterday_pct, c.vs_avg7_pct, c.vs_target_pct,
            cv.conversion_rate, cv.conversion_target_low, cv.conversion_target_high,
            (SELECT target FROM kpi_catalog WHERE id = 'aov') AS aov_target
       FROM adm.revenue_comparison(COALESCE($1::timestamptz, now())) c
       LEFT JOIN adm.conversion_daily cv ON cv.day = c.day`,
    [at ? at.toISOString() : null],
  );
  const row = r.rows[0];
  if (!row) throw new Error('adm.revenue_comparison returned no row');
  return {
    day: String(row.day),
    at: new Date(String(row.at)).toISOString(),
    revenue: Number(row.revenue ?? 0),
    orders: Number(row.orders ?? 0),
    aov: num(row.aov),
    targetDay: num(row.target_day),
    targetToTime: num(row.target_to_time),
    vsYesterdayPct: num(row.vs_yesterday_pct),
    vsAvg7Pct: num(row.vs_avg7_pct),
    vsTargetPct: num(row.vs_target_pct),
    conversionRate: num(row.conversion_rate),
    conversionLow: num(row.conversion_target_low),
    conversionHigh: num(row.conversion_target_high),
    aovTarget: num(row.aov_target),
  };
}

const money = (v: number | null, currency: string): string =>
  v === null ? '—' : new Intl.NumberFormat('en-US', { style: 'currency', currency, minimumFractionDigits: 2 }).format(v);
const pct = (v: number | null, signed = true): string => (v === null ? '—' : `${signed && v > 0 ? '+' : ''}${v.toFixed(1)} %`);

/** Plain-text table for a terminal; no colours so it reads the same in a log file. */
export function formatSummary(s: SummaryData, timeZone: string, currency: string): string {
  const localTime = new Intl.DateTimeFormat('en-GB', { timeZone, hour: '2-digit', minute: '2-digit' }).format(new Date(s.at));
  const status = (ok: boolean | null) => (ok === null ? '' : ok ? 'on target' : 'BELOW target');
  const aovOk = s.aov === null || s.aovTarget === null ? null : s.aov >= s.aovTarget;
  const convOk = s.conversionRate === null || s.conversionLow === null ? null : s.conversionRate >= s.conversionLow;
  const revOk = s.targetToTime === null ? null : s.revenue >= s.targetToTime;
  const rows: [string, string, string, string][] = [
    ['Revenue so far', money(s.revenue, currency), `${money(s.targetToTime, currency)} by now (${money(s.targetDay, currency)} day)`, status(revOk)],
    ['Orders', String(s.orders), '', ''],
    ['AOV', money(s.aov, currency), s.aovTarget === null ? '' : `>= ${money(s.aovTarget, currency)}`, status(aovOk)],
    [
      'Conversion rate',
      s.conversionRate === null ? '—' : `${(s.conversionRate * 100).toFixed(2)} %`,
      s.conversionLow === null ? '' : `${(s.conversionLow * 100).toFixed(0)}–${((s.conversionHigh ?? s.conversionLow) * 100).toFixed(0)} %`,
      status(convOk),
    ],
    ['vs yesterday (same time)', pct(s.vsYesterdayPct), '', ''],
    ['vs 7-day avg (same time)', pct(s.vsAvg7Pct), '', ''],
    ['vs target (to this time)', pct(s.vsTargetPct), '', ''],
  ];
  const w = [0, 1, 2].map((i) => Math.max(...rows.map((r) => r[i]?.length ?? 0), ['KPI', 'Value', 'Target'][i]?.length ?? 0));
  const line = (r: string[]) => r.map((c, i) => (i < 3 ? c.padEnd(w[i] ?? 0) : c)).join('  ').trimEnd();
  return [
    `Today ${s.day} (${timeZone}) as of ${localTime}`,
    line(['KPI', 'Value', 'Target', 'Status']),
    line(w.map((n) => '-'.repeat(n)).concat('------')),
    ...rows.map(line),
  ].join('\n');
}
