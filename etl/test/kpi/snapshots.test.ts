import { loadBatch } from '../../src/load/loader';
import type { Batch } from '../../src/schema/tables';
import type { TestDb } from '../helpers/testDb';
import { AT, createDepthDb } from './depthFixture';
import { num } from './fixture';

type Row = Record<string, unknown>;

// The "as of" KPIs whose output the ETL stores (migration 0090, sql/views/snapshots.sql), each
// with the query that reads it through the snapshot (when exact) and the live definition.
const KPIS: Array<{ name: string; read: (at: string) => string; live: (at: string) => string }> = [
  { name: 'rfm_customers', read: (at) => `kpi.rfm_customers_at('${at}')`, live: (at) => `kpi.rfm_customers_live('${at}')` },
  { name: 'rfm_segments', read: (at) => `kpi.rfm_segments_at('${at}')`, live: (at) => `kpi.rfm_segments_live('${at}')` },
  { name: 'cohort_retention', read: (at) => `kpi.cohort_retention_at('${at}')`, live: (at) => `kpi.cohort_retention_live('${at}')` },
  { name: 'clv', read: (at) => `kpi.clv_at('${at}')`, live: (at) => `kpi.clv_live('${at}')` },
  { name: 'repeat_rate_90d', read: (at) => `kpi.repeat_rate_90d_at('${at}')`, live: (at) => `kpi.repeat_rate_90d_live('${at}')` },
];

const plusHours = (iso: string, h: number) => new Date(Date.parse(iso) + h * 3_600_000).toISOString();

