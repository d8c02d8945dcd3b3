/**
 * Daily predictive-CLV refresh: summarise every customer's valid orders before an instant, fit
 * BG/NBD and Gamma–Gamma on them, and write the parameters (with the fit date) and one
 * prediction per customer to clv_fits / clv_predictions (sql/migrations/0073_clv_predictive.sql).
 */
import type { Db } from '../../db/db';
import { expectedPurchases, fitBgNbd, probabilityAlive, type RfmSummary } from './bgnbd';
import { expectedAverageValue, fitGammaGamma, type SpendSummary } from './gammaGamma';

export const CLV_HORIZON_DAYS = 365;
/** Below these the likelihood surface is too flat to say anything; the refresh skips. */
export const MIN_CUSTOMERS = 20;
export const MIN_REPEAT_CUSTOMERS = 5;

export interface CustomerSummary extends RfmSummary {
  customerId: string;
  /** mean net value of the repeat purchases, cents; null without repeats */
  mCents: number | null;
}

export type ClvRefreshResult =
  | { status: 'fitted'; fitDate: string; customers: number; repeatCustomers: number; storeClvCents: number; ms: number }
  | { status: 'skipped'; reason: string; customers: number; repeatCustomers: number };

/**
 * Purchases are local store days with valid orders (orders of one day add up to one purchase);
 * each order's value is item subtotal − discounts − its refunds issued before `at`.
 */
export async function customerSummaries(db: Db, at: Date): Promise<CustomerSummary[]> {
  const r = await db.query<{ customer_id: string; x: number; tx: number; t_age: number; m_cents: string | null }>(
    `WITH o AS (
       SELECT o.customer_id, o.placed_at, kpi.local_day(o.placed_at) AS day,
              o.subtotal_cents - o.discount_cents
                - coalesce((SELECT sum(r.amount_cents) FROM refunds r WHERE r.order_id = o.order_id AND r.refunded_at < $1), 0) AS cents
       FROM orders o
       WHERE o.status <> 'cancelled' AND NOT o.is_test AND o.customer_id IS NOT NULL AND o.placed_at < $1
     ), d AS (
       SELECT customer_id, day, min(placed_at) AS at, sum(cents) AS cents FROM o GROUP BY customer_id, day
     ), s AS (
       SELECT d.*, row_number() OVER (PARTITION BY customer_id ORDER BY at) AS k FROM d
     )
     SELECT customer_id, (count(*) - 1)::int AS x,
            (extract(epoch FROM max(at) - min(at)) / 86400)::float8 AS tx,
            (extract(epoch FROM $1::timestamptz - min(at)) / 86400)::float8 AS t_age,
            (avg(cents) FILTER (WHERE k > 1))::text AS m_cents
     FROM s GROUP BY customer_id ORDER BY customer_id`,
    [at.toISOString()],
  );
  return r.rows.map((row) => ({
    customerId: row.customer_id,
    x: Number(row.x),
    tx: Number(row.tx),
    T: Number(row.t_age),
    mCents: row.m_cents === null ? null : Number(row.m_cents),
  }));
}

/** Spend input of one customer in currency units; a non-positive mean (all refunded) counts as 0. */
export function spendOf(c: CustomerSummary): SpendSummary {
  return { x: c.x, m: c.mCents === null ? 0 : Math.max(c.mCents, 0) / 100 };
}

export async function refreshPredictiveClv(db: Db, at: Date, horizonDays = CLV_HORIZON_DAYS): Promise<ClvRefreshResult> {
  const started = Date.now();
  const people = await customerSummaries(db, at);
  const spend = people.map(spendOf);
  const repeatCustomers = spend.filter((s) => s.x > 0 && s.m > 0).length;
  if (people.length < MIN_CUSTOMERS || repeatCustomers < MIN_REPEAT_CUSTOMERS) {
    return {
      status: 'skipped',
      reason: `needs at least ${MIN_CUSTOMERS} customers and ${MIN_REPEAT_CUSTOMERS} with a repeat purchase, has ${people.length} and ${repeatCustomers}`,
      customers: people.length,
      repeatCustomers,
    };
  }
  const bg = fitBgNbd(people);
  const gg = fitGammaGamma(spend);
  const rows = people.map((c, i) => {
    const n = expectedPurchases(bg.params, c, horizonDays);
    const v = expectedAverageValue(gg.params, spend[i]!) * 100;
    return { c, alive: probabilityAlive(bg.params, c), n, v, clv: n * v };
  });
  const storeClvCents = rows.reduce((s, r) => s + r.clv, 0);

  const fitDate = await db.transaction(async (tx) => {
    const day = (await tx.query<{ d: string }>(`SELECT kpi.local_day($1::timestamptz)::text AS d`, [at.toISOString()])).rows[0]!.d;
    await tx.query('DELETE FROM clv_fits WHERE fit_date = $1', [day]);
    const f = await tx.query<{ fit_id: string }>(
      `INSERT INTO clv_fits (fit_date, calibration_end, horizon_days, customers, repeat_customers, bg_r, bg_alpha, bg_a, bg_b,
         bg_log_likelihood, bg_converged, gg_p, gg_q, gg_gamma, gg_log_likelihood, gg_converged)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16) RETURNING fit_id::text`,
      [day, at.toISOString(), horizonDays, people.length, repeatCustomers, bg.params.r, bg.params.alpha, bg.params.a, bg.params.b,
        bg.logLikelihood, bg.converged, gg.params.p, gg.params.q, gg.params.gamma, gg.logLikelihood, gg.converged],
    );
    const fitId = f.rows[0]!.fit_id;
    // Predictions are kept for the latest fit only; every fit's parameters stay.
    await tx.query('DELETE FROM clv_predictions WHERE fit_id <> $1', [fitId]);
    for (let i = 0; i < rows.length; i += 2000) {
      const chunk = rows.slice(i, i + 2000);
      await tx.query(
        `INSERT INTO clv_predictions (fit_id, customer_id, repeat_purchases, recency_days, age_days, avg_repeat_value_cents, prob_alive,
           expected_purchases, expected_avg_value_cents, expected_clv_cents)
         SELECT $1, * FROM unnest($2::text[], $3::int[], $4::float8[], $5::float8[], $6::float8[], $7::float8[], $8::float8[], $9::float8[], $10::float8[])`,
        [fitId, chunk.map((r) => r.c.customerId), chunk.map((r) => r.c.x), chunk.map((r) => r.c.tx), chunk.map((r) => r.c.T),
          chunk.map((r) => r.c.mCents), chunk.map((r) => r.alive), chunk.map((r) => r.n), chunk.map((r) => r.v), chunk.map((r) => r.clv)],
      );
    }
    return day;
  });
  return { status: 'fitted', fitDate, customers: people.length, repeatCustomers, storeClvCents, ms: Date.now() - started };
}
