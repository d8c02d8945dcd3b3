import { ConfigError, loadConfig } from '../../src/config/config';
import { parseTtl } from '../../src/http/auth';
import { databaseIdentity } from '../../src/http/service';
import { localMidnight, resolveRange } from '../../src/http/routes/api/timeframe';

describe('HTTP and API configuration', () => {
  it('defaults to loopback port 8080 with the API locked until a key is set', () => {
    const c = loadConfig({});
    expect([c.HTTP_HOST, c.HTTP_PORT, c.API_JWT_SECRET, c.API_JWT_PUBLIC_KEY, c.API_JWT_CLOCK_SKEW_S, c.API_RATE_LIMIT_PER_MIN]).toEqual(['127.0.0.1', 8080, undefined, undefined, 30, 600]);
  });

  it('refuses a short secret without echoing it, and a secret together with a public key', () => {
    expect(() => loadConfig({ API_JWT_SECRET: 'hunter2hunter2' })).toThrow(/API_JWT_SECRET: must be at least 32 characters/);
    try {
      loadConfig({ API_JWT_SECRET: 'hunter2hunter2' });
    } catch (err) {
      expect((err as ConfigError).message).not.toContain('hunter2');
    }
    expect(() => loadConfig({ API_JWT_SECRET: 'x'.repeat(32), API_JWT_PUBLIC_KEY: 'key.pem' })).toThrow(/set one/);
    expect(() => loadConfig({ HTTP_PORT: '80000' })).toThrow(/HTTP_PORT/);
  });

  it('database identity names the database, never its credentials', () => {
    const a = databaseIdentity({ DATABASE_URL: 'postgresql://kpi:s3cret@db:5432/shop', DATA_DIR: '.data' });
    expect(a).toBe(databaseIdentity({ DATABASE_URL: 'postgresql://kpi:other@db:5432/shop', DATA_DIR: '.data' }));
    expect(a).not.toBe(databaseIdentity({ DATABASE_URL: 'postgresql://kpi:s3cret@db:5432/shop2', DATA_DIR: '.data' }));
    expect(a).toMatch(/^[0-9a-f]{12}$/);
  });

  it('token lifetimes for the CLI', () => {
    expect([parseTtl('30d'), parseTtl('12h'), parseTtl('15m'), parseTtl('90')]).toEqual([2_592_000, 43_200, 900, 90]);
    expect(() => parseTtl('soon')).toThrow(/--ttl/);
  });
});

describe('time ranges in the store zone', () => {
  const TZ = 'America/New_York';
  it('local midnight across the DST change (2026-03-08 is 23 hours long)', () => {
    expect(localMidnight('2026-03-08', TZ).toISOString()).toBe('2026-03-08T05:00:00.000Z');
    expect(localMidnight('2026-03-09', TZ).toISOString()).toBe('2026-03-09T04:00:00.000Z');
    expect(localMidnight('2026-11-01', TZ).toISOString()).toBe('2026-11-01T04:00:00.000Z');
    expect(localMidnight('2026-11-02', TZ).toISOString()).toBe('2026-11-02T05:00:00.000Z');
  });

  it('dates include the whole local day of `to`; a past range is historical; mtd starts on the 1st', () => {
    const now = new Date('2026-03-20T12:00:00Z');
    const r = resolveRange({ from: '2026-03-07', to: '2026-03-08' }, now, TZ, '7d');
    expect([r.from.toISOString(), r.to.toISOString(), r.historical, r.days()]).toEqual(['2026-03-07T05:00:00.000Z', '2026-03-09T04:00:00.000Z', true, ['2026-03-07', '2026-03-08']]);
    const m = resolveRange({ timeframe: 'mtd' }, now, TZ, '7d');
    expect([m.from.toISOString(), m.to.toISOString(), m.historical, m.key]).toEqual(['2026-03-01T05:00:00.000Z', now.toISOString(), false, 'mtd']);
    const d = resolveRange({ from: '2026-03-19T00:00:00-04:00', to: '2026-03-21T00:00:00Z' }, now, TZ, '7d');
    expect(d.historical).toBe(false);
  });
});
