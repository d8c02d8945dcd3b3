// next_valid_order_at (0125) keeps, on each step-1 row of visitor_step_sessions, the visitor's
// first valid order at or after that session; kpi.funnel_window reads it. Hand-made sessions and
// orders loaded out of order, then changed (cancelled, moved, deleted, linked later, re-loaded):
// the funnel figures are computed by hand in the comments, the kept column is compared with a
// recomputation from the raw tables, and the function with the definition's own query.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createTestDb, type TestDb } from '../helpers/testDb';
import { num } from './fixture';

type Row = Record<string, unknown>;

const SESSION_COLS = 'session_id, started_at, visitor_id, channel, device, order_id, source, source_id';
const SESSION_UPSERT = `ON CONFLICT (session_id, started_at) DO UPDATE SET order_id = EXCLUDED.order_id, visitor_id = EXCLUDED.visitor_id`;
const ORDER_COLS = 'order_id, placed_at, status, is_test, subtotal_cents, total_cents, source, source_id';
const ORDER_UPSERT = `ON CONFLICT (order_id, placed_at) DO UPDATE SET status = EXCLUDED.status, is_test = EXCLUDED.is_test`;

const s = (id: string, at: string, visitor: string, order: string | null) =>
  `('${id}', '${at}', '${visitor}', 'direct', 'desktop', ${order === null ? 'NULL' : `'${order}'`}, 't', '${id}')`;
const o = (id: string, at: string, status = 'completed', test = false) => `('${id}', '${at}', '${status}', ${test}, 1000, 1000, 't', '${id}')`;

// The definition as it was computed before the kept column: first sessions from sessions, the
// orders of the range and its window joined to their visitors through session_orders.
const REFERENCE = `
  WITH f AS (
    SELECT s.visitor_id, min(s.started_at) AS first_at FROM sessions s
    WHERE s.started_at >= $1 AND s.started_at < $2 GROUP BY s.visitor_id
  ), o AS (
    SELECT so.visitor_id, o.placed_at FROM orders o JOIN session_orders so ON so.order_id = o.order_id
    WHERE o.placed_at >= $1 AND o.placed_at < $2::timestamptz + $3::interval AND o.status <> 'cancelled' AND NOT o.is_test
  ), w AS (
    SELECT f.visitor_id, extract(epoch FROM (min(o.placed_at) - f.first_at)) / 3600.0 AS hours
    FROM f JOIN o ON o.visitor_id = f.visitor_id AND o.placed_at >= f.first_at
    GROUP BY f.visitor_id, f.first_at HAVING min(o.placed_at) <= f.first_at + $3::interval
  )
  SELECT $3::interval AS conversion_window, (SELECT count(*) FROM f) AS visitors, (SELECT count(*) FROM w) AS converted_visitors,
         kpi.rate((SELECT count(*) FROM w), (SELECT count(*) FROM f)) AS conversion_rate,
         (SELECT round((percentile_cont(0.5) WITHIN GROUP (ORDER BY hours::float8))::numeric, 2) FROM w) AS median_hours_to_convert,
         (SELECT round((percentile_cont(0.9) WITHIN GROUP (ORDER BY hours::float8))::numeric, 2) FROM w) AS p90_hours_to_convert`;

// The kept column recomputed from the raw tables (sessions, orders), not from the mirrors.
const KEPT_DIFF = `
  WITH expected AS (
    SELECT s.session_id, s.started_at,
           (SELECT min(o.placed_at) FROM sessions x JOIN orders o ON o.order_id = x.order_id
            WHERE x.visitor_id = s.visitor_id AND o.placed_at >= s.started_at AND o.status <> 'cancelled' AND NOT o.is_test) AS next_at
    FROM sessions s
  ), kept AS (
    SELECT session_id, started_at, next_valid_order_at AS next_at FROM visitor_step_sessions WHERE step = 1
  )
  SELECT count(*)::int AS n FROM ((TABLE expected EXCEPT ALL TABLE kept) UNION ALL (TABLE kept EXCEPT ALL TABLE expected)) d`;

