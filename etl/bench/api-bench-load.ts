/**
 * Load generator of the API benchmark with autocannon (the fallback when `wrk` is absent), in its
 * own process so it does not share the server's event loop. Reads its job as JSON from argv,
 * reports over IPC when the load starts and ends.
 */
import autocannon from 'autocannon';

export interface LoadJob {
  url: string;
  paths: string[];
  token: string;
  connections: number;
  durationS: number;
}

/** Latencies in milliseconds. */
export interface LoadResult {
  requests: number;
  rps: number;
  p50: number;
  p99: number;
  max: number;
  non2xx: number;
  errors: number;
  timeouts: number;
}

const job = JSON.parse(process.argv[2] ?? '{}') as LoadJob;
const instance = autocannon(
  {
    url: job.url,
    connections: job.connections,
    duration: job.durationS,
    headers: { authorization: `Bearer ${job.token}` },
    requests: job.paths.map((path) => ({ method: 'GET' as const, path })),
  },
  (err, result) => {
    if (err) {
      process.send?.({ error: err.message });
      process.exit(1);
    }
    process.send?.({
      result: {
        requests: result.requests.total,
        rps: result.requests.average,
        p50: result.latency.p50,
        p99: result.latency.p99,
        max: result.latency.max,
        non2xx: result.non2xx,
        errors: result.errors,
        timeouts: result.timeouts,
      },
    });
    process.exit(0);
  },
);
instance.on('start', () => process.send?.({ started: true }));
