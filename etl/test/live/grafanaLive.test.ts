import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { GrafanaLivePublisher, toLineProtocol } from '../../src/live/grafanaLive';
import { loadBatch } from '../../src/load/loader';
import { createTestDb, type TestDb } from '../helpers/testDb';

interface Received {
  url: string;
  auth: string | undefined;
  body: string;
}

/** A local stand-in for Grafana's push endpoint: records requests, answers 401 without the right token. */
async function fakeGrafana(token: string): Promise<{ url: string; received: Received[]; close: () => Promise<void> }> {
  const received: Received[] = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString('utf8')));
    req.on('end', () => {
      if (req.headers.authorization !== `Bearer ${token}`) {
        res.writeHead(401, { 'Content-Type': 'application/json' }).end('{"message":"invalid API key"}');
        return;
      }
      received.push({ url: req.url ?? '', auth: req.headers.authorization, body });
      res.writeHead(200).end('{}');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, received, close: () => new Promise((r) => server.close(() => r())) };
}

describe('Grafana Live push', () => {
  it('writes Influx line protocol with escaped strings and nanosecond time', () => {
    const line = toLineProtocol([
      { order_id: 'SIM-1', placed_at: new Date('2026-11-20T15:00:00.123Z'), customer: 'Ana "A" Souza', items: '2× Mug', total: 41.5, status: 'pending_verification' },
    ]);
    expect(line).toBe('live order_id="SIM-1",customer="Ana \\"A\\" Souza",items="2× Mug",total=41.50,status="pending_verification" 1795186800123000000');
  });

  describe('against a database and a local push endpoint', () => {
    let db: TestDb;
    beforeAll(async () => {
      db = await createTestDb();
      await loadBatch(db, { source: 't', stream: 's' }, {
        customers: [{ customer_id: 'C1', name: 'Ana Souza', created_at: '2026-11-01T00:00:00Z', source: 't', source_id: 'C1' }],
        orders: [{ order_id: 'O1', placed_at: '2026-11-20T15:00:00Z', customer_id: 'C1', status: 'pending_verification', subtotal_cents: 4150, total_cents: 4150, items_summary: '2× Mug', source: 't', source_id: 'O1' }],
      });
    });
    afterAll(async () => db.close());

    it('pushes only orders that changed since the last push, and a status change once', async () => {
      const grafana = await fakeGrafana('tok');
      try {
        const pub = new GrafanaLivePublisher(grafana.url, 'tok');
        expect(await pub.pushChangedOrders(db)).toBe(0); // first call sets the watermark
        await new Promise((r) => setTimeout(r, 5));
        await loadBatch(db, { source: 't', stream: 's' }, {
          orders: [{ order_id: 'O1', placed_at: '2026-11-20T15:00:00Z', customer_id: 'C1', status: 'completed', subtotal_cents: 4150, total_cents: 4150, items_summary: '2× Mug', source: 't', source_id: 'O1' }],
        });
        expect(await pub.pushChangedOrders(db)).toBe(1);
        expect(await pub.pushChangedOrders(db)).toBe(0);
        expect(grafana.received).toHaveLength(1);
        expect(grafana.received[0]?.url).toBe('/api/live/push/orders');
        expect(grafana.received[0]?.body).toBe('live order_id="O1",customer="Ana Souza",items="2× Mug",total=41.50,status="completed" 1795186800000000000');
      } finally {
        await grafana.close();
      }
    });

    it('a rejected token is a clear error that does not echo the token', async () => {
      const grafana = await fakeGrafana('right');
      try {
        const pub = new GrafanaLivePublisher(grafana.url, 'wrong-secret');
        const err = await pub.push([{ order_id: 'O1', placed_at: new Date(), customer: null, items: null, total: 1, status: 'completed' }]).catch((e: Error) => e);
        expect((err as Error).message).toBe('Grafana Live push failed: HTTP 401 {"message":"invalid API key"}');
        expect((err as Error).message).not.toContain('wrong-secret');
      } finally {
        await grafana.close();
      }
    });
  });
});
