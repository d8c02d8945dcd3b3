import { createTestDb, type TestDb } from '../../../test/helpers/testDb';
import { captureLogger, cursorOf, lastRun, makeRunner } from '../../../test/helpers/sourceHarness';
import { addDays } from '../../util/time';
import { createGa4Client, GA4 } from './client';
import { distinctUsers, ga4Fixture, type Ga4Visit } from './fixture';
import { Ga4Server, googleError } from './server';
import { ga4Source } from './source';

const TZ = 'America/New_York';
const NOW = new Date('2026-03-20T16:00:00Z');
const TODAY = '2026-03-20';
const now = () => NOW;

describe('GA4 source: official client against the local Data API server', () => {
  let db: TestDb;
  let server: Ga4Server;
  let fixture: Ga4Visit[];
  const { log, lines } = captureLogger();

  const newRunner = () => {
    const client = createGa4Client({ propertyId: '123456', baseUrl: server.url, log });
    return makeRunner(db, ga4Source(client, { storeTimeZone: TZ }), log, lines, { now, pageSize: 40 });
  };
  let h: ReturnType<typeof newRunner>;

  const sessionsOn = async (day: string) =>
    Number((await db.query<{ n: string }>(`SELECT coalesce(sum(sessions), 0) AS n FROM traffic_daily WHERE source = 'ga4' AND day = $1`, [day])).rows[0]?.n);

  beforeAll(async () => {
    db = await createTestDb({ timeZone: TZ });
    fixture = ga4Fixture({ today: TODAY, days: 100 });
    server = new Ga4Server({ propertyId: '123456', timeZone: TZ, visits: fixture, now, accessToken: 'local-ga4-token' });
    await server.start();
    h = newRunner();
  });
  afterAll(async () => {
    await server.stop();
    await db.close();
  });

  it('backfills day × channel group × source/medium × device through offset pages, cursor at the last day', async () => {
    const stats = await h.runner.runAll();
    expect(stats.map((s) => [s.stream, s.status])).toEqual([['range_users', 'ok'], ['traffic_daily', 'ok']]);
    const daily = stats[1];
    expect(daily?.pages).toBeGreaterThan(3);
    const total = Number((await db.query<{ n: string }>(`SELECT sum(sessions) AS n FROM traffic_daily WHERE source = 'ga4'`)).rows[0]?.n);
    expect(total).toBe(fixture.length);
    const day = addDays(TODAY, -5);
    expect(await sessionsOn(day)).toBe(fixture.filter((v) => v.day === day).length);
    const revenue = Number((await db.query<{ c: string }>(`SELECT sum(purchase_revenue_cents) AS c FROM traffic_daily`)).rows[0]?.c);
    expect(revenue).toBe(fixture.reduce((a, v) => a + v.revenueCents, 0));
    const paid = await db.query<{ channel: string; channel_group: string; source_medium: string }>(
      `SELECT DISTINCT channel, channel_group, source_medium FROM traffic_daily WHERE channel_group = 'Paid Social'`,
    );
    expect(paid.rows).toEqual([{ channel: 'paid', channel_group: 'Paid Social', source_medium: 'facebook / cpc' }]);
    // The start of the property's "today" (EDT, UTC−4).
    expect(await cursorOf(db, GA4, 'traffic_daily')).toBe('2026-03-20T04:00:00.000Z');
    expect(lines.some((l) => l.includes('"ga4 quota"') && /"dailyQuotaLeft":\d+/.test(l))).toBe(true);
  });

  it('shows GA4\'s own 30-day users as the dashboard\'s visitors, not the sum of daily users', async () => {
    const from = new Date(NOW.getTime() - 30 * 86_400_000);
    const expected = distinctUsers(fixture, addDays(TODAY, -30), TODAY);
    const summed = Number((await db.query<{ n: string }>(`SELECT sum(users) AS n FROM traffic_daily WHERE day >= $1`, [addDays(TODAY, -30)])).rows[0]?.n);
    expect(summed).toBeGreaterThan(expected); // the fixture's returning users make the two differ
    const r = await db.query<{ visitors: string; sessions: string }>('SELECT visitors, sessions FROM mgr.conversion_range($1, $2)', [from, NOW]);
    expect(Number(r.rows[0]?.visitors)).toBe(expected);
    expect(Number(r.rows[0]?.sessions)).toBe(fixture.filter((v) => v.day >= addDays(TODAY, -30)).length);
    const f = await db.query<{ step: string; visitors: string }>('SELECT step, visitors FROM mgr.funnel($1, $2) ORDER BY step_no', [from, NOW]);
    expect(f.rows.map((x) => [x.step, Number(x.visitors)])).toEqual([
      ['visitors', expected],
      ['add_to_cart', distinctUsers(fixture, addDays(TODAY, -30), TODAY, (v) => v.addToCarts > 0)],
      ['checkout', distinctUsers(fixture, addDays(TODAY, -30), TODAY, (v) => v.checkouts > 0)],
      ['order', distinctUsers(fixture, addDays(TODAY, -30), TODAY, (v) => v.purchases > 0)],
    ]);
    const ranges = await db.query<{ range_key: string; start_day: string; users: number; time_zone: string }>(
      `SELECT range_key, start_day::text, users, time_zone FROM traffic_range_users ORDER BY range_key`,
    );
    expect(ranges.rows.find((x) => x.range_key === 'mtd')).toEqual({ range_key: 'mtd', start_day: '2026-03-01', users: distinctUsers(fixture, '2026-03-01', TODAY), time_zone: TZ });
    // A range GA4 was not asked for has no visitor figure rather than a summed one.
    const odd = await db.query<{ visitors: string | null }>('SELECT visitors FROM mgr.conversion_range($1, $2)', [new Date(NOW.getTime() - 12 * 86_400_000), NOW]);
    expect(odd.rows[0]?.visitors).toBeNull();
  });

  it('a re-run with nothing new writes 0 rows', async () => {
    const stats = await h.runner.runAll();
    expect(stats.map((s) => [s.status, s.rowsUpserted])).toEqual([['ok', 0], ['ok', 0]]);
    expect((await lastRun(db, GA4, 'traffic_daily')).rows_upserted).toBe(0);
  });

  it('re-pulls the look-back days: a day GA4 revised upward replaces the old numbers', async () => {
    const day = addDays(TODAY, -2);
    const before = await sessionsOn(day);
    const extra: Ga4Visit[] = [
      { userId: 'late1', day, channelGroup: 'Organic Search', sourceMedium: 'google / organic', device: 'desktop', addToCarts: 0, checkouts: 0, purchases: 0, revenueCents: 0 },
      { userId: 'late2', day, channelGroup: 'Organic Search', sourceMedium: 'google / organic', device: 'desktop', addToCarts: 1, checkouts: 1, purchases: 1, revenueCents: 4321 },
    ];
    server.addVisits(extra);
    const stats = await h.runner.runAll();
    expect(stats.every((s) => s.status === 'ok')).toBe(true);
    expect(await sessionsOn(day)).toBe(before + 2);
    const all = [...fixture, ...extra];
    const r = await db.query<{ visitors: string }>('SELECT visitors FROM mgr.conversion_range($1, $2)', [new Date(NOW.getTime() - 30 * 86_400_000), NOW]);
    expect(Number(r.rows[0]?.visitors)).toBe(distinctUsers(all, addDays(TODAY, -30), TODAY));
    // Only the look-back days were asked for: a 3-day window starting before `day`.
    expect(stats[1]?.pages).toBe(1);
  });

  it('honours 429 RESOURCE_EXHAUSTED by retrying after a wait', async () => {
    server.faults.add({ status: 429, body: googleError(429, 'RESOURCE_EXHAUSTED', 'Exhausted property tokens for a project per hour.') }, 2);
    h.waits.length = 0;
    const stats = await h.runner.runAll();
    expect(stats.map((s) => s.status)).toEqual(['ok', 'ok']);
    expect(h.waits).toHaveLength(2);
    expect(lines.some((l) => l.includes('source call retried') && l.includes('RESOURCE_EXHAUSTED'))).toBe(true);
  });

  it('a malformed page is a clear error and the cursor stays', async () => {
    const cursor = await cursorOf(db, GA4, 'traffic_daily');
    server.faults.add('malformed');
    const stream = h.runner.def.streams[1];
    if (!stream) throw new Error('no daily stream');
    const s = await h.runner.runStream(stream);
    expect(s.status).toBe('error');
    expect(s.error).toMatch(/^ga4\/traffic_daily page 1: malformed page: .*(metric|sessions)/);
    expect(await cursorOf(db, GA4, 'traffic_daily')).toBe(cursor);
  });

  it('a 5xx storm opens the breaker and later runs leave GA4 alone', async () => {
    const storm = newRunner();
    server.faults.add({ status: 503, body: googleError(503, 'UNAVAILABLE', 'The service is currently unavailable.') }, 50);
    const first = await storm.runner.runAll();
    // The stream whose failure opened the breaker reports that failure; the rest are skipped.
    expect(first.map((s) => s.status)).toEqual(['error', 'error']);
    expect(storm.runner.breaker.state).toBe('open');
    const seen = server.faults.requests;
    const again = await storm.runner.runAll();
    expect(again.map((s) => s.status)).toEqual(['skipped', 'skipped']);
    expect(server.faults.requests).toBe(seen);
    expect((await lastRun(db, GA4, 'traffic_daily')).breaker_state).toBe('open');
    server.faults.clear();
  });

  it('a wrong token is a 401, not retried, and no token reaches the log', async () => {
    const other = new Ga4Server({ propertyId: '123456', timeZone: TZ, visits: fixture, now, accessToken: 'another-token' });
    await other.start();
    try {
      const client = createGa4Client({ propertyId: '123456', baseUrl: other.url, log });
      const r = makeRunner(db, ga4Source(client, { storeTimeZone: TZ }), log, lines, { now });
      const [s] = await r.runner.runAll();
      expect(s?.error).toMatch(/HTTP 401 UNAUTHENTICATED/);
      expect(r.waits).toEqual([]);
    } finally {
      await other.stop();
    }
    expect(lines.join('\n')).not.toContain('local-ga4-token');
  });
});
