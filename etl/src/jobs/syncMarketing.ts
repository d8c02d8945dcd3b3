/**
 * The marketing and operations sources (GA4, SendGrid, Meta Ads, the store's own database),
 * each switched on by its credentials and run on its own schedule by the generic sync job.
 * Each has its own runner and breaker, so one failing source never holds up the others. A store
 * database mapping that does not fit the live schema is reported here, at start, and that
 * source stays off while the others run.
 */
import type { Config } from '../config/config';
import type { Db } from '../db/db';
import type { Logger } from '../log/logger';
import { openCustomDb, type CustomDbClient } from '../sources/customdb/client';
import { MappingError, readMappingFile } from '../sources/customdb/mapping';
import { customDbSource } from '../sources/customdb/streams';
import { createGa4Client } from '../sources/ga4/client';
import { ga4Source } from '../sources/ga4/source';
import { createMetaClient } from '../sources/meta/client';
import { metaSource } from '../sources/meta/source';
import { SourceRunner } from '../sources/runtime/syncStream';
import type { SourceDef } from '../sources/runtime/source';
import { createSendgridClient } from '../sources/sendgrid/client';
import { sendgridSource } from '../sources/sendgrid/streams';
import { DAY_MS } from '../sources/types';
import type { Scheduler } from './scheduler';

export interface MarketingSources {
  /** Source names that are on, in start order. */
  enabled: string[];
  /** Runs every enabled source once (the demo, tests). */
  runOnce(): Promise<void>;
  close(): Promise<void>;
}

interface Planned {
  // Sources differ in their client type; the runner only passes it back to the source's own streams.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  runner: SourceRunner<any>;
  cron: string;
}

export async function startMarketingSources(
  config: Config,
  db: Db,
  log: Logger,
  opts: { scheduler?: Scheduler; now?: () => Date; env?: NodeJS.ProcessEnv; metaPollMs?: number } = {},
): Promise<MarketingSources> {
  const env = opts.env ?? process.env;
  const planned: Planned[] = [];
  let custom: CustomDbClient | null = null;
  const runnerFor = <C>(def: SourceDef<C>) =>
    new SourceRunner(def, { db, log, now: opts.now, backfillStart: (t) => new Date(t.getTime() - config.BACKFILL_DAYS * DAY_MS) });

  if (config.GA4_PROPERTY_ID) {
    if (config.GA4_CREDENTIALS_FILE || config.GA4_BASE_URL || env.GOOGLE_APPLICATION_CREDENTIALS) {
      const client = createGa4Client({ propertyId: config.GA4_PROPERTY_ID, keyFilename: config.GA4_CREDENTIALS_FILE, baseUrl: config.GA4_BASE_URL, log });
      planned.push({ runner: runnerFor(ga4Source(client, { storeTimeZone: config.STORE_TIMEZONE, lookbackDays: config.GA4_LOOKBACK_DAYS })), cron: config.GA4_SYNC_CRON });
    } else log.warn('GA4_PROPERTY_ID is set but no credentials (GA4_CREDENTIALS_FILE or GOOGLE_APPLICATION_CREDENTIALS): GA4 stays off');
  }
  if (config.SENDGRID_API_KEY) {
    planned.push({ runner: runnerFor(sendgridSource(createSendgridClient({ apiKey: config.SENDGRID_API_KEY, baseUrl: config.SENDGRID_BASE_URL }))), cron: config.SENDGRID_SYNC_CRON });
  }
  if (config.META_ACCESS_TOKEN && config.META_AD_ACCOUNT_ID) {
    const client = createMetaClient({ accessToken: config.META_ACCESS_TOKEN, adAccountId: config.META_AD_ACCOUNT_ID, baseUrl: config.META_BASE_URL, pollMs: opts.metaPollMs });
    planned.push({ runner: runnerFor(metaSource(client)), cron: config.META_SYNC_CRON });
  }
  if (config.CUSTOM_DATABASE_URL && config.CUSTOM_DB_MAPPING) {
    try {
      custom = await openCustomDb({ url: config.CUSTOM_DATABASE_URL, mapping: readMappingFile(config.CUSTOM_DB_MAPPING) });
      planned.push({ runner: runnerFor(customDbSource(custom)), cron: config.CUSTOM_DB_SYNC_CRON });
    } catch (err) {
      const what = err instanceof MappingError ? 'store database mapping does not fit' : 'store database unreachable';
      log.error(`${what}: the store database source stays off`, { source: 'customdb', mapping: config.CUSTOM_DB_MAPPING, error: err instanceof Error ? err.message : String(err) });
    }
  }

  if (opts.scheduler) {
    for (const p of planned) {
      const job = { name: `sync-${p.runner.def.name}`, cron: p.cron, ttlMs: 30 * 60_000, run: () => p.runner.runAll() };
      opts.scheduler.add(job);
      // A first run right away rather than at the first tick, which may be an hour off.
      void opts.scheduler.trigger(job);
    }
  }
  const enabled = planned.map((p) => p.runner.def.name);
  if (enabled.length > 0) log.info('marketing sources on', { sources: enabled });
  return {
    enabled,
    async runOnce() {
      for (const p of planned) await p.runner.runAll();
    },
    async close() {
      await custom?.close();
    },
  };
}
