import { createHmac } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import Fastify, { type FastifyInstance } from 'fastify';
import { squareWebhooks } from '../../src/http/routes/squareWebhooks';
import { GrafanaLivePublisher } from '../../src/live/grafanaLive';
import { logger } from '../../src/log/logger';
import { squareSource } from '../../src/sources/square';
import { SquareStore } from '../../src/sources/square/testServer/store';
import { SquareTestServer } from '../../src/sources/square/testServer/server';
import { createTestDb, type TestDb } from '../helpers/testDb';

/**
 * The webhook plugin on its own Fastify instance over real HTTP; the order is fetched with the
 * SDK from the local Square server and pushed to a local HTTP endpoint standing in for Grafana Live.
 */
const KEY = 'whsec-test-key';
const URL_REGISTERED = 'https://kpi.example.com/webhooks/square';

describe('POST /webhooks/square', () => {
  let db: TestDb;
  let square: SquareTestServer;
  let app: FastifyInstance;
  let base = '';
  let grafana: Server;
  const pushes: string[] = [];
  const processed = new Map<string, (err: Error | null) => void>();
  const done = (eventId: string) => new Promise<Error | null>((resolve) => processed.set(eventId, resolve));

  const sign = (body: string, url = URL_REGISTERED, key = KEY) => createHmac('sha256', key).update(url + body).digest('base64');
  const event = (eventId: string, orderId: string) =>
    JSON.stringify({
      merchant_id: 'MLTEST', type: 'order.updated', event_id: eventId, created_at: '2026-11-20T18:00:00Z',
      data: { type: 'order_updated', id: orderId, object: { order_updated: { order_id: orderId, state: 'COMPLETED', version: 2, location_id: 'SIM-WH-EAST' } } },
    });
  const post = (body: string, signature: string) =>
    fetch(`${base}/webhooks/square`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-square-hmacsha256-signature': signature }, body });
  const orders = async (id: string) => Number((await db.query<{ n: string }>('SELECT count(*)::text AS n FROM orders WHERE order_id = $1', [id])).rows[0]?.n);
  const events = async (id: string) => Number((await db.query<{ n: string }>('SELECT count(*)::text AS n FROM square_webhook_events WHERE event_id = $1', [id])).rows[0]?.n);

  beforeAll(async () => {
    db = await createTestDb();
    const store = SquareStore.withCatalog();
    for (const [id, cents] of [['WH-1', 4599], ['WH-2', 1999], ['WH-3', 2999]] as const) {
      store.addOrder({ id, locationId: 'SIM-WH-EAST', createdAt: '2026-11-20T17:59:00Z', lines: [{ sku: 'PRM-002', quantity: 1, unitPriceCents: cents }] });
    }
    square = new SquareTestServer({ store, token: 'tok' });
    await square.start();
    grafana = createServer((req, res) => {
      let b = '';
      req.on('data', (c: Buffer) => (b += c.toString()));
      req.on('end', () => {
        if (req.url === '/api/live/push/orders' && req.headers.authorization === 'Bearer glsa-test') pushes.push(b);
        res.writeHead(200).end('{}');
      });
    });
    await new Promise<void>((r) => grafana.listen(0, '127.0.0.1', r));
    const live = new GrafanaLivePublisher(`http://127.0.0.1:${(grafana.address() as AddressInfo).port}`, 'glsa-test');
    await live.pushChangedOrders(db); // sets the watermark, as the daemon does at start
    const source = squareSource({ token: 'tok', baseUrl: square.url });
    app = Fastify();
    await app.register(squareWebhooks, {
      db, log: logger, signatureKey: KEY, notificationUrl: URL_REGISTERED, client: source.client, context: source.context, live,
      retry: { maxAttempts: 2, baseDelayMs: 5, maxDelayMs: 10 },
      onProcessed: (id, err) => processed.get(id)?.(err),
    });
    base = await app.listen({ port: 0, host: '127.0.0.1' });
  });
  afterAll(async () => {
    await app?.close();
    await square?.stop();
    await new Promise((r) => grafana?.close(r));
    await db?.close();
  });

  it('a valid signature: 200, then the order is in the database and in the Live push', async () => {
    const body = event('EV-1', 'WH-1');
    const finished = done('EV-1');
    const res = await post(body, sign(body));
    expect(res.status).toBe(200);
    expect(await finished).toBeNull();
    expect((await db.query('SELECT status, total_cents::int AS total FROM orders WHERE order_id = $1', ['WH-1'])).rows).toEqual([{ status: 'completed', total: 4599 }]);
    expect(pushes.join('\n')).toMatch(/order_id="WH-1".*total=45\.99/);
  });

  it.each([
    ['a wrong signature', (b: string) => [b, sign(b, URL_REGISTERED, 'another-key')]],
    ['the body altered by one byte', (b: string) => [b.replace('"WH-2"', '"WH-3"'), sign(b)]],
    ['a different notification URL', (b: string) => [b, sign(b, 'https://kpi.example.com/webhooks/square/')]],
    ['no signature', (b: string) => [b, '']],
  ])('%s: 401 and nothing written', async (_name, make) => {
    const [body, signature] = make(event('EV-BAD', 'WH-2')) as [string, string];
    const calls = square.calls.get('/v2/orders/WH-2') ?? 0;
    const res = await post(body, signature);
    expect(res.status).toBe(401);
    expect(await events('EV-BAD')).toBe(0);
    expect(await orders('WH-2')).toBe(0);
    expect(await orders('WH-3')).toBe(0);
    expect(square.calls.get('/v2/orders/WH-2') ?? 0).toBe(calls);
  });

  it('the same event_id twice: handled once', async () => {
    const body = event('EV-2', 'WH-2');
    const finished = done('EV-2');
    expect((await post(body, sign(body))).status).toBe(200);
    await finished;
    const again = await post(body, sign(body));
    expect(again.status).toBe(200);
    expect(await again.json()).toEqual({ ok: true, duplicate: true });
    expect(await events('EV-2')).toBe(1);
    expect(await orders('WH-2')).toBe(1);
    expect(square.calls.get('/v2/orders/WH-2')).toBe(1);
  });
});
