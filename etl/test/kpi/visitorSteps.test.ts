// visitor_step_sessions and visitor_step_days (0120): distinct visitors per funnel step over any
// range, kept by triggers on sessions. Hand-made sessions in the store zone (America/New_York,
// EST = UTC-5 in early March 2026, so local day D starts at D 05:00Z); the expected counts are
// worked out in the comments, and after every change the kept tables must equal a recomputation
// from scratch (lag() over sessions) and every reader must equal the distinct count over raw
// sessions (the former definitions), on ranges aligned and not aligned to days.
import { copyFileSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { openEmbedded } from '../../src/db/embedded';
import { migrate, SQL_DIR } from '../../src/db/migrate';
import { refreshAggregates } from '../../src/kpi/aggregates';
import { syncCatalog } from '../../src/kpi/catalog';
import { createTestDb, type TestDb } from '../helpers/testDb';

type Row = Record<string, unknown>;

const COLS = 'session_id, started_at, visitor_id, channel, device, added_to_cart, began_checkout, order_id, source, source_id';
// The loader's upsert (etl/src/load/loader.ts): a changed report replaces the row, an identical one writes nothing.
const UPSERT = `ON CONFLICT (session_id, started_at) DO UPDATE SET visitor_id = EXCLUDED.visitor_id,
  added_to_cart = EXCLUDED.added_to_cart, began_checkout = EXCLUDED.began_checkout, order_id = EXCLUDED.order_id
  WHERE (sessions.visitor_id, sessions.added_to_cart, sessions.began_checkout, sessions.order_id)
        IS DISTINCT FROM (EXCLUDED.visitor_id, EXCLUDED.added_to_cart, EXCLUDED.began_checkout, EXCLUDED.order_id)`;

const s = (id: string, at: string, visitor: string, atc = false, chk = false, order: string | null = null): string =>
  `('${id}', '${at}', '${visitor}', 'direct', 'desktop', ${atc}, ${chk}, ${order ? `'${order}'` : 'NULL'}, 't', '${id}')`;

// Local (EST) times in the comments.
const INITIAL = [
  s('e1', '2026-03-02T01:00:00Z', 've'), //                       03-01 20:00
  s('a1', '2026-03-02T15:00:00Z', 'va', true), //                 03-02 10:00 ATC
  s('a2', '2026-03-03T04:30:00Z', 'va'), //                       03-02 23:30
  s('b1', '2026-03-03T04:59:00Z', 'vb'), //                       03-02 23:59
  s('b2', '2026-03-03T05:10:00Z', 'vb', true), //                 03-03 00:10 ATC
  s('c1', '2026-03-03T13:00:00Z', 'vc'), //                       03-03 08:00
  s('c2', '2026-03-03T13:00:00Z', 'vc', true), //                 03-03 08:00 ATC (same instant as c1)
  s('a3', '2026-03-03T14:00:00Z', 'va', true, true, 'O1'), //     03-03 09:00 ATC, checkout, order
  s('e2', '2026-03-04T01:00:00Z', 've', false, true, 'O2'), //    03-03 20:00 checkout, order
  s('d1', '2026-03-04T06:00:00Z', 'vd', true, true), //           03-04 01:00 ATC, checkout
  s('a4', '2026-03-04T17:00:00Z', 'va'), //                       03-04 12:00
];

const R1: [string, string] = ['2026-03-02T05:00:00Z', '2026-03-04T05:00:00Z']; // local days 03-02 .. 03-03
const R2: [string, string] = ['2026-03-03T04:00:00Z', '2026-03-04T11:00:00Z']; // 03-02 23:00 .. 03-04 06:00
const R3: [string, string] = ['2026-03-03T12:00:00Z', '2026-03-03T15:00:00Z']; // 03-03 07:00 .. 10:00
const R4: [string, string] = ['2026-03-03T05:00:00Z', '2026-03-03T13:00:00Z']; // 03-03 00:00 .. 08:00 (c1, c2 excluded)
const R5: [string, string] = ['2026-03-04T05:00:00Z', '2026-03-05T05:00:00Z']; // local day 03-04

// Every pair of these instants (from < to) is checked against the raw distinct count: day starts,
// instants inside days, the ties' instant and each side of it.
const INSTANTS = [
  '2026-03-01T05:00:00Z', '2026-03-02T05:00:00Z', '2026-03-02T16:00:00Z', '2026-03-03T04:00:00Z', '2026-03-03T04:59:00Z',
  '2026-03-03T05:00:00Z', '2026-03-03T12:59:59Z', '2026-03-03T13:00:00Z', '2026-03-03T13:00:01Z', '2026-03-04T05:00:00Z',
  '2026-03-04T11:00:00Z', '2026-03-05T05:00:00Z', '2026-03-07T05:00:00Z',
];

async function steps(db: TestDb, [from, to]: [string, string]): Promise<number[]> {
  const r = await db.query<Row>(`SELECT * FROM kpi.visitors_range($1, $2)`, [from, to]);
  const x = r.rows[0]!;
  return [x.visitors, x.add_to_cart_visitors, x.checkout_visitors, x.order_visitors].map(Number);
}

async function rawSteps(db: TestDb, [from, to]: [string, string]): Promise<number[]> {
  const r = await db.query<Row>(
    `SELECT count(DISTINCT visitor_id) AS s1, count(DISTINCT visitor_id) FILTER (WHERE added_to_cart) AS s2,
            count(DISTINCT visitor_id) FILTER (WHERE began_checkout) AS s3, count(DISTINCT visitor_id) FILTER (WHERE order_id IS NOT NULL) AS s4
     FROM sessions WHERE started_at >= $1 AND started_at < $2`,
    [from, to],
  );
  const x = r.rows[0]!;
  return [x.s1, x.s2, x.s3, x.s4].map(Number);
}

/** The kept tables, and the same computed from scratch from sessions, as comparable text rows. */
async function keptAndRecomputed(db: TestDb): Promise<{ kept: string[]; fresh: string[]; keptDays: string[]; freshDays: string[] }> {
  const kept = await db.query<Row>(
    `SELECT step || ' ' || session_id || ' ' || started_at::text || ' ' || visitor_id || ' ' || coalesce(prev_at::text, '-') AS r
     FROM visitor_step_sessions ORDER BY 1`,
  );
  const freshRows = `
    SELECT st.step, x.session_id, x.started_at, x.visitor_id,
           lag(x.started_at) OVER (PARTITION BY st.step, x.visitor_id ORDER BY x.started_at, x.session_id) AS prev_at
    FROM sessions x
    CROSS JOIN LATERAL (VALUES (1), (2), (3), (4)) AS st(step)
    WHERE st.step = 1 OR (st.step = 2 AND x.added_to_cart) OR (st.step = 3 AND x.began_checkout) OR (st.step = 4 AND x.order_id IS NOT NULL)`;
  const fresh = await db.query<Row>(
    `SELECT step || ' ' || session_id || ' ' || started_at::text || ' ' || visitor_id || ' ' || coalesce(prev_at::text, '-') AS r
     FROM (${freshRows}) f ORDER BY 1`,
  );
  const keptDays = await db.query<Row>(`SELECT step || ' ' || day || ' ' || prev_day || ' ' || sessions AS r FROM visitor_step_days ORDER BY 1`);
  const freshDays = await db.query<Row>(
    `SELECT step || ' ' || day || ' ' || prev_day || ' ' || n AS r FROM (
       SELECT step, kpi.local_day(started_at) AS day, coalesce(kpi.local_day(prev_at), '-infinity') AS prev_day, count(*) AS n
       FROM (${freshRows}) f GROUP BY 1, 2, 3) g ORDER BY 1`,
  );
  const text = (rows: Row[]): string[] => rows.map((x) => String(x.r));
  return { kept: text(kept.rows), fresh: text(fresh.rows), keptDays: text(keptDays.rows), freshDays: text(freshDays.rows) };
}

async function expectConsistent(db: TestDb): Promise<void> {
  const t = await keptAndRecomputed(db);
  expect(t.kept).toEqual(t.fresh);
  expect(t.keptDays).toEqual(t.freshDays);
  const pending = await db.query<Row>(`SELECT (SELECT count(*) FROM visitor_step_staged) + (SELECT count(*) FROM visitor_step_removed) AS n`);
  expect(Number(pending.rows[0]!.n)).toBe(0);
  for (const from of INSTANTS) {
    for (const to of INSTANTS) {
      if (to <= from) continue;
      expect([from, to, ...(await steps(db, [from, to]))]).toEqual([from, to, ...(await rawSteps(db, [from, to]))]);
    }
  }
}

describe('visitor_step_sessions: distinct visitors per funnel step, trigger-kept', () => {
  let db: TestDb;
  beforeAll(async () => {
    db = await createTestDb({ timeZone: 'America/New_York' });
    await syncCatalog(db);
    // Out of order on purpose: the later sessions first, in two statements.
    await db.exec(`INSERT INTO sessions (${COLS}) VALUES ${INITIAL.slice(6).join(', ')}`);
    await db.exec(`INSERT INTO sessions (${COLS}) VALUES ${INITIAL.slice(0, 6).join(', ')}`);
  });
  afterAll(async () => {
    await db?.close();
  });

  it('counts each visitor once per step, on aligned, unaligned and one-day ranges', async () => {
    // R1 (03-02, 03-03 whole): a1 a2 a3 b1 b2 c1 c2 e2 → va vb vc ve = 4; ATC a1 a3, b2, c2 → 3;
    // checkout a3, e2 → 2; order a3, e2 → 2.
    expect(await steps(db, R1)).toEqual([4, 3, 2, 2]);
    // R2 (03-02 23:00 .. 03-04 06:00): a2 b1 b2 c1 c2 a3 e2 d1 → va vb vc ve vd = 5; ATC a3 b2 c2 d1 → 4;
    // checkout a3 e2 d1 → 3; order a3 e2 → 2. va's ATC session a3 (whole day 03-03) follows a1, which
    // lies on the partial first day before the range: counted through its prev_at.
    expect(await steps(db, R2)).toEqual([5, 4, 3, 2]);
    // R3 (inside 03-03): c1 c2 a3 → vc va = 2; ATC c2 a3 → 2; checkout, order a3 → 1, 1.
    expect(await steps(db, R3)).toEqual([2, 2, 1, 1]);
    // R4 ends at 08:00 exactly: c1 and c2 (08:00) are out; b2 → vb alone.
    expect(await steps(db, R4)).toEqual([1, 1, 0, 0]);
    expect(await steps(db, [R1[1], R1[0]])).toEqual([0, 0, 0, 0]);
    await expectConsistent(db);
  });

  it('an earlier session arriving later moves its successor', async () => {
    // b0 03-02 22:00: b1's previous session becomes b0. R1 still 4 visitors; local day 03-02 now has
    // a1 a2 b0 b1 → va vb = 2.
    await db.exec(`INSERT INTO sessions (${COLS}) VALUES ${s('b0', '2026-03-03T03:00:00Z', 'vb')}`);
    expect(await steps(db, R1)).toEqual([4, 3, 2, 2]);
    expect(await steps(db, ['2026-03-02T05:00:00Z', '2026-03-03T05:00:00Z'])).toEqual([2, 1, 0, 0]);
    await expectConsistent(db);
  });

  it('an identical re-load changes nothing', async () => {
    const before = await keptAndRecomputed(db);
    await db.exec(`INSERT INTO sessions (${COLS}) VALUES ${INITIAL.join(', ')} ${UPSERT}`);
    const after = await keptAndRecomputed(db);
    expect(after.kept).toEqual(before.kept);
    expect(after.keptDays).toEqual(before.keptDays);
  });

  it('follows a flag change, a visitor change and a delete', async () => {
    // a4 (03-04 12:00) now added to cart: 03-04 has d1 a4 → ATC visitors vd va = 2 (was 1).
    expect(await steps(db, R5)).toEqual([2, 1, 1, 0]);
    await db.exec(`INSERT INTO sessions (${COLS}) VALUES ${s('a4', '2026-03-04T17:00:00Z', 'va', true)} ${UPSERT}`);
    expect(await steps(db, R5)).toEqual([2, 2, 1, 0]);
    await expectConsistent(db);
    // c2 belongs to vd after all: R3 has c1 (vc), c2 (vd), a3 (va) = 3; ATC c2 a3 = 2.
    await db.exec(`INSERT INTO sessions (${COLS}) VALUES ${s('c2', '2026-03-03T13:00:00Z', 'vd', true)} ${UPSERT}`);
    expect(await steps(db, R3)).toEqual([3, 2, 1, 1]);
    await expectConsistent(db);
    // a2 deleted: a3's previous session is a1 again. R2: b0 is out, a2 gone → a3 (va), b1 b2 (vb),
    // c1 (vc), c2 d1 (vd), e2 (ve) = 5; ATC a3 (va), b2 (vb), c2 d1 (vd) = 3 (vc has none now).
    await db.exec(`DELETE FROM sessions WHERE session_id = 'a2'`);
    expect(await steps(db, R2)).toEqual([5, 3, 3, 2]);
    await expectConsistent(db);
    // A plain multi-row update that moves a session's start and swaps flags.
    await db.exec(`UPDATE sessions SET started_at = started_at - INTERVAL '2 days', began_checkout = NOT began_checkout WHERE session_id IN ('d1', 'e1')`);
    await expectConsistent(db);
  });

  it('funnel, conversion_range and conversion_daily equal their raw definitions in another session time zone', async () => {
    await refreshAggregates(db, null, null);
    await db.exec(`SET TIME ZONE 'Asia/Tokyo'`);
    try {
      for (const from of INSTANTS) {
        for (const to of INSTANTS) {
          if (to <= from) continue;
          const raw = await rawSteps(db, [from, to]);
          const f = await db.query<Row>(`SELECT visitors FROM kpi.funnel($1, $2) ORDER BY step_no`, [from, to]);
          expect([from, to, ...f.rows.map((x) => Number(x.visitors))]).toEqual([from, to, ...raw]);
          const c = await db.query<Row>(
            `SELECT sessions, visitors, add_to_cart_sessions, checkout_sessions, completed_checkout_sessions, purchase_sessions FROM kpi.conversion_range($1, $2)`,
            [from, to],
          );
          const rc = await db.query<Row>(
            `SELECT count(*) AS sessions, count(DISTINCT visitor_id) AS visitors, count(*) FILTER (WHERE added_to_cart) AS add_to_cart_sessions,
                    count(*) FILTER (WHERE began_checkout) AS checkout_sessions, count(*) FILTER (WHERE completed_checkout) AS completed_checkout_sessions,
                    count(*) FILTER (WHERE order_id IS NOT NULL) AS purchase_sessions
             FROM sessions WHERE started_at >= $1 AND started_at < $2`,
            [from, to],
          );
          const asNums = (x: Row | undefined): number[] => Object.values(x ?? {}).map(Number);
          expect([from, to, ...asNums(c.rows[0])]).toEqual([from, to, ...asNums(rc.rows[0])]);
        }
      }
      const daily = await db.query<Row>(
        `SELECT d.day::text AS day, d.visitors,
                (SELECT count(DISTINCT x.visitor_id) FROM sessions x WHERE x.started_at >= d.time AND x.started_at < kpi.day_start(d.day + 1)) AS raw
         FROM kpi.conversion_daily d WHERE d.data_source = 'sessions' ORDER BY d.day`,
      );
      expect(daily.rows.length).toBeGreaterThan(3);
      for (const r of daily.rows) expect([r.day, Number(r.visitors)]).toEqual([r.day, Number(r.raw)]);
    } finally {
      await db.exec(`RESET TIME ZONE`);
    }
  });

  it('a truncate empties the kept tables', async () => {
    await db.exec(`TRUNCATE sessions`);
    const r = await db.query<Row>(`SELECT (SELECT count(*) FROM visitor_step_sessions) + (SELECT count(*) FROM visitor_step_days) AS n`);
    expect(Number(r.rows[0]!.n)).toBe(0);
  });
});

describe('visitor_step_sessions filled from the sessions already there (an existing database)', () => {
  it('equals the recomputation and the raw distinct counts', async () => {
    // The migrations before 0120 first, sessions (with ties and cross-day visitors), then the rest.
    const dir = mkdtempSync(path.join(tmpdir(), 'kpi-visitor-steps-'));
    for (const f of readdirSync(SQL_DIR).filter((x) => /^\d{4}_.*\.sql$/.test(x) && x < '0120')) copyFileSync(path.join(SQL_DIR, f), path.join(dir, f));
    const db = (await openEmbedded()) as TestDb;
    try {
      await migrate(db, { timeZone: 'America/New_York', dir, viewsDir: null });
      await db.exec(`INSERT INTO sessions (${COLS}) VALUES ${INITIAL.join(', ')}, ${s('b0', '2026-03-03T03:00:00Z', 'vb')}`);
      await migrate(db, { timeZone: 'America/New_York' });
      expect(await steps(db, R2)).toEqual([5, 4, 3, 2]);
      await expectConsistent(db);
    } finally {
      await db.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

// An order's visitors, as order_summaries_next_order_keep reads them (its statement taken from the
// function as installed), with statistics on 5000 session_orders rows of 500 visitors: a probe of
// the order_id index, not TimescaleDB's SkipScan over the (visitor_id, order_id) index, which
// walks that whole index per order written (0172).
describe("an order's visitors in the order_summaries trigger", () => {
  it('are probed by order_id whatever the statistics', async () => {
    const db = await createTestDb({ timeZone: 'America/New_York' });
    try {
      const src = (await db.query<{ src: string }>(`SELECT prosrc AS src FROM pg_proc WHERE proname = 'order_summaries_next_order_keep'`)).rows[0]!.src;
      const loops = [...src.matchAll(/FOR v IN (SELECT .*?) LOOP/g)].map((m) => m[1]!.replace(/(NEW|OLD)\.order_id/, () => '$1'));
      expect(loops).toHaveLength(2);
      await db.exec('BEGIN');
      await db.exec(`ALTER TABLE session_orders DISABLE TRIGGER USER`);
      await db.exec(`INSERT INTO session_orders (session_id, started_at, visitor_id, order_id)
                     SELECT 'S' || g, '2026-05-01T00:00:00Z'::timestamptz + g * INTERVAL '1 minute', 'V' || (g % 500), 'O' || g
                     FROM generate_series(1, 5000) g`);
      await db.exec('ANALYZE session_orders');
      for (const [i, q] of loops.entries()) {
        await db.exec(`PREPARE visitors_of_${i}(text) AS ${q}`);
        const plan = (await db.query<{ 'QUERY PLAN': string }>(`EXPLAIN EXECUTE visitors_of_${i}('O42')`)).rows.map((r) => r['QUERY PLAN']).join('\n');
        expect(plan).toContain('session_orders_order_idx');
        expect(plan).not.toContain('SkipScan');
        // the visitor of session S42: V42
        expect((await db.query<{ visitor_id: string }>(`EXECUTE visitors_of_${i}('O42')`)).rows).toEqual([{ visitor_id: 'V42' }]);
      }
      await db.exec('ROLLBACK');
    } finally {
      await db.close();
    }
  });
});
