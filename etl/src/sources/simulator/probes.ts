/**
 * Uptime probes of the store and the ETL health endpoint every 5 minutes. Failures are rare and
 * mostly single blips; now and then an outage of several probes in a row (what the SMS alert
 * is for).
 */
import { Stream, type SimContext } from './context';
import { MINUTE_MS } from './localTime';
import { Rng } from './random';
import type { RowSink } from './rows';

const TARGETS = [
  { target: 'store', latencyMedian: 180, blip: 0.002, outagePerDay: 0.04 },
  { target: 'etl-health', latencyMedian: 12, blip: 0.001, outagePerDay: 0.02 },
] as const;

const STEP = 5 * MINUTE_MS;

export function emitProbeRows(ctx: SimContext, dn: number, asOf: number, out: RowSink): void {
  const start = ctx.clock.start(dn);
  const end = ctx.clock.end(dn);
  TARGETS.forEach((t, ti) => {
    const rng = Rng.at(ctx.seed, dn, Stream.PROBES, ti);
    const outageStart = rng.chance(t.outagePerDay) ? start + rng.next() * (end - start) : Infinity;
    const outageEnd = outageStart + rng.range(10, 45) * MINUTE_MS;
    for (let at = start; at < end; at += STEP) {
      const blipDraw = rng.next();
      const latency = Math.round(rng.logNormal(t.latencyMedian, 0.35));
      if (at > asOf) break;
      const down = (at >= outageStart && at < outageEnd) || blipDraw < t.blip;
      const timedOut = down && blipDraw < t.blip / 2;
      out.push('uptime_probes', {
        target: t.target, probed_at: new Date(at), ok: !down, status_code: down ? (timedOut ? null : 503) : 200,
        latency_ms: down && timedOut ? null : latency, source: 'simulator', source_id: `${t.target}@${new Date(at).toISOString()}`,
      });
    }
  });
}
