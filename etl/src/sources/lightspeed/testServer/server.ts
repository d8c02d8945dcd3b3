/**
 * A local HTTP server speaking the Lightspeed eCom wire format for the resources the connector
 * reads: /{lang}/orders.json, checkouts.json, customers.json (camelCase fields, decimal prices,
 * page/limit pagination with limit ≤ 250, updated_at_min filter), account/ratelimit.json, HTTP
 * Basic auth, error bodies {"error":{"code","method","request","message"}}, and the account
 * rate-limit headers (5 min / hour / day windows) with 429 once a window is spent.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Row } from '../../../schema/tables';
import type { StoreSimulator } from '../../simulator/simulator';
import { daysBetween, localDay } from '../../../util/time';

type Json = Record<string, unknown>;

export class LightspeedStore {
  orders: Json[] = [];
  checkouts: Json[] = [];
  customers: Json[] = [];

  /** Simulated web orders, checkouts and customers, ids numbered in order of appearance. */
  static fromSimulator(sim: StoreSimulator, opts: { from: string; asOf: Date; timeZone: string }): LightspeedStore {
    const s = new LightspeedStore();
    const ids = new Map<string, number>();
    const num = (k: string) => ids.get(k) ?? (ids.set(k, ids.size + 1), ids.size);
    const iso = (v: unknown) => new Date(String(v instanceof Date ? v.toISOString() : v)).toISOString();
    const dec = (c: unknown) => Number((Number(c ?? 0) / 100).toFixed(2));
    for (const day of daysBetween(opts.from, localDay(opts.asOf, opts.timeZone))) {
      const b = sim.day(day, opts.asOf);
      for (const c of b.customers ?? []) {
        // Returning customers come with every day they order on; the account holds each once.
        if (ids.has(`c:${String(c.customer_id)}`) && s.customers.some((x) => x.id === ids.get(`c:${String(c.customer_id)}`))) continue;
        const [first, ...last] = String(c.name ?? '').split(' ');
        s.customers.push({ id: num(`c:${String(c.customer_id)}`), createdAt: iso(c.created_at), updatedAt: iso(c.created_at), email: c.email, firstname: first, lastname: last.join(' '), addressBillingCity: c.city, addressBillingRegion: c.region, addressBillingCountry: { code: String(c.country ?? '').toLowerCase() } });
      }
      for (const o of (b.orders ?? []) as Row[]) {
        if (o.is_test) continue;
        const excl = Number(o.subtotal_cents) - Number(o.discount_cents ?? 0) + Number(o.shipping_cents ?? 0);
        s.orders.push({
          id: num(`o:${String(o.order_id)}`), number: String(o.order_id), createdAt: iso(o.placed_at), updatedAt: iso(o.placed_at),
          status: o.status === 'cancelled' ? 'cancelled' : o.status === 'completed' || o.status === 'refunded' ? 'completed_shipped' : 'processing_awaiting_shipment',
          paymentStatus: o.status === 'refunded' ? 'refunded' : 'paid', priceExcl: dec(excl), priceIncl: dec(excl + Number(o.tax_cents ?? 0)),
          discountAmount: dec(o.discount_cents), shipmentPriceExcl: dec(o.shipping_cents), currency: 'usd',
          customer: o.customer_id ? { resource: { id: num(`c:${String(o.customer_id)}`) } } : false,
        });
      }
      for (const k of (b.carts ?? []) as Row[]) {
        s.checkouts.push({
          id: num(`k:${String(k.cart_id)}`), createdAt: iso(k.created_at), updatedAt: iso(k.last_activity_at),
          step: k.stage === 'payment' ? 'payment' : k.stage === 'checkout' ? 'shipment' : 'cart', priceIncl: dec(k.subtotal_cents),
          customer: k.customer_id ? { resource: { id: num(`c:${String(k.customer_id)}`) } } : false,
          order: k.order_id && ids.has(`o:${String(k.order_id)}`) ? { resource: { id: ids.get(`o:${String(k.order_id)}`) } } : false,
        });
      }
    }
    return s;
  }
}

