// The SMS relay over real HTTP: Grafana's webhook JSON in, the official twilio SDK out, against a
// local server speaking Twilio's Messages API.
import Fastify, { type FastifyInstance } from 'fastify';
import { ConfigError, loadConfig } from '../../src/config/config';
import { SmsSender } from '../../src/alerts/smsSender';
import { SMS_MAX, smsText, toGsmSafe, type GrafanaWebhook } from '../../src/alerts/smsText';
import { SMS_RELAY_PATH, secretMatches, smsRelay } from '../../src/http/routes/smsRelay';
import { startFakeTwilio, type FakeTwilio } from '../helpers/fakeTwilio';

const ACCOUNT = { sid: 'AC' + '0123456789abcdef'.repeat(2), token: 'test-auth-token' };
const SECRET = 'relay-secret-0123456789';
const FROM = '+15005550006';
const TO = '+15551234567';

/** A site-down notification as Grafana's webhook contact point sends it (payload version 1). */
const notification = (over: Partial<GrafanaWebhook> = {}): Record<string, unknown> => ({
  receiver: 'kpi-sms',
  status: 'firing',
  orgId: 1,
  alerts: [
    {
      status: 'firing',
      labels: { alertname: 'Site down', alert: 'site_down', grafana_folder: 'Store alerts', notify: 'sms', target: 'store' },
      annotations: { summary: 'store down: last 2 probes failed', description: 'The ETL probes the store site and its own /healthz every 60 s.' },
      startsAt: '2026-11-21T10:03:30Z',
      endsAt: '0001-01-01T00:00:00Z',
      generatorURL: 'http://grafana:3000/alerting/grafana/kpi-a-site-down/view?orgId=1',
      fingerprint: '3a1f6c2b9e4d7a10',
      silenceURL: 'http://grafana:3000/alerting/silence/new',
      dashboardURL: '',
      panelURL: '',
      values: { A: 2, B: 2, C: 1 },
      valueString: "[ var='A' labels={target=store} value=2 ]",
    },
  ],
  groupLabels: { alertname: 'Site down' },
  commonLabels: { alertname: 'Site down', target: 'store' },
  commonAnnotations: { summary: 'store down: last 2 probes failed' },
  externalURL: 'http://grafana:3000/',
  version: '1',
  groupKey: '{}/{alert="site_down"}:{alertname="Site down"}',
  truncatedAlerts: 0,
  title: '[FIRING:1] Site down (store)',
  state: 'alerting',
  message: '**Firing**\n\nValue: A=2\nLabels:\n - target = store\n',
  ...over,
});

let twilioApi: FakeTwilio;
let app: FastifyInstance;
let url: string;

beforeAll(async () => {
  twilioApi = await startFakeTwilio(ACCOUNT);
  const sender = new SmsSender(
    { accountSid: ACCOUNT.sid, authToken: ACCOUNT.token, from: FROM, to: TO, apiBaseUrl: twilioApi.baseUrl },
    { attempts: 4, baseDelayMs: 5, maxDelayMs: 20 },
  );
  app = Fastify();
  await app.register(smsRelay, { secret: SECRET, sender });
  const address = await app.listen({ port: 0, host: '127.0.0.1' });
  url = address + SMS_RELAY_PATH;
});
afterAll(async () => {
  await app?.close();
  await twilioApi?.close();
});
beforeEach(() => {
  twilioApi.requests.length = 0;
  twilioApi.script([]);
});

const post = (body: unknown, auth?: string): Promise<Response> =>
  fetch(url, { method: 'POST', headers: { 'Content-Type': 'application/json', ...(auth ? { Authorization: auth } : {}) }, body: JSON.stringify(body) });

describe('shared secret', () => {
  test('no Authorization header → 401, nothing sent', async () => {
    const r = await post(notification());
    expect(r.status).toBe(401);
    expect(r.headers.get('www-authenticate')).toBe('Bearer');
    expect(twilioApi.requests).toHaveLength(0);
  });

  test('a wrong secret → 401, nothing sent', async () => {
    for (const auth of [`Bearer ${SECRET}x`, `Bearer ${SECRET.slice(0, -1)}`, `Basic ${SECRET}`, 'Bearer ']) {
      const r = await post(notification(), auth);
      expect(r.status).toBe(401);
    }
    expect(twilioApi.requests).toHaveLength(0);
  });

  test('the comparison is on equal-length digests (no early exit on length)', () => {
    expect(secretMatches(SECRET, SECRET)).toBe(true);
    expect(secretMatches('short', SECRET)).toBe(false);
    expect(secretMatches(undefined, SECRET)).toBe(false);
  });

  test('a relay with a short secret refuses to start', async () => {
    const f = Fastify();
    await expect(f.register(smsRelay, { secret: 'short', sender: { send: () => Promise.reject(new Error('unused')) } }).ready()).rejects.toThrow(/SMS_RELAY_SECRET/);
    await f.close();
  });
});

