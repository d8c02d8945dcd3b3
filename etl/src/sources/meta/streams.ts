/**
 * Meta's stream as data: campaign insights per day, the last 28 days re-pulled on every run
 * because attribution keeps adding purchases to past days. A range longer than 30 days (the
 * first backfill) goes through an async report job, polled until complete; shorter ones are
 * read directly. Both page with the SDK's cursor, which follows Graph's paging.next.
 */
import type { AdReportRun } from 'facebook-nodejs-business-sdk';
import type Cursor from 'facebook-nodejs-business-sdk/src/cursor';
import { localDay } from '../../util/time';
import { localDayStartUtc } from '../simulator/localTime';
import { sleep } from '../runtime/retry';
import type { ApiCaller, SyncStream } from '../runtime/source';
import { DAY_MS } from '../types';
import type { MetaClient } from './client';
import { INSIGHT_FIELDS, insightBatch, type InsightRow } from './mapping';

export const META_LOOKBACK_DAYS = 28;
/** Ranges longer than this many days go through an async report job. */
export const META_SYNC_MAX_DAYS = 30;
export const META_MAX_POLLS = 720;

interface Insight {
  row: InsightRow;
  timeZone: string;
}

/** State of one source across the pages of a run: the live SDK cursor and the account's zone. */
export class MetaContext {
  timeZone: string | null = null;
  private readonly cursors = new Map<string, Cursor>();
  private seq = 0;

  keep(c: Cursor): string | null {
    if (!c.hasNext()) return null;
    const token = `page-${++this.seq}`;
    this.cursors.set(token, c);
    return token;
  }

  take(token: string): Cursor {
    const c = this.cursors.get(token);
    if (!c) throw new Error(`meta: unknown page token ${token}`);
    this.cursors.delete(token);
    return c;
  }

  async ensureTimeZone(client: MetaClient, api: ApiCaller): Promise<string> {
    if (!this.timeZone) {
      const a = await api.call('adAccount.get', () => client.account.get(['timezone_name']));
      const tz = (a._data as { timezone_name?: unknown }).timezone_name;
      this.timeZone = typeof tz === 'string' && tz ? tz : 'UTC';
    }
    return this.timeZone;
  }
}

const rowsOf = (c: Cursor): InsightRow[] => [...c].map((o: Record<string, unknown>) => ((o as { _data?: InsightRow })._data ?? o) as InsightRow);

export function insightParams(since: string, until: string, limit: number): Record<string, unknown> {
  return { level: 'campaign', time_increment: 1, time_range: { since, until }, limit };
}

/** Runs an async report job for [since, until] and returns the first page of its result. */
export async function asyncReport(client: MetaClient, api: ApiCaller, since: string, until: string, limit: number, wait: (ms: number) => Promise<void> = sleep): Promise<Cursor> {
  const run: AdReportRun = await api.call('insights.async', () => client.account.getInsightsAsync([...INSIGHT_FIELDS], insightParams(since, until, limit)));
  for (let poll = 0; ; poll++) {
    const st = await api.call('reportRun.get', () => run.get(['async_status', 'async_percent_completion']));
    const data = st._data as { async_status?: string; async_percent_completion?: number };
    if (data.async_status === 'Job Completed' && data.async_percent_completion === 100) break;
    if (data.async_status === 'Job Failed' || data.async_status === 'Job Skipped') throw new Error(`meta: async report ${run.id} ended as ${data.async_status}`);
    if (poll >= META_MAX_POLLS) throw new Error(`meta: async report ${run.id} not complete after ${META_MAX_POLLS} polls (${String(data.async_status)})`);
    await wait(client.pollMs);
  }
  return api.call('reportRun.insights', () => run.getInsights([...INSIGHT_FIELDS], { limit }) as Promise<Cursor>);
}

/** Direct read of [since, until] (30 days at most), first page. */
export async function directReport(client: MetaClient, api: ApiCaller, since: string, until: string, limit: number): Promise<Cursor> {
  return api.call('insights.get', () => client.account.getInsights([...INSIGHT_FIELDS], insightParams(since, until, limit)) as Promise<Cursor>);
}

export function metaStreams(ctx: MetaContext, o: { lookbackDays?: number; pollWait?: (ms: number) => Promise<void> } = {}): SyncStream<MetaClient, Insight>[] {
  const insights: SyncStream<MetaClient, Insight> = {
    name: 'campaign_insights', table: 'ad_insights', primaryKey: ['campaign_id', 'date_start'], cursorField: 'date_start',
    lookbackMs: (o.lookbackDays ?? META_LOOKBACK_DAYS) * DAY_MS, pageSize: 500,
    async fetch(client, req, api) {
      const tz = await ctx.ensureTimeZone(client, api);
      let cursor: Cursor;
      if (req.pageToken) {
        const c = ctx.take(req.pageToken);
        await api.call('insights.next', () => c.next() as Promise<unknown>);
        cursor = c;
      } else {
        const since = localDay(req.since, tz);
        const until = localDay(req.until, tz);
        const days = Math.round((Date.parse(until) - Date.parse(since)) / DAY_MS) + 1;
        const limit = Math.min(req.pageSize, 500);
        cursor = days > META_SYNC_MAX_DAYS ? await asyncReport(client, api, since, until, limit, o.pollWait) : await directReport(client, api, since, until, limit);
      }
      return { records: rowsOf(cursor).map((row) => ({ row, timeZone: tz })), nextPageToken: ctx.keep(cursor) };
    },
    cursorOf: (r) => (typeof r.row.date_start === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(r.row.date_start) ? localDayStartUtc(r.row.date_start, r.timeZone) : null),
    map: (r) => insightBatch(r.row),
  };
  return [insights];
}
