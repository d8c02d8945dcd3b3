// Every generated dashboard against Grafana's dashboard model and our provisioning; the committed
// files against what the sources generate.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { Panel } from '@grafana/schema';
import { buildDashboards, DATASOURCES, generatedFiles, REPO_ROOT } from '../src/all';
import { DASHBOARD_DS, STORE_TIMEZONE } from '../src/config';
import { allPanels, checkDashboard, corePanelTypes, pinnedSchemaVersion, pluginPanelTypes, referencedVariables } from '../src/model';

const built = buildDashboards();
const panelTypes = new Set([...corePanelTypes(), ...pluginPanelTypes(REPO_ROOT)]);

test('the pinned Grafana schema is 12.4.10', () => {
  expect(pinnedSchemaVersion()).toBe('12.4.10');
});

test('committed JSON and provisioning equal what the sources generate', () => {
  const stale: string[] = [];
  for (const [rel, content] of generatedFiles()) {
    const file = path.join(REPO_ROOT, rel);
    if (!existsSync(file) || readFileSync(file, 'utf8') !== content) stale.push(rel);
  }
  expect(stale).toEqual([]);
});

test('dashboard uids are fixed and unique', () => {
  expect(built.map((d) => d.dashboard.uid)).toEqual([
    'kpi-main-admin',
    'kpi-recovery-admin',
    'kpi-mobile-admin',
    'kpi-executive-admin',
    'kpi-main-manager',
    'kpi-recovery-manager',
    'kpi-mobile-manager',
    'kpi-executive-manager',
    'kpi-public-revenue',
    'kpi-health-admin',
  ]);
});

describe.each(built.map((d) => [d.dashboard.uid!, d] as const))('%s', (_uid, d) => {
  const orgUids = new Set(DATASOURCES.filter((x) => x.orgId === d.orgId).map((x) => x.uid));

  test('passes the model checks (ids, grid, datasources, panel types)', () => {
    expect(checkDashboard(d.dashboard, { datasourceUids: orgUids, panelTypes })).toEqual([]);
  });

  test('queries only its own role datasource', () => {
    const own = DATASOURCES.find((x) => x.role === d.role)!.uid;
    for (const p of allPanels(d.dashboard)) {
      for (const t of (p as Panel).targets ?? []) {
        const uid = (t.datasource as { uid: string }).uid;
        if (uid !== 'grafana' && uid !== DASHBOARD_DS.uid) expect(`${p.id}:${uid}`).toBe(`${p.id}:${own}`);
      }
    }
  });

  test('refreshes every minute in the store time zone with a time picker', () => {
    expect(d.dashboard.refresh).toBe('1m');
    expect(d.dashboard.timezone).toBe(STORE_TIMEZONE);
    expect(d.dashboard.time).toEqual({ from: 'now-30d', to: 'now' });
    expect(d.dashboard.timepicker?.hidden).not.toBe(true);
  });

  test('every variable a query uses is defined', () => {
    const defined = new Set((d.dashboard.templating?.list ?? []).map((v) => v.name));
    for (const q of d.queries) for (const v of referencedVariables(q.rawSql)) expect(`${q.panelId}:${v}:${defined.has(v)}`).toBe(`${q.panelId}:${v}:true`);
  });

  test('SQL reads only the role schema (no raw tables)', () => {
    const schema = { admin: 'adm', manager: 'mgr', public: 'pub' }[d.role];
    for (const q of d.queries) {
      const froms = [...q.rawSql.matchAll(/\b(?:FROM|JOIN)\s+([a-z_][\w.]*)/gi)].map((m) => m[1]!);
      for (const f of froms) expect(`${q.panelId}:${f.split('.')[0]}`).toBe(`${q.panelId}:${f.includes('.') ? schema : f.split('.')[0]}`);
      // a bare name is only allowed for derived tables (FROM ( ... ) alias)
      for (const f of froms) if (!f.includes('.')) throw new Error(`panel ${q.panelId} reads unqualified ${f}`);
    }
  });
});

const COST = /\b(cogs|margin|margin_pct|unit_cost|unit_cost_cents|cost_cents|inventory_value\w*|avg_inventory_value|inventory_turnover)\b/i;

test('manager and public dashboards contain no cost field', () => {
  for (const d of built.filter((x) => x.role !== 'admin')) {
    const text = JSON.stringify(d.dashboard);
    expect(`${d.dashboard.uid}: ${COST.exec(text)?.[0] ?? 'none'}`).toBe(`${d.dashboard.uid}: none`);
  }
});

test('admin dashboard does show cost data (the check above is not vacuous)', () => {
  expect(COST.test(JSON.stringify(built[0]!.dashboard))).toBe(true);
});

