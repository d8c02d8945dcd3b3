/**
 * SMS relay for Grafana: Grafana OSS has no SMS contact point, so a webhook contact point posts
 * its notification here (Authorization: Bearer <SMS_RELAY_SECRET>) and the relay sends one SMS
 * per notification through Twilio. The secret is checked before the body is read, in constant
 * time; Twilio 429/5xx are retried by the sender; a final failure answers 502 so Grafana's
 * notification log shows it.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import type { Config } from '../../config/config';
import type { Logger } from '../../log/logger';
import { SmsSendError, SmsSender, type SentSms } from '../../alerts/smsSender';
import { grafanaWebhookSchema, smsText } from '../../alerts/smsText';

export interface SmsRelayOptions {
  secret: string;
  sender: { send(body: string): Promise<SentSms> };
  log?: Logger;
  /** route path; the webhook contact point's URL ends with it */
  path?: string;
}

export const SMS_RELAY_PATH = '/alerts/sms';

const digest = (s: string): Buffer => createHash('sha256').update(s, 'utf8').digest();

/** Equal-length digests, so the comparison time says nothing about the secret. */
export function secretMatches(given: string | undefined, secret: string): boolean {
  if (given === undefined) return false;
  return timingSafeEqual(digest(given), digest(secret));
}

function bearer(req: FastifyRequest): string | undefined {
  const h = req.headers.authorization;
  if (typeof h !== 'string') return undefined;
  const m = /^Bearer\s+(.+)$/i.exec(h.trim());
  return m?.[1];
}

export const smsRelay: FastifyPluginAsync<SmsRelayOptions> = async (app, opts) => {
  if (opts.secret.length < 16) throw new Error('SMS relay: the shared secret (SMS_RELAY_SECRET) must be at least 16 characters');
  const path = opts.path ?? SMS_RELAY_PATH;

  // Runs before the body is parsed; returning the sent reply ends the request here.
  const authorize = async (req: FastifyRequest, reply: FastifyReply): Promise<FastifyReply | undefined> => {
    if (secretMatches(bearer(req), opts.secret)) return undefined;
    opts.log?.warn('sms relay: rejected request with a missing or wrong secret', { ip: req.ip });
    return reply.code(401).header('WWW-Authenticate', 'Bearer').send({ error: 'unauthorized' });
  };

  app.post(path, { onRequest: authorize, bodyLimit: 512 * 1024 }, async (req, reply) => {
    const parsed = grafanaWebhookSchema.safeParse(req.body);
    if (!parsed.success) {
      const problems = parsed.error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; ');
      return reply.code(400).send({ error: `not a Grafana webhook notification: ${problems}` });
    }
    const text = smsText(parsed.data);
    try {
      const sent = await opts.sender.send(text);
      opts.log?.info('sms relay: sent', { sid: sent.sid, attempts: sent.attempts, alerts: parsed.data.alerts.length, status: parsed.data.status });
      return reply.code(200).send({ sent: true, sid: sent.sid, attempts: sent.attempts, chars: text.length });
    } catch (err) {
      const e = err instanceof SmsSendError ? err : new SmsSendError(String(err), null, 1);
      opts.log?.error('sms relay: Twilio failed', { error: e.message, status: e.status, attempts: e.attempts });
      return reply.code(502).send({ error: 'SMS not sent', upstreamStatus: e.status, attempts: e.attempts });
    }
  });
};

/**
 * The relay's options from the configuration, or null when the relay is off (no
 * SMS_RELAY_SECRET). The HTTP server registers `smsRelay` with them.
 */
export function smsRelayOptionsFromConfig(config: Config, log?: Logger): SmsRelayOptions | null {
  if (!config.SMS_RELAY_SECRET) return null;
  const sender = new SmsSender({
    accountSid: config.TWILIO_ACCOUNT_SID as string,
    authToken: config.TWILIO_AUTH_TOKEN as string,
    from: config.TWILIO_FROM as string,
    to: config.SMS_TO as string,
  });
  return { secret: config.SMS_RELAY_SECRET, sender, log };
}
