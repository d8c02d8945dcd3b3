// A dashboard load as a browser fires it: every SQL target sent at once, the datasource pool
// deciding how many run together; the load ends when the last target has answered.
import type { Runner } from './runners';
import type { SqlTarget } from './targets';

export interface LoadTiming {
  ms: number;
  /** per target (same order as the targets): time on its connection */
  targetMs: number[];
}

export async function runLoad(runner: Runner, targets: SqlTarget[]): Promise<LoadTiming> {
  const t0 = performance.now();
  const results = await Promise.all(targets.map((t) => runner.run(t.role, t.statement)));
  return { ms: performance.now() - t0, targetMs: results.map((r) => r.ms) };
}

export function percentile(values: number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const s = [...values].sort((a, b) => a - b);
  // nearest-rank: the smallest value with at least p% of the values at or below it
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))]!;
}

export const median = (values: number[]): number => percentile(values, 50);

export interface ViewerStats {
  loads: number;
  loadsPerMinute: number;
  p50: number;
  p95: number;
  max: number;
  /** refreshes that came due while the viewer's previous load was still running */
  late: number;
  /** loads still running one refresh period after the window closed (not waited for) */
  unfinished: number;
}

/**
 * V viewers with the dashboard open, each reloading every refreshS seconds, their first loads
 * spread evenly over one refresh period. A viewer whose load outlasts the period starts the next
 * one as soon as it finishes (Grafana's refresh timer does not stack loads). Reloads are started
 * for `seconds`; loads still running then are waited for one more refresh period at most: those
 * that finish count, the others are reported as unfinished and enter the percentiles with the
 * time they had run (a lower bound), so an overloaded server cannot look fast.
 */
export async function runViewers(runner: Runner, targets: SqlTarget[], viewers: number, seconds: number, refreshS: number): Promise<ViewerStats> {
  const start = performance.now();
  const endAt = start + seconds * 1000;
  const times: number[] = [];
  const running = new Set<number>();
  let late = 0;
  const sleep = (ms: number) => new Promise((r) => setTimeout(r, Math.max(0, ms)));
  const viewer = async (i: number): Promise<void> => {
    let due = start + (i * refreshS * 1000) / viewers;
    while (due < endAt) {
      await sleep(due - performance.now());
      const began = performance.now();
      running.add(began);
      const t = await runLoad(runner, targets);
      running.delete(began);
      if (performance.now() > endAt + refreshS * 1000) return; // finished after the cut-off: counted as unfinished
      times.push(t.ms);
      due += refreshS * 1000;
      if (performance.now() > due) {
        late += 1;
        due = performance.now();
      }
    }
  };
  const all = Promise.all(Array.from({ length: viewers }, (_, i) => viewer(i)));
  await Promise.race([all, sleep(endAt + refreshS * 1000 - performance.now())]);
  const cutoff = performance.now();
  const unfinished = [...running].map((began) => cutoff - began);
  const elapsedMin = (cutoff - start) / 60_000;
  const withUnfinished = [...times, ...unfinished];
  return {
    loads: times.length,
    loadsPerMinute: times.length / elapsedMin,
    p50: percentile(withUnfinished, 50),
    p95: percentile(withUnfinished, 95),
    max: Math.max(...withUnfinished),
    late,
    unfinished: unfinished.length,
  };
}