describe('KPI snapshots: stored "as of" output, used only while exact (depthFixture.ts)', () => {
  let db: TestDb;
  const rows = async (from: string) => JSON.stringify((await db.query<Row>(`SELECT * FROM ${from}`)).rows);
  const windowOf = async (name: string, at: string) =>
    (await db.query<{ id: string | null }>(`SELECT kpi.snapshot_window($1, $2) AS id`, [name, at])).rows[0]?.id ?? null;
  const windows = async () => num((await db.query<Row>('SELECT count(*) AS n FROM kpi_snapshot_windows')).rows[0]?.n);

  beforeAll(async () => {
    db = await createDepthDb();
  });
  afterAll(async () => {
    await db.close();
  });

  it('reads live before any refresh', async () => {
    for (const k of KPIS) {
      expect(await windowOf(k.name, AT)).toBeNull();
      expect(await rows(k.read(AT))).toEqual(await rows(k.live(AT)));
    }
  });

  it('after a refresh, answers from the stored window, equal to the live function over the whole window', async () => {
    const computed = num((await db.query<Row>(`SELECT kpi.refresh_snapshots('${AT}') AS n`)).rows[0]?.n);
    expect(computed).toBeGreaterThanOrEqual(6);
    for (const k of KPIS) expect(await windowOf(k.name, AT)).not.toBeNull();
    // RFM at AT: the previous order is Ivy's cancelled 04-11 order, the next Hal's 04-20 order
    // (Fay's refund is issued the same day, later): the window is (04-11 order, 04-20 order].
    const w = (await db.query<Row>(`SELECT lower(valid) AS lo, upper(valid) AS hi FROM kpi_snapshot_windows w
                                     WHERE window_id = kpi.snapshot_window('rfm_segments', '${AT}')`)).rows[0]!;
    // JS dates carry milliseconds; the bounds are 1 µs after an event: step 1 ms inside
    const lo = new Date((w.lo as Date).getTime() + 1).toISOString();
    const hi = (w.hi as Date).toISOString();
    const last = new Date(Date.parse(hi) - 1).toISOString(); // the last whole ms inside (hi is 1 µs past a whole ms)
    for (const at of [AT, lo, plusHours(AT, 1), plusHours(AT, 30.1234), last]) {
      for (const k of KPIS) {
        const id = await windowOf(k.name, at);
        if (k.name.startsWith('rfm')) expect(id).not.toBeNull();
        expect([k.name, at, await rows(k.read(at))]).toEqual([k.name, at, await rows(k.live(at))]);
      }
    }
    // recency_days is computed for the instant asked: Dee, 13 days at AT, is 14 a day later
    const dee = await db.query<Row>(`SELECT recency_days FROM kpi.rfm_customers_at('${plusHours(AT, 24)}') WHERE customer_id = 'D1'`);
    expect(num(dee.rows[0]?.recency_days)).toBe(14);
    expect(await windowOf('rfm_customers', plusHours(AT, 24))).not.toBeNull();
    // outside the window: live again
    expect(await windowOf('rfm_segments', plusHours(hi, 1))).toBeNull();
  });

  it('the "now" views and days_between_purchases read the snapshot refreshed for now', async () => {
    await db.query('SELECT kpi.refresh_snapshots(now())');
    for (const name of ['rfm_segments', 'cohort_retention', 'clv', 'repeat_rate_90d', 'days_between_purchases']) {
      expect([name, await windowOf(name, new Date().toISOString())]).not.toEqual([name, null]);
    }
    expect(await rows('kpi.days_between_purchases')).toEqual(await rows('kpi.days_between_purchases_live'));
    expect(await rows('kpi.clv')).toEqual(await rows('kpi.clv_live(now())'));
    expect(await rows('kpi.repeat_rate_90d')).toEqual(await rows('kpi.repeat_rate_90d_live(now())'));
  });

  it('a raw order inserted after the refresh is counted at once; the next refresh serves it from the snapshot', async () => {
    await db.query(`INSERT INTO orders (order_id, placed_at, customer_id, status, subtotal_cents, discount_cents, total_cents, source, source_id)
                    VALUES ('SNAP1', '2026-04-15T10:00:00Z', 'D5', 'completed', 2000, 0, 2000, 't', 'SNAP1')`);
    expect(await windowOf('rfm_customers', AT)).toBeNull();
    expect(await windowOf('days_between_purchases', AT)).toBeNull();
    const hal = async () => (await db.query<Row>(`SELECT frequency, monetary, recency_days FROM kpi.rfm_customers_at('${AT}') WHERE customer_id = 'D5'`)).rows[0];
    // Hal: 04-10 15.00 and now 04-15 10:00Z 20.00, 6 hours before AT
    expect([num((await hal())?.frequency), num((await hal())?.monetary), num((await hal())?.recency_days)]).toEqual([2, 35, 0.25]);
    const clv = await db.query<Row>(`SELECT customers, clv_historical FROM kpi.clv_at('${AT}')`);
    // five customers with a valid order before AT: 220 + 70 + 80 + 50 + 35 + 90 (Ivy) = 545 over 6
    expect([num(clv.rows[0]?.customers), num(clv.rows[0]?.clv_historical)]).toEqual([6, 90.83]);
    await db.query(`SELECT kpi.refresh_snapshots('${AT}')`);
    expect(await windowOf('rfm_customers', AT)).not.toBeNull();
    expect([num((await hal())?.frequency), num((await hal())?.monetary), num((await hal())?.recency_days)]).toEqual([2, 35, 0.25]);
    for (const k of KPIS) expect(await rows(k.read(AT))).toEqual(await rows(k.live(AT)));
  });

  it('a raw refund inserted after the refresh is subtracted at once', async () => {
    await db.query(`INSERT INTO refunds (refund_id, refunded_at, order_id, amount_cents, reason, source, source_id)
                    VALUES ('SNAPR1', '2026-04-15T11:00:00Z', 'SNAP1', 500, 'customer_request', 't', 'SNAPR1')`);
    expect(await windowOf('clv', AT)).toBeNull();
    const hal = await db.query<Row>(`SELECT monetary FROM kpi.rfm_customers_at('${AT}') WHERE customer_id = 'D5'`);
    expect(num(hal.rows[0]?.monetary)).toBe(30);
    const clv = await db.query<Row>(`SELECT clv_historical FROM kpi.clv_at('${AT}')`);
    expect(num(clv.rows[0]?.clv_historical)).toBe(90); // 540 / 6
    await db.query(`SELECT kpi.refresh_snapshots('${AT}')`);
    expect(await windowOf('clv', AT)).not.toBeNull();
    for (const k of KPIS) expect(await rows(k.read(AT))).toEqual(await rows(k.live(AT)));
  });

  it('a re-load of identical rows through the loader leaves the snapshot current; a changed row does not', async () => {
    const batch = (subtotal: number): Batch => ({
      orders: [{ order_id: 'SNAP2', placed_at: '2026-04-15T09:00:00Z', customer_id: 'D4', status: 'completed', subtotal_cents: subtotal,
                 discount_cents: 0, total_cents: subtotal, source: 'test', source_id: 'SNAP2' }],
    });
    await loadBatch(db, { source: 'test', stream: 'orders' }, batch(1000));
    await db.query(`SELECT kpi.refresh_snapshots('${AT}')`);
    const before = await windows();
    expect(await windowOf('rfm_segments', AT)).not.toBeNull();
    await loadBatch(db, { source: 'test', stream: 'orders' }, batch(1000));
    expect(await windowOf('rfm_segments', AT)).not.toBeNull();
    expect(await db.query(`SELECT kpi.refresh_snapshots('${AT}') AS n`).then((r) => num((r.rows[0] as Row).n))).toBe(0);
    expect(await windows()).toBe(before);
    await loadBatch(db, { source: 'test', stream: 'orders' }, batch(1200));
    expect(await windowOf('rfm_segments', AT)).toBeNull();
    const gus = await db.query<Row>(`SELECT frequency, monetary FROM kpi.rfm_customers_at('${AT}') WHERE customer_id = 'D4'`);
    expect([num(gus.rows[0]?.frequency), num(gus.rows[0]?.monetary)]).toEqual([3, 62]);
  });

  it('a re-applied view set does not use windows computed by the previous one', async () => {
    await db.query(`SELECT kpi.refresh_snapshots('${AT}')`);
    expect(await windowOf('clv', AT)).not.toBeNull();
    // the fill function is a new object after a re-apply; simulate by pointing the window elsewhere
    await db.query(`UPDATE kpi_snapshot_windows SET fill_oid = 0 WHERE snapshot = 'clv'`);
    expect(await windowOf('clv', AT)).toBeNull();
    expect(await rows(`kpi.clv_at('${AT}')`)).toEqual(await rows(`kpi.clv_live('${AT}')`));
  });
});
