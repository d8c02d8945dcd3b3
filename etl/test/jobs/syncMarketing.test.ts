import { writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ConfigError, loadConfig } from '../../src/config/config';
import { startMarketingSources } from '../../src/jobs/syncMarketing';
import { startDemoServers, type DemoServers } from '../../src/sources/demoServers';
import { captureLogger } from '../helpers/sourceHarness';
import { createTestDb, type TestDb } from '../helpers/testDb';

const TZ = 'America/New_York';
const NOW = new Date('2026-03-20T16:00:00Z');

describe('marketing sources from configuration', () => {
  let db: TestDb;
  let servers: DemoServers;
  let dir: string;

  beforeAll(async () => {
    db = await createTestDb({ timeZone: TZ });
    servers = await startDemoServers({ timeZone: TZ, now: () => NOW });
    dir = mkdtempSync(path.join(tmpdir(), 'kpi-mapping-'));
  });
  afterAll(async () => {
    await servers.stop();
    await db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('each source is switched on by its credentials and syncs through its base-URL override', async () => {
    const { log } = captureLogger();
    const config = loadConfig({ STORE_TIMEZONE: TZ, BACKFILL_DAYS: '30', ...servers.env });
    const sources = await startMarketingSources(config, db, log, { now: () => NOW, metaPollMs: 0 });
    const expected = servers.storeDb ? ['ga4', 'sendgrid', 'meta', 'customdb'] : ['ga4', 'sendgrid', 'meta'];
    expect(sources.enabled).toEqual(expected);
    await sources.runOnce();
    await sources.close();
    const runs = await db.query<{ source: string; bad: string }>(`SELECT source, count(*) FILTER (WHERE status <> 'ok') AS bad FROM etl_runs GROUP BY source ORDER BY source`);
    expect(runs.rows.map((r) => [r.source, Number(r.bad)])).toEqual(expected.sort().map((s) => [s, 0]));
    const none = await startMarketingSources(loadConfig({}), db, log);
    expect(none.enabled).toEqual([]);
  });

  it('a store database mapping that does not fit is reported at start; the other sources still run', async () => {
    if (!servers.storeDb) {
      console.warn('skipped: no PostgreSQL reachable for the store database');
      return;
    }
    const file = path.join(dir, 'bad.json');
    writeFileSync(file, JSON.stringify({ streams: { tickets: { sql: 'SELECT t.id AS ticket_id, t.modified AS updated_at FROM helpdesk_ticket t' } } }));
    const { log, lines } = captureLogger();
    const config = loadConfig({ STORE_TIMEZONE: TZ, ...servers.env, CUSTOM_DB_MAPPING: file });
    const sources = await startMarketingSources(config, db, log, { now: () => NOW });
    expect(sources.enabled).toEqual(['ga4', 'sendgrid', 'meta']);
    const line = lines.find((l) => l.includes('store database mapping does not fit'));
    expect(line).toContain('stream tickets: column opened_at is missing');
  });

  it('credentials that only work together are checked together, and secrets are not echoed', () => {
    const problems = (env: Record<string, string>) => {
      try {
        loadConfig(env);
      } catch (e) {
        expect(e).toBeInstanceOf(ConfigError);
        return (e as Error).message;
      }
      throw new Error('configuration was accepted');
    };
    const msg =
      problems({ META_ACCESS_TOKEN: 'EAA-secret', CUSTOM_DATABASE_URL: 'postgres://u:pw@h/db', GA4_BASE_URL: 'http://127.0.0.1:1' }) +
      problems({ SENDGRID_BASE_URL: 'ftp://x', GA4_LOOKBAK_DAYS: '3', CUSTOM_DATABASE_URL: 'mysql://u:pw@h/db', SENDGRID_API_KEY: '' });
    expect(msg).toContain('META_ACCESS_TOKEN and META_AD_ACCOUNT_ID: set both');
    expect(msg).toContain('CUSTOM_DATABASE_URL and CUSTOM_DB_MAPPING: set both');
    expect(msg).toContain('GA4_PROPERTY_ID: required when GA4_CREDENTIALS_FILE or GA4_BASE_URL is set');
    expect(msg).toMatch(/SENDGRID_BASE_URL: must be an http\(s\):\/\/ URL/);
    expect(msg).toMatch(/GA4_LOOKBAK_DAYS: unknown variable/);
    expect(msg).not.toContain('EAA-secret');
    expect(msg).toMatch(/CUSTOM_DATABASE_URL: must be a postgres:\/\/ or postgresql:\/\/ URL$/m);
    expect(msg).not.toContain('pw@');
  });
});
