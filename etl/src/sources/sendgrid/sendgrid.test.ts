import { createTestDb, type TestDb } from '../../../test/helpers/testDb';
import { captureLogger, cursorOf, makeRunner } from '../../../test/helpers/sourceHarness';
import { addDays } from '../../util/time';
import { createSendgridClient, SENDGRID } from './client';
import { sendgridFixture, sendgridRateLimit, SendgridServer, sgError, type SgMetrics } from './server';
import { sendgridSource } from './streams';

const TZ = 'America/New_York';
const NOW = new Date('2026-03-20T16:00:00Z');
const TODAY = '2026-03-20';
const KEY = 'SG.test-key.abcdefghijklmnop';
const now = () => NOW;
const rate = (num: number, den: number) => (Math.round((num / den) * 10_000) / 10_000).toFixed(4);
const sum = (days: Record<string, SgMetrics>, f: keyof SgMetrics) => Object.values(days).reduce((a, m) => a + m[f], 0);

describe('SendGrid source: official client against the local v3 server', () => {
  let db: TestDb;
  let server: SendgridServer;
  const fixture = sendgridFixture(TODAY, 60);
  const { log, lines } = captureLogger();
  const newRunner = (key = KEY) => makeRunner(db, sendgridSource(createSendgridClient({ apiKey: key, baseUrl: server.url })), log, lines, { now, pageSize: 2, backfillStart: (t) => new Date(t.getTime() - 30 * 86_400_000) });
  let h: ReturnType<typeof newRunner>;
  const spring = fixture.singleSends[1];
  const [varA, varB] = Object.keys(spring?.stats ?? {}) as [string, string];

  beforeAll(async () => {
    db = await createTestDb({ timeZone: TZ });
    server = new SendgridServer(fixture, { apiKey: KEY });
    await server.start();
    h = newRunner();
  });
  afterAll(async () => {
    await server.stop();
    await db.close();
  });

  it('loads global, category and Single Send (per A/B variation) daily stats through their pages', async () => {
    const stats = await h.runner.runAll();
    expect(stats.map((s) => [s.stream, s.status])).toEqual([['global_stats', 'ok'], ['category_stats', 'ok'], ['single_sends', 'ok']]);
    // 31 days asked for (the 30-day backfill), 2 a page; 3 categories, 2 a page; 3 sends, 2 a page.
    expect(stats.map((s) => s.pages)).toEqual([16, 2, 2]);
    const c = await db.query<{ campaign_id: string; name: string; variant: string | null }>(`SELECT campaign_id, name, variant FROM campaigns WHERE campaign_id LIKE 'sendgrid:singlesend:%' ORDER BY 1`);
    expect(c.rows).toEqual([
      { campaign_id: `sendgrid:singlesend:${fixture.singleSends[0]?.id}`, name: 'March newsletter', variant: null },
      { campaign_id: `sendgrid:singlesend:${spring?.id}:${varA}`, name: `Spring sale (variation ${varA.slice(0, 8)})`, variant: varA },
      { campaign_id: `sendgrid:singlesend:${spring?.id}:${varB}`, name: `Spring sale (variation ${varB.slice(0, 8)})`, variant: varB },
    ]);
    // Walks over groups move the cursor once every group is read: through the run's last day.
    expect(await cursorOf(db, SENDGRID, 'single_sends')).toBe(`${TODAY}T00:00:00.000Z`);
    expect(await cursorOf(db, SENDGRID, 'category_stats')).toBe(`${TODAY}T00:00:00.000Z`);
  });

  it('open and click rates per campaign equal the fixture\'s unique opens and clicks ÷ delivered', async () => {
    const q = async (id: string) =>
      (await db.query<{ delivered: string; open_rate: string; click_rate: string }>(`SELECT delivered, open_rate::text, click_rate::text FROM mgr.email_campaigns WHERE campaign_id = $1`, [id])).rows[0];
    const a = spring?.stats[varA] ?? {};
    expect(await q(`sendgrid:singlesend:${spring?.id}:${varA}`)).toEqual({
      delivered: expect.anything(), open_rate: rate(sum(a, 'unique_opens'), sum(a, 'delivered')), click_rate: rate(sum(a, 'unique_clicks'), sum(a, 'delivered')),
    });
    const promo = Object.fromEntries(Object.entries(fixture.categories.promo ?? {}).filter(([d]) => d >= addDays(TODAY, -30)));
    expect(await q('sendgrid:category:promo')).toEqual({ delivered: expect.anything(), open_rate: rate(sum(promo, 'unique_opens'), sum(promo, 'delivered')), click_rate: rate(sum(promo, 'unique_clicks'), sum(promo, 'delivered')) });
    // Global covers the 31 loaded days only.
    const inRange = (days: Record<string, SgMetrics>) => Object.fromEntries(Object.entries(days).filter(([d]) => d >= addDays(TODAY, -30)));
    const globalDelivered = Object.values(fixture.categories).reduce((t, c) => t + sum(inRange(c), 'delivered'), 0) + sum(inRange(fixture.other), 'delivered');
    expect(Number((await q('sendgrid:global'))?.delivered)).toBe(globalDelivered);
    const spam = await db.query<{ n: string }>(`SELECT sum(spam_reports) AS n FROM email_stats WHERE campaign_id = 'sendgrid:category:promo'`);
    expect(Number(spam.rows[0]?.n)).toBe(sum(promo, 'spam_reports'));
  });

  it('a re-run writes 0 rows', async () => {
    const stats = await h.runner.runAll();
    expect(stats.map((s) => [s.status, s.rowsUpserted])).toEqual([['ok', 0], ['ok', 0], ['ok', 0]]);
  });

  it('re-reads the last 7 days: opens that arrived late update the day', async () => {
    const day = addDays(TODAY, -3);
    server.addOpens(spring?.id ?? '', varB, day, 4);
    const stats = await h.runner.runAll();
    expect(stats.map((s) => s.rowsUpserted)).toEqual([0, 0, 1]);
    const r = await db.query<{ unique_opens: number }>(`SELECT unique_opens FROM email_stats WHERE campaign_id = $1 AND day = $2`, [`sendgrid:singlesend:${spring?.id}:${varB}`, day]);
    expect(r.rows[0]?.unique_opens).toBe(spring?.stats[varB]?.[day]?.unique_opens);
  });

  it('honours 429: waits until X-RateLimit-Reset', async () => {
    server.faults.add(sendgridRateLimit(3));
    h.waits.length = 0;
    const stats = await h.runner.runAll();
    expect(stats.every((s) => s.status === 'ok')).toBe(true);
    expect(h.waits).toHaveLength(1);
    expect(h.waits[0]).toBeGreaterThanOrEqual(2000);
  });

  it('a malformed page is a clear error and the cursor stays', async () => {
    const cursor = await cursorOf(db, SENDGRID, 'global_stats');
    server.faults.add('malformed');
    const global = h.runner.def.streams[0];
    if (!global) throw new Error('no stream');
    const s = await h.runner.runStream(global);
    expect(s.error).toMatch(/^sendgrid\/global_stats page 1: malformed page: \/v3\/stats: response is not JSON/);
    expect(await cursorOf(db, SENDGRID, 'global_stats')).toBe(cursor);
  });

  it('a 5xx storm opens the breaker; later runs make no calls', async () => {
    const storm = newRunner();
    server.faults.add({ status: 503, body: sgError('service unavailable') }, 50);
    const first = await storm.runner.runAll();
    // The stream whose failure opened the breaker reports that failure; the rest are skipped.
    expect(first.map((s) => s.status)).toEqual(['error', 'error', 'skipped']);
    const seen = server.faults.requests;
    await storm.runner.runAll();
    expect(server.faults.requests).toBe(seen);
    server.faults.clear();
  });

  it('a wrong key is a 401 without retries; the key is never logged', async () => {
    const bad = newRunner('SG.wrong');
    const [s] = await bad.runner.runAll();
    expect(s?.error).toMatch(/HTTP 401 authorization required/);
    expect(bad.waits).toEqual([]);
    expect(lines.join('\n')).not.toContain(KEY);
  });
});
