/**
 * A local HTTP server that speaks Square's documented wire format for the endpoints the
 * connector uses: /v2 paths, snake_case JSON, opaque cursor pagination, Bearer auth, and error
 * bodies {"errors":[{"category","code","detail"}]} with 401, 400, 429 (Retry-After) and 5xx.
 * Faults can be queued per path so tests see rate limits, outages and malformed pages.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Json, SquareStore } from './store';

export type Fault =
  | { kind: 'status'; status: number; retryAfter?: number; times: number }
  /** The page's JSON cut in half. */
  | { kind: 'truncate'; times: number }
  /** One field of the first record replaced by a value of the wrong type. */
  | { kind: 'wrongType'; times: number; mutate: (body: Json) => void };

interface Route {
  method: string;
  pattern: RegExp;
  handle: (m: RegExpMatchArray, q: URLSearchParams, body: Json) => { status?: number; body: Json };
}

class HttpProblem extends Error {
  constructor(readonly status: number, readonly category: string, readonly code: string, detail: string, readonly field?: string) {
    super(detail);
  }
}

const encodeCursor = (offset: number): string => Buffer.from(`o:${offset}`).toString('base64url');
function decodeCursor(c: unknown): number {
  if (c === undefined || c === null || c === '') return 0;
  const m = /^o:(\d+)$/.exec(Buffer.from(String(c), 'base64url').toString());
  if (!m) throw new HttpProblem(400, 'INVALID_REQUEST_ERROR', 'INVALID_CURSOR', 'The pagination cursor is invalid.', 'cursor');
  return Number(m[1]);
}

function pageOf<T>(list: T[], cursor: unknown, limit: number): { items: T[]; cursor?: string } {
  const start = decodeCursor(cursor);
  const items = list.slice(start, start + limit);
  return start + limit < list.length ? { items, cursor: encodeCursor(start + limit) } : { items };
}

function limitOf(raw: unknown, max: number, dflt: number): number {
  if (raw === undefined || raw === null || raw === '') return dflt;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1) throw new HttpProblem(400, 'INVALID_REQUEST_ERROR', 'INVALID_VALUE', `Invalid limit ${String(raw)}.`, 'limit');
  if (n > max) throw new HttpProblem(400, 'INVALID_REQUEST_ERROR', 'VALUE_TOO_HIGH', `The limit must be at most ${max}.`, 'limit');
  return n;
}

const t = (v: unknown): number => new Date(String(v)).getTime();
const inRange = (v: unknown, start: unknown, end: unknown): boolean =>
  (start === undefined || start === null || t(v) >= t(start)) && (end === undefined || end === null || t(v) < t(end));
const byUpdated = (a: Json, b: Json, desc: boolean): number => (desc ? -1 : 1) * (t(a.updated_at) - t(b.updated_at) || String(a.id).localeCompare(String(b.id)));

export interface SquareServerOptions {
  store: SquareStore;
  token: string;
}

export class SquareTestServer {
  readonly calls = new Map<string, number>();
  private readonly faults = new Map<string, Fault[]>();
  private server: Server | null = null;
  url = '';

  constructor(private readonly opts: SquareServerOptions) {}

  get store(): SquareStore {
    return this.opts.store;
  }

  /** Queues a fault for requests to `path` (e.g. "/v2/orders/search"). */
  fault(path: string, f: Fault): void {
    this.faults.set(path, [...(this.faults.get(path) ?? []), f]);
  }

  clearFaults(): void {
    this.faults.clear();
  }

  totalCalls(): number {
    return [...this.calls.values()].reduce((a, b) => a + b, 0);
  }

