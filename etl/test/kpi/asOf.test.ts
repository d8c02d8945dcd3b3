import type { Db } from '../../src/db/db';
import { openEmbedded } from '../../src/db/embedded';
import { migrate } from '../../src/db/migrate';
import { num, TZ } from './fixture';

/*
 * "As of" functions answer for an instant, whatever the client's session zone: their day spans
 * are N × 24 h and their calendar days are store days. The data sits on the spans' edges where
 * "365 days" / "90 days" in an America/New_York session would differ by the DST hour.
 *
 * clv_at('2026-03-08T16:00Z'): at − 365 × 24 h = 2025-03-08T16:00Z (in a New York session,
 * `interval '365 days'` would give 17:00Z: 2025-03-08 was still EST, 2026-03-08 is EDT).
 * repeat_rate_90d_at('2026-06-01T16:00Z'): at − 90 × 24 h = 2026-03-03T16:00Z (17:00Z likewise).
 */
const ORDERS: Array<[id: string, customer: string, placedAt: string, cents: number]> = [
  ['O1', 'X1', '2025-03-08T16:30:00Z', 10000], // 30 min after the 365-day cut: not in the cohort
  ['O2', 'X1', '2025-03-20T12:00:00Z', 5000],
  ['O3', 'X2', '2025-06-01T12:00:00Z', 8000],
  ['O4', 'X2', '2026-03-09T00:00:00Z', 99900], // after clv's instant
  ['O5', 'X3', '2025-03-08T15:30:00Z', 4000], // 30 min before the cut: in the cohort
  ['O6', 'Y1', '2026-03-03T16:30:00Z', 3000], // 30 min after the 90-day cut: not eligible
  ['O7', 'Y1', '2026-03-20T12:00:00Z', 2000],
  ['O8', 'Y2', '2026-02-01T12:00:00Z', 1000],
  ['O9', 'Y2', '2026-06-01T12:00:00Z', 1000], // 120 days after Y2's first: not a repeat
];
const REFUNDS: Array<[id: string, order: string, refundedAt: string, cents: number]> = [
  ['RF1', 'O1', '2025-04-01T12:00:00Z', 2000], // before clv's instant: subtracted
  ['RF2', 'O2', '2026-03-09T12:00:00Z', 1000], // after it: not yet known
];
const CLV_AT = '2026-03-08T16:00:00Z';
const REPEAT_AT = '2026-06-01T16:00:00Z';
const DAY = 24 * 3600 * 1000;

/** CLV by hand from the rows above, counting only what happened before `at`. */
function clvByHand(at: string) {
  const t = Date.parse(at);
  const placed = ORDERS.filter(([, , p]) => Date.parse(p) < t);
  const value = new Map<string, number>();
  const first = new Map<string, number>();
  for (const [id, c, p, cents] of placed) {
    const refunded = REFUNDS.filter(([, o, r]) => o === id && Date.parse(r) < t).reduce((s, [, , , x]) => s + x, 0);
    value.set(c, (value.get(c) ?? 0) + cents - refunded);
    first.set(c, Math.min(first.get(c) ?? Infinity, Date.parse(p)));
  }
  const cohort = [...first].filter(([, f]) => f <= t - 365 * DAY).map(([c]) => c);
  const firstYear = cohort.map((c) =>
    placed.filter(([, x, p]) => x === c && Date.parse(p) < first.get(c)! + 365 * DAY).reduce((s, [, , , cents]) => s + cents, 0),
  );
  const round2 = (x: number) => Math.round(x) / 100;
  return {
    customers: value.size,
    clv_historical: round2([...value.values()].reduce((a, b) => a + b, 0) / value.size),
    cohort_customers: cohort.length,
    clv_365d: round2(firstYear.reduce((a, b) => a + b, 0) / cohort.length),
  };
}

function repeatByHand(at: string) {
  const t = Date.parse(at);
  const byCustomer = new Map<string, number[]>();
  for (const [, c, p] of ORDERS) byCustomer.set(c, [...(byCustomer.get(c) ?? []), Date.parse(p)].sort((a, b) => a - b));
  const eligible = [...byCustomer.values()].filter((ts) => ts[0]! <= t - 90 * DAY);
  const repeat = eligible.filter((ts) => ts.filter((x) => x <= ts[0]! + 90 * DAY).length > 1);
  return { eligible_customers: eligible.length, repeat_customers: repeat.length, repeat_rate_90d: Math.round((repeat.length / eligible.length) * 10000) / 10000 };
}

async function seed(db: Db): Promise<void> {
  const customers = [...new Set(ORDERS.map(([, c]) => c))];
  await db.exec(`
    INSERT INTO customers (customer_id, name, email, created_at, source, source_id) VALUES
      ${customers.map((c) => `('${c}', '${c}', '${c}@example.com', '2025-01-01T00:00:00Z', 't', '${c}')`).join(',\n')};
    INSERT INTO orders (order_id, placed_at, customer_id, status, subtotal_cents, total_cents, source, source_id) VALUES
      ${ORDERS.map(([id, c, p, cents]) => `('${id}', '${p}', '${c}', 'completed', ${cents}, ${cents}, 't', '${id}')`).join(',\n')};
    INSERT INTO refunds (refund_id, refunded_at, order_id, amount_cents, reason, source, source_id) VALUES
      ${REFUNDS.map(([id, o, r, cents]) => `('${id}', '${r}', '${o}', ${cents}, 'other', 't', '${id}')`).join(',\n')};`);
}

