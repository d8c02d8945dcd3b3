// A local HTTP server speaking Twilio's Messages API as documented: POST
// /2010-04-01/Accounts/{AccountSid}/Messages.json with HTTP Basic auth (SID:token) and a form
// body (To, From, Body); 201 with the Message resource as JSON; errors as Twilio's error JSON
// ({ code, message, more_info, status }). Responses can be scripted (e.g. 429 then 201).
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomBytes } from 'node:crypto';

export interface ReceivedMessage {
  accountSid: string;
  contentType: string | undefined;
  form: Record<string, string>;
  rawBody: string;
}

export interface FakeTwilio {
  baseUrl: string;
  /** every request that reached the Messages endpoint, authenticated or not */
  requests: ReceivedMessage[];
  /** statuses to answer the next requests with instead of 201 */
  script(statuses: number[]): void;
  close(): Promise<void>;
}

const ERRORS: Record<number, { code: number; message: string }> = {
  400: { code: 21211, message: "The 'To' number is not a valid phone number." },
  401: { code: 20003, message: 'Authenticate' },
  404: { code: 20404, message: 'The requested resource was not found' },
  429: { code: 20429, message: 'Too Many Requests' },
  500: { code: 20500, message: 'Internal Server Error' },
  503: { code: 20503, message: 'Service Unavailable' },
};

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

export async function startFakeTwilio(account: { sid: string; token: string }): Promise<FakeTwilio> {
  const requests: ReceivedMessage[] = [];
  let scripted: number[] = [];
  const server: Server = createServer((req, res) => {
    void (async () => {
      const rawBody = await readBody(req);
      const send = (status: number, body: unknown): void => {
        res.writeHead(status, { 'Content-Type': 'application/json' });
        res.end(JSON.stringify(body));
      };
      const error = (status: number): void => {
        const e = ERRORS[status] ?? { code: 20000 + status, message: 'Error' };
        send(status, { code: e.code, message: e.message, more_info: `https://www.twilio.com/docs/errors/${e.code}`, status });
      };
      const m = /^\/2010-04-01\/Accounts\/([^/]+)\/Messages\.json$/.exec(req.url ?? '');
      if (!m || req.method !== 'POST') return error(404);
      const form = Object.fromEntries(new URLSearchParams(rawBody));
      requests.push({ accountSid: m[1]!, contentType: req.headers['content-type'], form, rawBody });
      const expected = 'Basic ' + Buffer.from(`${account.sid}:${account.token}`).toString('base64');
      if (req.headers.authorization !== expected || m[1] !== account.sid) return error(401);
      const next = scripted.shift();
      if (next !== undefined && next !== 201) return error(next);
      if (!form.To || !form.From || !form.Body) return error(400);
      const now = new Date().toUTCString();
      const sid = 'SM' + randomBytes(16).toString('hex');
      send(201, {
        sid,
        account_sid: account.sid,
        api_version: '2010-04-01',
        body: form.Body,
        date_created: now,
        date_updated: now,
        date_sent: null,
        direction: 'outbound-api',
        error_code: null,
        error_message: null,
        from: form.From,
        messaging_service_sid: null,
        num_media: '0',
        num_segments: '1',
        price: null,
        price_unit: 'USD',
        status: 'queued',
        to: form.To,
        uri: `/2010-04-01/Accounts/${account.sid}/Messages/${sid}.json`,
        subresource_uris: { media: `/2010-04-01/Accounts/${account.sid}/Messages/${sid}/Media.json` },
      });
    })();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}`,
    requests,
    script: (s) => {
      scripted = [...s];
    },
    close: () => new Promise((r) => server.close(() => r())),
  };
}
