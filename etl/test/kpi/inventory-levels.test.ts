// Stock-outs, inventory value and turnover read trigger-kept tables (migrations 0095, 0096). These
// tests change the raw rows with plain SQL after the fixture loaded (out-of-order changes, a new
// location's first change, re-loads, updates, deletes, a cancelled order) and check the KPIs both
// against hand-computed values and against the definitions they replace, kept below as `ref.*`
// (window functions over the whole inventory history, COGS summed from every line of the range).
import type { TestDb } from '../helpers/testDb';
import { createSeededKpiDb, isoDay, num } from './fixture';

type Row = Record<string, unknown>;

const REFERENCE_SQL = `
CREATE SCHEMA ref;
CREATE VIEW ref.out_of_stock_incidents_daily AS
WITH c AS (
  SELECT sku, changed_at, available_after,
         coalesce(lag(available_after) OVER (PARTITION BY sku, location_id ORDER BY changed_at, change_id),
                  available_after - delta) AS prev
  FROM public.inventory_changes
)
SELECT kpi.day_start(kpi.local_day(c.changed_at)) AS time, kpi.local_day(c.changed_at) AS day, c.sku, p.name,
       count(*) AS incidents
FROM c LEFT JOIN public.products p ON p.sku = c.sku
WHERE c.prev > 0 AND c.available_after <= 0
GROUP BY 1, 2, c.sku, p.name;

CREATE VIEW ref.out_of_stock_store_daily AS
WITH c AS (
  SELECT sku, location_id, changed_at, change_id, available_after,
         available_after - coalesce(lag(available_after) OVER (PARTITION BY sku, location_id ORDER BY changed_at, change_id),
                                    available_after - delta) AS move,
         CASE WHEN row_number() OVER (PARTITION BY sku, location_id ORDER BY changed_at, change_id) = 1
              THEN available_after - delta ELSE 0 END AS opening
  FROM public.inventory_changes
), t AS (
  SELECT sku, changed_at,
         sum(opening) OVER (PARTITION BY sku) + sum(move) OVER (PARTITION BY sku ORDER BY changed_at, change_id ROWS UNBOUNDED PRECEDING) AS total,
         sum(opening) OVER (PARTITION BY sku)
           + coalesce(sum(move) OVER (PARTITION BY sku ORDER BY changed_at, change_id ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0) AS before
  FROM c
)
SELECT kpi.day_start(kpi.local_day(t.changed_at)) AS time, kpi.local_day(t.changed_at) AS day, t.sku, p.name,
       count(*) AS incidents
FROM t LEFT JOIN public.products p ON p.sku = t.sku
WHERE t.before > 0 AND t.total <= 0
GROUP BY 1, 2, t.sku, p.name;

CREATE FUNCTION ref.inventory_value_at(at timestamptz)
RETURNS TABLE (sku text, units bigint, value_cents numeric)
LANGUAGE sql STABLE AS $$
  WITH ev AS (
    SELECT sku, location_id, changed_at AS ts, available_after AS avail, 1 AS pri FROM public.inventory_changes WHERE changed_at < $1
    UNION ALL
    SELECT sku, location_id, counted_at, available, 0 FROM public.inventory_counts WHERE counted_at < $1
  ), last AS (
    SELECT DISTINCT ON (sku, location_id) sku, location_id, avail FROM ev ORDER BY sku, location_id, ts DESC, pri DESC
  )
  SELECT l.sku, sum(greatest(l.avail, 0))::bigint, sum(greatest(l.avail, 0)::numeric * coalesce(p.unit_cost_cents, 0))
  FROM last l LEFT JOIN public.products p ON p.sku = l.sku
  GROUP BY l.sku
$$;

CREATE FUNCTION ref.inventory_turnover(from_ts timestamptz, to_ts timestamptz)
RETURNS TABLE (sku text, cogs numeric, inventory_value_start numeric, inventory_value_end numeric,
               avg_inventory_value numeric, inventory_turnover numeric)
LANGUAGE sql STABLE AS $$
  WITH c AS (
    SELECT x.sku, sum(x.quantity::bigint * x.unit_cost_cents) AS cogs FROM public.order_lines x
    WHERE x.order_valid AND x.placed_at >= $1 AND x.placed_at < $2 GROUP BY x.sku
  ), s AS (SELECT * FROM ref.inventory_value_at($1)),
     e AS (SELECT * FROM ref.inventory_value_at($2)),
  k AS (
    SELECT sku FROM c UNION SELECT sku FROM s UNION SELECT sku FROM e
  ), per AS (
    SELECT k.sku, coalesce(c.cogs, 0) AS cogs, coalesce(s.value_cents, 0) AS v0, coalesce(e.value_cents, 0) AS v1
    FROM k LEFT JOIN c ON c.sku = k.sku LEFT JOIN s ON s.sku = k.sku LEFT JOIN e ON e.sku = k.sku
  ), rows AS (
    SELECT sku, cogs, v0, v1, 1 AS ord FROM per
    UNION ALL
    SELECT '*', coalesce(sum(cogs), 0), coalesce(sum(v0), 0), coalesce(sum(v1), 0), 0 FROM per
  )
  SELECT sku, kpi.money(cogs), kpi.money(v0), kpi.money(v1), kpi.money((v0 + v1) / 2.0),
         round(cogs / NULLIF((v0 + v1) / 2.0, 0), 4)
  FROM rows ORDER BY ord, sku
$$;
`;

