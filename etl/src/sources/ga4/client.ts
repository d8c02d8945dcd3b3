import { BetaAnalyticsDataClient } from '@google-analytics/data';
import { OAuth2Client } from 'google-auth-library';
import type { Logger } from '../../log/logger';
import { SourceHttpError } from '../runtime/errors';
import { isErrorLike } from '../wire/errorLike';

export const GA4 = 'ga4';

export interface Ga4ClientOptions {
  propertyId: string;
  /** Service-account key file (production); not needed against a local server. */
  keyFilename?: string;
  /** Base URL of a GA4-compatible server (the local one); unset = Google. */
  baseUrl?: string;
  log: Logger;
}

/**
 * The official client plus what the streams learn from GA4 itself: the property's time zone
 * (from each report's metadata), in which every GA4 date is a calendar day.
 */
export class Ga4Client {
  timeZone: string | null = null;
  readonly property: string;

  constructor(readonly sdk: BetaAnalyticsDataClient, propertyId: string, readonly log: Logger) {
    this.property = `properties/${propertyId}`;
  }
}

export function createGa4Client(o: Ga4ClientOptions): Ga4Client {
  if (!o.baseUrl) return new Ga4Client(new BetaAnalyticsDataClient(o.keyFilename ? { keyFilename: o.keyFilename } : {}), o.propertyId, o.log);
  const u = new URL(o.baseUrl);
  // A local server takes no Google credentials: an auth client holding an unexpired token
  // means the library never asks Google for one.
  const auth = new OAuth2Client();
  auth.setCredentials({ access_token: 'local-ga4-token', expiry_date: Date.now() + 365 * 86_400_000 });
  const sdk = new BetaAnalyticsDataClient({
    fallback: 'rest', protocol: u.protocol.replace(':', ''), apiEndpoint: u.hostname, port: Number(u.port || (u.protocol === 'https:' ? 443 : 80)), authClient: auth,
  });
  return new Ga4Client(sdk, o.propertyId, o.log);
}

/** gRPC codes the REST fallback may report instead of HTTP statuses (7.x maps 429 to 8). */
const GRPC_TO_HTTP: Record<number, number> = { 3: 400, 4: 504, 7: 403, 8: 429, 13: 500, 14: 503, 16: 401 };

/** Google API errors in the runtime's terms. GA4 sends no Retry-After: backoff decides the wait. */
export function normalizeGa4Error(err: unknown): unknown {
  if (!isErrorLike(err)) return err;
  const code = err.code;
  if (typeof code !== 'number') {
    if (err instanceof SyntaxError) return err;
    if (/ECONNREFUSED|ECONNRESET|ETIMEDOUT|socket hang up/i.test(err.message)) return new SourceHttpError(GA4, null, `request failed: ${err.message}`, null, true);
    return err;
  }
  const status = code >= 100 ? code : (GRPC_TO_HTTP[code] ?? 500);
  let msg = err.message;
  // The REST fallback puts Google's JSON error body in the message.
  try {
    const body = JSON.parse(msg) as { error?: { status?: string; message?: string } };
    if (body.error) msg = `${body.error.status ?? ''}: ${body.error.message ?? ''}`;
  } catch {
    /* a plain message */
  }
  return new SourceHttpError(GA4, status, `HTTP ${status} ${msg.slice(0, 300)}`);
}
