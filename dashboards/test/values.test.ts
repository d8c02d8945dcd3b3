// For the hand-made data set (helpers/seed.ts) the revenue, funnel and product panels return
// exactly the numbers worked out by hand; and the manager role is refused every cost query.
import type { Panel } from '@grafana/schema';
import { buildDashboards } from '../src/all';
import { expandSql } from '../src/macros';
import { openKpiDb, queryAs, type KpiDb, type RoleResult } from './helpers/db';
import { computeFunnel, parseBenchmarks } from '../../grafana-plugins/funnel-panel/src/funnel';
import { buildFeed } from '../../grafana-plugins/order-feed-panel/src/orders';
import { EXPAND } from './expand';
import { panelData } from './helpers/panelData';
import { SEED_SQL } from './helpers/seed';

// The order feed plugin's logic imports FieldType and getFieldDisplayName from @grafana/data,
// whose CommonJS build requires ES-module-only packages (d3, marked) that jest cannot load in
// the experimental-vm-modules mode PGlite needs. These two stand-ins keep Grafana's values.
jest.mock('@grafana/data', () => ({
  FieldType: { time: 'time', number: 'number', string: 'string', boolean: 'boolean', other: 'other', enum: 'enum' },
  getFieldDisplayName: (field: { name: string; config?: { displayName?: string } }) => field.config?.displayName ?? field.name,
}));

const built = buildDashboards();
let db: KpiDb;
beforeAll(async () => {
  db = await openKpiDb(SEED_SQL);
});
afterAll(async () => {
  await db?.close();
});

/** What panel `id` receives: its own query's result, or its columns of the panel it reuses. */
async function panel(uid: string, id: number): Promise<RoleResult> {
  return panelData(db.pglite, built.find((x) => x.dashboard.uid === uid)!, id, EXPAND);
}

/** numeric arrives as string or number depending on the driver; compare as numbers. */
const num = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));
const rowsOf = (r: RoleResult): Array<Array<number | string | null>> =>
  r.rows.map((row) => r.fields.map((f) => (typeof row[f] === 'string' && Number.isNaN(Number(row[f])) ? (row[f] as string) : num(row[f]))));

describe('revenue overview (admin, manager and public agree)', () => {
  test.each([
    ['kpi-main-admin', 2],
    ['kpi-main-manager', 2],
    ['kpi-public-revenue', 1],
  ])('%s #%d revenue today up to 15:00 = 10.00 − 10.00 refund', async (uid, id) => {
    expect(rowsOf(await panel(uid, id))[0]!.slice(0, 2)).toEqual([0, 1]);
  });

  // The four "today" stats read one row: each stat's number is its column of that row.
  test.each(['kpi-main-admin', 'kpi-main-manager'])('%s #2 is the one revenue_comparison row the four stats show', async (uid) => {
    const r = await panel(uid, 2);
    expect(r.fields).toEqual(['revenue', 'orders', 'vs_yesterday_pct', 'yesterday_revenue', 'vs_avg7_pct', 'avg7_revenue', 'vs_target_pct', 'target_to_time']);
    const [row] = rowsOf(r) as [number[]];
    expect(row.slice(0, 4)).toEqual([0, 1, -100, 85]);
    expect(row[4]).toBe(-100);
    expect(row[5]).toBeCloseTo(85 / 7, 2);
    expect(row[6]).toBe(-100);
    expect(row[7]).toBeCloseTo((100000 / 31) * (15 / 24), 1);
    const d = built.find((x) => x.dashboard.uid === uid)!;
    expect(d.reuses.filter((x) => x.panelId === 2).map((x) => [x.readerId, x.fields])).toEqual([
      [3, ['vs_yesterday_pct', 'yesterday_revenue']],
      [4, ['vs_avg7_pct', 'avg7_revenue']],
      [5, ['vs_target_pct', 'target_to_time']],
    ]);
  });

  test('mobile and executive "today" stats show the same numbers from their own dashboard\'s row', async () => {
    for (const uid of ['kpi-mobile-admin', 'kpi-executive-admin']) {
      const d = built.find((x) => x.dashboard.uid === uid)!;
      const vsTarget = d.reuses.find((x) => x.fields[0] === 'vs_target_pct')!;
      const vsYesterday = d.reuses.find((x) => x.fields[0] === 'vs_yesterday_pct')!;
      expect(vsTarget.panelId).toBe(1);
      const [[pct, toTime]] = rowsOf(await panel(uid, vsTarget.readerId)) as [[number, number]];
      expect(pct).toBe(-100);
      expect(toTime).toBeCloseTo((100000 / 31) * (15 / 24), 1);
      expect(rowsOf(await panel(uid, vsYesterday.readerId))).toEqual([[-100, 85]]);
    }
    expect(rowsOf(await panel('kpi-mobile-admin', 4))).toEqual([[1]]); // orders today: o3
  });

  test('vs yesterday at the same time: yesterday 40.00 + 45.00 = 85.00, −100 %', async () => {
    expect(rowsOf(await panel('kpi-main-admin', 3))).toEqual([[-100, 85]]);
  });

  test('vs 7-day average: 85.00 ÷ 7', async () => {
    const [[pct, avg]] = rowsOf(await panel('kpi-main-admin', 4)) as [[number, number]];
    expect(pct).toBe(-100);
    expect(avg).toBeCloseTo(85 / 7, 2);
  });

  test('vs target: October target 100000 ÷ 31 scaled to 15 of 24 hours', async () => {
    const [[pct, toTime]] = rowsOf(await panel('kpi-main-admin', 5)) as [[number, number]];
    expect(pct).toBe(-100);
    expect(toTime).toBeCloseTo((100000 / 31) * (15 / 24), 1);
  });

  test('daily trend: 85.00 then 0.00 against the daily target', async () => {
    const r = rowsOf(await panel('kpi-main-admin', 6));
    expect(r.map((x) => x.slice(1, 3))).toEqual([
      [85, Math.round((100000 / 31) * 100) / 100],
      [0, Math.round((100000 / 31) * 100) / 100],
    ]);
  });

  test('AOV (40 + 45 + 10) ÷ 3, orders 3, revenue in range 85.00', async () => {
    // one revenue_daily sum for the three stats; 9 and 11 show its orders and revenue columns
    expect(rowsOf(await panel('kpi-main-admin', 8))).toEqual([[31.67, 3, 85]]);
    expect(rowsOf(await panel('kpi-main-admin', 9))).toEqual([[3]]);
    expect(rowsOf(await panel('kpi-main-admin', 11))).toEqual([[85]]);
  });

  test('by tier (before refunds): Premium 45, Brick 30, Value 20, Top Shelf 0', async () => {
    const r = rowsOf(await panel('kpi-main-admin', 7));
    expect(r.slice(0, 3)).toEqual([
      ['Premium', 45],
      ['Brick', 30],
      ['Value', 20],
    ]);
    for (const row of r.slice(3)) expect(row).toEqual(['Top Shelf', 0]);
  });

  test('by traffic source: paid 45, email 40 − 10 refund, direct 10, others 0', async () => {
    const r = rowsOf(await panel('kpi-main-admin', 10));
    expect(r.slice(0, 3)).toEqual([
      ['paid', 45],
      ['email', 30],
      ['direct', 10],
    ]);
    for (const row of r.slice(3)) expect(row[1]).toBe(0);
  });
});