test('the public dashboard has no template variables and only revenue views', () => {
  const pub = built.find((d) => d.role === 'public')!;
  expect(pub.dashboard.templating?.list ?? []).toEqual([]);
  for (const q of pub.queries) expect(q.rawSql).toMatch(/pub\.revenue_(daily|hourly|trend|today|comparison)/);
});

test('main dashboards keep the six sections in order, then operations', () => {
  for (const d of built.filter((x) => x.dashboard.uid!.startsWith('kpi-main-'))) {
    const rows = (d.dashboard.panels ?? []).filter((p) => p.type === 'row').map((p) => p.title);
    expect(rows).toEqual(['Revenue overview', 'Conversion funnel', 'Top products', 'Customer insights', 'Campaign performance', 'Live activity', 'Operations',
      'Cohorts and segments', 'Funnel timing and email conversions', 'Stock-outs']);
  }
});

test('mobile dashboards: key numbers first, small, rows collapsed', () => {
  for (const d of built.filter((x) => x.dashboard.uid!.startsWith('kpi-mobile-'))) {
    const top = d.dashboard.panels ?? [];
    const firstRow = top.findIndex((p) => p.type === 'row');
    expect(firstRow).toBeGreaterThanOrEqual(4);
    for (const p of top.slice(0, firstRow)) expect(p.gridPos!.h).toBeLessThanOrEqual(4);
    for (const p of top.slice(firstRow)) expect(p).toMatchObject({ type: 'row', collapsed: true });
  }
});

test('thresholds come from the KPI catalog', () => {
  const cat = JSON.parse(readFileSync(path.join(REPO_ROOT, 'kpi/catalog.json'), 'utf8')) as { kpis: Array<{ id: string; target?: number; target_low?: number }> };
  const aov = cat.kpis.find((k) => k.id === 'aov')!.target!;
  const conv = cat.kpis.find((k) => k.id === 'conversion_rate')!.target_low!;
  const main = built[0]!.dashboard;
  const byId = (id: number): Panel => allPanels(main).find((p) => p.id === id) as Panel;
  expect(byId(8).fieldConfig!.defaults.thresholds!.steps.at(-1)).toEqual({ color: 'green', value: aov });
  expect(byId(22).fieldConfig!.defaults.thresholds!.steps.at(-1)).toEqual({ color: 'green', value: conv });
});

test('plugin panels: funnel benchmarks from the catalog; order feed has SQL and a Live target', () => {
  const main = built[0]!.dashboard;
  const funnel = allPanels(main).find((p) => p.type === 'kpi-funnel-panel') as Panel;
  expect(funnel.options!.benchmarks).toBe('Add to cart: 90, Checkout: 55, Order: 50');
  const feed = allPanels(main).find((p) => p.type === 'kpi-orderfeed-panel') as Panel;
  expect(feed.datasource).toEqual({ type: 'datasource', uid: '-- Mixed --' });
  expect(feed.targets).toEqual([
    expect.objectContaining({ refId: 'A', format: 'table', rawSql: expect.stringContaining('LIMIT 20') }),
    { refId: 'LIVE', datasource: { type: 'datasource', uid: 'grafana' }, queryType: 'measurements', channel: 'stream/orders/live' },
  ]);
});