const DAY_FROM = '2026-05-04T00:00:00Z';
const DAY_TO = '2026-05-05T00:00:00Z';
const WINDOWS = ['1 hour', '1 day', '7 days', '9 days'];
const COLS = ['visitors', 'converted_visitors', 'conversion_rate', 'median_hours_to_convert', 'p90_hours_to_convert'] as const;

describe('funnel window from the kept next valid order of each first session', () => {
  let db: TestDb;

  async function window(from: string, to: string, w: string): Promise<(number | null)[]> {
    const r = await db.query<Row>(`SELECT * FROM kpi.funnel_window('${from}', '${to}', '${w}')`);
    return COLS.map((c) => num(r.rows[0]![c]));
  }
  async function keptDiff(): Promise<number> {
    return (await db.query<{ n: number }>(KEPT_DIFF)).rows[0]!.n;
  }
  async function expectAsReference(ranges: [string, string][]): Promise<void> {
    for (const [from, to] of ranges) {
      const all = await db.query<Row>(`SELECT * FROM kpi.funnel_windows($1, $2, $3::interval[])`, [from, to, `{${WINDOWS.join(',')}}`]);
      expect(all.rows.map((r) => r.window_no)).toEqual([1, 2, 3, 4]);
      for (const [i, w] of WINDOWS.entries()) {
        const got = await db.query<Row>(`SELECT * FROM kpi.funnel_window($1, $2, $3)`, [from, to, w]);
        const want = await db.query<Row>(REFERENCE, [from, to, w]);
        expect([from, to, w, got.rows]).toEqual([from, to, w, want.rows]);
        // the several-window form gives the same row for each of its windows
        const { window_no: _no, ...one } = all.rows[i]!;
        expect([from, to, w, [one]]).toEqual([from, to, w, want.rows]);
      }
    }
  }

  beforeAll(async () => {
    db = await createTestDb();
    // Loaded out of order: some orders before their sessions, va's earliest session last.
    await db.exec(`
      INSERT INTO orders (${ORDER_COLS}) VALUES
        ${o('OA1', '2026-05-03T11:00:00Z')}, ${o('OA2', '2026-05-04T18:30:00Z')},
        ${o('OB1', '2026-05-04T13:10:00Z', 'cancelled')}, ${o('OB2', '2026-05-04T13:20:00Z', 'completed', true)},
        ${o('OD1', '2026-05-10T08:00:00Z')}, ${o('OF1', '2026-05-12T06:00:00Z')};
      INSERT INTO sessions (${SESSION_COLS}) VALUES
        ${s('a2', '2026-05-04T18:00:00Z', 'va', 'OA2')}, ${s('a1', '2026-05-04T12:00:00Z', 'va', null)},
        ${s('b1', '2026-05-04T13:00:00Z', 'vb', 'OB1')}, ${s('b2', '2026-05-04T13:15:00Z', 'vb', 'OB2')},
        ${s('c1', '2026-05-04T14:00:00Z', 'vc', 'OC1')}, ${s('c2', '2026-05-06T13:30:00Z', 'vc', 'OC2')},
        ${s('d1', '2026-05-04T08:00:00Z', 'vd', null)}, ${s('d2', '2026-05-10T07:50:00Z', 'vd', 'OD1')},
        ${s('e1', '2026-05-04T20:00:00Z', 've', null)},
        ${s('f1', '2026-05-04T05:00:00Z', 'vf', 'OF1')},
        ${s('g1', '2026-05-04T22:00:00Z', 'vg', null)},
        ${s('h1', '2026-05-04T09:00:00Z', 'vh', 'OH1')},
        ${s('i1', '2026-05-04T10:00:00Z', 'vi', 'OI1')};
      INSERT INTO orders (${ORDER_COLS}) VALUES
        ${o('OC1', '2026-05-04T14:30:00Z')}, ${o('OC2', '2026-05-06T14:00:00Z')}, ${o('OH1', '2026-05-04T09:40:00Z')},
        ${o('OI1', '2026-05-04T10:30:00Z')}, ${o('OB3', '2026-05-05T09:00:00Z')};
      INSERT INTO sessions (${SESSION_COLS}) VALUES ${s('a0', '2026-05-03T10:00:00Z', 'va', 'OA1')};`);
  });
  afterAll(async () => {
    await db?.close();
  });

  it('as loaded: orders before the first session of the range, cancelled and test orders do not convert', async () => {
    // Visitors with a first session on 05-04: va (a1 12:00; a0 is on 05-03), vb, vc, vd, ve, vf, vg,
    // vh, vi = 9. va: OA1 precedes a1, OA2 18:30 → 6.5 h. vb: OB1 cancelled, OB2 test, OB3 not
    // linked yet → none. vc 0.5 h (OC1). vd 144 h (OD1 from d2, after the range). vf 193 h (OF1).
    // vh 0.67 h (OH1 09:40). vi 0.5 h (OI1). ve, vg none.
    expect(await window(DAY_FROM, DAY_TO, '1 hour')).toEqual([9, 3, 0.3333, 0.5, 0.63]); // 0.5, 0.5, 0.6667
    expect(await window(DAY_FROM, DAY_TO, '1 day')).toEqual([9, 4, 0.4444, 0.58, 4.75]); // + 6.5: p90 = 0.6667 + 0.7 × 5.8333
    expect(await keptDiff()).toBe(0);
  });

  it('follows later links, cancellations, moves, deletes and identical re-loads', async () => {
    // ve's session reports its order later (OE1 20:45 → 0.75 h); vb's b1 now carries OB3 (20 h).
    await db.exec(`INSERT INTO orders (${ORDER_COLS}) VALUES ${o('OE1', '2026-05-04T20:45:00Z')}`);
    await db.exec(`INSERT INTO sessions (${SESSION_COLS}) VALUES ${s('e1', '2026-05-04T20:00:00Z', 've', 'OE1')},
      ${s('b1', '2026-05-04T13:00:00Z', 'vb', 'OB3')} ${SESSION_UPSERT}`);
    // OC1 is cancelled after load: vc's next order becomes OC2 (48 h). OH1 moves to 11:00 (2 h).
    // OI1 is deleted.
    await db.exec(`INSERT INTO orders (${ORDER_COLS}) VALUES ${o('OC1', '2026-05-04T14:30:00Z', 'cancelled')} ${ORDER_UPSERT}`);
    await db.exec(`UPDATE orders SET placed_at = '2026-05-04T11:00:00Z' WHERE order_id = 'OH1'`);
    await db.exec(`DELETE FROM orders WHERE order_id = 'OI1'`);
    // The same reports again, as an upsert that rewrites every row.
    await db.exec(`INSERT INTO sessions (${SESSION_COLS}) VALUES ${s('e1', '2026-05-04T20:00:00Z', 've', 'OE1')},
      ${s('b1', '2026-05-04T13:00:00Z', 'vb', 'OB3')}, ${s('a0', '2026-05-03T10:00:00Z', 'va', 'OA1')} ${SESSION_UPSERT}`);
    await db.exec(`INSERT INTO orders (${ORDER_COLS}) VALUES ${o('OC1', '2026-05-04T14:30:00Z', 'cancelled')},
      ${o('OA2', '2026-05-04T18:30:00Z')}, ${o('OB3', '2026-05-05T09:00:00Z')} ${ORDER_UPSERT}`);
    expect(await keptDiff()).toBe(0);
    // Converted hours: ve 0.75, vh 2, va 6.5, vb 20, vc 48, vd 144, vf 193.
    expect(await window(DAY_FROM, DAY_TO, '1 hour')).toEqual([9, 1, 0.1111, 0.75, 0.75]);
    // [0.75, 2, 6.5, 20]: median (2 + 6.5) / 2, p90 = 6.5 + 0.7 × 13.5
    expect(await window(DAY_FROM, DAY_TO, '1 day')).toEqual([9, 4, 0.4444, 4.25, 15.95]);
    // + 48, 144: median (6.5 + 20) / 2, p90 = 48 + 0.5 × 96
    expect(await window(DAY_FROM, DAY_TO, '7 days')).toEqual([9, 6, 0.6667, 13.25, 96]);
    // + 193: median 20, p90 = 144 + 0.4 × 49
    expect(await window(DAY_FROM, DAY_TO, '9 days')).toEqual([9, 7, 0.7778, 20, 163.6]);
    // From 12:30 (not a day boundary): va's first session is a2 18:00 (OA2 0.5 h), vb b1 13:00 (OB3
    // 20 h), vc 14:00 (48 h), ve 0.75 h, vg none → 5 visitors.
    expect(await window('2026-05-04T12:30:00Z', DAY_TO, '1 day')).toEqual([5, 3, 0.6, 0.75, 16.15]); // [0.5, 0.75, 20]: p90 = 0.75 + 0.8 × 19.25
  });

  it('a session or order removed, and a session moved to another visitor', async () => {
    await db.exec(`DELETE FROM sessions WHERE session_id = 'a2'`); // va loses OA2's link: no order after a1
    await db.exec(`INSERT INTO sessions (${SESSION_COLS}) VALUES ${s('g2', '2026-05-04T23:00:00Z', 'vg', 'OA2')}`); // vg gains OA2, placed before g1: no conversion
    await db.exec(`UPDATE sessions SET visitor_id = 'vh' WHERE session_id = 'f1'`); // OF1 now vh's; vf is gone
    expect(await keptDiff()).toBe(0);
    // Visitors: va, vb, vc, vd, ve, vg, vh, vi = 8. Converted within 9 days: ve 0.75, vh 6 (f1 05:00
    // is now vh's first session: OH1 11:00), vb 20, vc 48, vd 144.
    expect(await window(DAY_FROM, DAY_TO, '9 days')).toEqual([8, 5, 0.625, 20, 105.6]); // [0.75, 6, 20, 48, 144]: p90 = 48 + 0.6 × 96
  });

  it('equals the definition on day and unaligned ranges, in UTC and in a zone with a DST change', async () => {
    // Across the US change to summer time (2026-03-08): "1 day" after 03-07 12:00 EST is 03-08
    // 12:00 EDT, 23 h later. vz's order 23.5 h after its session is within a day in UTC only.
    await db.exec(`
      INSERT INTO sessions (${SESSION_COLS}) VALUES ${s('z1', '2026-03-07T17:00:00Z', 'vz', 'OZ1')};
      INSERT INTO orders (${ORDER_COLS}) VALUES ${o('OZ1', '2026-03-08T16:30:00Z')};`);
    expect(await keptDiff()).toBe(0);
    const dst = ['2026-03-07T05:00:00Z', '2026-03-08T05:00:00Z'];
    expect((await window(dst[0]!, dst[1]!, '1 day')).slice(0, 2)).toEqual([1, 1]);
    const ranges: [string, string][] = [
      [DAY_FROM, DAY_TO], ['2026-05-04T12:30:00Z', DAY_TO], ['2026-05-03T00:00:00Z', '2026-05-11T00:00:00Z'],
      ['2026-05-04T09:00:00Z', '2026-05-04T09:00:00.000001Z'], ['2026-06-01T00:00:00Z', '2026-06-02T00:00:00Z'], [dst[0]!, dst[1]!],
    ];
    await expectAsReference(ranges);
    await db.exec(`SET TimeZone = 'America/New_York'`);
    try {
      expect((await window(dst[0]!, dst[1]!, '1 day')).slice(0, 2)).toEqual([1, 0]);
      await expectAsReference(ranges);
    } finally {
      await db.exec(`SET TimeZone = 'UTC'`);
    }
  });

  it('the migration fill gives the kept values from scratch', async () => {
    const sql = readFileSync(join(__dirname, '../../../sql/migrations/0125_visitor_next_valid_orders.sql'), 'utf8');
    const fill = sql.slice(sql.indexOf('-- Fill:'));
    await db.exec(`UPDATE visitor_step_sessions SET next_valid_order_at = NULL`);
    expect(await keptDiff()).toBeGreaterThan(0);
    await db.transaction(async (tx) => {
      await tx.exec(fill);
    });
    expect(await keptDiff()).toBe(0);
  });
});
