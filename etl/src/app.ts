import type { Config } from './config/config';
import type { Db } from './db/db';
import { openEmbedded, serveEmbedded } from './db/embedded';
import { migrate } from './db/migrate';
import { openServer } from './db/server';
import { applyRolePasswords } from './db/rolePasswords';
import { connectJobLock, type JobLock } from './jobs/lock';
import { Scheduler } from './jobs/scheduler';
import { simulatorOpenedOn, syncSimulator, syncSimulatorLive, SIM_LOOKBACK_MS, type SyncStats } from './jobs/syncSimulator';
import { refreshAggregates } from './kpi/aggregates';
import { syncCatalog } from './kpi/catalog';
import { predictiveClvJob } from './kpi/predictive/job';
import type { Logger } from './log/logger';
import { GrafanaLivePublisher } from './live/grafanaLive';
import { StoreSimulator } from './sources/simulator';
import { DAY_MS } from './sources/types';
import path from 'node:path';

export interface App {
  db: Db;
  /** Loopback connection string of the embedded database (null with DATABASE_URL). */
  embeddedUrl: string | null;
  backfill: SyncStats | null;
  scheduler: Scheduler;
  stop(): Promise<void>;
}

/** Refreshes the aggregates over the window a sync touched (padded by a day for local-day buckets). */
async function refreshFor(db: Db, stats: SyncStats): Promise<void> {
  if (!stats.minTime || !stats.maxTime || stats.changed === 0) return;
  await refreshAggregates(db, new Date(stats.minTime.getTime() - DAY_MS), new Date(stats.maxTime.getTime() + DAY_MS));
}

/**
 * Starts the daemon: migrate, sync the KPI catalog, serve the embedded database, backfill the
 * simulator, then schedule the jobs. `now` is injectable so tests control the clock.
 */
export async function startApp(config: Config, log: Logger, opts: { now?: () => Date; progress?: boolean } = {}): Promise<App> {
  const now = opts.now ?? (() => new Date());
  const embedded = config.DATABASE_URL ? null : await openEmbedded(path.resolve(config.DATA_DIR, 'pglite'));
  const db: Db = embedded ?? openServer(config.DATABASE_URL as string);
  let lock: JobLock | null = null;
  let socket: { url: string; stop: () => Promise<void> } | null = null;
  try {
    const m = await migrate(db, { timeZone: config.STORE_TIMEZONE });
    log.info('migrations', { applied: m.applied, alreadyApplied: m.skipped.length, backend: db.kind });
    const kpis = await syncCatalog(db);
    const roles = await applyRolePasswords(db, config);
    log.info('catalog and roles', { kpis, rolesWithPassword: roles });

    if (embedded) {
      socket = await serveEmbedded(embedded.pglite, config.EMBEDDED_PG_PORT);
      log.warn('embedded database served on loopback only; it checks no password (every client is superuser)', { url: socket.url });
    }
    lock = await connectJobLock(config.REDIS_URL, log);
    const scheduler = new Scheduler(lock, log);

    const live = config.GRAFANA_URL && config.GRAFANA_LIVE_TOKEN ? new GrafanaLivePublisher(config.GRAFANA_URL, config.GRAFANA_LIVE_TOKEN) : null;
    let backfill: SyncStats | null = null;
    if (config.SIMULATOR_ENABLED) {
      const openedOn = await simulatorOpenedOn(db, config.STORE_TIMEZONE, config.BACKFILL_DAYS, now());
      const sim = new StoreSimulator({ seed: config.SIMULATOR_SEED, scale: config.SIMULATOR_SCALE, timeZone: config.STORE_TIMEZONE, openedOn });
      const simOpts = () => ({ timeZone: config.STORE_TIMEZONE, openedOn, now: now(), log });
      backfill = await syncSimulator(db, sim, { ...simOpts(), progress: opts.progress });
      const t = Date.now();
      await refreshFor(db, backfill);
      log.info('aggregates refreshed after backfill', { ms: Date.now() - t });
      // Sets the watermark after the backfill, so history is not replayed into the live feed.
      if (live) await live.pushChangedOrders(db);

      scheduler.add({
        name: 'sync-simulator-live',
        cron: config.SYNC_CRON,
        ttlMs: 60_000,
        run: async () => {
          const s = await syncSimulatorLive(db, sim, simOpts());
          await refreshFor(db, s);
          if (live) await live.pushChangedOrders(db);
          if (s.changed > 0) log.info('live sync', { changed: s.changed, ms: s.ms });
        },
      });
      scheduler.add({
        name: 'sync-simulator-lookback',
        cron: '0 */5 * * * *',
        ttlMs: 10 * 60_000,
        run: async () => refreshFor(db, await syncSimulator(db, sim, simOpts())),
      });
    }
    scheduler.add({
      name: 'refresh-aggregates',
      cron: config.REFRESH_CRON,
      ttlMs: 10 * 60_000,
      run: () => refreshAggregates(db, new Date(now().getTime() - SIM_LOOKBACK_MS - DAY_MS), new Date(now().getTime() + DAY_MS)),
    });
    scheduler.add({
      name: 'housekeeping',
      cron: config.HOUSEKEEPING_CRON,
      ttlMs: 30 * 60_000,
      run: async () => {
        const r = await db.query(`DELETE FROM dead_letters WHERE received_at < now() - interval '90 days'`);
        log.info('housekeeping', { deadLettersPruned: r.affectedRows ?? 0 });
      },
    });
    scheduler.add(predictiveClvJob(db, log, now));

    const heldLock = lock;
    const heldSocket = socket;
    return {
      db,
      embeddedUrl: socket?.url ?? null,
      backfill,
      scheduler,
      async stop() {
        await scheduler.stop();
        await heldSocket?.stop();
        await heldLock.close();
        await db.close();
      },
    };
  } catch (err) {
    await socket?.stop().catch(() => undefined);
    await lock?.close().catch(() => undefined);
    await db.close().catch(() => undefined);
    throw err;
  }
}
