import { BreakerOpenError } from './errors';

export type BreakerState = 'closed' | 'open' | 'half_open';

export interface BreakerOptions {
  /** Consecutive failed calls that open the breaker. */
  failureThreshold: number;
  /** Time an open breaker waits before letting one trial call through. */
  coolDownMs: number;
  now?: () => number;
  onStateChange?: (from: BreakerState, to: BreakerState) => void;
}

export const DEFAULT_BREAKER = { failureThreshold: 5, coolDownMs: 60_000 };

/**
 * A per-source circuit breaker: after repeated failures the source is left alone for a
 * cool-down, then one trial call decides whether it closes again. Small and typed rather than a
 * library, because its state also has to land in etl_runs and the log on every run.
 */
export class CircuitBreaker {
  private stateValue: BreakerState = 'closed';
  private failures = 0;
  private openedAt = 0;
  private trialInFlight = false;
  private readonly now: () => number;

  constructor(readonly source: string, private readonly opts: BreakerOptions) {
    this.now = opts.now ?? Date.now;
  }

  get state(): BreakerState {
    if (this.stateValue === 'open' && this.now() - this.openedAt >= this.opts.coolDownMs) this.set('half_open');
    return this.stateValue;
  }

  /** Runs fn unless the breaker is open; every outcome counts toward the state. */
  async run<T>(fn: () => Promise<T>, isFailure: (err: unknown) => boolean = () => true): Promise<T> {
    const state = this.state;
    if (state === 'open') throw new BreakerOpenError(this.source, this.opts.coolDownMs - (this.now() - this.openedAt));
    if (state === 'half_open') {
      if (this.trialInFlight) throw new BreakerOpenError(this.source, 0);
      this.trialInFlight = true;
    }
    try {
      const value = await fn();
      this.failures = 0;
      if (this.stateValue !== 'closed') this.set('closed');
      return value;
    } catch (err) {
      if (isFailure(err)) this.recordFailure();
      throw err;
    } finally {
      if (state === 'half_open') this.trialInFlight = false;
    }
  }

  private recordFailure(): void {
    this.failures += 1;
    if (this.stateValue === 'half_open' || this.failures >= this.opts.failureThreshold) {
      this.openedAt = this.now();
      this.set('open');
    }
  }

  private set(to: BreakerState): void {
    const from = this.stateValue;
    if (from === to) return;
    this.stateValue = to;
    this.opts.onStateChange?.(from, to);
  }
}
