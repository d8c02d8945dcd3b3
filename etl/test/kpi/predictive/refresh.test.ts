import { expectedPurchases } from '../../../src/kpi/predictive/bgnbd';
import { expectedAverageValue } from '../../../src/kpi/predictive/gammaGamma';
import { fittedToday, predictiveClvJob } from '../../../src/kpi/predictive/job';
import { customerSummaries, refreshPredictiveClv } from '../../../src/kpi/predictive/refresh';
import { logger } from '../../../src/log/logger';
import { createTestDb, type TestDb } from '../../helpers/testDb';
import { population } from './synthetic';

type Row = Record<string, unknown>;
const AT = new Date('2026-04-01T00:00:00Z'); // Tue 03-31 20:00 EDT: the fit date is 2026-03-31
const DAY = 86_400_000;

/*
 * X1, by hand (America/New_York):
 *   01-05 15:00Z 50.00 and 01-06 04:30Z (23:30 EST, still 01-05 locally) 10.00 → one purchase, 60.00
 *   02-10 15:00Z 30.00 − 10.00 refunded 02-12                                  → 20.00
 *   03-01 15:00Z 40.00, refunded 04-05 (after AT: still 40.00 at AT)             → 40.00
 *   03-02 cancelled; 04-10 after AT                                             → ignored
 * x = 2 repeats, tx = 01-05 15:00 → 03-01 15:00 = 55 days, T = 01-05 15:00 → 04-01 00:00 = 85.375 days,
 * mean repeat value (20.00 + 40.00) / 2 = 30.00.
 */
