import type { Config } from './config/config';
import { analyzeStaleTables } from './db/analyze';
import type { Db } from './db/db';
import { lockDataDir, type DataDirLock } from './db/dataDirLock';
import { openEmbeddedChild, type EmbeddedChildDb } from './db/embeddedChild';
import { migrate } from './db/migrate';
import { openServer } from './db/server';
import { applyRolePasswords } from './db/rolePasswords';
import { connectJobLock, lockPrefix, type JobLock } from './jobs/lock';
import { Scheduler, type JobDef } from './jobs/scheduler';
import { startMarketingSources } from './jobs/syncMarketing';
import { simulatorOpenedOn, syncSimulator, syncSimulatorLive, SIM_LOOKBACK_MS, type SyncStats } from './jobs/syncSimulator';
import { refreshAggregates, type RefreshSerializer } from './kpi/aggregates';
import { syncCatalog } from './kpi/catalog';
import { refreshSnapshots } from './kpi/snapshots';
import { predictiveClvJob } from './kpi/predictive/job';
import type { Logger } from './log/logger';
import { GrafanaLivePublisher } from './live/grafanaLive';
import { featureRoutes } from './http/featureRoutes';
import { startHttp, type HttpService } from './http/service';
import { scheduleUptimeProbes } from './probes/uptime';
import { StoreSimulator } from './sources/simulator';
import { startSources } from './sources/runtime/startSources';
import { DAY_MS } from './sources/types';
import path from 'node:path';

/** A stop was asked for while the daemon was still starting; everything it opened is closed. */
export class StartAborted extends Error {
  constructor(public readonly database: 'closed' | 'terminated' | 'none') {
    super('start-up stopped on request');
    this.name = 'StartAborted';
  }
}

/** Whole-shutdown budget: the stop must finish well inside the 10 s a supervisor usually grants. */
const STOP_BUDGET_MS = 8_000;

export interface App {
  db: Db;
  /** Loopback connection string of the embedded database (null with DATABASE_URL). */
  embeddedUrl: string | null;
  backfill: SyncStats | null;
  scheduler: Scheduler;
  /** Closes everything; 'terminated' when the database process was busy and had to be ended. */
  stop(): Promise<{ database: 'closed' | 'terminated' }>;
}

/**
 * Refreshes the aggregates over the window a sync touched (padded by a day for local-day buckets),
 * then asks for a refresh of the KPI snapshots (the sync may have changed their sources, which
 * stops their stored windows being used) without waiting for it.
 */
async function refreshFor(db: Db, stats: SyncStats, serialize: RefreshSerializer, snapshotsChanged: () => void): Promise<void> {
  if (!stats.minTime || !stats.maxTime || stats.changed === 0) return;
  await refreshAggregates(db, new Date(stats.minTime.getTime() - DAY_MS), new Date(stats.maxTime.getTime() + DAY_MS), serialize);
  snapshotsChanged();
}

/**
 * Starts the daemon: migrate, sync the KPI catalog, serve the embedded database, backfill the
 * simulator, then schedule the jobs. `now` is injectable so tests control the clock.
 */
