/**
 * Sends one SMS through Twilio's Messages API with the official `twilio` SDK, retrying what
 * Twilio says is temporary (429 Too Many Requests, 5xx) or a dropped connection, with
 * exponential backoff and jitter. Anything else (bad number, bad credentials) fails at once.
 * The SDK's own autoRetry covers 429 only, hence the loop here.
 */
import twilio from 'twilio';
import type RequestClient from 'twilio/lib/base/RequestClient';
import type Response from 'twilio/lib/http/response';

export interface TwilioSettings {
  accountSid: string;
  authToken: string;
  from: string;
  to: string;
  /**
   * Where the SDK's requests go instead of https://api.twilio.com (tests: a local server
   * speaking the Messages API). Unset in production.
   */
  apiBaseUrl?: string;
}

export interface RetryPolicy {
  attempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { attempts: 4, baseDelayMs: 500, maxDelayMs: 8000 };

export interface SentSms {
  sid: string;
  attempts: number;
}

export class SmsSendError extends Error {
  constructor(message: string, readonly status: number | null, readonly attempts: number) {
    super(message);
    this.name = 'SmsSendError';
  }
}

const TWILIO_API = 'https://api.twilio.com';

/** The SDK's own request client, with the host swapped when a base URL is given. */
class RedirectingRequestClient extends twilio.RequestClient {
  constructor(private readonly baseUrl: string) {
    super({ timeout: 10_000 });
  }

  override request<TData>(opts: RequestClient.RequestOptions<TData>): Promise<Response<TData>> {
    const uri = opts.uri.startsWith(TWILIO_API) ? this.baseUrl.replace(/\/$/, '') + opts.uri.slice(TWILIO_API.length) : opts.uri;
    return super.request<TData>({ ...opts, uri });
  }
}

function statusOf(err: unknown): number | null {
  if (err instanceof twilio.RestException) return err.status;
  if (typeof err === 'object' && err !== null && typeof (err as { status?: unknown }).status === 'number') return (err as { status: number }).status;
  return null;
}

/** 429, 5xx and network failures (no HTTP status at all) are worth another try. */
export function isRetryable(err: unknown): boolean {
  const s = statusOf(err);
  return s === null || s === 429 || s >= 500;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export class SmsSender {
  private readonly client: twilio.Twilio;

  constructor(private readonly settings: TwilioSettings, private readonly retry: RetryPolicy = DEFAULT_RETRY) {
    const httpClient = settings.apiBaseUrl ? new RedirectingRequestClient(settings.apiBaseUrl) : undefined;
    this.client = twilio(settings.accountSid, settings.authToken, { httpClient });
  }

  async send(body: string): Promise<SentSms> {
    let lastErr: unknown;
    for (let attempt = 1; attempt <= this.retry.attempts; attempt++) {
      try {
        const m = await this.client.messages.create({ to: this.settings.to, from: this.settings.from, body });
        return { sid: m.sid, attempts: attempt };
      } catch (err) {
        lastErr = err;
        if (!isRetryable(err) || attempt === this.retry.attempts) break;
        const backoff = Math.min(this.retry.maxDelayMs, this.retry.baseDelayMs * 2 ** (attempt - 1));
        await sleep(backoff / 2 + Math.random() * (backoff / 2));
      }
    }
    const status = statusOf(lastErr);
    const msg = lastErr instanceof Error ? lastErr.message : String(lastErr);
    throw new SmsSendError(`Twilio Messages API: ${msg}${status ? ` (HTTP ${status})` : ''}`, status, this.retry.attempts);
  }
}