describe('sending', () => {
  test('the right secret → exactly one Twilio Messages call with the documented form body', async () => {
    const r = await post(notification(), `Bearer ${SECRET}`);
    expect(r.status).toBe(200);
    const json = (await r.json()) as { sent: boolean; sid: string; attempts: number };
    expect(json).toMatchObject({ sent: true, attempts: 1 });
    expect(json.sid).toMatch(/^SM[0-9a-f]{32}$/);
    expect(twilioApi.requests).toHaveLength(1);
    const [req] = twilioApi.requests;
    expect(req!.accountSid).toBe(ACCOUNT.sid);
    expect(req!.contentType).toMatch(/^application\/x-www-form-urlencoded/);
    expect(Object.keys(req!.form).sort()).toEqual(['Body', 'From', 'To']);
    expect(req!.form).toEqual({ To: TO, From: FROM, Body: 'ALERT since 10:03 UTC: store down: last 2 probes failed' });
    expect(req!.form.Body!.length).toBeLessThan(160);
  });

  test('Twilio 429 then 500 are retried; the third attempt sends', async () => {
    twilioApi.script([429, 500]);
    const r = await post(notification(), `Bearer ${SECRET}`);
    expect(r.status).toBe(200);
    expect(((await r.json()) as { attempts: number }).attempts).toBe(3);
    expect(twilioApi.requests).toHaveLength(3);
    expect(new Set(twilioApi.requests.map((x) => x.rawBody)).size).toBe(1);
  });

  test('Twilio 503 on every attempt → 502 after the retries', async () => {
    twilioApi.script([503, 503, 503, 503]);
    const r = await post(notification(), `Bearer ${SECRET}`);
    expect(r.status).toBe(502);
    expect(await r.json()).toMatchObject({ upstreamStatus: 503, attempts: 4 });
    expect(twilioApi.requests).toHaveLength(4);
  });

  test('a permanent Twilio error (400 bad number) is not retried', async () => {
    twilioApi.script([400]);
    const r = await post(notification(), `Bearer ${SECRET}`);
    expect(r.status).toBe(502);
    expect(twilioApi.requests).toHaveLength(1);
  });

  test('wrong Twilio credentials (401 from Twilio) are not retried', async () => {
    const bad = new SmsSender({ accountSid: ACCOUNT.sid, authToken: 'wrong', from: FROM, to: TO, apiBaseUrl: twilioApi.baseUrl }, { attempts: 4, baseDelayMs: 5, maxDelayMs: 20 });
    await expect(bad.send('x')).rejects.toMatchObject({ status: 401 });
    expect(twilioApi.requests).toHaveLength(1);
  });

  test('a body that is not a Grafana notification → 400, nothing sent', async () => {
    for (const body of [{}, { status: 'firing', alerts: [] }, { status: 'odd', alerts: [{ status: 'firing' }] }]) {
      const r = await post(body, `Bearer ${SECRET}`);
      expect(r.status).toBe(400);
      expect(((await r.json()) as { error: string }).error).toMatch(/not a Grafana webhook notification/);
    }
    expect(twilioApi.requests).toHaveLength(0);
  });

  test('a resolved notification says so', async () => {
    const resolved = notification({ status: 'resolved' });
    (resolved.alerts as Array<Record<string, unknown>>)[0]!.status = 'resolved';
    const r = await post(resolved, `Bearer ${SECRET}`);
    expect(r.status).toBe(200);
    expect(twilioApi.requests[0]!.form.Body).toBe('RESOLVED: store down: last 2 probes failed');
  });
});

describe('message text', () => {
  test('many alerts still make one plain-ASCII SMS under 160 characters', () => {
    const n = notification() as unknown as GrafanaWebhook;
    const many = {
      ...n,
      alerts: Array.from({ length: 12 }, (_, i) => ({ ...n.alerts[0]!, labels: { target: `t${i}` }, annotations: { summary: `Ünïcode target ${i} × down: last 2 probes failed` } })),
    };
    const text = smsText(many);
    expect(text.length).toBeLessThanOrEqual(SMS_MAX);
    expect(text).toMatch(/^[\x20-\x7e]+$/);
    expect(text.endsWith('...')).toBe(true);
    expect(text.startsWith('ALERT since 10:03 UTC: Unicode target 0 x down')).toBe(true);
  });

  test('GSM-7 extension characters are replaced (they would cost two)', () => {
    expect(toGsmSafe('a[b]{c}|d~e^f\\g€')).toBe('a(b)(c)/d/e/f/g?');
  });
});

describe('configuration', () => {
  test('the relay needs every Twilio variable once SMS_RELAY_SECRET is set, and never echoes the secret', () => {
    let err: unknown;
    try {
      loadConfig({ SMS_RELAY_SECRET: SECRET, TWILIO_FROM: '5551234' });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    const msg = (err as Error).message;
    expect(msg).toMatch(/TWILIO_FROM: must be an E\.164 phone number/);
    expect(loadConfigProblems({ SMS_RELAY_SECRET: SECRET })).toMatch(/TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN, TWILIO_FROM, SMS_TO are not/);
    expect(loadConfigProblems({ SMS_RELAY_SECRET: 'short' })).toMatch(/SMS_RELAY_SECRET: must be at least 16 characters$/m);
    expect(loadConfigProblems({ SMS_RELAY_SECRET: 'short' })).not.toContain('short"');
    const ok = loadConfig({ SMS_RELAY_SECRET: SECRET, TWILIO_ACCOUNT_SID: ACCOUNT.sid, TWILIO_AUTH_TOKEN: 't', TWILIO_FROM: FROM, SMS_TO: TO });
    expect(ok.SMS_TO).toBe(TO);
  });
});

function loadConfigProblems(env: NodeJS.ProcessEnv): string {
  try {
    loadConfig(env);
    return '';
  } catch (e) {
    return (e as Error).message;
  }
}
