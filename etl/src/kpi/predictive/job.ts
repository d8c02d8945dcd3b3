/**
 * The scheduled predictive-CLV refresh: the cron ticks hourly and the run fits only when today's
 * (store day) fit is missing, so a daemon started at any hour has a fit within the hour and one
 * fit a day after that.
 */
import type { Db } from '../../db/db';
import type { JobDef } from '../../jobs/scheduler';
import type { Logger } from '../../log/logger';
import { refreshPredictiveClv } from './refresh';

export const CLV_FIT_CRON = '17 * * * *';

export async function fittedToday(db: Db, now: Date): Promise<boolean> {
  const r = await db.query<{ ok: boolean }>(`SELECT EXISTS (SELECT 1 FROM clv_fits WHERE fit_date = kpi.local_day($1::timestamptz)) AS ok`, [now.toISOString()]);
  return r.rows[0]?.ok === true;
}

export function predictiveClvJob(db: Db, log: Logger, now: () => Date = () => new Date()): JobDef {
  return {
    name: 'clv-predictive-fit',
    cron: CLV_FIT_CRON,
    ttlMs: 10 * 60_000,
    run: async () => {
      const at = now();
      if (await fittedToday(db, at)) return;
      const r = await refreshPredictiveClv(db, at);
      if (r.status === 'fitted') log.info('predictive CLV fitted', { fitDate: r.fitDate, customers: r.customers, repeatCustomers: r.repeatCustomers, ms: r.ms });
      else log.warn('predictive CLV not fitted', { reason: r.reason });
    },
  };
}
