import type { Config } from '../../config/config';
import type { Db } from '../../db/db';
import type { JobDef, Scheduler } from '../../jobs/scheduler';
import { refreshAggregates } from '../../kpi/aggregates';
import type { GrafanaLivePublisher } from '../../live/grafanaLive';
import type { Logger } from '../../log/logger';
import { daysBetween, localDay } from '../../util/time';
import { DAY_MS } from '../types';
import { lightspeedSource } from '../lightspeed';
import { squareSource } from '../square';
import type { RetryPolicy } from './retry';
import type { SourceDef } from './source';
import { SourceRunner, type StreamRunStats } from './syncStream';

export interface StartSourcesDeps {
  db: Db;
  config: Config;
  log: Logger;
  scheduler: Scheduler;
  live: GrafanaLivePublisher | null;
  now?: () => Date;
  /** Retry policy for every source (the default backs off for seconds). */
  retry?: RetryPolicy;
  /** Drops the API's cached figures of these local days (the HTTP service's cache), after a run changed them. */
  invalidateDays?: (days: string[]) => Promise<number>;
  /** Asks for a refresh of the KPI snapshots after a run changed rows (the daemon's snapshot job; not awaited). */
  snapshotsChanged?: () => void;
}

interface Enabled {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- sources differ in client type; the runner is generic over it
  def: SourceDef<any>;
  cron: string;
}

/** Sources switched on by their credentials; the simulator has its own jobs. */
export function enabledSources(config: Config): Enabled[] {
  const out: Enabled[] = [];
  if (config.SQUARE_ACCESS_TOKEN) {
    out.push({
      def: squareSource({
        token: config.SQUARE_ACCESS_TOKEN,
        baseUrl: config.SQUARE_BASE_URL,
        catalog: {
          tierAttribute: config.SQUARE_TIER_ATTRIBUTE,
          unitCostAttribute: config.SQUARE_UNIT_COST_ATTRIBUTE,
          unitCosts: config.SQUARE_UNIT_COSTS ? (JSON.parse(config.SQUARE_UNIT_COSTS) as Record<string, number>) : {},
        },
      }),
      cron: config.SQUARE_SYNC_CRON,
    });
  }
  if (config.LIGHTSPEED_API_KEY && config.LIGHTSPEED_API_SECRET) {
    out.push({ def: lightspeedSource({ key: config.LIGHTSPEED_API_KEY, secret: config.LIGHTSPEED_API_SECRET, baseUrl: config.LIGHTSPEED_BASE_URL }), cron: config.LIGHTSPEED_SYNC_CRON });
  }
  return out;
}

/**
 * One scheduled job per enabled source. Each source has its own runner (and breaker) and its
 * own job, so a source that fails or hangs never holds up the others.
 */
export function startSources(deps: StartSourcesDeps): { runners: SourceRunner<unknown>[]; jobs: JobDef[] } {
  const { db, config, log, scheduler, live } = deps;
  const runners: SourceRunner<unknown>[] = [];
  const jobs: JobDef[] = [];
  for (const { def, cron } of enabledSources(config)) {
    const runner = new SourceRunner(def, { db, log, now: deps.now, retry: deps.retry, backfillStart: (n) => new Date(n.getTime() - config.BACKFILL_DAYS * DAY_MS) });
    runners.push(runner);
    const job: JobDef = {
      name: `sync-${def.name}`,
      cron,
      ttlMs: 30 * 60_000,
      run: async () => {
        const runs = await runner.runAll();
        try {
          if (await refreshAfter(db, runs)) deps.snapshotsChanged?.();
        } finally {
          // Even when the refresh failed: the raw rows changed, so the cached figures may be stale.
          await invalidateChanged(runs, config.STORE_TIMEZONE, deps, def.name);
        }
        if (live) await live.pushChangedOrders(db);
      },
    };
    scheduler.add(job);
    jobs.push(job);
    log.info('source enabled', { source: def.name, cron, streams: def.streams.map((s) => s.name) });
  }
  return { runners, jobs };
}

/** The local days a run's changed rows fall on, each run on its own (a backfill and a late edit stay apart). */
export function changedDays(runs: StreamRunStats[], timeZone: string): string[] {
  const days = new Set<string>();
  for (const r of runs) {
    if (r.rowsUpserted === 0 || !r.minTime || !r.maxTime) continue;
    for (const d of daysBetween(localDay(r.minTime, timeZone), localDay(r.maxTime, timeZone))) days.add(d);
  }
  return [...days].sort();
}

async function invalidateChanged(runs: StreamRunStats[], timeZone: string, deps: StartSourcesDeps, source: string): Promise<void> {
  if (!deps.invalidateDays) return;
  const days = changedDays(runs, timeZone);
  if (days.length === 0) return;
  const dropped = await deps.invalidateDays(days);
  if (dropped > 0) deps.log.debug('api cache invalidated', { source, days: days.length, dropped });
}

/** Refreshes the aggregates over what the runs changed; false when they changed nothing. */
async function refreshAfter(db: Db, runs: StreamRunStats[]): Promise<boolean> {
  const touched = runs.filter((r) => r.rowsUpserted > 0 && r.minTime && r.maxTime);
  if (touched.length === 0) return false;
  const min = Math.min(...touched.map((r) => (r.minTime as Date).getTime()));
  const max = Math.max(...touched.map((r) => (r.maxTime as Date).getTime()));
  await refreshAggregates(db, new Date(min - DAY_MS), new Date(max + DAY_MS));
  return true;
}
