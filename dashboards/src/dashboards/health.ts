// The system-health dashboard (admin org): sync lag, errors, rows per run and breaker state per
// source, dead letters, and the API's latency — all read from the database (adm views over
// etl_runs, dead_letters and api_request_stats), so it works without Prometheus.
import { ThresholdsMode, type ThresholdsConfig } from '@grafana/schema';
import { DashboardBuilder, type BuiltDashboard } from '../builder';
import { ORG_ID } from '../config';
import { bargauge, sql, stat, table, timeseries } from '../panels';

export const HEALTH_UID = 'kpi-health-admin';

/** A fixed colour scale: green until the limit, red above. */
const above = (limit: number): ThresholdsConfig => ({ mode: ThresholdsMode.Absolute, steps: [{ color: 'green', value: null }, { color: 'red', value: limit }] });

export function healthDashboard(): BuiltDashboard {
  const b = new DashboardBuilder({
    uid: HEALTH_UID,
    title: 'System health',
    role: 'admin',
    file: 'admin/health.json',
    orgId: ORG_ID.admin,
    tags: ['kpi', 'admin', 'health'],
    description: 'Sync runs per source (lag, errors, rows, circuit breaker), dead letters and API latency, from the database the ETL writes.',
  });

  b.row(1, 'Syncs').add(
    table({
      id: 2,
      title: 'Sources',
      w: 16,
      h: 8,
      description: 'Per source: seconds since the last successful run (sync lag), the last run\'s status and breaker state, runs and errors in the selected range.',
      queries: [
        sql(
          `
          SELECT source,
                 round(date_part('epoch', now() - max(finished_at) FILTER (WHERE status = 'ok'))::numeric, 0) AS lag_seconds,
                 (array_agg(status ORDER BY finished_at DESC))[1] AS last_status,
                 (array_agg(breaker_state ORDER BY finished_at DESC))[1] AS breaker_state,
                 count(*) FILTER (WHERE $__timeFilter(time)) AS runs,
                 count(*) FILTER (WHERE $__timeFilter(time) AND status = 'error') AS errors
          FROM adm.etl_runs
          GROUP BY source
          ORDER BY source`,
          ['source', 'lag_seconds', 'last_status', 'breaker_state', 'runs', 'errors'],
        ),
      ],
      overrides: [{ matcher: { id: 'byName', options: 'lag_seconds' }, properties: [{ id: 'unit', value: 's' }] }],
    }),
    stat({
      id: 3,
      title: 'Open breakers',
      w: 4,
      h: 4,
      description: 'Sources whose last run left the circuit breaker open.',
      unit: 'short',
      thresholds: above(1),
      queries: [
        sql(
          `
          SELECT count(*) FILTER (WHERE breaker_state = 'open') AS open_breakers
          FROM (SELECT DISTINCT ON (source) source, breaker_state FROM adm.etl_runs ORDER BY source, finished_at DESC) AS last_run`,
          ['open_breakers'],
        ),
      ],
    }),
    stat({
      id: 4,
      title: 'Sync errors',
      w: 4,
      h: 4,
      description: 'Runs that ended in an error in the selected range.',
      unit: 'short',
      thresholds: above(1),
      queries: [sql(`SELECT count(*) AS errors FROM adm.etl_runs WHERE $__timeFilter(time) AND status = 'error'`, ['errors'])],
    }),
    stat({
      id: 5,
      title: 'Worst sync lag',
      w: 8,
      h: 4,
      description: 'The largest time since a source\'s last successful run.',
      unit: 's',
      thresholds: above(900),
      queries: [
        sql(
          `
          SELECT max(lag_seconds) AS lag_seconds
          FROM (SELECT round(date_part('epoch', now() - max(finished_at) FILTER (WHERE status = 'ok'))::numeric, 0) AS lag_seconds FROM adm.etl_runs GROUP BY source) AS per_source`,
          ['lag_seconds'],
        ),
      ],
    }),
    timeseries({
      id: 6,
      title: 'Rows upserted per run',
      w: 12,
      h: 8,
      unit: 'short',
      bars: true,
      queries: [sql(`SELECT time, source || '/' || stream AS metric, rows_upserted FROM adm.etl_runs WHERE $__timeFilter(time) ORDER BY time`, ['time', 'metric', 'rows_upserted'], 'time_series')],
    }),
    timeseries({
      id: 7,
      title: 'Run duration',
      w: 12,
      h: 8,
      unit: 's',
      queries: [sql(`SELECT time, source || '/' || stream AS metric, duration_s FROM adm.etl_runs WHERE $__timeFilter(time) ORDER BY time`, ['time', 'metric', 'duration_s'], 'time_series')],
    }),
    table({
      id: 8,
      title: 'Recent errors',
      w: 24,
      h: 8,
      queries: [
        sql(
          `SELECT time, source, stream, error, breaker_state, api_calls FROM adm.etl_runs WHERE $__timeFilter(time) AND status = 'error' ORDER BY time DESC LIMIT 50`,
          ['time', 'source', 'stream', 'error', 'breaker_state', 'api_calls'],
        ),
      ],
    }),
  );

  b.row(10, 'Dead letters').add(
    stat({
      id: 11,
      title: 'Dead letters',
      w: 6,
      h: 6,
      description: 'Rows rejected by validation in the selected range (kept with their reason; payloads are not shown here).',
      unit: 'short',
      thresholds: above(1),
      queries: [sql(`SELECT count(*) AS dead_letters FROM adm.dead_letters WHERE $__timeFilter(time)`, ['dead_letters'])],
    }),
    bargauge({
      id: 12,
      title: 'Dead letters by source',
      w: 6,
      h: 6,
      unit: 'short',
      queries: [sql(`SELECT source, count(*) AS dead_letters FROM adm.dead_letters WHERE $__timeFilter(time) GROUP BY source ORDER BY dead_letters DESC, source`, ['source', 'dead_letters'])],
    }),
    table({
      id: 13,
      title: 'Dead letters by reason',
      w: 12,
      h: 6,
      sortBy: { field: 'dead_letters', desc: true },
      queries: [
        sql(
          `
          SELECT source, stream, reason, count(*) AS dead_letters, max(time) AS last_seen
          FROM adm.dead_letters
          WHERE $__timeFilter(time)
          GROUP BY source, stream, reason
          ORDER BY dead_letters DESC, source, stream, reason
          LIMIT 50`,
          ['source', 'stream', 'reason', 'dead_letters', 'last_seen'],
        ),
      ],
    }),
  );

  b.row(20, 'API').add(
    stat({
      id: 21,
      title: 'API p99 latency (worst minute)',
      w: 6,
      h: 5,
      unit: 'ms',
      decimals: 1,
      thresholds: above(20),
      queries: [sql(`SELECT max(p99_ms) AS p99_ms, sum(requests) AS requests, sum(errors) AS errors FROM adm.api_request_stats WHERE $__timeFilter(time)`, ['p99_ms', 'requests', 'errors'])],
      fields: '/^p99_ms$/',
    }),
    stat({
      id: 22,
      title: 'API 5xx answers',
      w: 6,
      h: 5,
      unit: 'short',
      thresholds: above(1),
      queries: [sql(`SELECT coalesce(sum(errors), 0) AS errors FROM adm.api_request_stats WHERE $__timeFilter(time)`, ['errors'])],
    }),
    timeseries({
      id: 23,
      title: 'API p99 latency per route',
      w: 12,
      h: 8,
      unit: 'ms',
      queries: [sql(`SELECT time, route AS metric, p99_ms FROM adm.api_request_stats WHERE $__timeFilter(time) ORDER BY time`, ['time', 'metric', 'p99_ms'], 'time_series')],
    }),
    timeseries({
      id: 24,
      title: 'API requests per minute',
      w: 24,
      h: 8,
      unit: 'short',
      queries: [sql(`SELECT time, route AS metric, requests FROM adm.api_request_stats WHERE $__timeFilter(time) ORDER BY time`, ['time', 'metric', 'requests'], 'time_series')],
    }),
  );

  return b.build();
}
