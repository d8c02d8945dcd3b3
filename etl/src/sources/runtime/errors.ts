/**
 * Errors the connector runtime tells apart: an HTTP answer worth retrying (with the wait the
 * server asked for), a page the source sent that cannot be trusted, and a source whose breaker
 * is open. Messages name the source and stream so a log line says where to look.
 */

/** A failed call to a source API, normalised from whatever the SDK or client threw. */
export class SourceHttpError extends Error {
  constructor(
    readonly source: string,
    readonly status: number | null,
    message: string,
    /** Wait the server asked for (Retry-After or the API's own rate-limit reset), in ms. */
    readonly retryAfterMs: number | null = null,
    /** Timeouts and connection resets have no status but are worth another try. */
    readonly transient = false,
  ) {
    super(message);
    this.name = 'SourceHttpError';
  }

  get retryable(): boolean {
    return this.transient || this.status === 429 || this.status === 408 || (this.status !== null && this.status >= 500);
  }
}

/** A page whose content is not what the API documents: nothing of it is loaded. */
export class MalformedPageError extends Error {
  constructor(
    readonly source: string,
    readonly stream: string,
    readonly page: number,
    readonly reason: string,
  ) {
    super(`${source}/${stream} page ${page}: malformed page: ${reason}`);
    this.name = 'MalformedPageError';
  }
}

/** Raised instead of calling the API while the source's breaker is open. */
export class BreakerOpenError extends Error {
  constructor(readonly source: string, readonly retryInMs: number) {
    super(`${source}: circuit breaker open, next try in ${Math.ceil(retryInMs / 1000)} s`);
    this.name = 'BreakerOpenError';
  }
}

/** A record that does not have the documented shape; the mapper names the field. */
export class RecordShapeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RecordShapeError';
  }
}

/** Parses Retry-After (seconds or an HTTP date) into ms from now; null when absent or unreadable. */
export function parseRetryAfter(value: string | null | undefined, now = Date.now()): number | null {
  if (!value) return null;
  const trimmed = value.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Math.round(Number(trimmed) * 1000);
  const at = Date.parse(trimmed);
  return Number.isNaN(at) ? null : Math.max(0, at - now);
}
