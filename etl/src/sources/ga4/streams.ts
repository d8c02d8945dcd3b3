/**
 * GA4's streams as data. Daily traffic is read by date with the last days re-pulled on every
 * run, because GA4 keeps revising recent days; the range figures (distinct users of today, 7,
 * 30, 90 days and month to date) are asked of GA4 on every run, because users of a range are
 * not the sum of daily users.
 */
import type { protos } from '@google-analytics/data';
import { addDays, localDay } from '../../util/time';
import { localDayStartUtc } from '../simulator/localTime';
import { DAY_MS } from '../types';
import type { AnyStream, ApiCaller, SyncStream } from '../runtime/source';
import { RecordShapeError } from '../runtime/errors';
import { countOf } from '../wire/decimal';
import { GA4, type Ga4Client } from './client';
import { DAILY_DIMENSIONS, DAILY_METRICS, dayOf, readRows, reportFlags, trafficRow, type Ga4DailyRecord } from './mapping';

type ReportResponse = protos.google.analytics.data.v1beta.IRunReportResponse;

export const GA4_DEFAULT_LOOKBACK_DAYS = 3;
/** GA4 answers at most 250,000 rows per request. */
export const GA4_MAX_LIMIT = 250_000;

export const RANGE_KEYS = ['today', '7d', '30d', '90d', 'mtd'] as const;
export type RangeKey = (typeof RANGE_KEYS)[number];

/** The dashboard's common ranges as GA4 dates: the same local days Grafana's now-Nd..now covers. */
export function rangeDays(key: RangeKey, today: string): { start: string; end: string } {
  switch (key) {
    case 'today': return { start: today, end: today };
    case 'mtd': return { start: `${today.slice(0, 8)}01`, end: today };
    default: return { start: addDays(today, -Number(key.replace('d', ''))), end: today };
  }
}

function logQuota(client: Ga4Client, call: string, r: ReportResponse): void {
  const q = r.propertyQuota;
  if (!q) return;
  client.log.info('ga4 quota', {
    source: GA4, call,
    // GA4 calls its quota units "tokens"; the log's secret filter hides keys named so.
    dailyQuotaLeft: q.tokensPerDay?.remaining ?? null, hourlyQuotaLeft: q.tokensPerHour?.remaining ?? null,
    concurrentRequestsLeft: q.concurrentRequests?.remaining ?? null,
  });
}

function noteTimeZone(client: Ga4Client, r: ReportResponse, storeTimeZone: string): string {
  const tz = r.metadata?.timeZone;
  if (!tz) throw new RecordShapeError('metadata.timeZone is missing');
  if (client.timeZone !== tz) {
    if (tz !== storeTimeZone) client.log.warn('ga4 property time zone differs from the store time zone; GA4 days are the property\'s days', { source: GA4, propertyTimeZone: tz, storeTimeZone });
    client.timeZone = tz;
  }
  return tz;
}

/** The property's time zone, from a report's metadata (one small report when not yet known). */
async function ensureTimeZone(client: Ga4Client, api: ApiCaller, storeTimeZone: string): Promise<string> {
  if (client.timeZone) return client.timeZone;
  const [r] = await api.call('runReport', () =>
    client.sdk.runReport({ property: client.property, dateRanges: [{ startDate: 'today', endDate: 'today' }], metrics: [{ name: 'sessions' }], limit: 1, returnPropertyQuota: true }),
  );
  logQuota(client, 'runReport', r);
  return noteTimeZone(client, r, storeTimeZone);
}

export interface Ga4StreamOptions {
  lookbackDays: number;
  storeTimeZone: string;
}

interface RangeRecord {
  key: RangeKey;
  start: string;
  end: string;
  users: number;
  sessions: number;
  atc: number;
  chk: number;
  buy: number;
  timeZone: string;
  sampled: boolean;
  thresholded: boolean;
}

const FUNNEL_EVENTS = ['add_to_cart', 'begin_checkout', 'purchase'] as const;

