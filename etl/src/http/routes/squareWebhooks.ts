/**
 * POST /webhooks/square: Square's event notifications. The signature is checked over the exact
 * notification URL registered with Square plus the raw body, before anything else is read;
 * each event_id is recorded once (replays change nothing); the answer goes out at once and the
 * full order is fetched afterwards (order.* events carry only ids), upserted and pushed live.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { FastifyPluginAsync } from 'fastify';
import type { SquareClient } from 'square';
import type { Config } from '../../config/config';
import type { Db } from '../../db/db';
import { loadBatch } from '../../load/loader';
import type { Logger } from '../../log/logger';
import { DEFAULT_RETRY, withRetry, type RetryPolicy } from '../../sources/runtime/retry';
import type { ApiCaller } from '../../sources/runtime/source';
import { normalizeSquareError } from '../../sources/square/client';
import { orderBatch, SQUARE } from '../../sources/square/mapping';
import type { SquareContext } from '../../sources/square/streams';
import { squareSource } from '../../sources/square';

export interface SquareWebhookOptions {
  db: Db;
  log: Logger;
  signatureKey: string;
  /** The notification URL exactly as registered in the Square Developer Console. */
  notificationUrl: string;
  client: SquareClient;
  context: SquareContext;
  live: { pushChangedOrders(db: Db): Promise<number> } | null;
  retry?: RetryPolicy;
  /** Told when an accepted event has been handled (tests, metrics). */
  onProcessed?: (eventId: string, error: Error | null) => void;
}

/** base64(HMAC-SHA256(key, notificationUrl + rawBody)), compared in constant time. */
export function validSquareSignature(key: string, notificationUrl: string, rawBody: Buffer, header: string | undefined): boolean {
  if (!header) return false;
  const expected = createHmac('sha256', key).update(notificationUrl).update(rawBody).digest();
  const given = Buffer.from(header, 'base64');
  return given.length === expected.length && timingSafeEqual(given, expected);
}

interface SquareEvent {
  event_id?: unknown;
  type?: unknown;
  data?: { id?: unknown; type?: unknown };
}

export const squareWebhooks: FastifyPluginAsync<SquareWebhookOptions> = async (app, opts) => {
  // Raw bytes are what Square signed; this parser lives only in this plugin's scope.
  app.addContentTypeParser('application/json', { parseAs: 'buffer', bodyLimit: 1_048_576 }, (_req, body, done) => done(null, body));

  const api: ApiCaller = {
    calls: 0,
    call: (_label, fn) =>
      withRetry(opts.retry ?? DEFAULT_RETRY, async () => {
        try {
          return await fn();
        } catch (err) {
          throw normalizeSquareError(err);
        }
      }),
  };

  async function handle(eventId: string, orderId: string): Promise<void> {
    const r = await api.call('orders.get', () => opts.client.orders.get({ orderId }));
    if (!r.order) throw new Error(`square webhook ${eventId}: order ${orderId} not returned`);
    const catalog = await opts.context.ensureCatalog(opts.client, api);
    const res = await loadBatch(opts.db, { source: SQUARE, stream: 'webhook' }, orderBatch(r.order, catalog));
    if (opts.live) await opts.live.pushChangedOrders(opts.db);
    opts.log.info('square webhook handled', { eventId, orderId, changed: res.changed, rejected: res.rejected });
  }

  app.post('/webhooks/square', async (req, reply) => {
    const raw = req.body;
    const sig = req.headers['x-square-hmacsha256-signature'];
    if (!Buffer.isBuffer(raw) || !validSquareSignature(opts.signatureKey, opts.notificationUrl, raw, typeof sig === 'string' ? sig : undefined)) {
      return reply.code(401).send({ error: 'invalid signature' });
    }
    let event: SquareEvent;
    try {
      event = JSON.parse(raw.toString('utf8')) as SquareEvent;
    } catch {
      return reply.code(400).send({ error: 'body is not JSON' });
    }
    const eventId = typeof event.event_id === 'string' ? event.event_id : null;
    const type = typeof event.type === 'string' ? event.type : null;
    if (!eventId || !type) return reply.code(400).send({ error: 'event_id and type are required' });
    const objectId = typeof event.data?.id === 'string' ? event.data.id : null;
    const fresh = await opts.db.query('INSERT INTO square_webhook_events (event_id, type, object_id) VALUES ($1, $2, $3) ON CONFLICT (event_id) DO NOTHING RETURNING event_id', [eventId, type, objectId]);
    if (fresh.rows.length === 0) return reply.code(200).send({ ok: true, duplicate: true });
    if (type.startsWith('order.') && objectId) {
      // After the reply: Square wants an answer within seconds, the fetch and load may take longer.
      setImmediate(() => {
        handle(eventId, objectId).then(
          async () => {
            await opts.db.query('UPDATE square_webhook_events SET processed_at = now() WHERE event_id = $1', [eventId]);
            opts.onProcessed?.(eventId, null);
          },
          async (err: unknown) => {
            const e = err instanceof Error ? err : new Error(String(err));
            opts.log.error('square webhook failed; polling will pick the order up', { eventId, orderId: objectId, error: e.message });
            await opts.db.query('UPDATE square_webhook_events SET error = $2 WHERE event_id = $1', [eventId, e.message.slice(0, 2000)]).catch(() => undefined);
            opts.onProcessed?.(eventId, e);
          },
        );
      });
    }
    return reply.code(200).send({ ok: true });
  });
};

/**
 * Plugin options from configuration, for the shared HTTP server to register with
 * `app.register(squareWebhooks, opts)`; null unless the token, signature key and URL are all set.
 */
export function squareWebhookOptionsFromConfig(
  config: Config,
  deps: { db: Db; log: Logger; live: SquareWebhookOptions['live'] },
): SquareWebhookOptions | null {
  if (!config.SQUARE_ACCESS_TOKEN || !config.SQUARE_WEBHOOK_SIGNATURE_KEY || !config.SQUARE_WEBHOOK_URL) return null;
  const source = squareSource({ token: config.SQUARE_ACCESS_TOKEN, baseUrl: config.SQUARE_BASE_URL });
  return { ...deps, signatureKey: config.SQUARE_WEBHOOK_SIGNATURE_KEY, notificationUrl: config.SQUARE_WEBHOOK_URL, client: source.client, context: source.context };
}