async function inZone<T>(db: Db, zone: string, sql: string): Promise<T> {
  await db.exec(`SET TimeZone = '${zone}'`);
  try {
    return (await db.query<T>(sql)).rows[0] as T;
  } finally {
    await db.exec(`RESET TimeZone`);
  }
}

async function rowsInZone(db: Db, zone: string, sql: string): Promise<unknown[]> {
  await db.exec(`SET TimeZone = '${zone}'`);
  try {
    return (await db.query(sql)).rows;
  } finally {
    await db.exec(`RESET TimeZone`);
  }
}

type Clv = { customers: unknown; clv_historical: unknown; cohort_customers: unknown; clv_365d: unknown };
type Repeat = { eligible_customers: unknown; repeat_customers: unknown; repeat_rate_90d: unknown };
const clvOf = (r: Clv) => ({ customers: num(r.customers), clv_historical: num(r.clv_historical), cohort_customers: num(r.cohort_customers), clv_365d: num(r.clv_365d) });
const repeatOf = (r: Repeat) => ({ eligible_customers: num(r.eligible_customers), repeat_customers: num(r.repeat_customers), repeat_rate_90d: num(r.repeat_rate_90d) });

describe('as-of functions do not depend on the session time zone', () => {
  let db: Db;
  let oldDb: Db;
  beforeAll(async () => {
    db = await openEmbedded();
    await migrate(db, { timeZone: TZ });
    await seed(db);
    oldDb = await openEmbedded();
    await migrate(oldDb, { timeZone: TZ, viewsDir: null });
    await seed(oldDb);
  });
  afterAll(async () => {
    await db.close();
    await oldDb.close();
  });

  it('the hand computation sits on the edges (so a zone-dependent answer would differ)', () => {
    expect(clvByHand(CLV_AT)).toEqual({ customers: 5, clv_historical: (8000 + 13000 + 4000 + 3000 + 1000) / 5 / 100, cohort_customers: 1, clv_365d: 40 });
    expect(repeatByHand(REPEAT_AT)).toEqual({ eligible_customers: 4, repeat_customers: 1, repeat_rate_90d: 0.25 });
  });

  it.each(['UTC', 'America/New_York', 'Asia/Kolkata'])('clv_at and repeat_rate_90d_at in a %s session equal the hand computation', async (zone) => {
    expect(clvOf(await inZone<Clv>(db, zone, `SELECT * FROM adm.clv_at('${CLV_AT}')`))).toEqual(clvByHand(CLV_AT));
    expect(repeatOf(await inZone<Repeat>(db, zone, `SELECT * FROM mgr.repeat_rate_90d_at('${REPEAT_AT}')`))).toEqual(repeatByHand(REPEAT_AT));
  });

  it('the migrations-only definitions did depend on it', async () => {
    const utc = repeatOf(await inZone<Repeat>(oldDb, 'UTC', `SELECT * FROM mgr.repeat_rate_90d_at('${REPEAT_AT}')`));
    const ny = repeatOf(await inZone<Repeat>(oldDb, 'America/New_York', `SELECT * FROM mgr.repeat_rate_90d_at('${REPEAT_AT}')`));
    expect(utc.eligible_customers).toBe(4);
    expect(ny.eligible_customers).toBe(5); // Y1 slipped in through the DST hour
    const oldClv = clvOf(await inZone<Clv>(oldDb, 'UTC', `SELECT * FROM adm.clv_at('${CLV_AT}')`));
    expect(oldClv.clv_historical).toBe((8000 + 12000 + 4000 + 3000 + 1000) / 5 / 100); // RF2 subtracted early
  });

  it('range and comparison functions agree across sessions too', async () => {
    // Rows come back as values (timestamps as instants), so the session's display zone is moot.
    for (const sql of [
      `SELECT * FROM adm.revenue_comparison('2025-03-09T15:00:00Z')`,
      `SELECT * FROM adm.revenue_hourly t WHERE t.time >= '2025-03-08T12:00:00Z' AND t.time < '2025-03-09T12:00:00Z' ORDER BY t.time`,
      `SELECT * FROM adm.top_customers('2025-01-01T05:00:00Z', '2027-01-01T05:00:00Z', 10)`,
    ]) {
      const utc = await rowsInZone(db, 'UTC', sql);
      const ny = await rowsInZone(db, 'America/New_York', sql);
      expect(utc.length).toBeGreaterThan(0);
      expect(JSON.stringify(ny)).toBe(JSON.stringify(utc));
    }
  });
});