test('one tier selected: revenue by tier and the product table show only that tier', async () => {
  const d = built.find((x) => x.dashboard.uid === 'kpi-main-admin')!;
  const brick = { ...EXPAND, variables: { ...EXPAND.variables, tier: { value: ['Brick'], multi: true, includeAll: true } } };
  for (const id of [7, 31]) {
    const q = d.queries.find((x) => x.panelId === id)!;
    const r = await queryAs(db.pglite, 'kpi_admin', expandSql(q.rawSql, brick));
    expect(r.rows.map((row) => (id === 7 ? row.tier : row.name))).toEqual(id === 7 ? ['Brick'] : ['Alpha']);
  }
});

describe('conversion funnel', () => {
  test('visitors 4 → add to cart 3 → checkout 2 → order 1', async () => {
    expect(rowsOf(await panel('kpi-main-admin', 21))).toEqual([
      ['Visitors', 4],
      ['Add to cart', 3],
      ['Checkout', 2],
      ['Order', 1],
    ]);
  });

  test('rates: conversion 1/4, add to cart 3/4, checkout completion 1/2', async () => {
    // one conversion_range row for the three rates; 23 and 24 show their column of it
    expect(rowsOf(await panel('kpi-main-admin', 22))).toEqual([[0.25, 0.75, 0.5]]);
    expect(rowsOf(await panel('kpi-main-admin', 23))).toEqual([[0.75]]);
    expect(rowsOf(await panel('kpi-main-admin', 24))).toEqual([[0.5]]);
  });
});

describe('top products', () => {
  test('admin table: revenue, units and margin per product, zero seller included', async () => {
    const r = rowsOf(await panel('kpi-main-admin', 31));
    // name, tier, units, revenue, margin, margin_pct, sku, back_office_url (seed.ts)
    expect(r.slice(0, 3)).toEqual([
      ['Gamma', 'Premium', 1, 45, 25, 55.56, 'C', 'https://shop.example/admin/products/C'],
      ['Alpha', 'Brick', 3, 30, 18, 60, 'A', 'https://shop.example/admin/products/A'],
      ['Beta', 'Value', 1, 20, 12, 60, 'B', 'https://shop.example/admin/products/B'],
    ]);
    expect(r[3]!.slice(0, 4)).toEqual(['Delta', 'Top Shelf', 0, 0]);
  });

  test('manager table: the same rows without cost columns', async () => {
    const r = await panel('kpi-main-manager', 31);
    expect(r.fields).toEqual(['name', 'tier', 'units', 'revenue', 'sku', 'back_office_url']);
    expect(rowsOf(r).map((x) => x[0])).toEqual(['Gamma', 'Alpha', 'Beta', 'Delta']);
  });

  test('best sellers, highest margin, lowest performers', async () => {
    expect(rowsOf(await panel('kpi-main-admin', 32)).slice(0, 3)).toEqual([
      ['Gamma', 45],
      ['Alpha', 30],
      ['Beta', 20],
    ]);
    expect(rowsOf(await panel('kpi-main-admin', 33))).toEqual([
      ['Gamma', 25],
      ['Alpha', 18],
      ['Beta', 12],
    ]);
    expect(rowsOf(await panel('kpi-main-admin', 34))[0]).toEqual(['Delta', 'Top Shelf', 0, 0, 'https://shop.example/admin/products/D']);
  });
});

