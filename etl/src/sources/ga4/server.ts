/**
 * A local server speaking the GA4 Data API v1beta REST wire format, enough for the source:
 * POST /v1beta/properties/{id}:runReport and :batchRunReports (at most 5 requests), camelCase
 * JSON, dimension and metric values as strings (dates YYYYMMDD, revenue as a decimal), limit and
 * offset pagination with rowCount, relative dates (today, yesterday, NdaysAgo) resolved in the
 * property's time zone, response metadata (timeZone, currencyCode, subjectToThresholding) and
 * propertyQuota when asked. Errors use Google's body {error: {code, message, status}}: 401
 * UNAUTHENTICATED without the expected bearer token, and whatever the fault plan scripts (429
 * RESOURCE_EXHAUSTED, 5xx, a malformed page).
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { addDays, localDay } from '../../util/time';
import { FaultPlan, listenLocal, newLocalApp, sendFault, type LocalServer } from '../wire/localServer';
import type { Ga4Visit } from './fixture';

export interface Ga4ServerOptions {
  propertyId: string;
  timeZone: string;
  visits: Ga4Visit[];
  now: () => Date;
  accessToken?: string;
  /** Marks every report as subject to thresholding (GA4 does so when Google signals are on). */
  thresholded?: boolean;
}

interface ReportRequest {
  dateRanges?: { startDate?: string; endDate?: string }[];
  dimensions?: { name?: string }[];
  metrics?: { name?: string }[];
  dimensionFilter?: { filter?: { fieldName?: string; inListFilter?: { values?: string[] } } };
  limit?: string | number;
  offset?: string | number;
  returnPropertyQuota?: boolean;
}

const DIMENSIONS = new Set(['date', 'sessionDefaultChannelGroup', 'sessionSourceMedium', 'deviceCategory', 'eventName']);
const METRIC_TYPES: Record<string, string> = {
  sessions: 'TYPE_INTEGER', totalUsers: 'TYPE_INTEGER', newUsers: 'TYPE_INTEGER', addToCarts: 'TYPE_INTEGER',
  checkouts: 'TYPE_INTEGER', ecommercePurchases: 'TYPE_INTEGER', purchaseRevenue: 'TYPE_CURRENCY',
};

export const googleError = (code: number, status: string, message: string) => ({ error: { code, message, status } });

/** One session-level event row of the fixture, as GA4 would count it under eventName. */
const EVENTS: [string, (v: Ga4Visit) => boolean][] = [
  ['session_start', () => true],
  ['add_to_cart', (v) => v.addToCarts > 0],
  ['begin_checkout', (v) => v.checkouts > 0],
  ['purchase', (v) => v.purchases > 0],
];

export class Ga4Server {
  readonly faults = new FaultPlan();
  private server: LocalServer | null = null;
  private quotaUsed = 0;
  visits: Ga4Visit[];

  constructor(private readonly opts: Ga4ServerOptions) {
    this.visits = [...opts.visits];
  }

  get url(): string {
    if (!this.server) throw new Error('GA4 server not started');
    return this.server.url;
  }

  /** GA4 revises recent days: later visits reach a day already reported. */
  addVisits(visits: Ga4Visit[]): void {
    this.visits.push(...visits);
  }

  private resolveDate(d: string | undefined): string {
    const today = localDay(this.opts.now(), this.opts.timeZone);
    if (!d) throw new Error('dateRanges: startDate and endDate are required');
    if (d === 'today') return today;
    if (d === 'yesterday') return addDays(today, -1);
    const rel = /^(\d+)daysAgo$/.exec(d);
    if (rel) return addDays(today, -Number(rel[1]));
    if (!/^\d{4}-\d{2}-\d{2}$/.test(d)) throw new Error(`Invalid date: ${d}`);
    return d;
  }

  private firstVisitIndex(): Map<string, number> {
    const first = new Map<string, number>();
    this.visits.forEach((v, i) => {
      const at = first.get(v.userId);
      if (at === undefined || (this.visits[at] as Ga4Visit).day > v.day) first.set(v.userId, i);
    });
    return first;
  }

