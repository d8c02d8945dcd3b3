/**
 * A local server speaking SendGrid's v3 wire format, enough for the source: GET /v3/stats and
 * /v3/categories/stats (start_date, end_date, aggregated_by=day, limit/offset; one entry per
 * date with a `stats` list of `metrics`), GET /v3/categories (limit/offset), the Marketing
 * Campaigns Single Sends list (page_size/page_token, `_metadata.next` as a full URL) and
 * Single Send stats by id (aggregated_by=day, group_by=ab_variation, `aggregation` = the date).
 * Errors use SendGrid's body {errors: [{field, message}]}: 401 without the expected bearer key,
 * and whatever the fault plan scripts (429 with X-RateLimit-Limit/-Remaining/-Reset, 5xx,
 * a malformed page: a truncated JSON body).
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { addDays, daysBetween } from '../../util/time';
import { FaultPlan, listenLocal, newLocalApp, sendFault, type HttpFault, type LocalServer } from '../wire/localServer';

export interface SgMetrics {
  requests: number;
  delivered: number;
  bounces: number;
  opens: number;
  unique_opens: number;
  clicks: number;
  unique_clicks: number;
  unsubscribes: number;
  spam_reports: number;
}

export interface SgSingleSend {
  id: string;
  name: string;
  status: 'draft' | 'scheduled' | 'triggered';
  send_at: string | null;
  categories: string[];
  /** Variation id → day → metrics; 'all' when the send is not an A/B test. */
  stats: Record<string, Record<string, SgMetrics>>;
}

export interface SgFixture {
  categories: Record<string, Record<string, SgMetrics>>;
  /** Mail sent outside any category (transactional), part of the global figures only. */
  other: Record<string, SgMetrics>;
  singleSends: SgSingleSend[];
}

const ZERO: SgMetrics = { requests: 0, delivered: 0, bounces: 0, opens: 0, unique_opens: 0, clicks: 0, unique_clicks: 0, unsubscribes: 0, spam_reports: 0 };

function metrics(seed: number, size: number, openShare: number): SgMetrics {
  const requests = size + (seed * 7) % 40;
  const bounces = seed % 3;
  const delivered = requests - bounces;
  const unique_opens = Math.floor(delivered * openShare);
  const unique_clicks = Math.floor(delivered * 0.04) + (seed % 2);
  return { requests, delivered, bounces, opens: unique_opens + 5, unique_opens, clicks: unique_clicks + 1, unique_clicks, unsubscribes: seed % 2, spam_reports: seed % 5 === 0 ? 1 : 0 };
}

export function sendgridFixture(today: string, days: number): SgFixture {
  const all = daysBetween(addDays(today, -(days - 1)), today);
  const categories: SgFixture['categories'] = {};
  ['welcome', 'newsletter', 'promo'].forEach((name, c) => {
    categories[name] = Object.fromEntries(all.map((d, i) => [d, metrics(i + c * 3, 100 + c * 50, 0.25 + c * 0.03)]));
  });
  const other = Object.fromEntries(all.map((d, i) => [d, metrics(i + 11, 30, 0.4)]));
  const ssDays = (from: string, n: number, open: number, salt: number) => Object.fromEntries(daysBetween(from, addDays(from, n - 1)).map((d, i) => [d, metrics(i + salt, i === 0 ? 400 : 5, open)]));
  return {
    categories, other,
    singleSends: [
      { id: '2f1c2a4e-0d5b-4c43-9a55-6f1a4e1b0001', name: 'March newsletter', status: 'triggered', send_at: `${addDays(today, -10)}T14:00:00Z`, categories: ['newsletter'], stats: { all: ssDays(addDays(today, -10), 5, 0.3, 1) } },
      {
        id: '2f1c2a4e-0d5b-4c43-9a55-6f1a4e1b0002', name: 'Spring sale', status: 'triggered', send_at: `${addDays(today, -5)}T15:00:00Z`, categories: ['promo'],
        stats: { 'a0a0a0a0-1111-4c43-9a55-6f1a4e1b000a': ssDays(addDays(today, -5), 5, 0.22, 2), 'b0b0b0b0-2222-4c43-9a55-6f1a4e1b000b': ssDays(addDays(today, -5), 5, 0.35, 3) },
      },
      { id: '2f1c2a4e-0d5b-4c43-9a55-6f1a4e1b0003', name: 'Summer teaser (draft)', status: 'draft', send_at: null, categories: [], stats: {} },
    ],
  };
}