export function ga4Streams(o: Ga4StreamOptions): AnyStream<Ga4Client>[] {
  const ranges: SyncStream<Ga4Client, RangeRecord> = {
    name: 'range_users', table: 'traffic_range_users', primaryKey: ['range_key'], cursorField: 'none', lookbackMs: 0, pageSize: 5,
    async fetch(client, req, api) {
      const tz = await ensureTimeZone(client, api, o.storeTimeZone);
      const today = localDay(req.until, tz);
      const days = RANGE_KEYS.map((key) => ({ key, ...rangeDays(key, today) }));
      const dateRanges = (d: (typeof days)[number]) => [{ startDate: d.start, endDate: d.end }];
      const [totals] = await api.call('batchRunReports', () =>
        client.sdk.batchRunReports({
          property: client.property,
          requests: days.map((d) => ({ dateRanges: dateRanges(d), metrics: [{ name: 'totalUsers' }, { name: 'sessions' }], returnPropertyQuota: true })),
        }),
      );
      const [steps] = await api.call('batchRunReports', () =>
        client.sdk.batchRunReports({
          property: client.property,
          requests: days.map((d) => ({
            dateRanges: dateRanges(d), dimensions: [{ name: 'eventName' }], metrics: [{ name: 'totalUsers' }],
            dimensionFilter: { filter: { fieldName: 'eventName', inListFilter: { values: [...FUNNEL_EVENTS] } } },
          })),
        }),
      );
      const tr = totals.reports ?? [];
      const sr = steps.reports ?? [];
      if (tr.length !== days.length || sr.length !== days.length) throw new RecordShapeError(`batchRunReports: expected ${days.length} reports, got ${tr.length} and ${sr.length}`);
      const records = days.map((d, i): RangeRecord => {
        const t = tr[i] as ReportResponse;
        const s = sr[i] as ReportResponse;
        logQuota(client, 'batchRunReports', t);
        noteTimeZone(client, t, o.storeTimeZone);
        const [row] = readRows(t, [], ['totalUsers', 'sessions']);
        const byEvent = new Map(readRows(s, ['eventName'], ['totalUsers']).map((x) => [x.eventName, countOf(x.totalUsers, `${d.key}.${x.eventName}.totalUsers`)]));
        const f1 = reportFlags(t);
        const f2 = reportFlags(s);
        return {
          key: d.key, start: d.start, end: d.end, users: countOf(row?.totalUsers ?? '0', `${d.key}.totalUsers`), sessions: countOf(row?.sessions ?? '0', `${d.key}.sessions`),
          atc: byEvent.get('add_to_cart') ?? 0, chk: byEvent.get('begin_checkout') ?? 0, buy: byEvent.get('purchase') ?? 0,
          timeZone: tz, sampled: f1.sampled || f2.sampled, thresholded: f1.thresholded || f2.thresholded,
        };
      });
      return { records, nextPageToken: null };
    },
    cursorOf: () => null,
    map: (r) => [{
      range_key: r.key, start_day: r.start, end_day: r.end, users: r.users, sessions: r.sessions, add_to_cart_users: r.atc, checkout_users: r.chk,
      purchase_users: r.buy, time_zone: r.timeZone, sampled: r.sampled, thresholded: r.thresholded, source: GA4, source_id: r.key,
    }],
  };

  const daily: SyncStream<Ga4Client, Ga4DailyRecord> = {
    name: 'traffic_daily', table: 'traffic_daily', primaryKey: ['date', 'sessionDefaultChannelGroup', 'sessionSourceMedium', 'deviceCategory'],
    cursorField: 'date', lookbackMs: o.lookbackDays * DAY_MS, pageSize: 10_000,
    async fetch(client, req, api) {
      const tz = await ensureTimeZone(client, api, o.storeTimeZone);
      const offset = req.pageToken ? Number(req.pageToken) : 0;
      const limit = Math.min(req.pageSize, GA4_MAX_LIMIT);
      const [r] = await api.call('runReport', () =>
        client.sdk.runReport({
          property: client.property,
          dateRanges: [{ startDate: localDay(req.since, tz), endDate: localDay(req.until, tz) }],
          dimensions: DAILY_DIMENSIONS.map((name) => ({ name })),
          metrics: DAILY_METRICS.map((name) => ({ name })),
          // A stable order makes offset pages disjoint; dates first, so the cursor moves page by page.
          orderBys: DAILY_DIMENSIONS.map((dimensionName) => ({ dimension: { dimensionName } })),
          limit, offset, returnPropertyQuota: true,
        }),
      );
      logQuota(client, 'runReport', r);
      const rowTz = noteTimeZone(client, r, o.storeTimeZone);
      const flags = reportFlags(r);
      const rows = readRows(r, DAILY_DIMENSIONS, DAILY_METRICS) as Ga4DailyRecord['values'][];
      const total = Number(r.rowCount ?? 0);
      return { records: rows.map((values) => ({ values, timeZone: rowTz, ...flags })), nextPageToken: rows.length > 0 && offset + rows.length < total ? String(offset + rows.length) : null };
    },
    // The cursor is the start of the latest day read, in the property's zone: the next run
    // begins the look-back days before it.
    cursorOf: (r) => localDayStartUtc(dayOf(r.values.date), r.timeZone),
    map: (r) => [trafficRow(r)],
  };

  return [ranges, daily];
}
