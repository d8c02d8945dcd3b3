/**
 * Starts the local wire-format servers of the marketing sources with their fixtures, and (when
 * a PostgreSQL server is reachable) a store database with the store-like schema, for the demo
 * and the end-to-end test. Returns the variables that point the daemon at them.
 */
import { Client } from 'pg';
import path from 'node:path';
import { localDay } from '../util/time';
import { STORE_DATA, STORE_SCHEMA } from './customdb/storeFixture';
import { ga4Fixture } from './ga4/fixture';
import { Ga4Server } from './ga4/server';
import { metaFixture, MetaServer } from './meta/server';
import { sendgridFixture, SendgridServer } from './sendgrid/server';

export const DEMO_GA4_PROPERTY = '314159265';
export const DEMO_META_ACCOUNT = '271828';
export const DEMO_META_TOKEN = 'demo-meta-token';
export const DEMO_SENDGRID_KEY = 'SG.demo-key';
export const DEMO_MAPPING_FILE = path.join(__dirname, 'customdb', 'mapping.example.json');

export interface DemoServers {
  env: Record<string, string>;
  ga4: Ga4Server;
  meta: MetaServer;
  sendgrid: SendgridServer;
  /** Name of the store database created for the demo (null when no PostgreSQL was reachable). */
  storeDb: string | null;
  stop(): Promise<void>;
}

export async function startDemoServers(o: { timeZone: string; now?: () => Date; pgAdminUrl?: string; ports?: { ga4?: number; meta?: number; sendgrid?: number } }): Promise<DemoServers> {
  const now = o.now ?? (() => new Date());
  const today = localDay(now(), o.timeZone);
  const ga4 = new Ga4Server({ propertyId: DEMO_GA4_PROPERTY, timeZone: o.timeZone, visits: ga4Fixture({ today, days: 120 }), now });
  const meta = new MetaServer({ accountId: DEMO_META_ACCOUNT, accessToken: DEMO_META_TOKEN, rows: metaFixture({ today, days: 120 }), timeZone: o.timeZone });
  const sendgrid = new SendgridServer(sendgridFixture(today, 120), { apiKey: DEMO_SENDGRID_KEY });
  await ga4.start(o.ports?.ga4);
  await meta.start(o.ports?.meta);
  await sendgrid.start(o.ports?.sendgrid);
  const env: Record<string, string> = {
    GA4_PROPERTY_ID: DEMO_GA4_PROPERTY, GA4_BASE_URL: ga4.url,
    SENDGRID_API_KEY: DEMO_SENDGRID_KEY, SENDGRID_BASE_URL: sendgrid.url,
    META_ACCESS_TOKEN: DEMO_META_TOKEN, META_AD_ACCOUNT_ID: `act_${DEMO_META_ACCOUNT}`, META_BASE_URL: meta.url,
  };
  let storeDb: string | null = null;
  const adminUrl = o.pgAdminUrl ?? 'postgres://postgres@127.0.0.1:5432/postgres';
  const admin = new Client({ connectionString: adminUrl, connectionTimeoutMillis: 3000 });
  try {
    await admin.connect();
    storeDb = `kpi_demo_store_${process.pid}_${Date.now().toString(36)}`;
    await admin.query(`CREATE DATABASE ${storeDb}`);
    const u = new URL(adminUrl);
    u.pathname = `/${storeDb}`;
    const store = new Client({ connectionString: u.toString() });
    await store.connect();
    await store.query(STORE_SCHEMA);
    await store.query(STORE_DATA);
    await store.end();
    env.CUSTOM_DATABASE_URL = u.toString();
    env.CUSTOM_DB_MAPPING = DEMO_MAPPING_FILE;
  } catch {
    storeDb = null;
  } finally {
    await admin.end().catch(() => undefined);
  }
  return {
    env, ga4, meta, sendgrid, storeDb,
    async stop() {
      await Promise.all([ga4.stop(), meta.stop(), sendgrid.stop()]);
      if (storeDb) {
        const a = new Client({ connectionString: adminUrl });
        await a.connect();
        await a.query(`DROP DATABASE IF EXISTS ${storeDb} WITH (FORCE)`);
        await a.end();
      }
    },
  };
}
