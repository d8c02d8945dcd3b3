/**
 * Uptime probes: GET the store site (STORE_URL) and the ETL's own /healthz on a schedule and
 * write one uptime_probes row per target and probe. A probe is ok when the target answers 2xx
 * (after redirects) within the timeout. The site-down alert reads these rows.
 */
import type { Queryable } from '../db/db';
import type { Config } from '../config/config';
import type { Logger } from '../log/logger';
import type { Scheduler } from '../jobs/scheduler';
import { loadUptimeSettings, type UptimeSettings } from '../kpi/catalog';

export type ProbeTargetName = UptimeSettings['targets'][number];

export interface ProbeTarget {
  target: ProbeTargetName;
  url: string;
}

export interface ProbeResult {
  target: ProbeTargetName;
  probedAt: Date;
  ok: boolean;
  statusCode: number | null;
  latencyMs: number | null;
  error?: string;
}

export async function probe(t: ProbeTarget, timeoutMs: number, now: () => Date = () => new Date()): Promise<ProbeResult> {
  const probedAt = now();
  const started = performance.now();
  try {
    const res = await fetch(t.url, { redirect: 'follow', signal: AbortSignal.timeout(timeoutMs), headers: { 'User-Agent': 'kpi-etl-uptime-probe' } });
    // Read the body so a page that starts answering but never finishes counts as a timeout.
    await res.arrayBuffer();
    const latencyMs = Math.round(performance.now() - started);
    return { target: t.target, probedAt, ok: res.status >= 200 && res.status < 300, statusCode: res.status, latencyMs };
  } catch (err) {
    // fetch rejects with DOMException / TypeError objects that may come from another realm, so
    // they are read by shape rather than by instanceof.
    const e = (err ?? {}) as { name?: string; message?: string; cause?: { message?: string } };
    const timedOut = e.name === 'TimeoutError' || e.name === 'AbortError';
    const cause = e.cause?.message ? `: ${e.cause.message}` : '';
    return { target: t.target, probedAt, ok: false, statusCode: null, latencyMs: null, error: timedOut ? `no answer within ${timeoutMs} ms` : `${e.message ?? String(err)}${cause}` };
  }
}

/** Idempotent: a probe row is keyed by (target, probed_at). */
export async function recordProbes(db: Queryable, results: ProbeResult[]): Promise<number> {
  let inserted = 0;
  for (const r of results) {
    const res = await db.query(
      `INSERT INTO uptime_probes (target, probed_at, ok, status_code, latency_ms, source, source_id)
       VALUES ($1, $2, $3, $4, $5, 'probe', $6)
       ON CONFLICT (target, probed_at) DO NOTHING`,
      [r.target, r.probedAt.toISOString(), r.ok, r.statusCode, r.latencyMs, `${r.target}@${r.probedAt.toISOString()}`],
    );
    inserted += res.affectedRows ?? 0;
  }
  return inserted;
}

/** What to probe: the store only when STORE_URL is set; the health endpoint always. */
export function probeTargets(config: Pick<Config, 'STORE_URL' | 'PROBE_HEALTHZ_URL'>, settings: UptimeSettings): ProbeTarget[] {
  const urls: Record<ProbeTargetName, string | undefined> = { store: config.STORE_URL, 'etl-health': config.PROBE_HEALTHZ_URL };
  return settings.targets.flatMap((target) => (urls[target] ? [{ target, url: urls[target] }] : []));
}

/** node-cron (with seconds) for "every N seconds", N dividing a minute or whole minutes dividing an hour. */
export function cronEvery(seconds: number): string {
  if (seconds < 60 && 60 % seconds === 0) return `*/${seconds} * * * * *`;
  if (seconds % 60 === 0 && 60 % (seconds / 60) === 0) return `0 */${seconds / 60} * * * *`;
  throw new Error(`kpi/catalog.json: uptime.probe_every_seconds = ${seconds} must divide a minute or be whole minutes dividing an hour`);
}

/** Adds the probe job to the daemon's scheduler (one call from app.ts). */
export function scheduleUptimeProbes(
  scheduler: Scheduler,
  db: Queryable,
  config: Pick<Config, 'STORE_URL' | 'PROBE_HEALTHZ_URL'>,
  log: Logger,
  settings: UptimeSettings = loadUptimeSettings(),
): ProbeTarget[] {
  const targets = probeTargets(config, settings);
  if (!config.STORE_URL) log.warn('uptime probes: STORE_URL is not set, only the health endpoint is probed');
  const timeoutMs = Math.min(10_000, (settings.probe_every_seconds * 1000) / 2);
  scheduler.add({
    name: 'uptime-probes',
    cron: cronEvery(settings.probe_every_seconds),
    ttlMs: settings.probe_every_seconds * 1000,
    run: async () => {
      const results = await Promise.all(targets.map((t) => probe(t, timeoutMs)));
      await recordProbes(db, results);
      for (const r of results.filter((x) => !x.ok)) log.warn('uptime probe failed', { target: r.target, status: r.statusCode, error: r.error });
    },
  });
  return targets;
}
