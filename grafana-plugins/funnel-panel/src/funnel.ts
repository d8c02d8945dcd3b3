import { FunnelResult, FunnelStep, StepComparison, StepInput, StepOrder } from './types';

/**
 * Pure funnel maths. Every ratio is null rather than NaN/Infinity when it cannot be computed,
 * and nothing is clamped or normalised: a step larger than the one before shows a negative
 * drop-off (a gain) and a ratio above 1, because that is what the data says.
 */

export function toCount(value: unknown): number | null {
  if (value === null || value === undefined || value === '') {
    return null;
  }
  const n = typeof value === 'number' ? value : Number(value);
  // A negative or non-finite "count" is a data error, so it is shown as missing, not as 0.
  if (!Number.isFinite(n) || n < 0) {
    return null;
  }
  return n;
}

function ratio(numerator: number | null, denominator: number | null): number | null {
  if (numerator === null || denominator === null || denominator === 0) {
    return null;
  }
  return numerator / denominator;
}

/**
 * Parses "Add to cart: 90, Checkout: 60 %, Order: 50" (also ";" or new lines between entries,
 * "=" instead of ":") into expected drop-off fractions keyed by lower-cased step name.
 * Entries that do not parse are ignored and returned in `invalid` so the editor can say so.
 */
export function parseBenchmarks(text: string): { values: Map<string, number>; invalid: string[] } {
  const values = new Map<string, number>();
  const invalid: string[] = [];
  for (const raw of text.split(/[,;\n]/)) {
    const entry = raw.trim();
    if (!entry) {
      continue;
    }
    const match = /^(.+?)\s*[:=]\s*(-?\d+(?:\.\d+)?)\s*%?$/.exec(entry);
    const name = match?.[1]?.trim();
    const pct = match?.[2] !== undefined ? Number(match[2]) : NaN;
    if (!name || !Number.isFinite(pct) || pct < 0 || pct > 100) {
      invalid.push(entry);
      continue;
    }
    values.set(normaliseName(name), pct / 100);
  }
  return { values, invalid };
}

export function normaliseName(name: string): string {
  return name.trim().toLowerCase().replace(/\s+/g, ' ');
}

export function orderSteps(steps: StepInput[], order: StepOrder): StepInput[] {
  if (order === 'asGiven') {
    return steps;
  }
  // Stable sort; missing counts go last so they do not break the chain of real numbers.
  return steps
    .map((step, index) => ({ step, index }))
    .sort((a, b) => {
      const ca = a.step.count;
      const cb = b.step.count;
      if (ca === null && cb === null) {
        return a.index - b.index;
      }
      if (ca === null) {
        return 1;
      }
      if (cb === null) {
        return -1;
      }
      return cb - ca || a.index - b.index;
    })
    .map(({ step }) => step);
}

export interface ComputeOptions {
  benchmarks?: Map<string, number>;
  /** Earlier period's steps, matched by name (case-insensitive), else by position. */
  previous?: StepInput[];
}

export function computeFunnel(inputs: StepInput[], options: ComputeOptions = {}): FunnelResult {
  const benchmarks = options.benchmarks ?? new Map<string, number>();
  const first = inputs[0]?.count ?? null;
  const maxCount = inputs.reduce((max, s) => (s.count !== null && s.count > max ? s.count : max), 0);

  const steps: FunnelStep[] = inputs.map((input, index) => {
    const prev = index > 0 ? (inputs[index - 1]?.count ?? null) : null;
    const count = input.count;
    const lost = index > 0 && prev !== null && count !== null ? prev - count : null;
    const dropOff = index > 0 ? ratio(lost, prev) : null;
    const benchmark = index > 0 ? (benchmarks.get(normaliseName(input.name)) ?? null) : null;
    return {
      name: input.name,
      count,
      ofFirst: ratio(count, first),
      ofPrevious: index > 0 ? ratio(count, prev) : null,
      lost,
      dropOff,
      benchmark,
      excess: dropOff === null ? null : dropOff - (benchmark ?? 0),
      isBottleneck: false,
      barRatio: count !== null && maxCount > 0 ? count / maxCount : 0,
      comparison: options.previous ? compareStep(input, index, options.previous) : null,
      links: input.links ?? [],
    };
  });

  const bottleneckIndex = findBottleneck(steps);
  if (bottleneckIndex !== null) {
    const step = steps[bottleneckIndex];
    if (step) {
      step.isBottleneck = true;
    }
  }
  const last = inputs.length > 1 ? (inputs[inputs.length - 1]?.count ?? null) : null;
  return { steps, bottleneckIndex, overall: ratio(last, first) };
}

/**
 * The bottleneck is the step that loses the most people relative to what is expected of it:
 * the largest drop-off minus that step's benchmark (a step without a benchmark is expected to
 * lose nobody, so with no benchmarks at all this is simply the largest drop-off). Only a step
 * that actually lost people can be the bottleneck; ties go to the earlier step.
 */
export function findBottleneck(steps: FunnelStep[]): number | null {
  let best: number | null = null;
  let bestExcess = -Infinity;
  steps.forEach((step, index) => {
    if (step.excess === null || step.lost === null || step.lost <= 0) {
      return;
    }
    if (step.excess > bestExcess) {
      bestExcess = step.excess;
      best = index;
    }
  });
  return best;
}

function compareStep(input: StepInput, index: number, previous: StepInput[]): StepComparison {
  const key = normaliseName(input.name);
  const match = previous.find((p) => normaliseName(p.name) === key) ?? previous[index];
  const previousCount = match?.count ?? null;
  const delta = input.count !== null && previousCount !== null ? input.count - previousCount : null;
  return { previousCount, delta, change: ratio(delta, previousCount) };
}

/** "25.0 %", or "–" when there is nothing honest to show. */
export function formatPercent(value: number | null, decimals: number): string {
  if (value === null || !Number.isFinite(value)) {
    return '–';
  }
  return `${(value * 100).toFixed(clampDecimals(decimals))} %`;
}

export function formatSignedPercent(value: number | null, decimals: number): string {
  if (value === null || !Number.isFinite(value)) {
    return '–';
  }
  const text = formatPercent(Math.abs(value), decimals);
  return value > 0 ? `+${text}` : value < 0 ? `−${text}` : text;
}

export function formatCount(value: number | null): string {
  if (value === null || !Number.isFinite(value)) {
    return '–';
  }
  return Math.round(value).toLocaleString('en-US');
}

export function formatSignedCount(value: number | null): string {
  if (value === null || !Number.isFinite(value)) {
    return '–';
  }
  const text = formatCount(Math.abs(value));
  return value > 0 ? `+${text}` : value < 0 ? `−${text}` : text;
}

function clampDecimals(decimals: number): number {
  // toFixed throws outside 0..100; a sensible panel never needs more than 4.
  return Number.isInteger(decimals) && decimals >= 0 ? Math.min(decimals, 4) : 1;
}
