import { SquareClient, SquareError, SquareTimeoutError } from 'square';
import { RecordShapeError, SourceHttpError, parseRetryAfter } from '../runtime/errors';
import { SQUARE } from './mapping';

export const SQUARE_PRODUCTION_URL = 'https://connect.squareup.com';

/**
 * The official SDK with its own retries off: every source shares the runtime's retry policy
 * and breaker, which also count the calls.
 */
export function createSquareClient(opts: { token: string; baseUrl?: string; timeoutSeconds?: number }): SquareClient {
  return new SquareClient({ token: opts.token, baseUrl: opts.baseUrl ?? SQUARE_PRODUCTION_URL, maxRetries: 0, timeoutInSeconds: opts.timeoutSeconds ?? 30 });
}

function detail(err: SquareError): string {
  const e = err.errors[0];
  if (e) return `${e.category}/${e.code}${e.detail ? `: ${e.detail}` : ''}`;
  return err.message.split('\n')[0] ?? 'error';
}

/** SDK errors in the runtime's terms: status, the server's requested wait, or a malformed body. */
export function normalizeSquareError(err: unknown): unknown {
  if (err instanceof SquareTimeoutError) return new SourceHttpError(SQUARE, null, `timeout: ${err.message}`, null, true);
  if (!(err instanceof SquareError)) return err;
  const status = err.statusCode ?? null;
  if (status !== null && status < 300) {
    // A 2xx whose body did not parse as JSON: the SDK keeps the text in body.
    const body = typeof err.body === 'string' ? err.body : '';
    return new RecordShapeError(`response is not valid JSON (${body.length} bytes, starts ${JSON.stringify(body.slice(0, 30))})`);
  }
  if (status === null) return new SourceHttpError(SQUARE, null, `request failed: ${err.message.split('\n')[0] ?? ''}`, null, true);
  const retryAfter = parseRetryAfter(err.rawResponse?.headers?.get('retry-after'));
  return new SourceHttpError(SQUARE, status, `HTTP ${status} ${detail(err)}`, retryAfter);
}