  private readonly routes: Route[] = [
    { method: 'GET', pattern: /^\/v2\/locations$/, handle: () => ({ body: { locations: this.store.locations } }) },
    {
      method: 'GET', pattern: /^\/v2\/catalog\/list$/,
      handle: (_m, q) => {
        const types = (q.get('types') ?? '').split(',').filter(Boolean);
        const list = this.store.catalog.filter((o) => types.length === 0 || types.includes(String(o.type)));
        const p = pageOf(list, q.get('cursor'), 100);
        return { body: { objects: p.items, ...(p.cursor ? { cursor: p.cursor } : {}) } };
      },
    },
    {
      method: 'POST', pattern: /^\/v2\/customers\/search$/,
      handle: (_m, _q, body) => {
        const f = ((body.query as Json | undefined)?.filter as Json | undefined)?.updated_at as Json | undefined;
        const list = this.store.customers.filter((c) => inRange(c.updated_at, f?.start_at, f?.end_at)).sort((a, b) => t(a.created_at) - t(b.created_at) || String(a.id).localeCompare(String(b.id)));
        const p = pageOf(list, body.cursor, limitOf(body.limit, 100, 100));
        return { body: { customers: p.items, ...(p.cursor ? { cursor: p.cursor } : {}) } };
      },
    },
    {
      method: 'POST', pattern: /^\/v2\/orders\/search$/,
      handle: (_m, _q, body) => {
        const ids = body.location_ids;
        if (!Array.isArray(ids) || ids.length === 0) throw new HttpProblem(400, 'INVALID_REQUEST_ERROR', 'MISSING_REQUIRED_PARAMETER', 'Missing required parameter.', 'location_ids');
        if (ids.length > 10) throw new HttpProblem(400, 'INVALID_REQUEST_ERROR', 'INVALID_ARRAY_LENGTH', 'location_ids must have at most 10 elements.', 'location_ids');
        const query = (body.query as Json | undefined) ?? {};
        const filter = (query.filter as Json | undefined) ?? {};
        const sort = (query.sort as Json | undefined) ?? {};
        const dt = (filter.date_time_filter as Json | undefined) ?? {};
        const range = dt.updated_at as Json | undefined;
        if (range && sort.sort_field !== 'UPDATED_AT') {
          throw new HttpProblem(400, 'INVALID_REQUEST_ERROR', 'INVALID_SORT_ORDER', 'The sort field must match the date time filter field.', 'query.sort.sort_field');
        }
        const states = ((filter.state_filter as Json | undefined)?.states as string[] | undefined) ?? null;
        const list = [...this.store.orders.values()]
          .filter((o) => ids.includes(o.location_id) && (!states || states.includes(String(o.state))) && (!range || inRange(o.updated_at, range.start_at, range.end_at)))
          .sort((a, b) => byUpdated(a, b, sort.sort_order === 'DESC'));
        const p = pageOf(list, body.cursor, limitOf(body.limit, 1000, 500));
        return { body: { orders: p.items, ...(p.cursor ? { cursor: p.cursor } : {}) } };
      },
    },
    {
      method: 'GET', pattern: /^\/v2\/orders\/([^/]+)$/,
      handle: (m) => {
        const o = this.store.orders.get(decodeURIComponent(m[1] ?? ''));
        if (!o) throw new HttpProblem(404, 'INVALID_REQUEST_ERROR', 'NOT_FOUND', `Order not found.`);
        return { body: { order: o } };
      },
    },
    { method: 'GET', pattern: /^\/v2\/payments$/, handle: (_m, q) => this.listByUpdated('payments', this.store.payments, q) },
    { method: 'GET', pattern: /^\/v2\/refunds$/, handle: (_m, q) => this.listByUpdated('refunds', this.store.refunds, q) },
    {
      method: 'POST', pattern: /^\/v2\/inventory\/counts\/batch-retrieve$/,
      handle: (_m, _q, body) => {
        const locs = body.location_ids as string[] | undefined;
        const latest = new Map<string, Json>();
        for (const c of this.store.counts) {
          const k = `${String(c.catalog_object_id)}|${String(c.location_id)}`;
          const prev = latest.get(k);
          if (!prev || t(c.calculated_at) >= t(prev.calculated_at)) latest.set(k, c);
        }
        const list = [...latest.values()]
          .filter((c) => (!locs || locs.includes(String(c.location_id))) && (!body.updated_after || t(c.calculated_at) >= t(body.updated_after)))
          .sort((a, b) => t(a.calculated_at) - t(b.calculated_at) || String(a.catalog_object_id).localeCompare(String(b.catalog_object_id)));
        const p = pageOf(list, body.cursor, limitOf(body.limit, 1000, 1000));
        return { body: { counts: p.items, ...(p.cursor ? { cursor: p.cursor } : {}) } };
      },
    },
    {
      method: 'POST', pattern: /^\/v2\/inventory\/changes\/batch-retrieve$/,
      handle: (_m, _q, body) => {
        const locs = body.location_ids as string[] | undefined;
        const types = body.types as string[] | undefined;
        const list = this.store.changes
          .filter((c) => {
            const a = (c.adjustment ?? c.physical_count) as Json;
            return (!types || types.includes(String(c.type))) && (!locs || locs.includes(String(a.to_location_id ?? a.from_location_id ?? a.location_id))) && (!body.updated_after || t(a.created_at) >= t(body.updated_after));
          })
          .sort((x, y) => t(((x.adjustment ?? x.physical_count) as Json).occurred_at) - t(((y.adjustment ?? y.physical_count) as Json).occurred_at));
        const p = pageOf(list, body.cursor, limitOf(body.limit, 1000, 1000));
        return { body: { changes: p.items, ...(p.cursor ? { cursor: p.cursor } : {}) } };
      },
    },
  ];

