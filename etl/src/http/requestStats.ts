/**
 * Per-minute request figures of the HTTP server (count, 4xx, 5xx, p50/p99/max latency per route),
 * written to `api_request_stats` so the system-health dashboard shows API latency from the
 * database alone. Samples are kept in memory per minute (bounded by reservoir sampling) and
 * flushed once the minute is over.
 */
import type { Queryable } from '../db/db';

const MAX_SAMPLES = 4096;
const MINUTE_MS = 60_000;

interface Bucket {
  requests: number;
  errors: number;
  rejected: number;
  max: number;
  samples: number[];
}

function quantile(sorted: number[], q: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)] as number;
}

export class RequestStats {
  private readonly buckets = new Map<string, Bucket>();

  constructor(private readonly clock: () => number = Date.now) {}

  record(route: string, status: number, ms: number): void {
    const minute = Math.floor(this.clock() / MINUTE_MS) * MINUTE_MS;
    const key = `${minute}|${route}`;
    let b = this.buckets.get(key);
    if (!b) this.buckets.set(key, (b = { requests: 0, errors: 0, rejected: 0, max: 0, samples: [] }));
    b.requests++;
    if (status >= 500) b.errors++;
    else if (status >= 400) b.rejected++;
    if (ms > b.max) b.max = ms;
    if (b.samples.length < MAX_SAMPLES) b.samples.push(ms);
    else {
      const i = Math.floor(Math.random() * b.requests);
      if (i < MAX_SAMPLES) b.samples[i] = ms;
    }
  }

  /** Writes the finished minutes (every minute when `all`, at shutdown); returns the rows written. */
  async flush(db: Queryable, all = false): Promise<number> {
    const current = Math.floor(this.clock() / MINUTE_MS) * MINUTE_MS;
    let written = 0;
    for (const [key, b] of [...this.buckets]) {
      const [minuteRaw, route] = key.split('|') as [string, string];
      const minute = Number(minuteRaw);
      if (!all && minute >= current) continue;
      this.buckets.delete(key);
      const sorted = [...b.samples].sort((x, y) => x - y);
      // A minute flushed in two parts (shutdown, then restart) adds up; latency keeps the worse figure.
      await db.query(
        `INSERT INTO api_request_stats (minute, route, requests, errors, rejected, p50_ms, p99_ms, max_ms)
         VALUES ($1, $2, $3, $4, $5, round($6::numeric, 2), round($7::numeric, 2), round($8::numeric, 2))
         ON CONFLICT (minute, route) DO UPDATE SET
           requests = api_request_stats.requests + excluded.requests,
           errors = api_request_stats.errors + excluded.errors,
           rejected = api_request_stats.rejected + excluded.rejected,
           p50_ms = greatest(api_request_stats.p50_ms, excluded.p50_ms),
           p99_ms = greatest(api_request_stats.p99_ms, excluded.p99_ms),
           max_ms = greatest(api_request_stats.max_ms, excluded.max_ms)`,
        [new Date(minute).toISOString(), route, b.requests, b.errors, b.rejected, quantile(sorted, 0.5), quantile(sorted, 0.99), b.max],
      );
      written++;
    }
    return written;
  }
}