export class LightspeedTestServer {
  readonly calls = new Map<string, number>();
  private server: Server | null = null;
  private used = 0;
  private windowStart = Date.now();
  url = '';

  constructor(private readonly opts: { store: LightspeedStore; key: string; secret: string; lang?: string; perWindow?: number; windowSeconds?: number }) {}

  get store(): LightspeedStore {
    return this.opts.store;
  }

  private rateHeaders(): Record<string, string> {
    const per = this.opts.perWindow ?? 300;
    const win = this.opts.windowSeconds ?? 300;
    const reset = Math.max(0, Math.ceil(win - (Date.now() - this.windowStart) / 1000));
    return {
      'X-RateLimit-Limit': `${per}/3000/12000`,
      'X-RateLimit-Remaining': `${Math.max(0, per - this.used)}/${3000 - this.used}/${12000 - this.used}`,
      'X-RateLimit-Reset': `${reset}/3600/86400`,
    };
  }

  private send(res: ServerResponse, status: number, body: Json): void {
    res.writeHead(status, { 'Content-Type': 'application/json', ...this.rateHeaders() });
    res.end(JSON.stringify(body));
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const lang = this.opts.lang ?? 'en';
    const path = url.pathname.replace(new RegExp(`^/${lang}/`), '');
    this.calls.set(path, (this.calls.get(path) ?? 0) + 1);
    const err = (code: number, message: string) => this.send(res, code, { error: { code, method: req.method, request: url.pathname, message } });
    const expected = `Basic ${Buffer.from(`${this.opts.key}:${this.opts.secret}`).toString('base64')}`;
    if (req.headers.authorization !== expected) return err(401, 'Unauthorized');
    const win = (this.opts.windowSeconds ?? 300) * 1000;
    if (Date.now() - this.windowStart >= win) {
      this.windowStart = Date.now();
      this.used = 0;
    }
    if (this.used >= (this.opts.perWindow ?? 300)) return err(429, 'Too Many Requests');
    this.used += 1;
    if (path === 'account/ratelimit.json') {
      const h = this.rateHeaders();
      return this.send(res, 200, { accountRatelimit: { limit5Min: this.opts.perWindow ?? 300, remaining5Min: Number(h['X-RateLimit-Remaining']?.split('/')[0]), reset5Min: Number(h['X-RateLimit-Reset']?.split('/')[0]) } });
    }
    const m = /^(orders|checkouts|customers)\.json$/.exec(path);
    if (!m?.[1]) return err(404, 'Not Found');
    const resource = m[1] as 'orders' | 'checkouts' | 'customers';
    const page = Number(url.searchParams.get('page') ?? '1');
    const limit = Number(url.searchParams.get('limit') ?? '50');
    if (!Number.isInteger(limit) || limit < 1 || limit > 250) return err(400, 'Invalid limit: must be between 1 and 250');
    if (!Number.isInteger(page) || page < 1) return err(400, 'Invalid page');
    const min = url.searchParams.get('updated_at_min');
    const minT = min ? new Date(`${min.replace(' ', 'T')}Z`).getTime() : -Infinity;
    const list = this.store[resource].filter((x) => new Date(String(x.updatedAt)).getTime() >= minT).sort((a, b) => Number(a.id) - Number(b.id));
    return this.send(res, 200, { [resource]: list.slice((page - 1) * limit, page * limit) });
  }

  async start(port = 0, host = '127.0.0.1'): Promise<string> {
    this.server = createServer((req, res) => this.handle(req, res));
    // Longer than a slow page takes to load, so clients do not reuse sockets the server already closed.
    this.server.keepAliveTimeout = 65_000;
    await new Promise<void>((resolve) => this.server?.listen(port, host, resolve));
    this.url = `http://${host}:${(this.server.address() as AddressInfo).port}/${this.opts.lang ?? 'en'}/`;
    return this.url;
  }

  async stop(): Promise<void> {
    const s = this.server;
    if (!s) return;
    s.closeAllConnections();
    await new Promise<void>((resolve) => s.close(() => resolve()));
    this.server = null;
  }
}