// The loader's upsert (etl/src/load/loader.ts): a row whose values did not change is not written.
const upsertChange = (id: string, at: string, sku: string, loc: string, delta: number, after: number) => `
INSERT INTO inventory_changes AS t (change_id, changed_at, sku, location_id, delta, available_after, reason, source, source_id)
VALUES ('${id}', '${at}', '${sku}', '${loc}', ${delta}, ${after}, 'adjustment', 't', '${id}')
ON CONFLICT (change_id, changed_at) DO UPDATE SET sku = EXCLUDED.sku, location_id = EXCLUDED.location_id, delta = EXCLUDED.delta,
  available_after = EXCLUDED.available_after, reason = EXCLUDED.reason
WHERE (t.sku, t.location_id, t.delta, t.available_after, t.reason) IS DISTINCT FROM
      (EXCLUDED.sku, EXCLUDED.location_id, EXCLUDED.delta, EXCLUDED.available_after, EXCLUDED.reason)`;

const INSTANTS = [
  '2026-02-28T00:00:00Z', '2026-03-01T00:00:00Z', '2026-03-01T00:00:01Z', '2026-03-05T05:00:00Z', '2026-03-05T15:00:00Z',
  '2026-03-05T16:30:00Z', '2026-03-06T12:00:00Z', '2026-03-07T00:00:00Z', '2026-03-08T05:00:00Z', '2026-03-09T04:30:00Z',
  '2026-03-09T04:59:00Z', '2026-03-10T15:00:00Z', '2026-03-12T00:00:00Z', '2026-04-01T00:00:00Z',
];

