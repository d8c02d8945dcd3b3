/**
 * SendGrid's streams as data: global daily stats, daily stats per category, and daily stats of
 * each sent Single Send by A/B variation. Opens and clicks keep arriving for days after a send,
 * so the last 7 days are re-read on every run. Streams that walk groups (categories, sends) move
 * their cursor only on the last page: a run that stops halfway re-reads every group next time.
 */
import type { Client } from '@sendgrid/client';
import { RecordShapeError } from '../runtime/errors';
import type { SourceDef, SyncStream } from '../runtime/source';
import { DAY_MS } from '../types';
import { getJson, normalizeSendgridError, SENDGRID } from './client';
import { statBatch, type StatRecord } from './mapping';

export const SENDGRID_LOOKBACK_DAYS = 7;
const STATS_LIMIT = 500;

const utcDay = (d: Date) => d.toISOString().slice(0, 10);
const cursorOf = (r: StatRecord) => (r.moves ? new Date(`${r.day}T00:00:00Z`) : null);
/** The end of a walk: every group has been read through the range's last day. */
const endOfWalk = (until: Date): StatRecord => ({ scope: 'global', day: utcDay(until), metrics: null, moves: true, marker: true });

interface DayStats {
  date?: unknown;
  stats?: { type?: string; name?: string; metrics?: unknown }[];
}

function list<T>(v: unknown, what: string): T[] {
  if (!Array.isArray(v)) throw new RecordShapeError(`${what}: expected an array`);
  return v as T[];
}

/** page_token of a `_metadata.next` URL, null at the end. */
function nextToken(meta: unknown): string | null {
  const next = (meta as { next?: unknown } | undefined)?.next;
  if (typeof next !== 'string' || !next) return null;
  return new URL(next).searchParams.get('page_token');
}

export function sendgridStreams(o: { lookbackDays?: number } = {}): SyncStream<Client, StatRecord>[] {
  const lookbackMs = (o.lookbackDays ?? SENDGRID_LOOKBACK_DAYS) * DAY_MS;
  const range = (since: Date, until: Date) => ({ start_date: utcDay(since), end_date: utcDay(until), aggregated_by: 'day' });

  const global: SyncStream<Client, StatRecord> = {
    name: 'global_stats', table: 'email_stats', primaryKey: ['date'], cursorField: 'date', lookbackMs, pageSize: STATS_LIMIT,
    async fetch(c, req, api) {
      const offset = Number(req.pageToken ?? 0);
      const limit = Math.min(req.pageSize, STATS_LIMIT);
      const days = list<DayStats>(await api.call('stats.global', () => getJson(c, '/v3/stats', { ...range(req.since, req.until), limit, offset })), '/v3/stats');
      const records = days.map((d): StatRecord => ({ scope: 'global', day: String(d.date), metrics: d.stats?.[0]?.metrics, moves: true }));
      return { records, nextPageToken: days.length === limit ? String(offset + limit) : null };
    },
    cursorOf,
    map: statBatch,
  };

  const categories: SyncStream<Client, StatRecord> = {
    name: 'category_stats', table: 'email_stats', primaryKey: ['date', 'name'], cursorField: 'date', lookbackMs, pageSize: 10,
    async fetch(c, req, api) {
      const offset = Number(req.pageToken ?? 0);
      // The category stats endpoint takes at most 10 categories per call.
      const limit = Math.min(req.pageSize, 10);
      const names = list<{ category?: unknown }>(await api.call('categories.list', () => getJson(c, '/v3/categories', { limit, offset })), '/v3/categories').map((x) => {
        if (typeof x.category !== 'string') throw new RecordShapeError('/v3/categories: entry without category');
        return x.category;
      });
      const last = names.length < limit;
      const records: StatRecord[] = [];
      if (names.length > 0) {
        const qs = new URLSearchParams(names.map((n): [string, string] => ['categories', n])).toString();
        for (let statsOffset = 0; ; statsOffset += STATS_LIMIT) {
          const days = list<DayStats>(
            await api.call('stats.categories', () => getJson(c, `/v3/categories/stats?${qs}`, { ...range(req.since, req.until), limit: STATS_LIMIT, offset: statsOffset })),
            '/v3/categories/stats',
          );
          for (const d of days) for (const s of d.stats ?? []) records.push({ scope: 'category', day: String(d.date), ref: s.name, metrics: s.metrics, moves: false });
          if (days.length < STATS_LIMIT) break;
        }
      }
      if (last) records.push(endOfWalk(req.until));
      return { records, nextPageToken: last ? null : String(offset + limit) };
    },
    cursorOf,
    map: statBatch,
  };

  interface SingleSend {
    id?: unknown;
    name?: unknown;
    status?: unknown;
    send_at?: unknown;
  }
  interface SsStat {
    id?: unknown;
    ab_variation?: unknown;
    aggregation?: unknown;
    stats?: unknown;
  }

  const singleSends: SyncStream<Client, StatRecord> = {
    name: 'single_sends', table: 'email_stats', primaryKey: ['id', 'ab_variation', 'aggregation'], cursorField: 'aggregation', lookbackMs, pageSize: 100,
    async fetch(c, req, api) {
      const page = await api.call('singlesends.list', () =>
        getJson<{ result?: unknown; _metadata?: unknown }>(c, '/v3/marketing/singlesends', { page_size: Math.min(req.pageSize, 100), ...(req.pageToken ? { page_token: req.pageToken } : {}) }),
      );
      const next = nextToken(page._metadata);
      const records: StatRecord[] = [];
      for (const ss of list<SingleSend>(page.result, '/v3/marketing/singlesends result')) {
        if (typeof ss.id !== 'string') throw new RecordShapeError('single send without id');
        // Drafts and scheduled sends have no stats yet.
        if (ss.status !== 'triggered') continue;
        let token: string | null = null;
        do {
          const r: { results?: unknown; _metadata?: unknown } = await api.call('singlesends.stats', () =>
            getJson<{ results?: unknown; _metadata?: unknown }>(c, `/v3/marketing/stats/singlesends/${encodeURIComponent(String(ss.id))}`, {
              ...range(req.since, req.until), group_by: 'ab_variation', page_size: 50, ...(token ? { page_token: token } : {}),
            }),
          );
          for (const s of list<SsStat>(r.results, 'single send stats results')) {
            records.push({
              scope: 'campaign', day: String(s.aggregation), ref: ss.id, name: typeof ss.name === 'string' ? ss.name : ss.id,
              variation: typeof s.ab_variation === 'string' ? s.ab_variation : 'all', sendAt: typeof ss.send_at === 'string' ? ss.send_at : null,
              metrics: s.stats, moves: false,
            });
          }
          token = nextToken(r._metadata);
        } while (token);
      }
      if (next === null) records.push(endOfWalk(req.until));
      return { records, nextPageToken: next };
    },
    cursorOf,
    map: statBatch,
  };

  return [global, categories, singleSends];
}

export function sendgridSource(client: Client, o: { lookbackDays?: number } = {}): SourceDef<Client> {
  return { name: SENDGRID, client, streams: sendgridStreams(o), normalizeError: (err) => normalizeSendgridError(err) };
}
