/**
 * The daemon's Prometheus registry, served at /metrics. Other modules add their own metrics with
 * `new client.Counter({ ..., registers: [registry] })`, or use the typed helpers below for the
 * figures every source shares (sync runs, rows, errors, breaker state, lag).
 */
import client from 'prom-client';

export { client };

export const registry = new client.Registry();

// Process figures, including event-loop lag (nodejs_eventloop_lag_seconds and its percentiles).
client.collectDefaultMetrics({ register: registry, eventLoopMonitoringPrecision: 10 });

export type SyncStatus = 'ok' | 'error' | 'skipped';
export type BreakerState = 'closed' | 'half_open' | 'open';

const BREAKER_VALUE: Record<BreakerState, number> = { closed: 0, half_open: 1, open: 2 };

const syncRuns = new client.Counter({
  name: 'etl_sync_runs_total',
  help: 'Sync runs finished, by source, stream and status',
  labelNames: ['source', 'stream', 'status'] as const,
  registers: [registry],
});
const syncRows = new client.Counter({
  name: 'etl_sync_rows_total',
  help: 'Rows handled by sync runs, by source, stream and kind (read, upserted, rejected)',
  labelNames: ['source', 'stream', 'kind'] as const,
  registers: [registry],
});
const syncErrors = new client.Counter({
  name: 'etl_sync_errors_total',
  help: 'Sync runs that ended in an error, by source and stream',
  labelNames: ['source', 'stream'] as const,
  registers: [registry],
});
const breakerState = new client.Gauge({
  name: 'etl_sync_breaker_state',
  help: 'Circuit breaker state per source: 0 closed, 1 half open, 2 open',
  labelNames: ['source'] as const,
  registers: [registry],
});
const lastSuccess = new Map<string, number>();
const lastSuccessGauge = new client.Gauge({
  name: 'etl_sync_last_success_timestamp_seconds',
  help: 'Unix time of the last successful sync run per source',
  labelNames: ['source'] as const,
  registers: [registry],
});
new client.Gauge({
  name: 'etl_sync_lag_seconds',
  help: 'Seconds since the last successful sync run per source (computed at scrape time)',
  labelNames: ['source'] as const,
  registers: [registry],
  collect() {
    const now = Date.now();
    for (const [source, at] of lastSuccess) this.set({ source }, Math.max(0, (now - at) / 1000));
  },
});

export interface SyncRunReport {
  source: string;
  stream: string;
  status: SyncStatus;
  rowsRead?: number;
  rowsUpserted?: number;
  rowsRejected?: number;
  breakerState?: BreakerState | null;
  finishedAt?: Date;
}

/** Records one finished sync run (call it where the run is written to `etl_runs`). */
export function recordSyncRun(run: SyncRunReport): void {
  const { source, stream } = run;
  syncRuns.inc({ source, stream, status: run.status });
  if (run.rowsRead) syncRows.inc({ source, stream, kind: 'read' }, run.rowsRead);
  if (run.rowsUpserted) syncRows.inc({ source, stream, kind: 'upserted' }, run.rowsUpserted);
  if (run.rowsRejected) syncRows.inc({ source, stream, kind: 'rejected' }, run.rowsRejected);
  if (run.status === 'error') syncErrors.inc({ source, stream });
  if (run.breakerState) breakerState.set({ source }, BREAKER_VALUE[run.breakerState]);
  if (run.status === 'ok') {
    const at = (run.finishedAt ?? new Date()).getTime();
    lastSuccess.set(source, at);
    lastSuccessGauge.set({ source }, at / 1000);
  }
}

export const httpRequestDuration = new client.Histogram({
  name: 'http_request_duration_seconds',
  help: 'HTTP request latency by method, route pattern and status code',
  labelNames: ['method', 'route', 'status'] as const,
  buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
  registers: [registry],
});

type Observer = ReturnType<typeof httpRequestDuration.labels>;
/** One bound child per (method, route, status): a request then skips label validation and copying. */
const requestObservers = new Map<string, Observer>();

/** Records one request's latency (seconds) under its route pattern. */
export function observeRequest(method: string, route: string, status: number, seconds: number): void {
  const key = `${method} ${status} ${route}`;
  let o = requestObservers.get(key);
  if (!o) {
    // Bounded: route patterns and status codes are finite; unmatched URLs share 'unmatched'.
    o = httpRequestDuration.labels({ method, route, status: String(status) });
    requestObservers.set(key, o);
  }
  o.observe(seconds);
}

export type CacheResult = 'hit' | 'miss' | 'bypass';

const cacheRequests = new client.Counter({
  name: 'api_cache_requests_total',
  help: 'KPI API cache look-ups by endpoint and result (hit, miss; bypass = never cached)',
  labelNames: ['endpoint', 'result'] as const,
  registers: [registry],
});
const cacheComputations = new client.Counter({
  name: 'api_cache_computations_total',
  help: 'KPI API responses computed from the database, by endpoint',
  labelNames: ['endpoint'] as const,
  registers: [registry],
});
const cacheErrors = new client.Counter({
  name: 'api_cache_errors_total',
  help: 'Cache store operations that failed (the API then answers from the database)',
  labelNames: ['op'] as const,
  registers: [registry],
});

export function recordCacheResult(endpoint: string, result: CacheResult): void {
  cacheRequests.inc({ endpoint, result });
}
export function recordCacheComputation(endpoint: string): void {
  cacheComputations.inc({ endpoint });
}
export function recordCacheError(op: string): void {
  cacheErrors.inc({ op });
}
