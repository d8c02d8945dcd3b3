import { Client } from '@sendgrid/client';
import { RecordShapeError, SourceHttpError } from '../runtime/errors';
import { isErrorLike } from '../wire/errorLike';

export const SENDGRID = 'sendgrid';
export const SENDGRID_API_URL = 'https://api.sendgrid.com';

/**
 * The official client. setApiKey() resets the base URL to SendGrid's, so a local server's URL
 * is set after it. The client has no retries of its own: the runtime's apply.
 */
export function createSendgridClient(o: { apiKey: string; baseUrl?: string }): Client {
  const c = new Client();
  c.setApiKey(o.apiKey);
  if (o.baseUrl) c.setDefaultRequest('baseUrl', o.baseUrl.replace(/\/+$/, ''));
  return c;
}

/** GET with query parameters; a body that is not JSON (the client then hands back text) is malformed. */
export async function getJson<T>(c: Client, url: string, qs: Record<string, string | number | string[]>): Promise<T> {
  const [, body] = await c.request({ method: 'GET', url, qs });
  if (typeof body === 'string') throw new RecordShapeError(`${url}: response is not JSON (${body.length} bytes, starts ${JSON.stringify(body.slice(0, 20))})`);
  return body as T;
}

/** Client errors in the runtime's terms; a 429 waits until X-RateLimit-Reset (epoch seconds). */
export function normalizeSendgridError(err: unknown, now = Date.now()): unknown {
  if (!isErrorLike(err)) return err;
  const res = (err as { response?: { headers?: Record<string, string | undefined>; body?: unknown } }).response;
  const code = typeof err.code === 'number' ? err.code : null;
  if (!res || code === null) {
    if (typeof err.code === 'string' && /^(ECONNREFUSED|ECONNRESET|ETIMEDOUT|ECONNABORTED)$/.test(err.code)) return new SourceHttpError(SENDGRID, null, `request failed: ${err.code}`, null, true);
    return err;
  }
  const body = res.body as { errors?: { message?: string; field?: string | null }[] } | undefined;
  const detail = body?.errors?.map((e) => e.message).filter(Boolean).join('; ') || err.message;
  let wait: number | null = null;
  if (code === 429) {
    const reset = Number(res.headers?.['x-ratelimit-reset']);
    if (Number.isFinite(reset) && reset > 0) wait = Math.max(0, reset * 1000 - now);
  }
  return new SourceHttpError(SENDGRID, code, `HTTP ${code} ${detail}`, wait);
}
