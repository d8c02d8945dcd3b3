import { ConfigError, loadConfig } from '../../src/config/config';
import { redact } from '../../src/log/logger';

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
    expect(msg).toMatch(/STORE_TIMEZON: unknown variable \(known: STORE_TIMEZONE, STORE_CURRENCY\)/);
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
