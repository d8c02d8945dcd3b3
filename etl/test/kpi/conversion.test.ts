import type { TestDb } from '../helpers/testDb';
import { createSeededKpiDb, isoDay, num } from './fixture';

type Row = Record<string, unknown>;

// Local range Thu 03-05 00:00 EST .. Sat 03-07 00:00 EST.
const FROM = '2026-03-05T05:00:00Z';
const TO = '2026-03-07T05:00:00Z';

describe('conversion, funnel and cart KPIs (hand-computed from fixture.ts)', () => {
  let db: TestDb;
  beforeAll(async () => {
    db = await createSeededKpiDb();
  });
  afterAll(async () => {
    await db.close();
  });

  const day = async (view: string, d: string) => (await db.query<Row>(`SELECT * FROM kpi.${view} WHERE day = $1`, [d])).rows;

  it('conversion_daily from session facts (03-05, 03-06)', async () => {
    // 03-05: S1..S5 (S5 23:30 EST) → 5 sessions, visitors v1 v2 v3 v4 = 4, ATC S1 S2 S3 = 3,
    // checkout S1 S2 = 2, completed S1 = 1, purchase S1 = 1.
    const [d5] = await day('conversion_daily', '2026-03-05');
    expect(d5).toMatchObject({
      sessions: 5, visitors: 4, add_to_cart_sessions: 3, checkout_sessions: 2,
      completed_checkout_sessions: 1, purchase_sessions: 1, data_source: 'sessions',
    });
    expect(num(d5?.conversion_rate)).toBe(0.2); // 1 / 5
    expect(num(d5?.add_to_cart_rate)).toBe(0.6); // 3 / 5
    expect(num(d5?.checkout_completion_rate)).toBe(0.5); // 1 / 2
    expect(num(d5?.conversion_target_low)).toBe(0.02);
    expect(num(d5?.conversion_target_high)).toBe(0.04);
    // 03-06: S6 S7 S8 → 3 sessions, 3 visitors, ATC 2, checkout 2, completed 1, purchase 1.
    const [d6] = await day('conversion_daily', '2026-03-06');
    expect(num(d6?.conversion_rate)).toBe(0.3333); // 1 / 3
    expect(num(d6?.add_to_cart_rate)).toBe(0.6667); // 2 / 3
    expect(num(d6?.checkout_completion_rate)).toBe(0.5); // 1 / 2
  });

  it('falls back to day-level traffic facts only for days without sessions', async () => {
    // 03-07 GA4 rows: sessions 100 + 50, users 80 + 40, ATC 10 + 5, checkout 5 + 2, purchases 2 + 1.
    const [d7] = await day('conversion_daily', '2026-03-07');
    expect(d7).toMatchObject({ sessions: 150, visitors: 120, add_to_cart_sessions: 15, checkout_sessions: 7, purchase_sessions: 3, data_source: 'traffic_daily' });
    expect(num(d7?.conversion_rate)).toBe(0.02); // 3 / 150
    expect(num(d7?.add_to_cart_rate)).toBe(0.1); // 15 / 150
    expect(num(d7?.checkout_completion_rate)).toBe(0.4286); // 3 / 7
    // 03-10 has neither: present with 0 and NULL rates.
    const [d10] = await day('conversion_daily', '2026-03-10');
    expect(d10).toMatchObject({ sessions: 0, visitors: 0, data_source: null });
    expect(d10?.conversion_rate).toBeNull();
  });

  it('visitors over a range are distinct over the range, not summed per day', async () => {
    // 03-05..03-06: 8 sessions, visitors v1..v6 = 6 (daily 4 + 3 = 7 would double count v2).
    const r = await db.query<Row>(`SELECT * FROM kpi.conversion_range($1, $2)`, [FROM, TO]);
    expect(r.rows[0]).toMatchObject({ sessions: 8, visitors: 6, add_to_cart_sessions: 5, checkout_sessions: 4, completed_checkout_sessions: 2, purchase_sessions: 2 });
    expect(num(r.rows[0]?.conversion_rate)).toBe(0.25); // 2 / 8
    expect(num(r.rows[0]?.add_to_cart_rate)).toBe(0.625); // 5 / 8
    expect(num(r.rows[0]?.checkout_completion_rate)).toBe(0.5); // 2 / 4
  });

  it('conversion by channel and device', async () => {
    const r = await db.query<Row>(`SELECT * FROM kpi.conversion_by_channel_daily WHERE day = '2026-03-05' AND channel = 'direct' AND device = 'mobile'`);
    // S2, S3: 2 sessions, both ATC, one checkout, no purchase
    expect(r.rows[0]).toMatchObject({ sessions: 2, add_to_cart_sessions: 2, checkout_sessions: 1, purchase_sessions: 0 });
    expect(num(r.rows[0]?.conversion_rate)).toBe(0);
    expect(num(r.rows[0]?.add_to_cart_rate)).toBe(1);
  });

  it('funnel: distinct visitors per step, drop-off % and the bottleneck against the catalog benchmark', async () => {
    const r = await db.query<Row>(`SELECT * FROM kpi.funnel($1, $2)`, [FROM, TO]);
    // visitors v1..v6 = 6; add to cart v1 v2 v6 = 3; checkout v1 v2 v6 = 3; order v1 v2 = 2
    expect(r.rows.map((x) => [x.step, x.visitors])).toEqual([['visitors', 6], ['add_to_cart', 3], ['checkout', 3], ['order', 2]]);
    // drop-off: 1 − 3/6 = 50 %, 1 − 3/3 = 0 %, 1 − 2/3 = 33.33 %
    expect(r.rows.map((x) => num(x.drop_off_pct))).toEqual([null, 50, 0, 33.33]);
    // benchmarks 90 / 55 / 50 % → excess −40, −55, −16.67: the order step is the bottleneck
    expect(r.rows.map((x) => num(x.benchmark_drop_off_pct))).toEqual([null, 90, 55, 50]);
    expect(r.rows.map((x) => num(x.excess_drop_off_pct))).toEqual([null, -40, -55, -16.67]);
    expect(r.rows.map((x) => x.is_bottleneck)).toEqual([false, false, false, true]);
    expect(r.rows.map((x) => num(x.step_rate))).toEqual([null, 0.5, 1, 0.6667]);
  });

  it('funnel on an empty range has no bottleneck', async () => {
    const r = await db.query<Row>(`SELECT * FROM kpi.funnel('2026-01-01', '2026-01-02')`);
    expect(r.rows.map((x) => x.visitors)).toEqual([0, 0, 0, 0]);
    expect(r.rows.some((x) => x.is_bottleneck)).toBe(false);
  });

  it('cart abandonment: 60 minutes idle without order; open carts wait', async () => {
    // 03-05: K1 converted, K2 K3 abandoned → 1 − 1/3 = 0.6667
    const [d5] = await day('cart_abandonment_daily', '2026-03-05');
    expect(d5).toMatchObject({ carts_created: 3, carts_converted: 1, carts_abandoned: 2, carts_open: 0 });
    expect(num(d5?.cart_abandonment_rate)).toBe(0.6667);
    // 03-06: K4 (recovered into A5) → converted → 0
    const [d6] = await day('cart_abandonment_daily', '2026-03-06');
    expect(d6).toMatchObject({ carts_created: 1, carts_converted: 1, carts_abandoned: 0 });
    expect(num(d6?.cart_abandonment_rate)).toBe(0);
    // K5, active 5 minutes ago, is open: not abandoned yet, rate undefined
    const today = await db.query<Row>(`SELECT * FROM kpi.cart_abandonment_daily WHERE carts_open > 0`);
    expect(today.rows).toHaveLength(1);
    expect(today.rows[0]).toMatchObject({ carts_created: 1, carts_abandoned: 0, carts_open: 1 });
    expect(today.rows[0]?.cart_abandonment_rate).toBeNull();
    // ... and 61 minutes from now it counts as abandoned.
    const later = await db.query<Row>(`SELECT sum(carts_abandoned)::int AS n FROM kpi.cart_abandonment_at(now() + INTERVAL '61 minutes')`);
    expect(later.rows[0]?.n).toBe(3);
  });

  it('abandonment by stage, weekday × hour and country', async () => {
    const st = await db.query<Row>(`SELECT stage, carts_abandoned FROM kpi.cart_abandonment_by_stage_daily WHERE day = '2026-03-05' ORDER BY stage`);
    expect(st.rows).toEqual([{ stage: 'cart', carts_abandoned: 1 }, { stage: 'checkout', carts_abandoned: 1 }]); // K3, K2
    // K2 16:00Z = Thu 11:00 EST, K3 17:00Z = Thu 12:00 EST (ISO weekday 4)
    const h = await db.query<Row>(`SELECT weekday, hour_of_day, carts_abandoned, carts_converted FROM kpi.cart_abandonment_by_hour WHERE day = '2026-03-05' ORDER BY hour_of_day`);
    expect(h.rows).toEqual([
      { weekday: 4, hour_of_day: 10, carts_abandoned: 0, carts_converted: 1 }, // K1 15:00Z
      { weekday: 4, hour_of_day: 11, carts_abandoned: 1, carts_converted: 0 },
      { weekday: 4, hour_of_day: 12, carts_abandoned: 1, carts_converted: 0 },
    ]);
    const c = await db.query<Row>(`SELECT country, carts_created, carts_abandoned, cart_abandonment_rate FROM kpi.cart_abandonment_by_country_daily WHERE day = '2026-03-05' ORDER BY country`);
    expect(c.rows.map((x) => [x.country, x.carts_created, x.carts_abandoned, num(x.cart_abandonment_rate)])).toEqual([
      ['CA', 1, 1, 1], // K3
      ['US', 2, 1, 0.5], // K1 converted, K2 abandoned → 1 − 1/2
    ]);
  });

  it('weekday × hour for a range: the hours starting in [from, to], both ends included, as the view filtered on time', async () => {
    const between = async (from: string, to: string) =>
      (await db.query<Row>(`SELECT hour_of_day, carts_created, carts_abandoned, carts_converted
                            FROM kpi.cart_abandonment_by_hour_between('${from}', '${to}') ORDER BY time`)).rows
        .map((x) => [x.hour_of_day, x.carts_created, x.carts_abandoned, x.carts_converted]);
    // K1's hour starts at 15:00Z, K3's at 17:00Z: both ends count; K2's 16:00Z hour in between
    expect(await between('2026-03-05T15:00:00Z', '2026-03-05T17:00:00Z')).toEqual([[10, 1, 0, 1], [11, 1, 1, 0], [12, 1, 1, 0]]);
    // a range starting inside K1's hour leaves it out; one ending inside K3's hour keeps it
    expect(await between('2026-03-05T15:00:00.001Z', '2026-03-05T17:59:00Z')).toEqual([[11, 1, 1, 0], [12, 1, 1, 0]]);
    const ranges = [['2026-03-05T15:00:00Z', '2026-03-05T17:00:00Z'], ['2026-03-05T15:30:00Z', '2026-03-05T16:59:59.999Z'],
      ['2026-03-01T00:00:00Z', '2026-04-01T00:00:00Z'], ['2000-01-01T00:00:00Z', '2100-01-01T00:00:00Z']];
    for (const zone of ['UTC', 'America/New_York', 'Asia/Kathmandu']) {
      await db.exec(`SET TIME ZONE '${zone}'`);
      for (const [from, to] of ranges) {
        const q = (src: string) => db.query<Row>(`SELECT * FROM ${src} ORDER BY time, weekday, hour_of_day`).then((r) => r.rows);
        expect(await q(`kpi.cart_abandonment_by_hour_between('${from}', '${to}')`))
          .toEqual(await q(`kpi.cart_abandonment_by_hour WHERE time BETWEEN '${from}' AND '${to}'`));
      }
    }
    await db.exec('SET TIME ZONE DEFAULT');
  });

  it('abandonment by stage and by country: the per-day counts of kpi.cart_status_at(now())', async () => {
    const stage = `SELECT kpi.day_start(c.day) AS time, c.day, c.stage, count(*) FILTER (WHERE c.abandoned) AS carts_abandoned, count(*) AS carts_created
                   FROM kpi.cart_status_at(now()) c GROUP BY c.day, c.stage ORDER BY 2, 3`;
    expect((await db.query<Row>(`SELECT * FROM kpi.cart_abandonment_by_stage_daily ORDER BY 2, 3`)).rows).toEqual((await db.query<Row>(stage)).rows);
    const country = `SELECT kpi.day_start(c.day) AS time, c.day, c.country, count(*) AS carts_created, count(*) FILTER (WHERE c.abandoned) AS carts_abandoned,
                            count(*) FILTER (WHERE c.converted) AS carts_converted,
                            round(1 - (count(*) FILTER (WHERE c.converted))::numeric / NULLIF(count(*) FILTER (WHERE c.converted OR c.abandoned), 0), 4) AS cart_abandonment_rate
                     FROM kpi.cart_status_at(now()) c GROUP BY c.day, c.country ORDER BY 2, 3`;
    const rows = (await db.query<Row>(`SELECT * FROM kpi.cart_abandonment_by_country_daily ORDER BY 2, 3`)).rows;
    expect(rows.length).toBeGreaterThan(1);
    expect(rows).toEqual((await db.query<Row>(country)).rows);
  });

  it('abandoned-cart recovery by step and variant: rate, revenue, ROI', async () => {
    const r = await db.query<Row>(`SELECT * FROM kpi.cart_recovery ORDER BY recovery_step`);
    // RC1 (step 1, A, cost 10.00): emailed K2 K3, none recovered
    expect(r.rows[0]).toMatchObject({ campaign_id: 'RC1', recovery_step: 1, variant: 'A', carts_emailed: 2, carts_recovered: 0 });
    expect(num(r.rows[0]?.recovery_rate)).toBe(0);
    expect(num(r.rows[0]?.recovered_revenue)).toBe(0);
    expect(num(r.rows[0]?.recovery_roi)).toBe(0); // 0 / 10.00
    // RC2 (step 2, B, cost 20.00): emailed K4, recovered into A5 → 10000 − 1000 = 90.00; ROI 90 / 20 = 4.5
    expect(r.rows[1]).toMatchObject({ campaign_id: 'RC2', recovery_step: 2, variant: 'B', carts_emailed: 1, carts_recovered: 1 });
    expect(num(r.rows[1]?.recovery_rate)).toBe(1);
    expect(num(r.rows[1]?.recovered_revenue)).toBe(90);
    expect(num(r.rows[1]?.campaign_cost)).toBe(20);
    expect(num(r.rows[1]?.recovery_roi)).toBe(4.5);
    // Overall: 1 of 3 emailed carts recovered
    const d = await db.query<Row>(`SELECT sum(carts_emailed)::int AS e, sum(carts_recovered)::int AS r, sum(recovered_revenue) AS rev FROM kpi.cart_recovery_daily`);
    expect(d.rows[0]).toMatchObject({ e: 3, r: 1 });
    expect(num(d.rows[0]?.rev)).toBe(90);
    const d6 = await db.query<Row>(`SELECT * FROM kpi.cart_recovery_daily WHERE day = '2026-03-06'`);
    expect(isoDay(d6.rows[0]?.day)).toBe('2026-03-06');
    expect(num(d6.rows[0]?.recovery_rate)).toBe(1);
  });
});