  runReport(req: ReportRequest): Record<string, unknown> {
    const range = req.dateRanges?.[0];
    if (!range || (req.dateRanges?.length ?? 0) > 1) throw new Error('exactly one dateRange is supported by this server');
    const from = this.resolveDate(range.startDate);
    const to = this.resolveDate(range.endDate);
    const dims = (req.dimensions ?? []).map((d) => String(d.name));
    const metrics = (req.metrics ?? []).map((m) => String(m.name));
    for (const d of dims) if (!DIMENSIONS.has(d)) throw new Error(`Field ${d} is not a valid dimension.`);
    for (const m of metrics) if (!(m in METRIC_TYPES)) throw new Error(`Field ${m} is not a valid metric.`);
    const eventFilter = req.dimensionFilter?.filter?.fieldName === 'eventName' ? new Set(req.dimensionFilter.filter.inListFilter?.values ?? []) : null;
    const first = this.firstVisitIndex();
    type Group = { key: string[]; visits: { v: Ga4Visit; i: number }[] };
    const groups = new Map<string, Group>();
    this.visits.forEach((v, i) => {
      if (v.day < from || v.day > to) return;
      const events = dims.includes('eventName') ? EVENTS.filter(([, has]) => has(v)).map(([n]) => n) : [null];
      for (const ev of events) {
        if (eventFilter && (ev === null || !eventFilter.has(ev))) continue;
        const key = dims.map((d) =>
          d === 'date' ? v.day.replace(/-/g, '') : d === 'sessionDefaultChannelGroup' ? v.channelGroup : d === 'sessionSourceMedium' ? v.sourceMedium : d === 'deviceCategory' ? v.device : String(ev),
        );
        const k = key.join('\u0000');
        const g = groups.get(k) ?? { key, visits: [] };
        g.visits.push({ v, i });
        groups.set(k, g);
      }
    });
    const value = (m: string, g: Group): string => {
      const vs = g.visits;
      switch (m) {
        case 'sessions': return String(vs.length);
        case 'totalUsers': return String(new Set(vs.map((x) => x.v.userId)).size);
        case 'newUsers': return String(new Set(vs.filter((x) => first.get(x.v.userId) === x.i).map((x) => x.v.userId)).size);
        case 'addToCarts': return String(vs.reduce((a, x) => a + x.v.addToCarts, 0));
        case 'checkouts': return String(vs.reduce((a, x) => a + x.v.checkouts, 0));
        case 'ecommercePurchases': return String(vs.reduce((a, x) => a + x.v.purchases, 0));
        default: {
          const cents = vs.reduce((a, x) => a + x.v.revenueCents, 0);
          return `${Math.floor(cents / 100)}.${String(cents % 100).padStart(2, '0')}`;
        }
      }
    };
    const all = [...groups.values()].sort((a, b) => (a.key.join('\u0000') < b.key.join('\u0000') ? -1 : 1));
    // A report without dimensions has one row even over no data, as GA4 answers totals.
    if (dims.length === 0 && all.length === 0) all.push({ key: [], visits: [] });
    const offset = Number(req.offset ?? 0);
    const limit = Number(req.limit ?? 10000);
    const page = all.slice(offset, offset + limit);
    this.quotaUsed += 1;
    return {
      dimensionHeaders: dims.map((name) => ({ name })),
      metricHeaders: metrics.map((name) => ({ name, type: METRIC_TYPES[name] })),
      rows: page.map((g) => ({ dimensionValues: g.key.map((value) => ({ value })), metricValues: metrics.map((m) => ({ value: value(m, g) })) })),
      rowCount: all.length,
      metadata: { currencyCode: 'USD', timeZone: this.opts.timeZone, ...(this.opts.thresholded ? { subjectToThresholding: true } : {}) },
      ...(req.returnPropertyQuota
        ? { propertyQuota: { tokensPerDay: { consumed: this.quotaUsed, remaining: 200000 - this.quotaUsed }, tokensPerHour: { consumed: 1, remaining: 39999 }, concurrentRequests: { consumed: 0, remaining: 10 } } }
        : {}),
      kind: 'analyticsData#runReport',
    };
  }

  private guard(request: FastifyRequest, reply: FastifyReply): boolean {
    if (this.opts.accessToken && request.headers.authorization !== `Bearer ${this.opts.accessToken}`) {
      void sendFault(reply, { status: 401, body: googleError(401, 'UNAUTHENTICATED', 'Request had invalid authentication credentials. Expected OAuth 2 access token.') });
      return false;
    }
    return true;
  }

  async start(port = 0): Promise<string> {
    const app = newLocalApp();
    app.post('/v1beta/*', async (request, reply) => {
      if (!this.guard(request, reply)) return reply;
      const path = (request.params as { '*': string })['*'];
      const m = /^properties\/([^:/]+):(runReport|batchRunReports)$/.exec(path);
      if (!m) return sendFault(reply, { status: 404, body: googleError(404, 'NOT_FOUND', `Method not found: ${path}`) });
      if (m[1] !== this.opts.propertyId) return sendFault(reply, { status: 403, body: googleError(403, 'PERMISSION_DENIED', `User does not have sufficient permissions for this property (properties/${m[1]}).`) });
      const fault = this.faults.take();
      if (fault && fault !== 'malformed') return sendFault(reply, fault);
      const body = (request.body ?? {}) as ReportRequest & { requests?: ReportRequest[] };
      try {
        let out: Record<string, unknown>;
        if (m[2] === 'runReport') out = this.runReport(body);
        else {
          const reqs = body.requests ?? [];
          if (reqs.length > 5) throw new Error('A batch request may contain at most 5 requests.');
          out = { reports: reqs.map((r) => this.runReport(r)), kind: 'analyticsData#batchRunReports' };
        }
        if (fault === 'malformed') return reply.type('application/json').send(JSON.stringify(malformed(out)));
        return reply.type('application/json').send(JSON.stringify(out));
      } catch (err) {
        return sendFault(reply, { status: 400, body: googleError(400, 'INVALID_ARGUMENT', err instanceof Error ? err.message : String(err)) });
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

/** A page whose first row has lost a metric value: the shape a truncated or broken export has. */
function malformed(out: Record<string, unknown>): Record<string, unknown> {
  const reports = (out.reports as Record<string, unknown>[] | undefined) ?? [out];
  for (const r of reports) {
    const rows = r.rows as { metricValues: { value: string }[] }[];
    if (rows[0]) rows[0].metricValues = [{ value: 'NaN' }];
  }
  return out;
}
