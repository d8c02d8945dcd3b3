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
