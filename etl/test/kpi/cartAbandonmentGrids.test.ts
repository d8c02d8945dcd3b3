// Cart abandonment per day, day × stage, day × country and local hour is read from count grids
// (0160) kept by a row trigger on cart_activity, minus the carts now() decides (open ones and
// those created after now()), read live. Hand-made carts in America/New_York (May = EDT, UTC−4);
// each step's expected figures are counted by hand in the comments, and every view is also checked
// against its former definition, which counted the carts of cart_activity day by day.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { renderStoreTimeZone } from '../../src/db/sqlTemplate';
import { createTestDb, type TestDb } from '../helpers/testDb';
import { num } from './fixture';

type Row = Record<string, unknown>;

const CART_COLS = 'cart_id, created_at, last_activity_at, stage, country, order_id, subtotal_cents, source, source_id';
const CART_UPSERT = `ON CONFLICT (cart_id, created_at) DO UPDATE SET last_activity_at = EXCLUDED.last_activity_at, stage = EXCLUDED.stage,
  country = EXCLUDED.country, order_id = EXCLUDED.order_id, subtotal_cents = EXCLUDED.subtotal_cents`;
// A cart row; `created` and `last` are SQL expressions (literals are quoted by the caller).
const cart = (id: string, created: string, last: string, stage: string, country: string | null, order: string | null) =>
  `('${id}', ${created}, ${last}, '${stage}', ${country === null ? 'NULL' : `'${country}'`}, ${order === null ? 'NULL' : `'${order}'`}, 1000, 't', '${id}')`;
const q = (s: string) => `'${s}'`;

// The former definitions: the carts of each local day counted from cart_activity.
const LIVE = `
  SELECT count(*) AS carts_created,
         count(*) FILTER (WHERE x.order_id IS NOT NULL) AS carts_converted,
         count(*) FILTER (WHERE x.order_id IS NULL AND x.last_activity_at < now() - INTERVAL '60 minutes') AS carts_abandoned,
         count(*) FILTER (WHERE x.order_id IS NULL AND x.last_activity_at >= now() - INTERVAL '60 minutes') AS carts_open
  FROM public.cart_activity x
  WHERE x.created_at >= d.time AND x.created_at < kpi.day_start(d.day + 1) AND x.created_at <= now()`;
const OLD_DAILY = `
  SELECT d.time, d.day, c.carts_created, c.carts_converted, c.carts_abandoned, c.carts_open,
         round(1 - c.carts_converted::numeric / NULLIF(c.carts_converted + c.carts_abandoned, 0), 4) AS cart_abandonment_rate
  FROM kpi.days d CROSS JOIN LATERAL (${LIVE}) c WHERE d.day <= kpi.local_day(now())`;
const OLD_STAGE = `
  SELECT d.time, d.day, c.stage, c.carts_abandoned, c.carts_created
  FROM kpi.days d CROSS JOIN LATERAL (
    SELECT x.stage, count(*) FILTER (WHERE x.order_id IS NULL AND x.last_activity_at < now() - INTERVAL '60 minutes') AS carts_abandoned,
           count(*) AS carts_created
    FROM public.cart_activity x
    WHERE x.created_at >= d.time AND x.created_at < kpi.day_start(d.day + 1) AND x.created_at <= now()
    GROUP BY x.stage) c
  WHERE d.day <= kpi.local_day(now())`;
const OLD_COUNTRY = `
  SELECT d.time, d.day, c.country, c.carts_created, c.carts_abandoned, c.carts_converted,
         round(1 - c.carts_converted::numeric / NULLIF(c.carts_converted + c.carts_abandoned, 0), 4) AS cart_abandonment_rate
  FROM kpi.days d CROSS JOIN LATERAL (
    SELECT coalesce(x.country, 'unknown') AS country, count(*) AS carts_created,
           count(*) FILTER (WHERE x.order_id IS NULL AND x.last_activity_at < now() - INTERVAL '60 minutes') AS carts_abandoned,
           count(*) FILTER (WHERE x.order_id IS NOT NULL) AS carts_converted
    FROM public.cart_activity x
    WHERE x.created_at >= d.time AND x.created_at < kpi.day_start(d.day + 1) AND x.created_at <= now()
    GROUP BY coalesce(x.country, 'unknown')) c
  WHERE d.day <= kpi.local_day(now())`;
