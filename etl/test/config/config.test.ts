import { createServer } from 'node:net';
import { preflight } from '../../src/config/preflight';
import { ConfigError, loadConfig } from '../../src/config/config';
import { redact } from '../../src/log/logger';
import { enabledSources } from '../../src/sources/runtime/startSources';

describe('config', () => {
  it('uses the embedded defaults when nothing is set', () => {
    const c = loadConfig({});
    expect(c.DATABASE_URL).toBeUndefined();
    expect(c.STORE_TIMEZONE).toBe('America/New_York');
    expect(c.BACKFILL_DAYS).toBe(90);
    expect(c.SIMULATOR_ENABLED).toBe(true);
  });

  it('names every bad variable and never echoes a secret', () => {
    let err: unknown;
    try {
      loadConfig({ STORE_TIMEZONE: 'Mars/Olympus', BACKFILL_DAYS: 'ninety', DATABASE_URL: 'mysql://u:hunter2@h/db', STORE_TIMEZON: 'UTC' });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    const msg = (err as Error).message;
    expect(msg).toMatch(/STORE_TIMEZONE: must be an IANA time zone .*\(got "Mars\/Olympus"\)/);
    expect(msg).toMatch(/BACKFILL_DAYS: /);
    expect(msg).toMatch(/DATABASE_URL: must be a postgres:\/\//);
    expect(msg).toMatch(/STORE_TIMEZON: unknown variable \(known: STORE_TIMEZONE, STORE_CURRENCY, STORE_URL\)/);
    expect(msg).not.toContain('hunter2');
  });
});

describe('log redaction', () => {
  it('hides secret-named keys and credentials inside URLs', () => {
    expect(redact({ password: 'p', nested: { apiKey: 'k', ok: 1 }, url: 'postgresql://kpi:s3cret@db:5432/x' })).toEqual({
      password: '***',
      nested: { apiKey: '***', ok: 1 },
      url: 'postgresql://kpi:***@db:5432/x',
    });
  });

  it('hides tokens travelling in query strings (Graph API URLs)', () => {
    expect(redact('GET https://graph.facebook.com/v24.0/act_1/insights?limit=5&access_token=EAAB123&after=x')).toBe(
      'GET https://graph.facebook.com/v24.0/act_1/insights?limit=5&access_token=***&after=x',
    );
  });
});

describe('config checks before anything is written', () => {
  const problems = (env: NodeJS.ProcessEnv): string => {
    try {
      loadConfig(env);
    } catch (e) {
      if (e instanceof ConfigError) return e.message;
      throw e;
    }
    return '';
  };

  it('an invalid cron expression names its variable', () => {
    expect(problems({ SYNC_CRON: 'every 10 seconds' })).toMatch(/SYNC_CRON: must be a node-cron expression .*\(got "every 10 seconds"\)/);
    expect(problems({ REFRESH_CRON: '61 * * * *' })).toMatch(/REFRESH_CRON: must be a node-cron expression/);
    expect(problems({ HOUSEKEEPING_CRON: '* * *' })).toMatch(/HOUSEKEEPING_CRON: /);
    expect(problems({ SYNC_CRON: '*/5 * * * * *', REFRESH_CRON: '0 */2 * * *' })).toBe('');
  });

  it.each([
    ['DATA_DIRR', 'DATA_DIR'],
    ['REDIS_URI', 'REDIS_URL'],
    ['LOG_LEVL', 'LOG_LEVEL'],
    ['DATABSE_URL', 'DATABASE_URL'],
    ['HTTP_PROT', 'HTTP_PORT'],
  ])('a close misspelling %s is reported as meant for %s', (typo, meant) => {
    expect(problems({ [typo]: 'x' })).toContain(`${typo}: unknown variable; did you mean ${meant}?`);
  });

  it('unknown variables of the cron families are reported; common unrelated variables are not', () => {
    expect(problems({ SYNC_SCHEDULE: '* * * * *' })).toContain('SYNC_SCHEDULE: unknown variable (known: SYNC_CRON)');
    expect(problems({ PATH: '/usr/bin', HOME: '/root', NODE_ENV: 'production', REDIS_PORT: 'tcp://10.0.0.1:6379', HTTP_PROXY: 'http://p:3128', PGHOST: 'db', TZ: 'UTC' })).toBe('');
  });

  it('the KPI role passwords need 8 characters, and the message does not echo them', () => {
    const msg = problems({ KPI_PUBLIC_PASSWORD: 'short1' });
    expect(msg).toMatch(/KPI_PUBLIC_PASSWORD: .*8/);
    expect(msg).not.toContain('short1');
  });

  it('SIMULATOR_NOW pins the clock at an ISO instant', () => {
    expect(loadConfig({ SIMULATOR_NOW: '2026-11-20T19:30:00Z' }).SIMULATOR_NOW?.toISOString()).toBe('2026-11-20T19:30:00.000Z');
    expect(problems({ SIMULATOR_NOW: 'yesterday' })).toMatch(/SIMULATOR_NOW: must be an ISO instant/);
  });
});

describe('preflight', () => {
  it('names a port in use, two variables on one port, and an unusable data dir', async () => {
    const busy = createServer();
    await new Promise<void>((r) => busy.listen(0, '127.0.0.1', () => r()));
    const port = String((busy.address() as { port: number }).port);
    try {
      await expect(preflight(loadConfig({ EMBEDDED_PG_PORT: port, HTTP_PORT: '0' }))).rejects.toThrow(/EMBEDDED_PG_PORT: 127\.0\.0\.1:\d+ is already in use/);
      await expect(preflight(loadConfig({ EMBEDDED_PG_PORT: '0', HTTP_PORT: port }))).rejects.toThrow(/HTTP_PORT: 127\.0\.0\.1:\d+ is already in use/);
      // With DATABASE_URL the embedded port is not used, so it is not checked.
      await expect(preflight(loadConfig({ DATABASE_URL: 'postgresql://h/db', EMBEDDED_PG_PORT: port, HTTP_PORT: '0' }))).resolves.toBeUndefined();
    } finally {
      await new Promise((r) => busy.close(r));
    }
    await expect(preflight(loadConfig({ EMBEDDED_PG_PORT: '47113', HTTP_PORT: '47113' }))).rejects.toThrow('HTTP_PORT: 47113 is also EMBEDDED_PG_PORT');
  });
});

describe('connector configuration', () => {
  it('a source is switched on by its credentials, with its schedule and base URL', () => {
    const c = loadConfig({ SQUARE_ACCESS_TOKEN: 'sq', LIGHTSPEED_API_KEY: 'k', LIGHTSPEED_API_SECRET: 's', LIGHTSPEED_BASE_URL: 'https://api.shoplightspeed.com/en/' });
    expect(enabledSources(c).map((s) => [s.def.name, s.cron])).toEqual([['square', '0 */2 * * * *'], ['lightspeed', '30 */5 * * * *']]);
    expect(enabledSources(loadConfig({})).map((s) => s.def.name)).toEqual([]);
  });

  it('half a credential pair, a bad unit-cost map or a misspelt variable stops the start naming it', () => {
    expect(() => loadConfig({ LIGHTSPEED_API_KEY: 'k' })).toThrow(/LIGHTSPEED_API_KEY and LIGHTSPEED_API_SECRET: set both/);
    expect(() => loadConfig({ SQUARE_WEBHOOK_SIGNATURE_KEY: 'x' })).toThrow(/SQUARE_WEBHOOK_SIGNATURE_KEY and SQUARE_WEBHOOK_URL/);
    expect(() => loadConfig({ SQUARE_UNIT_COSTS: '{"TEE": 12.5}' })).toThrow(/SQUARE_UNIT_COSTS: must be a JSON object of SKU to unit cost in cents/);
    expect(() => loadConfig({ SQUARE_ACCES_TOKEN: 'sq' })).toThrow(/SQUARE_ACCES_TOKEN: unknown variable/);
  });
});