export const sgError = (message: string, field: string | null = null) => ({ errors: [{ field, message }] });

/** The documented 429: a rate-limit body and the X-RateLimit-* headers, reset in epoch seconds. */
export function sendgridRateLimit(resetInSeconds: number): HttpFault {
  return {
    status: 429,
    headers: { 'x-ratelimit-limit': '600', 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': String(Math.floor(Date.now() / 1000) + resetInSeconds) },
    body: sgError('too many requests'),
  };
}

const add = (a: SgMetrics, b: SgMetrics): SgMetrics => Object.fromEntries(Object.keys(ZERO).map((k) => [k, a[k as keyof SgMetrics] + b[k as keyof SgMetrics]])) as unknown as SgMetrics;

/** The full metrics object of the Stats API (fields this fixture does not model are 0). */
const statsMetrics = (m: SgMetrics) => ({ blocks: 0, bounce_drops: 0, deferred: 0, invalid_emails: 0, processed: m.requests, spam_report_drops: 0, unsubscribe_drops: 0, ...m });
const ssMetrics = (m: SgMetrics) => ({ bounce_drops: 0, invalid_emails: 0, spam_report_drops: 0, ...m });

export class SendgridServer {
  readonly faults = new FaultPlan();
  private server: LocalServer | null = null;

  constructor(readonly fixture: SgFixture, private readonly opts: { apiKey: string }) {}

  get url(): string {
    if (!this.server) throw new Error('SendGrid server not started');
    return this.server.url;
  }

  /** Opens keep arriving after a send: a day already reported gains unique opens. */
  addOpens(singleSendId: string, variation: string, day: string, n: number): void {
    const m = this.fixture.singleSends.find((s) => s.id === singleSendId)?.stats[variation]?.[day];
    if (!m) throw new Error(`no fixture stats ${singleSendId} ${variation} ${day}`);
    m.unique_opens += n;
    m.opens += n;
  }

  private guard(request: FastifyRequest, reply: FastifyReply): { fault: 'malformed' | undefined } | null {
    if (request.headers.authorization !== `Bearer ${this.opts.apiKey}`) {
      void sendFault(reply, { status: 401, body: sgError('authorization required') });
      return null;
    }
    const fault = this.faults.take();
    if (fault && fault !== 'malformed') {
      void sendFault(reply, fault);
      return null;
    }
    return { fault };
  }

  private send(reply: FastifyReply, body: unknown, fault: 'malformed' | undefined): FastifyReply {
    const text = JSON.stringify(body);
    return reply.type('application/json').send(fault === 'malformed' ? text.slice(0, Math.max(1, Math.floor(text.length / 2))) : text);
  }

  async start(port = 0): Promise<string> {
    const app = newLocalApp();
    const dates = (q: Record<string, string | string[] | undefined>): string[] => {
      const start = String(q.start_date ?? '');
      if (!/^\d{4}-\d{2}-\d{2}$/.test(start)) throw new Error('start_date is required (YYYY-MM-DD)');
      const end = q.end_date ? String(q.end_date) : start;
      if (q.aggregated_by !== undefined && q.aggregated_by !== 'day') throw new Error('aggregated_by: this server answers day only');
      return daysBetween(start, end);
    };
    const page = <T>(list: T[], q: Record<string, unknown>, defLimit: number) => {
      const offset = Number(q.offset ?? 0);
      return list.slice(offset, offset + Number(q.limit ?? defLimit));
    };
    const bad = (reply: FastifyReply, err: unknown) => sendFault(reply, { status: 400, body: sgError(err instanceof Error ? err.message : String(err)) });

    app.get('/v3/stats', async (request, reply) => {
      const g = this.guard(request, reply);
      if (!g) return reply;
      const q = request.query as Record<string, string>;
      try {
        const list = dates(q).map((date) => {
          let m = this.fixture.other[date] ?? ZERO;
          for (const c of Object.values(this.fixture.categories)) m = add(m, c[date] ?? ZERO);
          return { date, stats: [{ metrics: statsMetrics(m) }] };
        });
        return this.send(reply, page(list, q, 500), g.fault);
      } catch (err) {
        return bad(reply, err);
      }
    });

    app.get('/v3/categories', async (request, reply) => {
      const g = this.guard(request, reply);
      if (!g) return reply;
      const q = request.query as Record<string, string>;
      return this.send(reply, page(Object.keys(this.fixture.categories).sort().map((category) => ({ category })), q, 50), g.fault);
    });

    app.get('/v3/categories/stats', async (request, reply) => {
      const g = this.guard(request, reply);
      if (!g) return reply;
      const q = request.query as Record<string, string | string[]>;
      const raw = q.categories ?? [];
      const names = Array.isArray(raw) ? raw : [raw];
      try {
        if (names.length === 0 || names.length > 10) throw new Error('categories: between 1 and 10 categories are required');
        for (const n of names) if (!this.fixture.categories[n]) throw new Error(`category ${n} does not exist`);
        const list = dates(q).map((date) => ({
          date,
          stats: names.map((name) => ({ type: 'category', name, metrics: statsMetrics(this.fixture.categories[name]?.[date] ?? ZERO) })),
        }));
        return this.send(reply, page(list, q, 500), g.fault);
      } catch (err) {
        return bad(reply, err);
      }
    });

    app.get('/v3/marketing/singlesends', async (request, reply) => {
      const g = this.guard(request, reply);
      if (!g) return reply;
      const q = request.query as Record<string, string>;
      const size = Number(q.page_size ?? 100);
      const offset = q.page_token ? Number(Buffer.from(q.page_token, 'base64url').toString()) : 0;
      const all = this.fixture.singleSends;
      const result = all.slice(offset, offset + size).map((s) => ({
        id: s.id, name: s.name, status: s.status, categories: s.categories, send_at: s.send_at, is_abtest: Object.keys(s.stats).length > 1,
        created_at: '2026-01-01T00:00:00Z', updated_at: s.send_at ?? '2026-01-01T00:00:00Z',
      }));
      const next = offset + size < all.length ? `${this.url}/v3/marketing/singlesends?page_size=${size}&page_token=${Buffer.from(String(offset + size)).toString('base64url')}` : undefined;
      return this.send(reply, { result, _metadata: { self: `${this.url}${request.url}`, count: all.length, ...(next ? { next } : {}) } }, g.fault);
    });

    app.get('/v3/marketing/stats/singlesends/:id', async (request, reply) => {
      const g = this.guard(request, reply);
      if (!g) return reply;
      const q = request.query as Record<string, string>;
      const { id } = request.params as { id: string };
      const ss = this.fixture.singleSends.find((s) => s.id === id);
      if (!ss) return sendFault(reply, { status: 404, body: sgError('resource not found', 'id') });
      try {
        const days = dates(q);
        const byVariation = q.group_by === 'ab_variation';
        const rows: Record<string, unknown>[] = [];
        for (const day of days) {
          const vs = Object.entries(ss.stats).filter(([, d]) => d[day]);
          if (vs.length === 0) continue;
          if (byVariation) for (const [v, d] of vs) rows.push({ id, ab_variation: v, ab_phase: 'all', aggregation: day, stats: ssMetrics(d[day] as SgMetrics) });
          else rows.push({ id, ab_variation: 'all', ab_phase: 'all', aggregation: day, stats: ssMetrics(vs.map(([, d]) => d[day] as SgMetrics).reduce(add, ZERO)) });
        }
        const size = Number(q.page_size ?? 50);
        const offset = q.page_token ? Number(Buffer.from(q.page_token, 'base64url').toString()) : 0;
        const next = offset + size < rows.length ? Buffer.from(String(offset + size)).toString('base64url') : null;
        const qs = new URLSearchParams({ ...q, ...(next ? { page_token: next } : {}) });
        return this.send(reply, { results: rows.slice(offset, offset + size), _metadata: { self: `${this.url}${request.url}`, count: rows.length, ...(next ? { next: `${this.url}/v3/marketing/stats/singlesends/${id}?${qs.toString()}` } : {}) } }, g.fault);
      } catch (err) {
        return bad(reply, err);
      }
    });

    this.server = await listenLocal(app, port);
    return this.server.url;
  }

  async stop(): Promise<void> {
    await this.server?.close();
    this.server = null;
  }
}
