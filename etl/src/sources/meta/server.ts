/**
 * A local server speaking the Graph API v24.0 wire format of the Marketing API insights edge,
 * enough for the source: GET /act_{id}/insights (level=campaign, time_increment=1, time_range
 * as JSON, fields, limit, cursor paging with `after` and a `paging.next` URL that carries the
 * access token, as Graph does), the async form (POST /act_{id}/insights → {report_run_id};
 * GET /{report_run_id} moves through Job Not Started → Job Started → Job Running → Job
 * Completed, one step per poll; GET /{report_run_id}/insights pages the result), and GET /act_{id} for the account's
 * timezone_name. Numbers come
 * as strings, purchases inside `actions`/`action_values`. Errors are Graph's
 * {error: {message, type, code, error_subcode, fbtrace_id}}: code 190 without the expected
 * token (HTTP 400, as Graph answers an invalid token), and whatever the fault plan scripts
 * (rate limits as code 80000 with X-Business-Use-Case-Usage, 5xx, a malformed page).
 */
import { addDays, daysBetween } from '../../util/time';
import { FaultPlan, listenLocal, newLocalApp, sendFault, type HttpFault, type LocalServer } from '../wire/localServer';

export const META_VERSION = 'v24.0';

export interface MetaDay {
  campaignId: string;
  campaignName: string;
  day: string;
  spendCents: number;
  impressions: number;
  reach: number;
  clicks: number;
  engagements: number;
  purchases: number;
  purchaseValueCents: number;
}

const cents = (c: number) => `${Math.floor(c / 100)}.${String(c % 100).padStart(2, '0')}`;

export function metaFixture(opts: { today: string; days: number }): MetaDay[] {
  const campaigns: [string, string][] = [['120200001', 'Spring launch'], ['120200002', 'Retargeting'], ['120200003', 'Lookalike']];
  const out: MetaDay[] = [];
  daysBetween(addDays(opts.today, -(opts.days - 1)), opts.today).forEach((day, d) => {
    campaigns.forEach(([campaignId, campaignName], c) => {
      const k = (d * 7 + c * 13) % 17;
      const impressions = 900 + k * 40;
      out.push({
        campaignId, campaignName, day, spendCents: 1500 + k * 73 + c * 11, impressions, reach: Math.floor(impressions * 0.8), clicks: 10 + k,
        engagements: 30 + k * 2, purchases: k % 4, purchaseValueCents: (k % 4) * (2999 + c * 500),
      });
    });
  });
  return out;
}

export const graphError = (code: number, message: string, extra: Record<string, unknown> = {}) => ({
  error: { message, type: code === 190 ? 'OAuthException' : code >= 80000 || code === 17 ? 'OAuthException' : 'FacebookApiException', code, fbtrace_id: 'AbCdEfGhIjK', ...extra },
});

/** The documented throttle answer of the insights edge: code 80000 plus the usage header. */
export function metaRateLimit(account: string, minutes: number): HttpFault {
  return {
    status: 400,
    headers: { 'x-business-use-case-usage': JSON.stringify({ [account]: [{ type: 'ads_insights', call_count: 100, total_cputime: 40, total_time: 50, estimated_time_to_regain_access: minutes }] }) },
    body: graphError(80000, 'There have been too many calls from this ad-account. Please wait a bit and try again.', { error_subcode: 2446079 }),
  };
}

const STATUSES = ['Job Not Started', 'Job Started', 'Job Running', 'Job Completed'];

interface Job {
  params: Record<string, unknown>;
  polls: number;
}

export class MetaServer {
  readonly faults = new FaultPlan();
  readonly jobs = new Map<string, Job>();
  /** Requests by kind, so tests can see which path a range took. */
  readonly seen = { sync: 0, asyncCreated: 0, polls: 0, asyncPages: 0 };
  private server: LocalServer | null = null;
  private nextJob = 9000;
  rows: MetaDay[];

  constructor(private readonly opts: { accountId: string; accessToken: string; rows: MetaDay[]; timeZone: string; attributionSetting?: string }) {
    this.rows = opts.rows.map((r) => ({ ...r }));
  }

  get url(): string {
    if (!this.server) throw new Error('Meta server not started');
    return this.server.url;
  }

  /** Attribution settles late: purchases keep arriving for days already reported. */
  addPurchases(campaignId: string, day: string, purchases: number, valueCents: number): void {
    const r = this.rows.find((x) => x.campaignId === campaignId && x.day === day);
    if (!r) throw new Error(`no fixture row ${campaignId} ${day}`);
    r.purchases += purchases;
    r.purchaseValueCents += valueCents;
  }

  private insightRow(r: MetaDay, fields: string[]): Record<string, unknown> {
    const all: Record<string, unknown> = {
      campaign_id: r.campaignId, campaign_name: r.campaignName, date_start: r.day, date_stop: r.day, spend: cents(r.spendCents),
      impressions: String(r.impressions), reach: String(r.reach), clicks: String(r.clicks),
      actions: [
        { action_type: 'link_click', value: String(r.clicks) },
        { action_type: 'post_engagement', value: String(r.engagements) },
        ...(r.purchases > 0 ? [{ action_type: 'purchase', value: String(r.purchases) }, { action_type: 'omni_purchase', value: String(r.purchases) }] : []),
      ],
      ...(r.purchases > 0 ? { action_values: [{ action_type: 'purchase', value: cents(r.purchaseValueCents) }, { action_type: 'omni_purchase', value: cents(r.purchaseValueCents) }] } : {}),
      attribution_setting: this.opts.attributionSetting ?? '7d_click_1d_view',
      account_id: this.opts.accountId,
    };
    const out: Record<string, unknown> = {};
    for (const f of [...fields, 'date_start', 'date_stop']) if (f in all) out[f] = all[f];
    return out;
  }

