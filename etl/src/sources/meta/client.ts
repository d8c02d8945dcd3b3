import { AdAccount, FacebookAdsApi } from 'facebook-nodejs-business-sdk';
import { SourceHttpError } from '../runtime/errors';
import { isErrorLike } from '../wire/errorLike';

export const META = 'meta';
export const META_GRAPH_URL = 'https://graph.facebook.com';

/** Graph URLs carry the access token in the query string; nothing with one reaches a log. */
export function redactUrl(text: string): string {
  return text.replace(/([?&](?:access_token|appsecret_proof)=)[^&\s"']+/gi, '$1***');
}

export interface MetaClient {
  api: FacebookAdsApi;
  account: AdAccount;
  accountId: string;
  /** Wait between polls of an async report job. */
  pollMs: number;
}

/**
 * The SDK has no base-URL option: its host is the static FacebookAdsApi.GRAPH getter, which is
 * redefined for a local server (for the whole process: one Meta endpoint per process). Crash
 * logging stays off, so the SDK installs no process-wide handler that posts crash reports.
 */
export function createMetaClient(o: { accessToken: string; adAccountId: string; baseUrl?: string; pollMs?: number }): MetaClient {
  const graph = (o.baseUrl ?? META_GRAPH_URL).replace(/\/+$/, '');
  Object.defineProperty(FacebookAdsApi, 'GRAPH', { get: () => graph, configurable: true });
  const api = FacebookAdsApi.init(o.accessToken, 'en_US', false);
  const accountId = o.adAccountId.replace(/^act_/, '');
  return { api, account: new AdAccount(`act_${accountId}`, {}, undefined, api), accountId, pollMs: o.pollMs ?? 5_000 };
}

/** Graph's throttle codes: app (4), user (17), ad account (613), Ads Insights use case (80000). */
const THROTTLE_CODES = new Set([4, 17, 613, 80000, 80004]);

/** Minutes Graph asks us to wait, from X-Business-Use-Case-Usage (the largest over its entries). */
export function usageWaitMs(header: unknown): number | null {
  if (typeof header !== 'string') return null;
  try {
    const usage = JSON.parse(header) as Record<string, { estimated_time_to_regain_access?: number }[]>;
    let minutes = -1;
    for (const list of Object.values(usage)) for (const u of list) minutes = Math.max(minutes, Number(u.estimated_time_to_regain_access ?? 0));
    return minutes < 0 ? null : minutes * 60_000;
  } catch {
    return null;
  }
}

/** What the SDK's FacebookRequestError carries (the class itself is not exported). */
interface GraphRequestError extends Error {
  status?: number;
  response?: unknown;
  headers?: unknown;
}

const isGraphError = (err: unknown): err is GraphRequestError => isErrorLike(err) && err.name === 'FacebookRequestError';

/** SDK errors in the runtime's terms; messages never carry the request URL (it holds the token). */
export function normalizeMetaError(err: unknown): unknown {
  if (!isGraphError(err)) {
    if (isErrorLike(err)) {
      err.message = redactUrl(err.message);
      if (/ECONNREFUSED|ECONNRESET|ETIMEDOUT|socket hang up/i.test(err.message)) return new SourceHttpError(META, null, `request failed: ${err.message}`, null, true);
    }
    return err;
  }
  const body = (err.response ?? {}) as { code?: number; error_subcode?: number; message?: string; type?: string; is_transient?: boolean };
  const code = Number(body.code);
  const what = `${body.type ?? 'error'} ${Number.isFinite(code) ? code : ''}${body.error_subcode ? `/${body.error_subcode}` : ''}: ${redactUrl(String(body.message ?? err.message))}`;
  const headers = (err.headers ?? {}) as Record<string, unknown>;
  if (THROTTLE_CODES.has(code)) return new SourceHttpError(META, 429, `rate limited (${what})`, usageWaitMs(headers['x-business-use-case-usage']) ?? usageWaitMs(headers['x-ad-account-usage']));
  if (code === 190) return new SourceHttpError(META, 401, `access token rejected (${what})`);
  const status = typeof err.status === 'number' ? err.status : null;
  return new SourceHttpError(META, status, `HTTP ${status ?? '?'} ${what}`, null, body.is_transient === true);
}
