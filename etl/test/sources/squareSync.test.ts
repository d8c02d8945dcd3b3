import { logger } from '../../src/log/logger';
import { SourceRunner, type StreamRunStats } from '../../src/sources/runtime/syncStream';
import { squareSource } from '../../src/sources/square';
import { SquareStore } from '../../src/sources/square/testServer/store';
import { SquareTestServer } from '../../src/sources/square/testServer/server';
import { simulatorSource } from '../../src/sources/simulator/source';
import { StoreSimulator } from '../../src/sources/simulator';
import { PRODUCTS } from '../../src/sources/simulator/catalog';
import { localDayStartUtc } from '../../src/sources/simulator/localTime';
import { DAY_MS } from '../../src/sources/types';
import { createTestDb, type TestDb } from '../helpers/testDb';

/**
 * The official Square SDK against the local wire-format server, loading into embedded
 * TimescaleDB through the connector runtime. One database and one store for the whole story:
 * backfill, incremental run, in-place updates, re-run, rate limit, outage, malformed pages.
 */
const TZ = 'America/New_York';
const TOKEN = 'sq-test-token';
const now = new Date('2026-11-20T18:00:00Z');
const at = (minutes: number) => new Date(now.getTime() + minutes * 60_000).toISOString();

describe('Square source over the SDK and the local Square server', () => {
  let db: TestDb;
  let server: SquareTestServer;
  let sim: StoreSimulator;
  let clock = now;
  const fastRetry = { maxAttempts: 4, baseDelayMs: 5, maxDelayMs: 20 };
  const runner = (opts: { breaker?: { failureThreshold: number; coolDownMs: number } } = {}) =>
    new SourceRunner(squareSource({ token: TOKEN, baseUrl: server.url }), {
      db, log: logger, now: () => clock, backfillStart: (n) => new Date(n.getTime() - 30 * DAY_MS), pageSize: 25, retry: fastRetry, ...opts,
    });
  const byStream = (runs: StreamRunStats[]) => Object.fromEntries(runs.map((r) => [r.stream, r]));
  const one = async <T>(sql: string, params: unknown[] = []) => (await db.query<T>(sql, params)).rows[0] as T;
  const count = async (sql: string, params: unknown[] = []) => Number((await one<{ n: string }>(`SELECT count(*)::text AS n FROM ${sql}`, params)).n);

  beforeAll(async () => {
    db = await createTestDb({ timeZone: TZ });
    sim = new StoreSimulator({ seed: 7, scale: 1, timeZone: TZ, openedOn: '2026-11-14' });
    const store = SquareStore.fromSimulator(sim, { from: '2026-11-14', asOf: new Date(now.getTime() - DAY_MS), timeZone: TZ });
    server = new SquareTestServer({ store, token: TOKEN });
    await server.start();
  });
  afterAll(async () => {
    await server?.stop();
    await db?.close();
  });

  it('backfills every stream across several pages, each record once, money to the cent', async () => {
    const runs = byStream(await runner().runAll());
    for (const r of Object.values(runs)) expect({ stream: r.stream, status: r.status, error: r.error }).toEqual({ stream: r.stream, status: 'ok', error: null });
    const orders = [...server.store.orders.values()];
    expect(orders.length).toBeGreaterThan(150);
    // 25 a page: the orders stream walked several pages with the SDK's cursor.
    expect(runs.orders?.pages).toBe(Math.ceil(orders.length / 25));
    expect(server.calls.get('/v2/orders/search')).toBe(Math.ceil(orders.length / 25));
    expect(await count(`orders WHERE source = 'square'`)).toBe(orders.length);
    const totals = await one<{ total: string; lines: string }>(`SELECT sum(total_cents)::text AS total, (SELECT count(*) FROM order_lines WHERE source = 'square')::text AS lines FROM orders WHERE source = 'square'`);
    expect(Number(totals.total)).toBe(orders.reduce((s, o) => s + (o.total_money as { amount: number }).amount, 0));
    expect(Number(totals.lines)).toBe(orders.reduce((s, o) => s + (o.line_items as unknown[]).length, 0));
    expect(await count(`payments WHERE source = 'square'`)).toBe(server.store.payments.length);
    expect(await count(`refunds WHERE source = 'square'`)).toBe(server.store.refunds.length);
    expect(await count(`products WHERE source = 'square'`)).toBe(server.store.catalog.filter((o) => o.type === 'ITEM_VARIATION').length);
    expect(await count(`dead_letters WHERE source = 'square'`)).toBe(0);
    // Inventory changes carry the running balance Square does not send: walked back from the
    // current count, it equals what the simulated store recorded change by change.
    const expected: string[] = [];
    for (let d = new Date('2026-11-14T12:00:00Z'); d.getTime() <= now.getTime() - DAY_MS; d = new Date(d.getTime() + DAY_MS)) {
      for (const c of sim.day(d.toISOString().slice(0, 10), new Date(now.getTime() - DAY_MS)).inventory_changes ?? []) expected.push(`${String(c.change_id)} ${String(c.delta)} ${String(c.available_after)}`);
    }
    const changes = await db.query<{ r: string }>(`SELECT change_id || ' ' || delta || ' ' || available_after AS r FROM inventory_changes WHERE source = 'square' ORDER BY 1`);
    expect(expected.length).toBeGreaterThan(300);
    expect(changes.rows.map((x) => x.r)).toEqual(expected.sort());
    // Tier and unit cost came from the catalog's custom attributes.
    const top = PRODUCTS.find((p) => p.sku === 'TOP-001');
    expect(await one(`SELECT tier, price_cents::int AS price, unit_cost_cents::int AS cost FROM products WHERE sku = 'TOP-001'`)).toEqual({ tier: 'Top Shelf', price: top?.priceCents, cost: top?.unitCostCents });
    // One etl_runs row per stream, with the cursor that was committed.
    const run = await one<{ status: string; pages: number; api_calls: number; cursor_value: string; breaker_state: string }>(
      `SELECT status, pages, api_calls, cursor_value, breaker_state FROM etl_runs WHERE source = 'square' AND stream = 'orders'`,
    );
    const maxUpdated = orders.map((o) => String(o.updated_at)).sort().at(-1);
    expect(run).toMatchObject({ status: 'ok', pages: runs.orders?.pages, breaker_state: 'closed', cursor_value: maxUpdated });
  });

  it('an incremental run picks up a new order, a status change and a refund, updating rows in place', async () => {
    const [open, completed] = [...server.store.orders.values()].filter((o) => o.state === 'COMPLETED' && (o.refunds as unknown[]).length === 0);
    if (!open || !completed) throw new Error('fixture needs two completed orders');
    server.store.addOrder({ id: 'LATE-POS-1', locationId: 'SIM-WH-EAST', createdAt: at(-60 * 70), lines: [{ sku: 'VAL-002', quantity: 2, unitPriceCents: 3199 }] }, at(10));
    server.store.setState(String(open.id), 'CANCELED', at(20));
    const total = (completed.total_money as { amount: number }).amount;
    server.store.refund(String(completed.id), 'RF-FULL-1', total, at(30), 'Customer changed mind');
    clock = new Date(now.getTime() + 3_600_000);
    const before = await count(`orders WHERE source = 'square'`);
    const runs = byStream(await runner().runAll());
    // Orders: the late POS order (created 70 h ago, inside the 73 h look-back) and its line,
    // the cancelled order, the refunded order; refunds: the new refund (seen by two streams, stored once).
    expect(runs.orders?.rowsUpserted).toBe(1 + 1 + 1 + 1 + 1);
    expect(runs.refunds?.rowsUpserted).toBe(0);
    expect(await count(`orders WHERE source = 'square'`)).toBe(before + 1);
    expect(await one(`SELECT status FROM orders WHERE order_id = $1`, [open.id])).toEqual({ status: 'cancelled' });
    expect(await count(`order_lines WHERE order_id = $1 AND order_valid`, [open.id])).toBe(0);
    expect(await one(`SELECT status FROM orders WHERE order_id = $1`, [completed.id])).toEqual({ status: 'refunded' });
    expect(await one(`SELECT amount_cents::int AS amount, reason FROM refunds WHERE refund_id = 'RF-FULL-1'`)).toEqual({ amount: total, reason: 'customer_request' });
    expect(await one(`SELECT placed_at, total_cents::int AS total FROM orders WHERE order_id = 'LATE-POS-1'`)).toEqual({ placed_at: new Date(at(-60 * 70)), total: 6398 });
  });

  it('a re-run writes nothing', async () => {
    const runs = await runner().runAll();
    expect(runs.map((r) => [r.stream, r.status, r.rowsUpserted])).toEqual(runs.map((r) => [r.stream, 'ok', 0]));
  });

  it('429 with Retry-After: 2 is waited out, then the page loads once', async () => {
    server.store.addOrder({ id: 'AFTER-429', locationId: 'SIM-WH-WEST', createdAt: at(61), lines: [{ sku: 'BRK-003', quantity: 1, unitPriceCents: 1499 }] }, at(61));
    clock = new Date(now.getTime() + 2 * 3_600_000);
    server.fault('/v2/orders/search', { kind: 'status', status: 429, retryAfter: 2, times: 1 });
    const r = runner();
    const calls = server.calls.get('/v2/orders/search') ?? 0;
    const started = Date.now();
    const s = await r.runStream(r.def.streams.find((x) => x.name === 'orders') as (typeof r.def.streams)[number]);
    expect(Date.now() - started).toBeGreaterThanOrEqual(2000);
    expect(s.status).toBe('ok');
    expect((server.calls.get('/v2/orders/search') ?? 0) - calls).toBe(s.pages + 1);
    expect(await count(`orders WHERE order_id = 'AFTER-429'`)).toBe(1);
    expect(await count(`order_lines WHERE order_id = 'AFTER-429'`)).toBe(1);
  });

  it('a storm of 500s opens the breaker and the other source keeps syncing', async () => {
    server.fault('/v2/orders/search', { kind: 'status', status: 500, times: 1000 });
    try {
    const square = runner({ breaker: { failureThreshold: 3, coolDownMs: 60_000 } });
    const sim = new SourceRunner(
      simulatorSource({ sim: new StoreSimulator({ seed: 1, scale: 1, timeZone: TZ, openedOn: '2026-11-20' }), timeZone: TZ, openedOn: '2026-11-20' }),
      { db, log: logger, now: () => clock, backfillStart: () => localDayStartUtc('2026-11-20', TZ) },
    );
    const [sq, other] = await Promise.all([square.runAll(), sim.runAll()]);
    const s = byStream(sq);
    expect(s.orders?.status).toBe('error');
    expect(s.orders?.error).toMatch(/^square\/orders page 1: HTTP 500 API_ERROR\/INTERNAL_SERVER_ERROR/);
    expect(square.breaker.state).toBe('open');
    expect(['payments', 'refunds', 'inventory_counts', 'inventory_changes'].map((n) => s[n]?.status)).toEqual(['skipped', 'skipped', 'skipped', 'skipped']);
    // Three attempts opened it; the streams after it did not call the API at all.
    expect(s.orders?.apiCalls).toBe(3);
    expect(other.map((r) => r.status)).toEqual(['ok', 'ok']);
    expect(await count(`orders WHERE source = 'simulator'`)).toBeGreaterThan(10);
    const rows = await db.query<{ stream: string; status: string; breaker_state: string }>(
      `SELECT stream, status, breaker_state FROM etl_runs WHERE source = 'square' ORDER BY id DESC LIMIT 2`,
    );
    expect(rows.rows).toEqual([{ stream: 'inventory_changes', status: 'skipped', breaker_state: 'open' }, { stream: 'inventory_counts', status: 'skipped', breaker_state: 'open' }]);
    } finally {
      server.clearFaults();
    }
  });

  describe('malformed pages', () => {
    const cursor = async () => (await one<{ cursor: string }>(`SELECT cursor FROM sync_state WHERE source = 'square' AND stream = 'orders'`)).cursor;
    const ordersStream = (r: ReturnType<typeof runner>) => r.def.streams.find((x) => x.name === 'orders') as (typeof r.def.streams)[number];

    beforeAll(() => {
      server.store.addOrder({ id: 'NEW-AFTER-FIX', locationId: 'SIM-WH-EAST', createdAt: at(150), lines: [{ sku: 'PRM-001', quantity: 1, unitPriceCents: 5499 }] }, at(150));
      clock = new Date(now.getTime() + 3 * 3_600_000);
    });

    it('a field of the wrong type: an error naming source, stream and page; cursor kept; nothing written', async () => {
      const before = await cursor();
      const written = await count(`orders WHERE source = 'square'`);
      server.fault('/v2/orders/search', { kind: 'wrongType', times: 1, mutate: (b) => ((b.orders as { total_money: { amount: unknown } }[])[0]!.total_money.amount = 'twelve') });
      const r = runner();
      const s = await r.runStream(ordersStream(r));
      expect(s.status).toBe('error');
      expect(s.error).toMatch(/^square\/orders page 1: malformed page: record 0: order \S+\.total_money\.amount: expected an integer amount, got "twelve"/);
      expect(await cursor()).toBe(before);
      expect(await count(`orders WHERE source = 'square'`)).toBe(written);
      expect(await count(`orders WHERE order_id = 'NEW-AFTER-FIX'`)).toBe(0);
    });

    it('truncated JSON: the same, and the next run succeeds once the server is fixed', async () => {
      const before = await cursor();
      server.fault('/v2/orders/search', { kind: 'truncate', times: 1 });
      const r = runner();
      const bad = await r.runStream(ordersStream(r));
      expect(bad.status).toBe('error');
      expect(bad.error).toMatch(/^square\/orders page 1: malformed page: orders.search: response is not valid JSON/);
      expect(await cursor()).toBe(before);
      expect(await count(`orders WHERE order_id = 'NEW-AFTER-FIX'`)).toBe(0);
      const good = await r.runStream(ordersStream(r));
      expect(good.status).toBe('ok');
      expect(await count(`orders WHERE order_id = 'NEW-AFTER-FIX'`)).toBe(1);
      expect(new Date(await cursor()).toISOString()).toBe(at(150));
    });
  });
});