  private select(params: Record<string, unknown>): Record<string, unknown>[] {
    const raw = params.time_range;
    const range = (typeof raw === 'string' ? JSON.parse(raw) : raw) as { since?: string; until?: string } | undefined;
    if (!range?.since || !range.until) throw new Error('time_range must have since and until');
    if (params.level !== 'campaign') throw new Error('this server answers level=campaign only');
    if (String(params.time_increment) !== '1') throw new Error('this server answers time_increment=1 only');
    const fields = String(params.fields ?? '').split(',').filter(Boolean);
    return this.rows
      .filter((r) => r.day >= String(range.since) && r.day <= String(range.until))
      .sort((a, b) => (a.day === b.day ? a.campaignId.localeCompare(b.campaignId) : a.day < b.day ? -1 : 1))
      .map((r) => this.insightRow(r, fields));
  }

  private page(all: Record<string, unknown>[], q: Record<string, string>, path: string): Record<string, unknown> {
    const offset = q.after ? Number(Buffer.from(q.after, 'base64').toString()) : 0;
    const limit = Number(q.limit ?? 25);
    const data = all.slice(offset, offset + limit);
    const enc = (n: number) => Buffer.from(String(n)).toString('base64');
    const paging: Record<string, unknown> = { cursors: { before: enc(offset), after: enc(offset + data.length) } };
    if (offset + data.length < all.length) {
      const next = new URLSearchParams({ ...q, after: enc(offset + data.length) });
      paging.next = `${this.url}/${META_VERSION}/${path}?${next.toString()}`;
    }
    return { data, paging };
  }

  async start(port = 0): Promise<string> {
    const app = newLocalApp();
    const auth = (q: Record<string, string>) => q.access_token === this.opts.accessToken;
    const unauthorized = { status: 400, body: graphError(190, 'Invalid OAuth access token - Cannot parse access token') };
    const act = `act_${this.opts.accountId}`;

    app.get(`/${META_VERSION}/:node/insights`, async (request, reply) => {
      const q = request.query as Record<string, string>;
      if (!auth(q)) return sendFault(reply, unauthorized);
      const fault = this.faults.take();
      if (fault && fault !== 'malformed') return sendFault(reply, fault);
      const { node } = request.params as { node: string };
      try {
        let all: Record<string, unknown>[];
        if (node === act) {
          this.seen.sync += 1;
          all = this.select(q);
        } else {
          const job = this.jobs.get(node);
          if (!job) return sendFault(reply, { status: 400, body: graphError(100, `Unsupported get request. Object with ID '${node}' does not exist`) });
          if (job.polls < STATUSES.length - 1) return sendFault(reply, { status: 400, body: graphError(100, 'Report not ready') });
          this.seen.asyncPages += 1;
          all = this.select(job.params);
        }
        const body = this.page(all, q, `${node}/insights`);
        if (fault === 'malformed') (body.data as Record<string, unknown>[]).splice(0, 1, { campaign_id: '120200001', date_start: 'yesterday', spend: 'lots' });
        return reply.type('application/json').send(JSON.stringify(body));
      } catch (err) {
        return sendFault(reply, { status: 400, body: graphError(100, `Invalid parameter: ${err instanceof Error ? err.message : String(err)}`) });
      }
    });

    app.post(`/${META_VERSION}/:node/insights`, async (request, reply) => {
      const q = request.query as Record<string, string>;
      if (!auth(q)) return sendFault(reply, unauthorized);
      const fault = this.faults.take();
      if (fault && fault !== 'malformed') return sendFault(reply, fault);
      const params = { ...(request.body as Record<string, unknown>) };
      try {
        this.select(params);
      } catch (err) {
        return sendFault(reply, { status: 400, body: graphError(100, `Invalid parameter: ${err instanceof Error ? err.message : String(err)}`) });
      }
      const id = String(this.nextJob++);
      this.jobs.set(id, { params, polls: 0 });
      this.seen.asyncCreated += 1;
      return reply.type('application/json').send(JSON.stringify({ report_run_id: id }));
    });

    app.get(`/${META_VERSION}/:node`, async (request, reply) => {
      const q = request.query as Record<string, string>;
      if (!auth(q)) return sendFault(reply, unauthorized);
      const fault = this.faults.take();
      if (fault && fault !== 'malformed') return sendFault(reply, fault);
      const { node } = request.params as { node: string };
      if (node === act) return reply.type('application/json').send(JSON.stringify({ id: act, account_id: this.opts.accountId, timezone_name: this.opts.timeZone }));
      const job = this.jobs.get(node);
      if (!job) return sendFault(reply, { status: 400, body: graphError(100, `Unsupported get request. Object with ID '${node}' does not exist`) });
      this.seen.polls += 1;
      job.polls = Math.min(job.polls + 1, STATUSES.length - 1);
      const done = job.polls === STATUSES.length - 1;
      return reply.type('application/json').send(JSON.stringify({ id: node, async_status: STATUSES[job.polls], async_percent_completion: done ? 100 : job.polls * 30 }));
    });

    this.server = await listenLocal(app, port);
    return this.server.url;
  }

  async stop(): Promise<void> {
    await this.server?.close();
    this.server = null;
  }
}
