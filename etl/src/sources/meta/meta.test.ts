import { createTestDb, type TestDb } from '../../../test/helpers/testDb';
import { captureLogger, cursorOf, lastRun, makeRunner } from '../../../test/helpers/sourceHarness';
import { addDays } from '../../util/time';
import type { ApiCaller } from '../runtime/source';
import { createMetaClient, META } from './client';
import { insightBatch } from './mapping';
import { graphError, metaFixture, metaRateLimit, MetaServer } from './server';
import { metaSource } from './source';
import { directReport } from './streams';

const TZ = 'America/New_York';
const NOW = new Date('2026-03-20T16:00:00Z');
const TODAY = '2026-03-20';
const TOKEN = 'EAAGm0PX4ZCpsBAKZCZA-test-token';
const now = () => NOW;
const direct: ApiCaller = { calls: 0, call: (_label, fn) => fn() };

describe('Meta Ads source: official SDK against the local Graph API server', () => {
  let db: TestDb;
  let server: MetaServer;
  const { log, lines } = captureLogger();
  const fixture = metaFixture({ today: TODAY, days: 120 });

  const newRunner = (token = TOKEN) => {
    const client = createMetaClient({ accessToken: token, adAccountId: 'act_555', baseUrl: server.url, pollMs: 0 });
    return { client, ...makeRunner(db, metaSource(client), log, lines, { now, pageSize: 40, backfillStart: (t) => new Date(t.getTime() - 89 * 86_400_000) }) };
  };
  let h: ReturnType<typeof newRunner>;

  const dbRow = async (campaign: string, day: string) =>
    (await db.query<{ purchases: number; purchase_value_cents: string; spend_cents: string; attribution_setting: string }>(
      `SELECT purchases, purchase_value_cents, spend_cents, attribution_setting FROM ad_insights WHERE campaign_id = $1 AND day = $2`, [`meta:${campaign}`, day],
    )).rows[0];

  beforeAll(async () => {
    db = await createTestDb({ timeZone: TZ });
    server = new MetaServer({ accountId: '555', accessToken: TOKEN, rows: fixture, timeZone: TZ });
    await server.start();
    h = newRunner();
  });
  afterAll(async () => {
    await server.stop();
    await db.close();
  });

  it('a 90-day backfill goes through one async report job, paged by paging.next', async () => {
    const [s] = await h.runner.runAll();
    expect(s?.status).toBe('ok');
    expect(server.seen.asyncCreated).toBe(1);
    expect(server.seen.polls).toBeGreaterThanOrEqual(3);
    expect(server.seen.sync).toBe(0);
    expect(s?.pages).toBe(Math.ceil((90 * 3) / 40));
    const n = await db.query<{ n: string; first: string }>(`SELECT count(*) AS n, min(day)::text AS first FROM ad_insights WHERE source = 'meta'`);
    expect([Number(n.rows[0]?.n), n.rows[0]?.first]).toEqual([270, addDays(TODAY, -89)]);
    expect(await cursorOf(db, META, 'campaign_insights')).toBe('2026-03-20T04:00:00.000Z');
    expect((await dbRow('120200001', TODAY))?.attribution_setting).toBe('7d_click_1d_view');
  });

  it('the async report equals per-day pulls of the same days', async () => {
    const stored = await db.query<{ campaign_id: string; day: string; spend_cents: string; impressions: number; reach: number; clicks: number; engagements: number; purchases: number; purchase_value_cents: string }>(
      `SELECT campaign_id, day::text, spend_cents::text, impressions, reach, clicks, engagements, purchases, purchase_value_cents::text FROM ad_insights ORDER BY day, campaign_id`,
    );
    const pulled: typeof stored.rows = [];
    for (let d = addDays(TODAY, -89); d <= TODAY; d = addDays(d, 1)) {
      const page = await directReport(h.client, direct, d, d, 100);
      for (const o of page) {
        const r = insightBatch((o as { _data: Record<string, unknown> })._data).ad_insights?.[0];
        if (!r) continue;
        pulled.push({
          campaign_id: String(r.campaign_id), day: String(r.day), spend_cents: String(r.spend_cents), impressions: Number(r.impressions), reach: Number(r.reach),
          clicks: Number(r.clicks), engagements: Number(r.engagements), purchases: Number(r.purchases), purchase_value_cents: String(r.purchase_value_cents),
        });
      }
    }
    expect(pulled).toHaveLength(270);
    expect(stored.rows).toEqual(pulled);
  });

  it('ROAS per campaign from the load equals the fixture\'s value ÷ spend', async () => {
    const c = fixture.filter((r) => r.campaignId === '120200002' && r.day >= addDays(TODAY, -89));
    const spend = c.reduce((a, r) => a + r.spendCents, 0);
    const value = c.reduce((a, r) => a + r.purchaseValueCents, 0);
    const r = await db.query<{ spend: string; purchase_value: string; roas: string }>(`SELECT spend, purchase_value, roas FROM mgr.roas_campaigns WHERE campaign_id = 'meta:120200002'`);
    expect(r.rows[0]).toEqual({ spend: (spend / 100).toFixed(2), purchase_value: (value / 100).toFixed(2), roas: (Math.round((value / spend) * 10_000) / 10_000).toFixed(4) });
  });

  it('a re-run reads the 28-day window directly and writes 0 rows', async () => {
    const sync = server.seen.sync;
    const [s] = await h.runner.runAll();
    expect(s?.status).toBe('ok');
    expect(s?.rowsUpserted).toBe(0);
    // 29 days × 3 campaigns = 87 rows: three direct pages of 40, no new job.
    expect(server.seen.sync - sync).toBe(3);
    expect(server.seen.asyncCreated).toBe(1);
  });

  it('a day whose purchases grew is updated on the next run', async () => {
    const day = addDays(TODAY, -20);
    const before = await dbRow('120200002', day);
    server.addPurchases('120200002', day, 2, 5998);
    const [s] = await h.runner.runAll();
    expect(s?.rowsUpserted).toBe(1);
    const after = await dbRow('120200002', day);
    expect(after?.purchases).toBe(Number(before?.purchases) + 2);
    expect(Number(after?.purchase_value_cents)).toBe(Number(before?.purchase_value_cents) + 5998);
  });

  it('honours the rate limit: waits the minutes X-Business-Use-Case-Usage asks for', async () => {
    server.faults.add(metaRateLimit('555', 2));
    h.waits.length = 0;
    const [s] = await h.runner.runAll();
    expect(s?.status).toBe('ok');
    expect(h.waits).toHaveLength(1);
    expect(h.waits[0]).toBeGreaterThanOrEqual(120_000);
  });

  it('a malformed page is a clear error and the cursor stays', async () => {
    const cursor = await cursorOf(db, META, 'campaign_insights');
    server.faults.add('malformed');
    const [s] = await h.runner.runAll();
    expect(s?.status).toBe('error');
    expect(s?.error).toMatch(/^meta\/campaign_insights page 1: malformed page: record 0: .*date_start/);
    expect(await cursorOf(db, META, 'campaign_insights')).toBe(cursor);
  });

  it('a 5xx storm opens the breaker; later runs make no calls', async () => {
    const storm = newRunner();
    server.faults.add({ status: 500, body: graphError(1, 'An unknown error occurred', { is_transient: true }) }, 50);
    const [first] = await storm.runner.runAll();
    expect(first?.status).toBe('error');
    // The run whose failure opened the breaker reports that failure; the next one is skipped.
    const [second] = await storm.runner.runAll();
    expect(second?.status).toBe('error');
    expect(storm.runner.breaker.state).toBe('open');
    const [third] = await storm.runner.runAll();
    expect(third?.status).toBe('skipped');
    const seen = server.faults.requests;
    await storm.runner.runAll();
    expect(server.faults.requests).toBe(seen);
    server.faults.clear();
  });

  it('a rejected token is a 401 without retries, and the token is never logged or stored', async () => {
    const bad = newRunner('wrong-token');
    const [s] = await bad.runner.runAll();
    expect(s?.error).toMatch(/access token rejected/);
    expect(bad.waits).toEqual([]);
    const errors = await db.query<{ error: string | null }>(`SELECT error FROM etl_runs WHERE source = 'meta'`);
    const text = lines.join('\n') + errors.rows.map((r) => r.error ?? '').join('\n');
    expect(text).not.toContain(TOKEN);
    expect(text).not.toContain('wrong-token');
    expect((await lastRun(db, META, 'campaign_insights')).status).toBe('error');
  });
});