describe('the manager role and cost data', () => {
  const adminCostQueries = built
    .find((d) => d.dashboard.uid === 'kpi-main-admin')!
    .queries.filter((q) => /\b(margin|cogs|inventory_turnover)\b/.test(q.rawSql));

  test('there are admin cost queries to try', () => {
    expect(adminCostQueries.map((q) => q.panelId).sort()).toEqual([31, 33, 36]);
  });

  test.each(adminCostQueries.map((q) => [q.panelId, q] as const))('admin cost panel #%d run as kpi_manager: permission denied', async (_id, q) => {
    await expect(queryAs(db.pglite, 'kpi_manager', expandSql(q.rawSql, EXPAND))).rejects.toThrow(/permission denied/);
  });

  test.each([
    'SELECT unit_cost_cents FROM public.products',
    'SELECT sku, unit_cost_cents FROM public.order_lines',
    'SELECT cogs_cents FROM kpi.order_lines_daily',
    'SELECT margin FROM kpi.product_sales_daily',
    "SELECT * FROM adm.inventory_turnover(now() - interval '30 days', now())",
  ])('kpi_manager: %s → permission denied', async (statement) => {
    await expect(queryAs(db.pglite, 'kpi_manager', statement)).rejects.toThrow(/permission denied/);
  });

  test('kpi_manager may still read the product list without its cost', async () => {
    const r = await queryAs(db.pglite, 'kpi_manager', 'SELECT sku, name, tier, price_cents, active FROM public.products ORDER BY sku');
    expect(r.rows).toHaveLength(4);
  });

  test('kpi_public is refused everything but revenue', async () => {
    await expect(queryAs(db.pglite, 'kpi_public', 'SELECT * FROM mgr.order_feed')).rejects.toThrow(/permission denied/);
    await expect(queryAs(db.pglite, 'kpi_public', 'SELECT * FROM public.customers')).rejects.toThrow(/permission denied/);
  });
});

describe('our panel plugins read these query results as intended', () => {
  test('funnel plugin maths on the funnel query: benchmarks parse, Order is the bottleneck, as the view says', async () => {
    const main = built.find((d) => d.dashboard.uid === 'kpi-main-admin')!;
    const funnelPanel = (main.dashboard.panels ?? []).find((p) => p.id === 21) as Panel;
    const bench = parseBenchmarks(funnelPanel.options!.benchmarks as string);
    expect(bench.invalid).toEqual([]);
    const steps = rowsOf(await panel('kpi-main-admin', 21)).map(([name, count]) => ({ name: String(name), count: count as number }));
    for (const s of steps.slice(1)) expect(bench.values.has(s.name.toLowerCase())).toBe(true);
    const result = computeFunnel(steps, { benchmarks: bench.values });
    // drop-offs 25 %, 33 %, 50 % against benchmarks 90 %, 55 %, 50 %: only Order reaches its benchmark
    expect(steps[result.bottleneckIndex!]!.name).toBe('Order');
    const view = await queryAs(db.pglite, 'kpi_admin', expandSql('SELECT step FROM adm.funnel($__timeFrom(), $__timeTo()) WHERE is_bottleneck', EXPAND));
    expect(view.rows).toEqual([{ step: 'order' }]);
  });

  test('order feed plugin reads the live-orders query: newest first, statuses recognised, test orders absent', async () => {
    const r = await panel('kpi-main-admin', 61);
    // The frame Grafana's SQL datasource returns: timestamptz as a time field (epoch ms), numeric as number.
    const frame = {
      length: r.rows.length,
      fields: r.fields.map((name) => ({
        name,
        config: {},
        type: name === 'time' ? 'time' : name === 'total' ? 'number' : 'string',
        values: r.rows.map((row) => (name === 'time' ? new Date(row[name] as string | Date).getTime() : name === 'total' ? Number(row[name]) : row[name])),
      })),
    };
    const feed = buildFeed([frame as never], {}, 20);
    expect(feed.map((o) => [o.id, o.status])).toEqual([
      ['o4', expect.anything()],
      ['o3', 'pending_verification'],
      ['o2', 'completed'],
      ['o1', 'completed'],
    ]);
    expect(feed.find((o) => o.id === 'o1')).toMatchObject({ customer: 'Ann', total: 48 });
  });
});
