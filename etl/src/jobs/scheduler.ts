import cron, { type ScheduledTask } from 'node-cron';
import type { Logger } from '../log/logger';
import type { JobLock } from './lock';

export interface JobDef {
  name: string;
  cron: string;
  /** Upper bound for one run; the lock expires after it if the process dies. */
  ttlMs: number;
  run: () => Promise<unknown>;
}

/**
 * node-cron schedules, one run per job at a time (a tick that finds its job still running is
 * skipped), a Redis lock across processes, and a stop() that waits for runs in flight so a
 * SIGTERM never cuts a batch in half.
 */
export class Scheduler {
  private readonly tasks: ScheduledTask[] = [];
  private readonly inFlight = new Map<string, Promise<void>>();
  private stopping = false;

  constructor(private readonly lock: JobLock, private readonly log: Logger) {}

  add(job: JobDef): void {
    if (!cron.validate(job.cron)) throw new Error(`job ${job.name}: invalid cron expression "${job.cron}"`);
    const task = cron.schedule(job.cron, () => void this.trigger(job), { name: job.name, noOverlap: true });
    this.tasks.push(task);
  }

  /** Runs a job now (also used by the ticks); resolves when it finished or was skipped. */
  trigger(job: JobDef): Promise<void> {
    if (this.stopping) return Promise.resolve();
    const running = this.inFlight.get(job.name);
    if (running) return running;
    const started = Date.now();
    const p = this.lock
      .withLock(job.name, job.ttlMs, job.run)
      .then((r) => {
        if (r.ran) this.log.debug('job done', { job: job.name, ms: Date.now() - started });
        else this.log.debug('job skipped: held elsewhere', { job: job.name });
      })
      .catch((err: unknown) => {
        this.log.error('job failed', { job: job.name, error: err instanceof Error ? err.message : String(err) });
      })
      .finally(() => this.inFlight.delete(job.name));
    this.inFlight.set(job.name, p);
    return p;
  }

  async stop(): Promise<void> {
    this.stopping = true;
    for (const t of this.tasks) await t.stop();
    await Promise.all([...this.inFlight.values()]);
  }
}