describe('stock-outs, inventory value and turnover from the kept inventory levels', () => {
  let db: TestDb;
  beforeAll(async () => {
    db = await createSeededKpiDb();
    await db.exec(REFERENCE_SQL);
  });
  afterAll(async () => {
    await db.close();
  });
  // Each test changes the fixture inside a transaction it rolls back.
  beforeEach(async () => {
    await db.exec('BEGIN');
  });
  afterEach(async () => {
    await db.exec('ROLLBACK');
  });

  const incidents = async (view: string): Promise<unknown[][]> =>
    (await db.query<Row>(`SELECT time, day, sku, name, incidents FROM ${view} ORDER BY day, sku`)).rows.map((x) => [
      (x.time as Date).toISOString(), isoDay(x.day), x.sku, x.name, num(x.incidents),
    ]);
  const rows = async (q: string): Promise<string> => JSON.stringify((await db.query<Row>(q)).rows);

  /** Every view and function the same as its reference, at every instant and over every range. */
  async function expectSameAsReference(): Promise<void> {
    for (const v of ['out_of_stock_incidents_daily', 'out_of_stock_store_daily']) {
      expect(await incidents(`kpi.${v}`)).toEqual(await incidents(`ref.${v}`));
    }
    for (const at of INSTANTS) {
      const q = (s: string) => `SELECT * FROM ${s}.inventory_value_at('${at}') ORDER BY sku`;
      expect(await rows(q('kpi'))).toEqual(await rows(q('ref')));
    }
    // Ranges over whole days, partial days, one day, DST day and empty ones.
    const bounds = ['2026-03-01T00:00:00Z', '2026-03-05T05:00:00Z', '2026-03-05T16:30:00Z', '2026-03-06T12:00:00Z',
      '2026-03-08T05:00:00Z', '2026-03-09T04:30:00Z', '2026-03-10T15:00:00Z', '2026-04-01T00:00:00Z'];
    for (const from of bounds) {
      for (const to of bounds) {
        if (to < from) continue;
        const q = (s: string) => `SELECT * FROM ${s}.inventory_turnover('${from}', '${to}')`;
        expect(await rows(q('kpi'))).toEqual(await rows(q('ref')));
      }
    }
  }
  const perLocation = async () => (await incidents('kpi.out_of_stock_incidents_daily')).map((r) => [r[1], r[2], r[4]]);
  const storeWide = async () => (await incidents('kpi.out_of_stock_store_daily')).map((r) => [r[1], r[2], r[4]]);
  const turnover = async (from: string, to: string, sku: string) => {
    const r = await db.query<Row>(`SELECT * FROM kpi.inventory_turnover('${from}', '${to}') WHERE sku = '${sku}'`);
    const x = r.rows[0];
    return [num(x?.cogs), num(x?.inventory_value_start), num(x?.inventory_value_end), num(x?.avg_inventory_value), num(x?.inventory_turnover)];
  };

  it('the fixture: incidents per location and store-wide, the first change of a location included', async () => {
    // P2 at L1: first change seen, opening 0 − (−1) = 1 → 0. Store-wide P2 = L1 + L2 = 1 + 5 = 6 → 5
    // → 2: never out. P1 is only at L1: 8 → 0 on 03-06, 5 → 0 on 03-09 (00:30 EDT).
    expect(await perLocation()).toEqual([['2026-03-05', 'P2', 1], ['2026-03-06', 'P1', 1], ['2026-03-09', 'P1', 1]]);
    expect(await storeWide()).toEqual([['2026-03-06', 'P1', 1], ['2026-03-09', 'P1', 1]]);
    const r = await incidents('kpi.out_of_stock_incidents_daily');
    expect(r[0]).toEqual(['2026-03-05T05:00:00.000Z', '2026-03-05', 'P2', 'Value Pack', 1]); // time = local midnight EST
    await expectSameAsReference();
  });

  it('an earlier change loaded after the later ones fixes the following rows of its SKU × location', async () => {
    // IC8 Thu 03-05 19:00 EST: P1 L1 8 → 0 (an incident on 03-05); IC2 on 03-06 then goes 0 → 0: no longer one.
    await db.exec(upsertChange('IC8', '2026-03-06T00:00:00Z', 'P1', 'L1', -8, 0));
    expect(await perLocation()).toEqual([['2026-03-05', 'P1', 1], ['2026-03-05', 'P2', 1], ['2026-03-09', 'P1', 1]]);
    expect(await storeWide()).toEqual([['2026-03-05', 'P1', 1], ['2026-03-09', 'P1', 1]]);
    await expectSameAsReference();
    // Deleting it gives the fixture back.
    await db.exec(`DELETE FROM inventory_changes WHERE change_id = 'IC8'`);
    expect(await perLocation()).toEqual([['2026-03-05', 'P2', 1], ['2026-03-06', 'P1', 1], ['2026-03-09', 'P1', 1]]);
    await expectSameAsReference();
  });

  it("a location's first change counts its opening store-wide from the start", async () => {
    // P1 at L2, first change Tue 03-10 11:00 EDT: 3 → 0. Store-wide P1 = L1 + 3 from the start:
    // 13 → 11, 11 → 3 (IC2 on 03-06: not out), 3 → 8, 8 → 3 (IC4: not out), 3 → 2, then L2 2 → −1 on 03-10.
    await db.exec(upsertChange('IC9', '2026-03-10T15:00:00Z', 'P1', 'L2', -3, 0));
    expect(await perLocation()).toEqual([['2026-03-05', 'P2', 1], ['2026-03-06', 'P1', 1], ['2026-03-09', 'P1', 1], ['2026-03-10', 'P1', 1]]);
    expect(await storeWide()).toEqual([['2026-03-10', 'P1', 1]]);
    await expectSameAsReference();
    // An earlier first change of that location (03-02, 7 → 3) replaces its opening (3 → 7):
    // store-wide P1 starts at 10 + 7 = 17, IC10 takes it to 13 and from IC1 on it runs as above
    // (11, 3, 3, 8, 3, 2, −1): still out on 03-10 only; L2 goes 3 → 0 on 03-10 as before.
    await db.exec(upsertChange('IC10', '2026-03-02T15:00:00Z', 'P1', 'L2', -4, 3));
    expect(await storeWide()).toEqual([['2026-03-10', 'P1', 1]]);
    expect(await perLocation()).toEqual([['2026-03-05', 'P2', 1], ['2026-03-06', 'P1', 1], ['2026-03-09', 'P1', 1], ['2026-03-10', 'P1', 1]]);
    await expectSameAsReference();
  });

  it('re-loading identical rows changes nothing; rewriting them in place neither', async () => {
    const before = await rows(`SELECT * FROM inventory_change_levels ORDER BY sku, changed_at, change_id`);
    await db.exec(upsertChange('IC2', '2026-03-06T12:00:00Z', 'P1', 'L1', -8, 0));
    await db.exec(upsertChange('IC6', '2026-03-05T16:00:00Z', 'P2', 'L1', -1, 0));
    await db.exec(`INSERT INTO inventory_counts (sku, location_id, counted_at, available, source, source_id)
                   VALUES ('P1', 'L1', '2026-03-01T00:00:00Z', 10, 't', 'ic0') ON CONFLICT DO NOTHING`);
    expect(await rows(`SELECT * FROM inventory_change_levels ORDER BY sku, changed_at, change_id`)).toBe(before);
    await db.exec(`UPDATE inventory_changes SET reason = reason`);
    await db.exec(`UPDATE inventory_counts SET available = available`);
    expect(await rows(`SELECT * FROM inventory_change_levels ORDER BY sku, changed_at, change_id`)).toBe(before);
    expect(await perLocation()).toEqual([['2026-03-05', 'P2', 1], ['2026-03-06', 'P1', 1], ['2026-03-09', 'P1', 1]]);
    await expectSameAsReference();
  });

  it('inventory value: a change wins over a count at the same instant; counts loaded later count', async () => {
    // A change at the instant of P1's count: +2 → 12. Start value P1 12 × 400 = 4800; end (IC3) 5 × 400 = 2000;
    // P2 end 0 + 2 × 1000 = 2000. COGS 8800 (as in operations-products) → 8800 / ((4800 + 4000) / 2) = 2.
    await db.exec(upsertChange('IC11', '2026-03-01T00:00:00Z', 'P1', 'L1', 2, 12));
    expect(await turnover('2026-03-05T05:00:00Z', '2026-03-08T05:00:00Z', '*')).toEqual([88, 48, 40, 44, 2]);
    expect(await turnover('2026-03-05T05:00:00Z', '2026-03-08T05:00:00Z', 'P1')).toEqual([8, 48, 20, 34, 0.2353]); // 800 / 3400
    // A count of P2 at L2 on 03-07 (after IC7's 2): 6 → end P2 = 6 × 1000 = 6000.
    await db.exec(`INSERT INTO inventory_counts (sku, location_id, counted_at, available, source, source_id)
                   VALUES ('P2', 'L2', '2026-03-07T00:00:00Z', 6, 't', 'ic1')`);
    expect(await turnover('2026-03-05T05:00:00Z', '2026-03-08T05:00:00Z', 'P2')).toEqual([10, 0, 60, 30, 0.3333]); // 1000 / 3000
    // Negative stock is worth 0: P1 L1 after IC5 is −1.
    const v = await db.query<Row>(`SELECT * FROM kpi.inventory_value_at('2026-03-12T00:00:00Z') WHERE sku = 'P1'`);
    expect([num(v.rows[0]?.units), num(v.rows[0]?.value_cents)]).toEqual([0, 0]);
    await db.exec(`DELETE FROM inventory_counts WHERE source_id = 'ic1'`);
    expect(await turnover('2026-03-05T05:00:00Z', '2026-03-08T05:00:00Z', 'P2')).toEqual([10, 0, 20, 10, 1]);
    await expectSameAsReference();
  });

  it('turnover COGS: whole local days plus the partial first and last day; a cancelled order leaves', async () => {
    // [Thu 03-05 11:00 EST, Mon 03-09 01:00 EDT): A2 (P2 1000, 23:59 EST 03-05, partial first day),
    // A5 (P4 5000), A6 (P2 2000, 03-08 23:30 EDT), A7 (P1 1 × 450, 00:30 EDT 03-09, partial last day) = 8450.
    const from = '2026-03-05T16:00:00Z';
    const to = '2026-03-09T05:00:00Z';
    expect((await turnover(from, to, '*'))[0]).toBe(84.5);
    expect((await turnover(from, to, 'P2'))[0]).toBe(30);
    // Within one local day: 03-05 10:00..13:00 EST holds A1 only (P1 800, P3 2000); A3 is cancelled, A4 a test.
    expect((await turnover('2026-03-05T15:00:00Z', '2026-03-05T18:00:00Z', '*'))[0]).toBe(28);
    // A5 cancelled after the load: its line turns invalid, P4 leaves the range (no line, no stock).
    await db.exec(`UPDATE order_lines SET order_valid = false WHERE order_id = 'A5'`);
    expect((await turnover(from, to, '*'))[0]).toBe(34.5);
    expect(await db.query(`SELECT 1 FROM kpi.inventory_turnover('${from}', '${to}') WHERE sku = 'P4'`).then((r) => r.rows.length)).toBe(0);
    // A line loaded late for Sat 03-07 (P3 × 2 at 2000): +4000.
    await db.exec(`INSERT INTO order_lines (order_id, line_no, placed_at, sku, quantity, unit_price_cents, line_subtotal_cents,
                     allocated_discount_cents, unit_cost_cents, order_valid, source, source_id)
                   VALUES ('A9', 1, '2026-03-07T17:00:00Z', 'P3', 2, 5000, 10000, 0, 2000, true, 't', 'A9-1')`);
    expect((await turnover(from, to, '*'))[0]).toBe(74.5);
    await expectSameAsReference();
  });

  it('a mixed sequence of loads, moves and deletes stays equal to the reference', async () => {
    // Deterministic pseudo-random changes over three SKUs and two locations, out of order.
    let seed = 7;
    const rnd = (n: number) => {
      seed = (seed * 48271) % 2147483647;
      return seed % n;
    };
    for (let i = 0; i < 60; i++) {
      const sku = ['P1', 'P2', 'P3'][rnd(3)]!;
      const loc = ['L1', 'L2'][rnd(2)]!;
      const at = new Date(Date.UTC(2026, 2, 2 + rnd(10), rnd(24))).toISOString();
      const after = rnd(5) - 1;
      const delta = rnd(7) - 3;
      const op = rnd(7);
      if (op === 0) await db.exec(`DELETE FROM inventory_changes WHERE change_id = (SELECT min(change_id) FROM inventory_changes WHERE sku = '${sku}')`);
      else if (op === 1) await db.exec(`UPDATE inventory_changes SET location_id = '${loc}', available_after = ${after} WHERE change_id = (SELECT max(change_id) FROM inventory_changes WHERE sku = '${sku}')`);
      else if (op === 2) {
        // A change moved to another instant (a hypertable row cannot change chunk: delete and re-insert in one statement).
        await db.exec(`WITH d AS (DELETE FROM inventory_changes WHERE change_id = (SELECT max(change_id) FROM inventory_changes WHERE sku = '${sku}') RETURNING *)
          INSERT INTO inventory_changes SELECT change_id, '${at}', sku, location_id, delta, available_after, reason, source, source_id FROM d`);
      }
      else await db.exec(upsertChange(`R${i}`, at, sku, loc, delta, after));
    }
    // One statement inserting several rows of one SKU at once, newest first.
    await db.exec(`INSERT INTO inventory_changes (change_id, changed_at, sku, location_id, delta, available_after, reason, source, source_id) VALUES
      ('M3', '2026-03-11T00:00:00Z', 'P3', 'L1', -2, 0, 'sale', 't', 'M3'),
      ('M2', '2026-03-04T00:00:00Z', 'P3', 'L2', 1, 1, 'restock', 't', 'M2'),
      ('M1', '2026-03-03T00:00:00Z', 'P3', 'L1', -1, 2, 'sale', 't', 'M1')`);
    const n = await db.query<Row>(`SELECT count(*)::int AS changes, (SELECT sum(incidents)::int FROM kpi.out_of_stock_incidents_daily) AS per_location,
      (SELECT sum(incidents)::int FROM kpi.out_of_stock_store_daily) AS store_wide FROM inventory_changes`);
    expect(n.rows[0]).toEqual({ changes: 38, per_location: 6, store_wide: 3 }); // the sequence did reach stock-outs
    await expectSameAsReference();
  });
});