export async function startApp(
  config: Config,
  log: Logger,
  opts: { now?: () => Date; progress?: boolean; signal?: AbortSignal } = {},
): Promise<App> {
  const pinned = config.SIMULATOR_NOW;
  const now = opts.now ?? (pinned ? () => pinned : () => new Date());
  const signal = opts.signal ?? new AbortController().signal;
  // The data dir is ours before anything opens it: a second writer corrupts it.
  let dirLock: DataDirLock | null = config.DATABASE_URL ? null : lockDataDir(config.DATA_DIR);
  let embedded: EmbeddedChildDb | null = null;
  let lock: JobLock | null = null;
  // A stop during start-up: force the socket's clients off so the batch in flight can finish,
  // and end a database process that stays busy (a client's long query) before the budget runs out.
  let abortTimer: NodeJS.Timeout | undefined;
  const onAbort = () => {
    void embedded?.unserve(2_500);
    abortTimer = setTimeout(() => void embedded?.shutdown(0), STOP_BUDGET_MS - 2_000);
  };
  signal.addEventListener('abort', onAbort, { once: true });
  const checkStop = () => {
    if (signal.aborted) throw new StartAborted('none');
  };
  let http: HttpService | null = null;
  try {
    if (dirLock) log.info('opening the embedded database', { dataDir: path.resolve(config.DATA_DIR) });
    if (dirLock) {
      const held = dirLock;
      // In a process of its own: a long query, its garbage and its CPU stay out of the HTTP server's.
      embedded = await openEmbeddedChild(path.resolve(config.DATA_DIR, 'pglite'), { signal, onStart: (pid) => held.adopt(pid) });
    }
    const db: Db = embedded ?? openServer(config.DATABASE_URL as string);
    checkStop();
    const m = await migrate(db, { timeZone: config.STORE_TIMEZONE, log });
    log.info('migrations', { applied: m.applied, alreadyApplied: m.skipped.length, viewsReapplied: m.views?.changed ?? [], backend: db.kind });
    checkStop();
    const kpis = await syncCatalog(db);
    const roles = await applyRolePasswords(db, config);
    log.info('catalog and roles', { kpis, rolesWithPassword: roles });
    checkStop();
    const live = config.GRAFANA_URL && config.GRAFANA_LIVE_TOKEN ? new GrafanaLivePublisher(config.GRAFANA_URL, config.GRAFANA_LIVE_TOKEN) : null;
    http = await startHttp(config, db, log, { now, routes: featureRoutes(config, { db, log, live }) });
    const heldHttp = http;

    let embeddedUrl: string | null = null;
    if (embedded) {
      embeddedUrl = (await embedded.serve(config.EMBEDDED_PG_PORT)).url;
      log.warn('embedded database served on loopback only; it checks no password (every client is superuser)', { url: embeddedUrl });
    }
    const dbId = (await db.query<{ value: string }>(`SELECT value FROM store_settings WHERE key = 'database_id'`)).rows[0]?.value ?? 'unknown';
    lock = await connectJobLock(config.REDIS_URL, log, lockPrefix(dbId));
    const serialize: RefreshSerializer = { lock, signal };
    const scheduler = new Scheduler(lock, log);
    // A snapshot refresh costs seconds on a large store once an order changed, so a sync hands it
    // to this job rather than awaiting it: the API cache invalidation and the live push follow
    // the load at once. A change during a refresh asks for one more pass, since that refresh may
    // have read the rows before the load committed. Every minute it also moves the windows along
    // with the clock (each refresh keeps the declared 3-minute lookahead ready) and covers sources
    // loaded without a refresh (marketing, webhooks).
    let snapshotsStale = false;
    const snapshotJob: JobDef = {
      name: 'refresh-kpi-snapshots',
      cron: '0 * * * * *',
      ttlMs: 10 * 60_000,
      run: async () => {
        do {
          snapshotsStale = false;
          await refreshSnapshots(db, serialize);
        } while (snapshotsStale && !signal.aborted);
      },
    };
    const snapshotsChanged = () => {
      snapshotsStale = true;
      void scheduler.trigger(snapshotJob);
    };
    scheduleUptimeProbes(scheduler, db, { ...config, PROBE_HEALTHZ_URL: config.PROBE_HEALTHZ_URL ?? `${heldHttp.url}/healthz` }, log);

    let backfill: SyncStats | null = null;
    if (config.SIMULATOR_ENABLED) {
      const openedOn = await simulatorOpenedOn(db, config.STORE_TIMEZONE, config.BACKFILL_DAYS, now());
      const sim = new StoreSimulator({ seed: config.SIMULATOR_SEED, scale: config.SIMULATOR_SCALE, timeZone: config.STORE_TIMEZONE, openedOn });
      const simOpts = () => ({ timeZone: config.STORE_TIMEZONE, openedOn, now: now(), log });
      backfill = await syncSimulator(db, sim, { ...simOpts(), progress: opts.progress, signal, analyze: true });
      checkStop();
      const t = Date.now();
      // From the opening day, not only what this run loaded: a backfill stopped before its
      // refresh left loaded days unmaterialized. Buckets with nothing invalidated cost little.
      await refreshAggregates(db, new Date(Date.parse(`${openedOn}T00:00:00Z`) - DAY_MS), new Date(now().getTime() + DAY_MS), serialize);
      log.info('aggregates refreshed after backfill', { ms: Date.now() - t });
      const ts = Date.now();
      const windows = await refreshSnapshots(db, serialize);
      log.info('KPI snapshots refreshed after backfill', { ms: Date.now() - ts, windows });
      // The aggregates' chunks and the snapshots just written get statistics before the first
      // reads (the embedded database has no autovacuum; the sync analyzed what it loaded).
      if (embedded) log.info('tables analyzed after the backfill', await analyzeStaleTables(db));
      // Sets the watermark after the backfill, so history is not replayed into the live feed.
      if (live) await live.pushChangedOrders(db);

      scheduler.add({
        name: 'sync-simulator-live',
        cron: config.SYNC_CRON,
        ttlMs: 60_000,
        run: async () => {
          const s = await syncSimulatorLive(db, sim, simOpts());
          await refreshFor(db, s, serialize, snapshotsChanged);
          await heldHttp.afterSync('simulator', 'live', s);
          if (live) await live.pushChangedOrders(db);
          if (s.changed > 0) log.info('live sync', { changed: s.changed, ms: s.ms });
        },
      });
      scheduler.add({
        name: 'sync-simulator-lookback',
        cron: '0 */5 * * * *',
        ttlMs: 10 * 60_000,
        run: async () => {
          const s = await syncSimulator(db, sim, { ...simOpts(), signal });
          await refreshFor(db, s, serialize, snapshotsChanged);
          // Its streams run on the sources runtime, which already counted them in /metrics.
          await heldHttp.invalidateSynced('simulator', s);
        },
      });
    }
    startSources({ db, config, log, scheduler, live, now, invalidateDays: heldHttp.invalidateDays, snapshotsChanged });
    const marketing = await startMarketingSources(config, db, log, { scheduler, now });
    scheduler.add({
      name: 'refresh-aggregates',
      cron: config.REFRESH_CRON,
      ttlMs: 10 * 60_000,
      run: () => refreshAggregates(db, new Date(now().getTime() - SIM_LOOKBACK_MS - DAY_MS), new Date(now().getTime() + DAY_MS), serialize),
    });
    scheduler.add(snapshotJob);
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
    // autovacuum's ANALYZE, which the embedded database lacks: the tables that grew by a fifth
    // since their statistics (a check of 0.1-0.4 s), so the triggers' cached plans are made
    // again as the store grows. A server's autovacuum does this itself.
    if (embedded) {
      scheduler.add({
        name: 'analyze-stale-tables',
        cron: '30 */5 * * * *',
        ttlMs: 10 * 60_000,
        run: async () => {
          const r = await analyzeStaleTables(db);
          if (r.tables > 0) log.info('tables analyzed', r);
        },
      });
    }
    embedded?.onCrash((err) => {
      // Nothing can be written any more; the lock file goes with the process (exit handler).
      log.error('embedded database process died; exiting', { error: err.message });
      process.exit(1);
    });
    signal.removeEventListener('abort', onAbort);
    clearTimeout(abortTimer);

    const heldLock = lock;
    const heldDb = embedded;
    const heldDir = dirLock;
    let stopped: Promise<{ database: 'closed' | 'terminated' }> | null = null;
    return {
      db,
      embeddedUrl,
      backfill,
      scheduler,
      stop() {
        stopped ??= (async () => {
          const deadline = Date.now() + STOP_BUDGET_MS;
          // Socket clients off first: one holding the session would keep the job in flight waiting.
          await boundBy(heldHttp.stop(), 2_000);
          await heldDb?.unserve(2_500);
          await boundBy(scheduler.stop(), deadline - Date.now() - 2_000);
          await boundBy(marketing.close(), 1_000);
          await heldLock.close();
          const database = heldDb ? await heldDb.shutdown(Math.max(500, deadline - Date.now())) : (await db.close(), 'closed' as const);
          heldDir?.release();
          return { database };
        })();
        return stopped;
      },
    };
  } catch (err) {
    signal.removeEventListener('abort', onAbort);
    clearTimeout(abortTimer);
    await http?.stop().catch(() => undefined);
    await lock?.close().catch(() => undefined);
    const database = embedded ? await embedded.shutdown(2_000) : signal.aborted && dirLock ? 'terminated' : 'none';
    dirLock?.release();
    dirLock = null;
    if (signal.aborted) throw new StartAborted(database);
    throw err;
  }
}

/** Waits for p, but no longer than ms. */
async function boundBy(p: Promise<unknown>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([p, new Promise((r) => (timer = setTimeout(r, Math.max(0, ms))))]);
  clearTimeout(timer);
}