const OLD_HOUR = `
  SELECT h.time, h.day, h.weekday, h.hour_of_day, count(*) AS carts_created, count(*) FILTER (WHERE h.abandoned) AS carts_abandoned,
         count(*) FILTER (WHERE h.converted) AS carts_converted
  FROM (
    SELECT date_trunc('hour', c.created_at AT TIME ZONE kpi.store_tz()) AT TIME ZONE kpi.store_tz() AS time,
           kpi.local_day(c.created_at) AS day,
           extract(isodow FROM c.created_at AT TIME ZONE kpi.store_tz())::int AS weekday,
           extract(hour FROM c.created_at AT TIME ZONE kpi.store_tz())::int AS hour_of_day,
           c.order_id IS NULL AND c.last_activity_at < now() - INTERVAL '60 minutes' AS abandoned,
           c.order_id IS NOT NULL AS converted
    FROM public.cart_activity c WHERE c.created_at <= now()) h
  GROUP BY 1, 2, 3, 4`;
// Each grid recounted from cart_activity, the cells the trigger must hold (non-empty only).
const GRID_DRIFT = `
  SELECT (SELECT count(*) FROM ((TABLE g_stage EXCEPT ALL TABLE r_stage) UNION ALL (TABLE r_stage EXCEPT ALL TABLE g_stage)) a)
       + (SELECT count(*) FROM ((TABLE g_country EXCEPT ALL TABLE r_country) UNION ALL (TABLE r_country EXCEPT ALL TABLE g_country)) a)
       + (SELECT count(*) FROM ((TABLE g_hour EXCEPT ALL TABLE r_hour) UNION ALL (TABLE r_hour EXCEPT ALL TABLE g_hour)) a) AS n`;
const GRID_VIEWS = `
  CREATE TEMP VIEW g_stage AS SELECT time, day, stage, carts_created, carts_converted FROM cart_abandonment_stage_days;
  CREATE TEMP VIEW r_stage AS SELECT kpi.day_start(kpi.local_day(created_at)) AS time, kpi.local_day(created_at) AS day, stage, count(*) AS carts_created,
    count(*) FILTER (WHERE order_id IS NOT NULL) AS carts_converted FROM cart_activity GROUP BY 1, 2, 3;
  CREATE TEMP VIEW g_country AS SELECT time, day, country, carts_created, carts_converted FROM cart_abandonment_country_days;
  CREATE TEMP VIEW r_country AS SELECT kpi.day_start(kpi.local_day(created_at)) AS time, kpi.local_day(created_at) AS day, coalesce(country, 'unknown') AS country,
    count(*) AS carts_created, count(*) FILTER (WHERE order_id IS NOT NULL) AS carts_converted FROM cart_activity GROUP BY 1, 2, 3;
  CREATE TEMP VIEW g_hour AS SELECT time, day, weekday, hour_of_day, carts_created, carts_converted FROM cart_abandonment_hours;
  CREATE TEMP VIEW r_hour AS SELECT date_trunc('hour', created_at AT TIME ZONE kpi.store_tz()) AT TIME ZONE kpi.store_tz() AS time, kpi.local_day(created_at) AS day,
    extract(isodow FROM created_at AT TIME ZONE kpi.store_tz())::int AS weekday, extract(hour FROM created_at AT TIME ZONE kpi.store_tz())::int AS hour_of_day,
    count(*) AS carts_created, count(*) FILTER (WHERE order_id IS NOT NULL) AS carts_converted FROM cart_activity GROUP BY 1, 2, 3, 4`;