test('the product table links every product to its own back office page (products.back_office_url)', () => {
  const t = allPanels(built[0]!.dashboard).find((p) => p.id === 31) as Panel;
  const links = t.fieldConfig!.overrides!.find((o) => o.matcher.options === 'name')!.properties[0]!.value as Array<{ title: string; url: string }>;
  expect(links.map((l) => l.title)).toEqual(['View details', 'Adjust price', 'Promote']);
  for (const l of links) expect(l.url).toMatch(/^\$\{__data\.fields\.back_office_url\}(#|$)/);
  // The URL column feeds the links but is not shown.
  const hidden = t.fieldConfig!.overrides!.find((o) => o.matcher.options === 'back_office_url')!.properties;
  expect(hidden).toEqual([{ id: 'custom.hidden', value: true }]);
});

test('the model checks catch what they claim to (overlap, duplicate id, bad type, unknown datasource, off-grid)', () => {
  const ds = { type: 'grafana-postgresql-datasource', uid: 'nope' };
  const bad = {
    uid: 'bad',
    schemaVersion: 42,
    panels: [
      { id: 1, type: 'stat', gridPos: { x: 0, y: 0, w: 12, h: 4 }, targets: [{ refId: 'A', datasource: ds }] },
      { id: 1, type: 'graph', gridPos: { x: 6, y: 2, w: 12, h: 4 } },
      { id: 3, type: 'table', gridPos: { x: 20, y: 10, w: 6, h: 4 } },
    ],
  };
  const problems = checkDashboard(bad as never, { datasourceUids: new Set(['kpi-pg-admin']), panelTypes });
  expect(problems.join('\n')).toMatch(/duplicate panel ids 1/);
  expect(problems.join('\n')).toMatch(/overlap/);
  expect(problems.join('\n')).toMatch(/type "graph"/);
  expect(problems.join('\n')).toMatch(/datasource nope is not provisioned/);
  expect(problems.join('\n')).toMatch(/outside the 24-column grid/);
});

// Panels showing columns of the same row read one query: the others use Grafana's
// `-- Dashboard --` datasource with the JSON its query editor saves for "use results from panel".
test.each([
  ['kpi-main-admin', { 2: [3, 4, 5], 8: [9, 11], 22: [23, 24], 71: [72, 73, 74, 75], 91: [92] }],
  ['kpi-main-manager', { 2: [3, 4, 5], 8: [9, 11], 22: [23, 24], 71: [72, 73, 74, 75], 91: [92] }],
  ['kpi-mobile-admin', { 1: [2, 3, 4], 41: [42] }],
  ['kpi-executive-admin', { 1: [9, 10], 2: [3] }],
] as const)('%s: one query per shared row, the other panels reuse it', (uid, groups) => {
  const d = built.find((x) => x.dashboard.uid === uid)!;
  const readersOf = (source: number) => d.reuses.filter((r) => r.panelId === source).map((r) => r.readerId);
  for (const [source, readers] of Object.entries(groups)) expect([source, readersOf(Number(source))]).toEqual([source, readers]);
  expect(d.reuses).toHaveLength(Object.values(groups).flat().length);
  for (const r of d.reuses) {
    const p = allPanels(d.dashboard).find((x) => x.id === r.readerId) as Panel;
    expect(p.datasource).toEqual({ type: 'datasource', uid: '-- Dashboard --' });
    expect(p.targets).toEqual([{ refId: 'A', datasource: { type: 'datasource', uid: '-- Dashboard --' }, panelId: r.panelId, withTransforms: true }]);
    expect(p.transformations?.[0]).toEqual({ id: 'filterFieldsByName', options: { include: { names: r.fields } } });
    // the source's query returns every column its readers show
    const source = d.queries.find((q) => q.panelId === r.panelId)!;
    for (const f of r.fields) expect(`${r.readerId}:${f}:${source.columns.includes(f)}`).toBe(`${r.readerId}:${f}:true`);
    expect(d.queries.some((q) => q.panelId === r.readerId)).toBe(false);
  }
});

test('the public dashboard, shared externally, keeps one query per panel', () => {
  expect(built.find((d) => d.role === 'public')!.reuses).toEqual([]);
});

test('every -- Dashboard -- target points at a panel of the same dashboard with a query of its own', () => {
  for (const d of built) {
    const withSql = new Set(d.queries.map((q) => q.panelId));
    for (const p of allPanels(d.dashboard)) {
      for (const t of ((p as Panel).targets ?? []) as Array<Record<string, unknown>>) {
        if ((t.datasource as { uid?: string }).uid !== DASHBOARD_DS.uid) continue;
        expect(`${d.dashboard.uid} #${p.id} → ${String(t.panelId)}: ${withSql.has(Number(t.panelId))}`).toBe(`${d.dashboard.uid} #${p.id} → ${String(t.panelId)}: true`);
      }
    }
  }
});

test('the model check refuses a reuse of a missing panel or of a panel without a query', () => {
  const dash = { type: 'datasource', uid: '-- Dashboard --' };
  const reuse = (id: number, x: number, source: number) => ({ id, type: 'stat', gridPos: { x, y: 0, w: 4, h: 4 }, datasource: dash, targets: [{ refId: 'A', datasource: dash, panelId: source, withTransforms: true }] });
  const bad = {
    uid: 'bad',
    schemaVersion: 42,
    panels: [
      { id: 1, type: 'stat', gridPos: { x: 0, y: 0, w: 4, h: 4 }, datasource: { type: 'grafana-postgresql-datasource', uid: 'kpi-pg-admin' }, targets: [{ refId: 'A', datasource: { type: 'grafana-postgresql-datasource', uid: 'kpi-pg-admin' }, rawSql: 'SELECT 1' }] },
      reuse(2, 4, 1),
      reuse(3, 8, 99),
      reuse(4, 12, 2),
    ],
  };
  const problems = checkDashboard(bad as never, { datasourceUids: new Set(['kpi-pg-admin']), panelTypes });
  expect(problems).toEqual([
    'bad: panel 3 reuses panel 99, which is not a panel of this dashboard with a query',
    'bad: panel 4 reuses panel 2, which is not a panel of this dashboard with a query',
  ]);
});
