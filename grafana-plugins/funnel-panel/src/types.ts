export type FunnelLayout = 'vertical' | 'horizontal';
export type StepOrder = 'asGiven' | 'byCountDesc';
export type StepSource = 'auto' | 'rows' | 'fields';

export interface FunnelOptions {
  layout: FunnelLayout;
  stepSource: StepSource;
  order: StepOrder;
  showDropOff: boolean;
  /** Expected drop-off % per step, e.g. "Add to cart: 90, Checkout: 60, Order: 50". */
  benchmarks: string;
  decimals: number;
  /** Treat a second data frame as the earlier period and show a delta per step. */
  compare: boolean;
  /** Optional link per step; ${__step} and ${__count} are replaced, then dashboard variables. */
  linkUrl: string;
}

export const defaultOptions: FunnelOptions = {
  layout: 'vertical',
  stepSource: 'auto',
  order: 'asGiven',
  showDropOff: true,
  benchmarks: '',
  decimals: 1,
  compare: true,
  linkUrl: '',
};

/** One step as read from the data, before any maths. */
export interface StepInput {
  name: string;
  /** null when the value is missing or not a usable count. */
  count: number | null;
  /** Links that Grafana's field config attached to this value, if any. */
  links?: StepLink[];
}

export interface StepLink {
  title: string;
  href: string;
  target?: string;
}

export interface FunnelStep {
  name: string;
  count: number | null;
  /** count / first step's count; null when either is missing or the first is 0. */
  ofFirst: number | null;
  /** count / previous step's count; null for the first step or when it cannot be computed. */
  ofPrevious: number | null;
  /** previous − count: people lost at this step. Negative means the step gained people. */
  lost: number | null;
  /** lost / previous; negative for a gain. */
  dropOff: number | null;
  /** Expected drop-off from the benchmarks option, as a fraction. */
  benchmark: number | null;
  /** dropOff − (benchmark ?? 0): how much worse than expected this step is. */
  excess: number | null;
  isBottleneck: boolean;
  /** Bar size relative to the largest count in the funnel, 0..1. */
  barRatio: number;
  comparison: StepComparison | null;
  links: StepLink[];
}

export interface StepComparison {
  previousCount: number | null;
  /** count − previousCount */
  delta: number | null;
  /** delta / previousCount; null when the earlier count is missing or 0. */
  change: number | null;
}

export interface FunnelResult {
  steps: FunnelStep[];
  bottleneckIndex: number | null;
  /** last / first across the whole funnel; null when not computable. */
  overall: number | null;
}