  private listByUpdated(key: string, all: Json[], q: URLSearchParams): { body: Json } {
    const loc = q.get('location_id');
    const list = all
      .filter((x) => (!loc || x.location_id === loc) && inRange(x.updated_at, q.get('updated_at_begin_time'), q.get('updated_at_end_time')) && inRange(x.created_at, q.get('begin_time'), q.get('end_time')))
      .sort((a, b) => byUpdated(a, b, q.get('sort_order') !== 'ASC'));
    const p = pageOf(list, q.get('cursor'), limitOf(q.get('limit'), 100, 100));
    return { body: { [key]: p.items, ...(p.cursor ? { cursor: p.cursor } : {}) } };
  }

  private send(res: ServerResponse, status: number, body: string, headers: Record<string, string> = {}): void {
    res.writeHead(status, { 'Content-Type': 'application/json', 'Square-Version': '2026-09-16', ...headers });
    res.end(body);
  }

  private error(res: ServerResponse, status: number, category: string, code: string, detail: string, headers: Record<string, string> = {}, field?: string): void {
    this.send(res, status, JSON.stringify({ errors: [{ category, code, detail, ...(field ? { field } : {}) }] }), headers);
  }

  private takeFault(path: string): Fault | null {
    const list = this.faults.get(path);
    const f = list?.[0];
    if (!f) return null;
    f.times -= 1;
    if (f.times <= 0) list.shift();
    return f;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    this.calls.set(url.pathname, (this.calls.get(url.pathname) ?? 0) + 1);
    if (req.headers.authorization !== `Bearer ${this.opts.token}`) {
      return this.error(res, 401, 'AUTHENTICATION_ERROR', 'UNAUTHORIZED', 'This request could not be authorized.');
    }
    const route = this.routes.find((r) => r.method === req.method && r.pattern.test(url.pathname));
    if (!route) return this.error(res, 404, 'INVALID_REQUEST_ERROR', 'NOT_FOUND', `Resource not found: ${req.method ?? ''} ${url.pathname}`);
    const fault = this.takeFault(url.pathname);
    if (fault?.kind === 'status') {
      const headers: Record<string, string> = fault.retryAfter !== undefined ? { 'Retry-After': String(fault.retryAfter) } : {};
      if (fault.status === 429) return this.error(res, 429, 'RATE_LIMIT_ERROR', 'RATE_LIMITED', 'Rate limit exceeded.', headers);
      return this.error(res, fault.status, 'API_ERROR', fault.status === 503 ? 'SERVICE_UNAVAILABLE' : 'INTERNAL_SERVER_ERROR', 'An internal error has occurred.', headers);
    }
    let body: Json = {};
    try {
      body = chunks.length ? (JSON.parse(Buffer.concat(chunks).toString('utf8')) as Json) : {};
    } catch {
      return this.error(res, 400, 'INVALID_REQUEST_ERROR', 'INVALID_CONTENT_TYPE', 'The request body is not valid JSON.');
    }
    try {
      const out = route.handle(url.pathname.match(route.pattern) as RegExpMatchArray, url.searchParams, body);
      if (fault?.kind === 'wrongType') {
        const copy = JSON.parse(JSON.stringify(out.body)) as Json;
        fault.mutate(copy);
        return this.send(res, 200, JSON.stringify(copy));
      }
      const text = JSON.stringify(out.body);
      this.send(res, out.status ?? 200, fault?.kind === 'truncate' ? text.slice(0, Math.floor(text.length / 2)) : text);
    } catch (err) {
      if (err instanceof HttpProblem) return this.error(res, err.status, err.category, err.code, err.message, {}, err.field);
      return this.error(res, 500, 'API_ERROR', 'INTERNAL_SERVER_ERROR', err instanceof Error ? err.message : 'error');
    }
  }

  async start(port = 0, host = '127.0.0.1'): Promise<string> {
    this.server = createServer((req, res) => void this.handle(req, res));
    // Longer than a slow page takes to load, so clients do not reuse sockets the server already closed.
    this.server.keepAliveTimeout = 65_000;
    await new Promise<void>((resolve) => this.server?.listen(port, host, resolve));
    const a = this.server.address() as AddressInfo;
    this.url = `http://${host}:${a.port}`;
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
