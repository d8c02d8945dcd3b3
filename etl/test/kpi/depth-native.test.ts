// The same depth KPIs on a native TimescaleDB server (PostgreSQL 15, port 5434 on the build
// machines): the migrations must run unchanged there, and the answers must not depend on the
// session's time zone. Skipped, with the reason printed, when no server is reachable.
import { Client } from 'pg';
import { migrate } from '../../src/db/migrate';
import { openServer } from '../../src/db/server';
import { syncCatalog } from '../../src/kpi/catalog';
import { AT, AT2, DEPTH_SQL, WEEK_START } from './depthFixture';

const ADMIN_URL = process.env.NATIVE_TSDB_URL ?? 'postgres://postgres@127.0.0.1:5434/postgres';
const DB_NAME = `kpi_depth_${process.pid}_${Date.now()}`;

async function reachable(): Promise<boolean> {
  const c = new Client({ connectionString: ADMIN_URL, connectionTimeoutMillis: 2000 });
  try {
    await c.connect();
    await c.end();
    return true;
  } catch {
    return false;
  }
}

describe('depth KPIs on a native TimescaleDB server', () => {
  let ok = false;
  let url = '';
  beforeAll(async () => {
    ok = await reachable();
    if (!ok) {
      console.log(`skipped: no TimescaleDB server at ${ADMIN_URL}`);
      return;
    }
    const admin = new Client({ connectionString: ADMIN_URL });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${DB_NAME}`);
    await admin.end();
    url = ADMIN_URL.replace(/\/[^/]*$/, `/${DB_NAME}`);
    const db = openServer(url);
    try {
      await migrate(db, { timeZone: 'America/New_York' });
      await syncCatalog(db);
      await db.exec(DEPTH_SQL);
    } finally {
      await db.close();
    }
  }, 180_000);
  afterAll(async () => {
    if (!ok) return;
    const admin = new Client({ connectionString: ADMIN_URL });
    await admin.connect();
    await admin.query(`DROP DATABASE IF EXISTS ${DB_NAME} WITH (FORCE)`);
    await admin.end();
  });

  const QUERIES = [
    `SELECT json_agg(json_build_array(cohort_month, months_since, active_customers, revenue) ORDER BY cohort_month, months_since)::text AS v FROM kpi.cohort_retention_at('${AT}')`,
    `SELECT json_agg(json_build_array(customer_id, rfm, segment) ORDER BY customer_id)::text AS v FROM kpi.rfm_customers_at('${AT}')`,
    `SELECT json_agg(json_build_array(stage, carts, value, median_hours_from_previous) ORDER BY stage_no)::text AS v FROM kpi.cart_journey('${WEEK_START}', '${AT2}')`,
    `SELECT json_agg(json_build_array(dimension, segment, carts_recovered, recovered_revenue))::text AS v FROM kpi.recovery_by_segment('${WEEK_START}', '${AT2}')`,
    `SELECT json_agg(json_build_array(campaign_id, cost_in_range, recovery_roi))::text AS v FROM kpi.recovery_roi_range('${WEEK_START}', '${AT2}')`,
    `SELECT json_agg(json_build_array(conversion_rate, median_hours_to_convert, p90_hours_to_convert))::text AS v FROM kpi.funnel_window('${WEEK_START}', '${AT2}', '7 days')`,
    `SELECT json_agg(json_build_array(day, sku, incidents) ORDER BY day, sku)::text AS v FROM kpi.out_of_stock_store_daily`,
    `SELECT json_agg(json_build_array(campaign_id, orders, email_conversion_rate))::text AS v FROM kpi.email_conversions('2026-03-01T05:00:00Z', '2026-04-01T04:00:00Z')`,
  ];

  it('gives the hand-computed answers, the same in a UTC, a New York and a Tokyo session', async () => {
    if (!ok) return;
    const answers: string[][] = [];
    for (const tz of ['UTC', 'America/New_York', 'Asia/Tokyo']) {
      const c = new Client({ connectionString: url });
      await c.connect();
      try {
        await c.query(`SET TIME ZONE '${tz}'`);
        const row: string[] = [];
        for (const q of QUERIES) row.push(((await c.query<{ v: string }>(q)).rows[0]?.v) ?? '');
        answers.push(row);
      } finally {
        await c.end();
      }
    }
    expect(answers[1]).toEqual(answers[0]);
    expect(answers[2]).toEqual(answers[0]);
    const [cohorts, rfm, journey, , roi, funnel, stock, email] = answers[0]!.map((v) => JSON.parse(v) as unknown[][]);
    expect(cohorts!.filter((r) => r[0] === '2026-01-01')).toEqual([
      ['2026-01-01', 0, 2, 160], ['2026-01-01', 1, 1, 50], ['2026-01-01', 2, 2, 50], ['2026-01-01', 3, 1, 30],
    ]);
    expect(rfm!.map((r) => r[2])).toEqual(['champions', 'others', 'hibernating', 'at_risk', 'new']);
    expect(journey!.map((r) => r[1])).toEqual([9, 4, 3, 2, 0, 3, 2, 2]);
    expect(journey![7]).toEqual(['recovered', 2, 56.5, 0.75]);
    expect(roi).toEqual([['RC1', 12, 2.625], ['RC2', 10, 2.5], ['RC3', 0, null]]);
    expect(funnel).toEqual([[0.6667, 1.83, 19.03]]);
    expect(stock).toEqual([['2026-05-02', 'P2', 1], ['2026-05-03', 'P1', 1], ['2026-05-05', 'P1', 1]]);
    expect(email).toEqual([['EM1', 2, 0.0013], ['EM2', 1, 0.0025]]);
  }, 120_000);
});