describe('cart abandonment grids (0160): per-day counts kept by trigger, now() applied at read time', () => {
  let db: TestDb;
  beforeAll(async () => {
    db = await createTestDb();
    await db.exec(GRID_VIEWS);
  });
  afterAll(async () => {
    await db?.close();
  });

  const rows = async (sql: string) => (await db.query<Row>(sql)).rows;
  // Every view equals its former definition, over the whole history and filtered on `time` as
  // Grafana does, in the store's zone and in other session zones.
  const sameAsBefore = async () => {
    expect((await rows(GRID_DRIFT))[0]!.n).toBe(0);
    for (const zone of ['America/New_York', 'UTC', 'Asia/Kathmandu']) {
      await db.exec(`SET TIME ZONE '${zone}'`);
      for (const f of ['', `WHERE time BETWEEN '2026-05-04T04:00:00Z' AND '2026-05-05T03:59:59Z'`, `WHERE time >= now() - INTERVAL '30 days'`]) {
        expect(await rows(`SELECT * FROM kpi.cart_abandonment_daily ${f} ORDER BY day`)).toEqual(await rows(`SELECT * FROM (${OLD_DAILY}) o ${f} ORDER BY day`));
        expect(await rows(`SELECT * FROM kpi.cart_abandonment_by_stage_daily ${f} ORDER BY day, stage`))
          .toEqual(await rows(`SELECT * FROM (${OLD_STAGE}) o ${f} ORDER BY day, stage`));
        expect(await rows(`SELECT * FROM kpi.cart_abandonment_by_country_daily ${f} ORDER BY day, country`))
          .toEqual(await rows(`SELECT * FROM (${OLD_COUNTRY}) o ${f} ORDER BY day, country`));
        expect(await rows(`SELECT * FROM kpi.cart_abandonment_by_hour ${f} ORDER BY time`)).toEqual(await rows(`SELECT * FROM (${OLD_HOUR}) o ${f} ORDER BY time`));
      }
      for (const [from, to] of [['2026-05-04T10:00:00Z', '2026-05-05T03:00:00Z'], ['2000-01-01T00:00:00Z', '2100-01-01T00:00:00Z']]) {
        expect(await rows(`SELECT * FROM kpi.cart_abandonment_by_hour_between('${from}', '${to}') ORDER BY time`))
          .toEqual(await rows(`SELECT * FROM (${OLD_HOUR}) o WHERE time BETWEEN '${from}' AND '${to}' ORDER BY time`));
      }
    }
    await db.exec('SET TIME ZONE DEFAULT');
  };
  const daily = async (day: string) =>
    (await rows(`SELECT carts_created, carts_converted, carts_abandoned, carts_open, cart_abandonment_rate FROM kpi.cart_abandonment_daily WHERE day = '${day}'`))
      .map((r) => [r.carts_created, r.carts_converted, r.carts_abandoned, r.carts_open, num(r.cart_abandonment_rate)].map((v) => (v === null ? null : Number(v))));
  const byStage = async (day: string) =>
    (await rows(`SELECT stage, carts_created, carts_abandoned FROM kpi.cart_abandonment_by_stage_daily WHERE day = '${day}' ORDER BY stage`))
      .map((r) => [r.stage, Number(r.carts_created), Number(r.carts_abandoned)]);
  const byCountry = async (day: string) =>
    (await rows(`SELECT country, carts_created, carts_converted, carts_abandoned, cart_abandonment_rate FROM kpi.cart_abandonment_by_country_daily
                 WHERE day = '${day}' ORDER BY country`))
      .map((r) => [r.country, Number(r.carts_created), Number(r.carts_converted), Number(r.carts_abandoned), num(r.cart_abandonment_rate)]);
  const byHour = async () =>
    (await rows(`SELECT weekday, hour_of_day, carts_created, carts_abandoned, carts_converted FROM kpi.cart_abandonment_by_hour_between('2026-05-01', '2026-05-08') ORDER BY time`))
      .map((r) => [r.weekday, r.hour_of_day, Number(r.carts_created), Number(r.carts_abandoned), Number(r.carts_converted)]);

  it('new carts: created, converted, abandoned and open per day, stage, country and hour', async () => {
    await db.exec(`INSERT INTO carts (${CART_COLS}) VALUES
      ${cart('A1', q('2026-05-04T10:00:00Z'), q('2026-05-04T10:20:00Z'), 'cart', 'US', null)},
      ${cart('A2', q('2026-05-04T12:30:00Z'), q('2026-05-04T12:40:00Z'), 'checkout', 'CA', 'O1')},
      ${cart('A3', q('2026-05-05T03:30:00Z'), "now() - INTERVAL '10 minutes'", 'payment', null, null)},
      ${cart('A4', q('2026-05-05T05:00:00Z'), q('2026-05-05T05:30:00Z'), 'cart', 'US', null)}`);
    // 05-04 (04:00Z..04:00Z): A1 (06:00 local, abandoned), A2 (08:30, converted), A3 (23:30, active
    // 10 minutes ago: open). Rate 1 − 1 / (1 + 1) = 0.5. 05-05: A4 (01:00 local) abandoned: rate 1.
    expect(await daily('2026-05-04')).toEqual([[3, 1, 1, 1, 0.5]]);
    expect(await daily('2026-05-05')).toEqual([[1, 0, 1, 0, 1]]);
    expect(await byStage('2026-05-04')).toEqual([['cart', 1, 1], ['checkout', 1, 0], ['payment', 1, 0]]);
    expect(await byCountry('2026-05-04')).toEqual([['CA', 1, 1, 0, 0], ['US', 1, 0, 1, 1], ['unknown', 1, 0, 0, null]]);
    // Monday (ISO 1) 06:00, 08:00, 23:00 local; Tuesday 01:00.
    expect(await byHour()).toEqual([[1, 6, 1, 1, 0], [1, 8, 1, 0, 1], [1, 23, 1, 0, 0], [2, 1, 1, 1, 0]]);
    await sameAsBefore();
  });

  it('upserts moving stage, country, order, last activity and created_at; a delete; identical re-loads write nothing', async () => {
    // A1 reported again in checkout from Canada; A4 now has its order; A3 last active at 23:45 local.
    await db.exec(`INSERT INTO carts (${CART_COLS}) VALUES
      ${cart('A1', q('2026-05-04T10:00:00Z'), q('2026-05-04T11:00:00Z'), 'checkout', 'CA', null)},
      ${cart('A4', q('2026-05-05T05:00:00Z'), q('2026-05-05T05:40:00Z'), 'cart', 'US', 'O2')},
      ${cart('A3', q('2026-05-05T03:30:00Z'), q('2026-05-05T03:45:00Z'), 'payment', null, null)} ${CART_UPSERT}`);
    // 05-04: A1 and A3 abandoned, A2 converted: 1 − 1/3. 05-05: A4 converted: rate 0.
    expect(await daily('2026-05-04')).toEqual([[3, 1, 2, 0, 0.6667]]);
    expect(await daily('2026-05-05')).toEqual([[1, 1, 0, 0, 0]]);
    expect(await byStage('2026-05-04')).toEqual([['checkout', 2, 1], ['payment', 1, 1]]);
    expect(await byCountry('2026-05-04')).toEqual([['CA', 2, 1, 1, 0.5], ['unknown', 1, 0, 1, 1]]);
    await sameAsBefore();

    // A4's creation corrected to 23:00 local on 05-04: 05-05 has no carts left (a row of zeros).
    await db.exec(`UPDATE carts SET created_at = '2026-05-05T03:00:00Z' WHERE cart_id = 'A4'`);
    expect(await daily('2026-05-04')).toEqual([[4, 2, 2, 0, 0.5]]);
    expect(await daily('2026-05-05')).toEqual([[0, 0, 0, 0, null]]);
    expect(await byStage('2026-05-05')).toEqual([]);
    // A3 and A4 share Monday 23:00; A2 then goes.
    await db.exec(`DELETE FROM carts WHERE cart_id = 'A2'`);
    expect(await byHour()).toEqual([[1, 6, 1, 1, 0], [1, 23, 2, 1, 1]]);
    // 05-04: A1, A3 abandoned, A4 converted: 1 − 1/3.
    expect(await daily('2026-05-04')).toEqual([[3, 1, 2, 0, 0.6667]]);
    expect(await byCountry('2026-05-04')).toEqual([['CA', 1, 0, 1, 1], ['US', 1, 1, 0, 0], ['unknown', 1, 0, 1, 1]]);
    await sameAsBefore();

    // The same report of A1 again rewrites neither its mirror row nor a grid cell; a report that
    // only moves its last activity rewrites the mirror row and no grid cell.
    const versions = async () =>
      (await rows(`SELECT (SELECT xmin::text FROM cart_activity WHERE cart_id = 'A1') AS a,
                          (SELECT string_agg(xmin::text, ',' ORDER BY time, country) FROM cart_abandonment_country_days) AS c,
                          (SELECT string_agg(xmin::text, ',' ORDER BY time, stage) FROM cart_abandonment_stage_days) AS s,
                          (SELECT string_agg(xmin::text, ',' ORDER BY time) FROM cart_abandonment_hours) AS h`))[0]!;
    const before = await versions();
    await db.exec(`INSERT INTO carts (${CART_COLS}) VALUES ${cart('A1', q('2026-05-04T10:00:00Z'), q('2026-05-04T11:00:00Z'), 'checkout', 'CA', null)} ${CART_UPSERT}`);
    expect(await versions()).toEqual(before);
    await db.exec(`INSERT INTO carts (${CART_COLS}) VALUES ${cart('A1', q('2026-05-04T10:00:00Z'), q('2026-05-04T11:10:00Z'), 'checkout', 'CA', null)} ${CART_UPSERT}`);
    const after = await versions();
    expect(after.a).not.toEqual(before.a);
    expect([after.c, after.s, after.h]).toEqual([before.c, before.s, before.h]);
    await sameAsBefore();
  });

  it('a cart active within the last hour is open on its own day; carts created after now() count nowhere', async () => {
    // B1, created 05-03 08:00 local, active 5 minutes ago: open, nothing decided on 05-03.
    // F1 and F2 (with its order) are created later today, F3 in three days: none is counted.
    const laterToday = "kpi.day_start(kpi.local_day(now()) + 1) - INTERVAL '1 second'";
    await db.exec(`INSERT INTO carts (${CART_COLS}) VALUES
      ${cart('B1', q('2026-05-03T12:00:00Z'), "now() - INTERVAL '5 minutes'", 'checkout', 'US', null)},
      ${cart('F1', laterToday, laterToday, 'cart', 'US', null)},
      ${cart('F2', laterToday, laterToday, 'payment', 'CA', 'O3')},
      ${cart('F3', "now() + INTERVAL '3 days'", "now() + INTERVAL '3 days'", 'cart', 'US', null)}`);
    expect(await daily('2026-05-03')).toEqual([[1, 0, 0, 1, null]]);
    expect(await byStage('2026-05-03')).toEqual([['checkout', 1, 0]]);
    const today = (await rows(`SELECT kpi.local_day(now())::text AS d`))[0]!.d as string;
    expect(await daily(today)).toEqual([[0, 0, 0, 0, null]]);
    expect(await byStage(today)).toEqual([]);
    expect(await byCountry(today)).toEqual([]);
    // The grids hold the carts of today and of the later day: they are taken out at read time.
    expect((await rows(`SELECT sum(carts_created)::int AS n, sum(carts_converted)::int AS c FROM cart_abandonment_stage_days WHERE day >= '${today}'`))[0])
      .toEqual({ n: 3, c: 1 });
    expect(await rows(`SELECT count(*)::int AS n FROM kpi.cart_abandonment_daily WHERE day > '${today}'`)).toEqual([{ n: 0 }]);
    // Over 05-03..05-04: converted A4; abandoned A1, A3; open B1: rate 1 − 1/3, as the dashboards sum it.
    const r = (await rows(`SELECT sum(carts_created)::int AS n, sum(carts_open)::int AS o,
      round(1 - sum(carts_converted)::numeric / NULLIF(sum(carts_converted + carts_abandoned), 0), 4) AS rate
      FROM kpi.cart_abandonment_daily WHERE time BETWEEN '2026-05-03T04:00:00Z' AND '2026-05-05T03:59:59Z'`))[0]!;
    expect([r.n, r.o, num(r.rate)]).toEqual([4, 1, 0.6667]);
    await sameAsBefore();
    // B1 reported idle since 05-03 09:00 local: abandoned.
    await db.exec(`INSERT INTO carts (${CART_COLS}) VALUES ${cart('B1', q('2026-05-03T12:00:00Z'), q('2026-05-03T13:00:00Z'), 'checkout', 'US', null)} ${CART_UPSERT}`);
    expect(await daily('2026-05-03')).toEqual([[1, 0, 1, 0, 1]]);
    await sameAsBefore();
  });

  it('the backfill of the migration fills the grids the trigger keeps', async () => {
    const file = readFileSync(join(__dirname, '../../../sql/migrations/0160_cart_abandonment_grids.sql'), 'utf8');
    const backfill = file.slice(file.indexOf('- backfill\n') + '- backfill\n'.length, file.indexOf('CREATE TRIGGER'));
    expect(backfill).toContain('INSERT INTO cart_abandonment_hours');
    const kept = await rows(`SELECT * FROM cart_abandonment_stage_days ORDER BY time, stage`);
    await db.exec(`BEGIN;
      DELETE FROM cart_abandonment_stage_days; DELETE FROM cart_abandonment_country_days; DELETE FROM cart_abandonment_hours;
      ${renderStoreTimeZone(backfill, 'America/New_York')}
      COMMIT`);
    expect(await rows(`SELECT * FROM cart_abandonment_stage_days ORDER BY time, stage`)).toEqual(kept);
    expect(kept.length).toBeGreaterThan(3);
    await sameAsBefore();
  });
});