describe('predictive CLV refresh on the database', () => {
  let db: TestDb;
  const people = population(7, 1500, { r: 0.8, alpha: 40, a: 0.8, b: 4 }, { p: 6, q: 4, gamma: 30 }, 365);
  let holdoutOrders = 0;

  beforeAll(async () => {
    db = await createTestDb({ timeZone: 'America/New_York' });
    await db.exec(`
      INSERT INTO orders (order_id, placed_at, customer_id, status, subtotal_cents, discount_cents, total_cents, source, source_id) VALUES
        ('x1a', '2026-01-05T15:00:00Z', 'X1', 'completed', 5000, 0, 5000, 't', 'x1a'),
        ('x1b', '2026-01-06T04:30:00Z', 'X1', 'completed', 1000, 0, 1000, 't', 'x1b'),
        ('x1c', '2026-02-10T15:00:00Z', 'X1', 'refunded',  3000, 0, 3000, 't', 'x1c'),
        ('x1d', '2026-03-01T15:00:00Z', 'X1', 'refunded',  4500, 500, 4000, 't', 'x1d'),
        ('x1e', '2026-03-02T15:00:00Z', 'X1', 'cancelled', 9000, 0, 9000, 't', 'x1e'),
        ('x1f', '2026-04-10T15:00:00Z', 'X1', 'completed', 9000, 0, 9000, 't', 'x1f');
      INSERT INTO refunds (refund_id, refunded_at, order_id, amount_cents, reason, source, source_id) VALUES
        ('xr1', '2026-02-12T15:00:00Z', 'x1c', 1000, 'customer_request', 't', 'xr1'),
        ('xr2', '2026-04-05T15:00:00Z', 'x1d', 4000, 'customer_request', 't', 'xr2');`);
    // The synthetic customers as orders: first purchase T days before AT, repeats after it,
    // including the year after AT that the fit must not see.
    const ids: string[] = [], at: string[] = [], cust: string[] = [], cents: number[] = [];
    people.forEach((c, i) => {
      const birth = AT.getTime() - c.T * DAY;
      [0, ...c.repeats].forEach((t, k) => {
        ids.push(`s${i}-${k}`);
        at.push(new Date(birth + t * DAY).toISOString());
        cust.push(`S${i}`);
        cents.push(Math.max(1, Math.round(c.values[k]! * 100)));
        if (k > 0 && t > c.T) holdoutOrders++;
      });
    });
    await db.query(
      `INSERT INTO orders (order_id, placed_at, customer_id, status, subtotal_cents, total_cents, source, source_id)
       SELECT id, ts, c, 'completed', v, v, 't', id FROM unnest($1::text[], $2::timestamptz[], $3::text[], $4::bigint[]) AS x(id, ts, c, v)`,
      [ids, at, cust, cents],
    );
  }, 120_000);
  afterAll(async () => {
    await db.close();
  });

  it('summarises a customer as the hand-worked example says', async () => {
    const x1 = (await customerSummaries(db, AT)).find((c) => c.customerId === 'X1');
    expect(x1).toEqual({ customerId: 'X1', x: 2, tx: 55, T: 85.375, mCents: 3000 });
  });

  it('skips with a reason when there are too few customers', async () => {
    // the earliest synthetic first purchases are 540 days before AT: a day later only a handful exist
    const r = await refreshPredictiveClv(db, new Date(AT.getTime() - 539 * DAY));
    expect(r.status).toBe('skipped');
    expect(r).toMatchObject({ reason: expect.stringMatching(/needs at least 20 customers/) });
  });

  it('fits, stores parameters with the fit date and per-customer predictions, and the views add them up', async () => {
    const r = await refreshPredictiveClv(db, AT);
    expect(r).toMatchObject({ status: 'fitted', fitDate: '2026-03-31', customers: 1501 });
    const fit = (await db.query<Row>(`SELECT * FROM clv_fits`)).rows;
    expect(fit).toHaveLength(1);
    const f = fit[0]!;
    expect(f.bg_converged && f.gg_converged).toBe(true);
    const bg = { r: Number(f.bg_r), alpha: Number(f.bg_alpha), a: Number(f.bg_a), b: Number(f.bg_b) };
    const gg = { p: Number(f.gg_p), q: Number(f.gg_q), gamma: Number(f.gg_gamma) };
    // X1's prediction recomputed from the stored parameters and the hand summary
    const x1 = (await db.query<Row>(`SELECT * FROM kpi.clv_predictive_customers WHERE customer_id = 'X1'`)).rows[0]!;
    const n = expectedPurchases(bg, { x: 2, tx: 55, T: 85.375 }, 365);
    const v = expectedAverageValue(gg, { x: 2, m: 30 });
    expect(Number(x1.expected_purchases_12m)).toBeCloseTo(n, 4);
    expect(Number(x1.expected_clv_12m)).toBe(Math.round(n * v * 100) / 100);
    // the store figure is the sum over customers; the per-customer figure its mean
    const s = (await db.query<Row>(`SELECT * FROM kpi.clv_predictive`)).rows[0]!;
    const sum = (await db.query<Row>(`SELECT sum(expected_clv_cents) AS c, avg(expected_clv_cents) AS m FROM clv_predictions`)).rows[0]!;
    expect(Number(s.store_expected_clv_12m)).toBe(Math.round(Number(sum.c)) / 100);
    expect(Number(s.clv_predictive_12m)).toBe(Math.round(Number(sum.m)) / 100);
    expect(Number(s.store_expected_clv_12m)).toBeCloseTo(r.status === 'fitted' ? r.storeClvCents / 100 : NaN, 2);
    // held-out check through the database: the orders after AT that the fit never saw
    expect(Math.abs(Number(s.expected_purchases_12m) - holdoutOrders) / holdoutOrders).toBeLessThan(0.15);
  }, 120_000);

  it('a second fit the same store day replaces the first; the job fits only when today has none', async () => {
    await refreshPredictiveClv(db, new Date(AT.getTime() + 3 * 3600_000)); // 23:00 EDT, still 03-31
    expect((await db.query<Row>(`SELECT fit_date::text AS d FROM clv_fits`)).rows).toEqual([{ d: '2026-03-31' }]);
    expect(await fittedToday(db, AT)).toBe(true);
    const next = new Date(AT.getTime() + 5 * 3600_000); // 04-01 01:00 EDT
    expect(await fittedToday(db, next)).toBe(false);
    await predictiveClvJob(db, logger, () => next).run();
    expect((await db.query<Row>(`SELECT fit_date::text AS d FROM clv_fits ORDER BY fit_date`)).rows).toEqual([{ d: '2026-03-31' }, { d: '2026-04-01' }]);
    // predictions are kept for the latest fit only
    expect((await db.query<Row>(`SELECT count(DISTINCT fit_id)::int AS n FROM clv_predictions`)).rows[0]?.n).toBe(1);
    expect((await db.query<Row>(`SELECT fit_date::text AS d FROM kpi.clv_predictive`)).rows).toEqual([{ d: '2026-04-01' }]);
  }, 120_000);

  it('the manager reads the predictive views, not the tables', async () => {
    await db.exec('SET ROLE kpi_manager');
    try {
      expect((await db.query<Row>('SELECT customers FROM mgr.clv_predictive')).rows).toHaveLength(1);
      await expect(db.query('SELECT * FROM public.clv_fits')).rejects.toThrow(/permission denied/);
    } finally {
      await db.exec('RESET ROLE');
    }
  });
});
