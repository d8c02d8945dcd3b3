/**
 * A small typed client for the Lightspeed eCom (C-Series) REST API, which has no official npm
 * SDK: HTTP Basic auth with the API key and secret, a region base URL (for example
 * https://api.webshopapp.com/en/ or https://api.shoplightspeed.com/en/), page/limit pagination
 * and the account rate-limit headers, which carry three windows (5 minutes / hour / day)
 * separated by slashes. When a window is spent, the client waits for its reset before the
 * next call instead of running into 429s.
 */
import { RecordShapeError, SourceHttpError, parseRetryAfter } from '../runtime/errors';
import { sleep } from '../runtime/retry';

export const LIGHTSPEED = 'lightspeed';
/** The API's largest page. */
export const LIGHTSPEED_MAX_LIMIT = 250;

export interface RateLimitWindow {
  limit: number;
  remaining: number;
  /** Seconds until this window resets. */
  resetSeconds: number;
}

export interface LightspeedRef {
  resource?: { id?: number; url?: string };
}

export interface LightspeedOrder {
  id: number;
  number?: string;
  createdAt: string;
  updatedAt: string;
  status: string;
  paymentStatus?: string;
  /** Totals are decimals in the shop currency, JSON numbers. */
  priceExcl: number;
  priceIncl: number;
  discountAmount?: number;
  shipmentPriceExcl?: number;
  currency?: string;
  email?: string;
  customer?: LightspeedRef | false;
}

export interface LightspeedCheckout {
  id: number;
  createdAt: string;
  updatedAt: string;
  /** Furthest step the shopper reached: cart, details, shipment, payment. */
  step?: string;
  priceIncl?: number;
  customer?: LightspeedRef | false;
  order?: LightspeedRef | false;
}

export interface LightspeedCustomer {
  id: number;
  createdAt: string;
  updatedAt: string;
  email?: string;
  firstname?: string;
  lastname?: string;
  addressBillingCity?: string;
  addressBillingRegion?: string;
  addressBillingCountry?: { code?: string } | string;
}

export interface LightspeedClientOptions {
  key: string;
  secret: string;
  baseUrl: string;
  timeoutMs?: number;
  sleep?: (ms: number) => Promise<void>;
}

/** "300/3000/12000" → [300, 3000, 12000]. */
function triple(v: string | null): number[] | null {
  if (!v) return null;
  const parts = v.split('/').map((p) => Number(p.trim()));
  return parts.every((n) => Number.isFinite(n)) ? parts : null;
}

export function parseRateLimit(h: Headers): RateLimitWindow[] | null {
  const limit = triple(h.get('x-ratelimit-limit'));
  const remaining = triple(h.get('x-ratelimit-remaining'));
  const reset = triple(h.get('x-ratelimit-reset'));
  if (!limit || !remaining || !reset) return null;
  return limit.map((l, i) => ({ limit: l, remaining: remaining[i] ?? l, resetSeconds: reset[i] ?? 0 }));
}

/** Wait until every spent window has reset (0 when none is spent). */
export function rateLimitWaitMs(windows: RateLimitWindow[] | null): number {
  if (!windows) return 0;
  return Math.max(0, ...windows.filter((w) => w.remaining <= 0).map((w) => w.resetSeconds * 1000));
}

export class LightspeedClient {
  private readonly auth: string;
  private readonly base: string;
  /** Set from the last response: the client sleeps this long before its next call. */
  private waitBeforeNextMs = 0;
  rateLimit: RateLimitWindow[] | null = null;

  constructor(private readonly opts: LightspeedClientOptions) {
    this.auth = `Basic ${Buffer.from(`${opts.key}:${opts.secret}`).toString('base64')}`;
    this.base = opts.baseUrl.endsWith('/') ? opts.baseUrl : `${opts.baseUrl}/`;
  }

  async get<T>(path: string, query: Record<string, string | number | undefined> = {}): Promise<T> {
    if (this.waitBeforeNextMs > 0) {
      const ms = this.waitBeforeNextMs;
      this.waitBeforeNextMs = 0;
      await (this.opts.sleep ?? sleep)(ms);
    }
    const url = new URL(path, this.base);
    for (const [k, v] of Object.entries(query)) if (v !== undefined) url.searchParams.set(k, String(v));
    let res: Response;
    try {
      res = await fetch(url, { headers: { Authorization: this.auth, Accept: 'application/json' }, signal: AbortSignal.timeout(this.opts.timeoutMs ?? 30_000) });
    } catch (err) {
      throw new SourceHttpError(LIGHTSPEED, null, `GET ${url.pathname}: ${err instanceof Error ? err.message : String(err)}`, null, true);
    }
    this.rateLimit = parseRateLimit(res.headers);
    this.waitBeforeNextMs = rateLimitWaitMs(this.rateLimit);
    const text = await res.text();
    if (!res.ok) {
      let message = text.slice(0, 200);
      try {
        const e = (JSON.parse(text) as { error?: { message?: string } }).error;
        if (e?.message) message = e.message;
      } catch {
        // keep the raw text
      }
      const wait = parseRetryAfter(res.headers.get('retry-after')) ?? (res.status === 429 ? rateLimitWaitMs(this.rateLimit) || null : null);
      throw new SourceHttpError(LIGHTSPEED, res.status, `HTTP ${res.status} GET ${url.pathname}: ${message}`, wait);
    }
    try {
      return JSON.parse(text) as T;
    } catch {
      throw new RecordShapeError(`GET ${url.pathname}: response is not valid JSON (${text.length} bytes)`);
    }
  }

  /** One page of a list resource: GET <resource>.json?page=&limit=&updated_at_min=. */
  async list<T>(resource: 'orders' | 'checkouts' | 'customers', page: number, limit: number, updatedAtMin: Date): Promise<T[]> {
    const body = await this.get<Record<string, unknown>>(`${resource}.json`, { page, limit: Math.min(limit, LIGHTSPEED_MAX_LIMIT), updated_at_min: lightspeedTime(updatedAtMin) });
    const list = body[resource];
    if (list === undefined) return [];
    if (!Array.isArray(list)) throw new RecordShapeError(`${resource}.json: "${resource}" is not an array`);
    return list as T[];
  }

  /** The account's rate-limit status (GET account/ratelimit.json). */
  async accountRateLimit(): Promise<unknown> {
    return this.get('account/ratelimit.json');
  }
}

/** The API's filter format: "YYYY-MM-DD HH:MM:SS" (UTC here). */
export function lightspeedTime(d: Date): string {
  return d.toISOString().slice(0, 19).replace('T', ' ');
}
