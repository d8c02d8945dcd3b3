import { EXPOSURE, exposedTo } from '../../src/contract/exposure';
import { KPI_SCHEMA, ROLE_KEYS, ROLE_SCHEMA } from '../../src/contract/roles';
import { roleCreationSql } from '../../src/db/roleSchemas';
import type { TestDb } from '../helpers/testDb';
import { createSeededKpiDb, num } from './fixture';

type Role = 'kpi_admin' | 'kpi_manager' | 'kpi_public';
const ROLES: Role[] = ['kpi_admin', 'kpi_manager', 'kpi_public'];
// Product cost data (spec: unit cost, COGS, margin, inventory at cost). Marketing spend (ad spend,
// recovery campaign cost) is not product cost and stays visible to managers.
const COST = /unit_cost|cogs|margin|inventory_value|turnover/;

/*
 * The embedded socket lets everyone in as the superuser, so grants are exercised in-process with
 * SET ROLE (a real server enforces them at login). Errors are asserted by message.
 */
describe('role schemas and grants', () => {
  let db: TestDb;
  beforeAll(async () => {
    db = await createSeededKpiDb();
  });
  afterAll(async () => {
    await db.close();
  });

  async function as<T = Record<string, unknown>>(role: Role, sql: string): Promise<T[]> {
    await db.exec(`SET ROLE ${role}`);
    try {
      return (await db.query<T>(sql)).rows;
    } finally {
      await db.exec('RESET ROLE');
    }
  }
  async function denied(role: Role, sql: string, message: RegExp = /permission denied/): Promise<void> {
    await expect(as(role, sql)).rejects.toThrow(message);
  }
  async function objects(schema: string): Promise<{ views: string[]; functions: string[] }> {
    const v = await db.query<{ n: string }>(`SELECT table_name AS n FROM information_schema.views WHERE table_schema = $1 ORDER BY 1`, [schema]);
    const f = await db.query<{ n: string }>(
      `SELECT p.proname AS n FROM pg_proc p JOIN pg_namespace s ON s.oid = p.pronamespace WHERE s.nspname = $1 ORDER BY 1`,
      [schema],
    );
    return { views: v.rows.map((r) => r.n), functions: f.rows.map((r) => r.n) };
  }

  async function viewColumns(schema: string, name: string): Promise<string[]> {
    const r = await db.query<{ c: string }>(
      `SELECT column_name AS c FROM information_schema.columns WHERE table_schema = $1 AND table_name = $2 ORDER BY ordinal_position`,
      [schema, name],
    );
    return r.rows.map((x) => x.c);
  }
  /** Result columns of a RETURNS TABLE function, from information_schema.parameters (mode OUT). */
  async function functionColumns(schema: string, name: string): Promise<string[]> {
    const r = await db.query<{ c: string }>(
      `SELECT p.parameter_name AS c FROM information_schema.routines r
       JOIN information_schema.parameters p ON p.specific_schema = r.specific_schema AND p.specific_name = r.specific_name
       WHERE r.routine_schema = $1 AND r.routine_name = $2 AND p.parameter_mode = 'OUT' ORDER BY p.ordinal_position`,
      [schema, name],
    );
    return r.rows.map((x) => x.c);
  }

  it('creates login roles with connection limits, timeouts and read-only defaults, idempotently', async () => {
    const r = await db.query<{ rolname: string; rolcanlogin: boolean; rolsuper: boolean; rolconnlimit: number; rolconfig: string[] }>(
      `SELECT rolname, rolcanlogin, rolsuper, rolconnlimit, rolconfig FROM pg_roles WHERE rolname LIKE 'kpi\\_%' ORDER BY rolname`,
    );
    expect(r.rows.map((x) => x.rolname)).toEqual(['kpi_admin', 'kpi_manager', 'kpi_public']);
    for (const x of r.rows) {
      expect(x).toMatchObject({ rolcanlogin: true, rolsuper: false });
      expect(x.rolconnlimit).toBeGreaterThan(0);
      expect(x.rolconfig).toEqual(expect.arrayContaining(['default_transaction_read_only=on', expect.stringMatching(/^statement_timeout=/)]));
    }
    // Roles are cluster-wide: running the creation block again (another database) must not fail.
    await db.exec(roleCreationSql());
    await db.exec(roleCreationSql());
  });

  describe.each(ROLE_KEYS)('the %s schema is what the exposure declaration says', (role) => {
    const schema = ROLE_SCHEMA[role];
    it('holds exactly the declared objects', async () => {
      const { views, functions } = await objects(schema);
      const mine = exposedTo(role);
      expect(views).toEqual(mine.filter((o) => o.kind === 'view').map((o) => o.name).sort());
      expect(functions).toEqual(mine.filter((o) => o.kind === 'function').map((o) => o.name).sort());
    });

    it('gives each object the columns of its source minus the declared losses, in order', async () => {
      for (const o of exposedTo(role)) {
        const hidden: readonly string[] = o.hidden?.[role] ?? [];
        const [srcSchema, srcName] = (o.source ?? `${KPI_SCHEMA}.${o.name}`).split('.') as [string, string];
        const expected = (o.kind === 'view' ? await viewColumns(srcSchema, srcName) : await functionColumns(srcSchema, srcName)).filter(
          (c) => !hidden.includes(c),
        );
        const actual = o.kind === 'view' ? await viewColumns(schema, o.name) : await functionColumns(schema, o.name);
        expect({ object: `${schema}.${o.name}`, columns: actual }).toEqual({ object: `${schema}.${o.name}`, columns: expected });
        for (const h of hidden) expect(actual).not.toContain(h);
      }
    });
  });

  it('the declaration hides every product cost column from managers and lists every kpi view once', () => {
    const names = EXPOSURE.map((o) => o.name);
    expect(new Set(names).size).toBe(names.length);
    for (const o of EXPOSURE.filter((x) => x.family === 'products' && x.readers.includes('manager'))) {
      expect(o.name.startsWith('out_of_stock_') || (o.hidden?.manager ?? []).includes('cogs')).toBe(true);
    }
  });

  it('kpi_manager reads mgr views and functions, none of which carries cost data', async () => {
    const { views, functions } = await objects('mgr');
    expect(views.length).toBeGreaterThan(25);
    for (const v of views) await as('kpi_manager', `SELECT * FROM mgr.${v} LIMIT 1`);
    const cols = await db.query<{ c: string }>(`SELECT table_name || '.' || column_name AS c FROM information_schema.columns WHERE table_schema = 'mgr'`);
    expect(cols.rows.map((r) => r.c).filter((c) => COST.test(c.split('.')[1] ?? ''))).toEqual([]);
    const outs = await db.query<{ a: string }>(
      `SELECT unnest(p.proargnames) AS a FROM pg_proc p JOIN pg_namespace s ON s.oid = p.pronamespace WHERE s.nspname = 'mgr'`,
    );
    expect(outs.rows.map((r) => r.a).filter((a) => COST.test(a))).toEqual([]);
    expect(functions).not.toContain('inventory_turnover');
    // The numbers are the same as the admin's.
    const m = await as('kpi_manager', `SELECT sku, revenue FROM mgr.product_performance('2026-03-01', '2026-04-01') WHERE sku = 'P1'`);
    expect(num(m[0]?.revenue)).toBe(28);
    expect(Object.keys(m[0] ?? {})).toEqual(['sku', 'revenue']);
    const f = await as('kpi_manager', `SELECT step, is_bottleneck FROM mgr.funnel('2026-03-05T05:00:00Z', '2026-03-07T05:00:00Z') WHERE is_bottleneck`);
    expect(f).toEqual([{ step: 'order', is_bottleneck: true }]);
    // Column-level grant on the product list: everything but the cost.
    const p = await as('kpi_manager', `SELECT sku, name, tier, price_cents, active FROM public.products ORDER BY sku LIMIT 1`);
    expect(p[0]).toMatchObject({ sku: 'P1', name: 'Brick Bar' });
  });

  it('kpi_manager is denied every cost column and raw table with costs', async () => {
    await denied('kpi_manager', `SELECT unit_cost_cents FROM public.products`, /permission denied for table products/);
    await denied('kpi_manager', `SELECT * FROM public.products`, /permission denied for table products/);
    await denied('kpi_manager', `SELECT * FROM public.order_lines`, /permission denied for table order_lines/);
    await denied('kpi_manager', `SELECT * FROM public.orders`, /permission denied for table orders/);
    await denied('kpi_manager', `SELECT * FROM public.inventory_counts`, /permission denied for table inventory_counts/);
    await denied('kpi_manager', `SELECT cogs FROM adm.product_sales_daily`, /permission denied for schema adm/);
    await denied('kpi_manager', `SELECT * FROM adm.inventory_turnover('2026-03-01', '2026-04-01')`, /permission denied for schema adm/);
    await denied('kpi_manager', `SELECT * FROM kpi.product_performance('2026-03-01', '2026-04-01')`, /permission denied for schema kpi/);
    await denied('kpi_manager', `SELECT * FROM kpi.order_lines_daily`, /permission denied for schema kpi/);
    await denied('kpi_manager', `SELECT cogs FROM mgr.product_sales_daily`, /column "cogs" does not exist/);
    await denied('kpi_manager', `SELECT * FROM pub.revenue_daily`, /permission denied for schema pub/);
  });

  it('kpi_public reads the revenue views only', async () => {
    const { views, functions } = await objects('pub');
    expect(views).toEqual(['revenue_daily', 'revenue_hourly', 'revenue_today', 'revenue_trend']);
    expect(functions).toEqual(['revenue_comparison']);
    const d = await as('kpi_public', `SELECT revenue, aov FROM pub.revenue_daily WHERE day = '2026-03-05'`);
    expect([num(d[0]?.revenue), num(d[0]?.aov)]).toEqual([88, 44]);
    const c = await as('kpi_public', `SELECT revenue, yesterday_revenue FROM pub.revenue_comparison('2026-03-06T15:30:00Z')`);
    expect([num(c[0]?.revenue), num(c[0]?.yesterday_revenue)]).toEqual([90, 63]);
    expect(await as('kpi_public', `SELECT * FROM pub.revenue_today`)).toHaveLength(1);
    expect((await as('kpi_public', `SELECT * FROM pub.revenue_trend WHERE day = '2026-03-11'`)).length).toBe(1);
    expect((await as('kpi_public', `SELECT * FROM pub.revenue_hourly LIMIT 1`)).length).toBe(1);
    const cols = await db.query<{ c: string }>(`SELECT column_name AS c FROM information_schema.columns WHERE table_schema = 'pub'`);
    expect(cols.rows.map((r) => r.c).filter((c) => COST.test(c) || /customer/.test(c))).toEqual([]);

    await denied('kpi_public', `SELECT * FROM mgr.revenue_daily`, /permission denied for schema mgr/);
    await denied('kpi_public', `SELECT * FROM mgr.order_feed`, /permission denied for schema mgr/);
    await denied('kpi_public', `SELECT * FROM adm.revenue_daily`, /permission denied for schema adm/);
    await denied('kpi_public', `SELECT * FROM kpi.revenue_daily`, /permission denied for schema kpi/);
    await denied('kpi_public', `SELECT * FROM public.orders`, /permission denied for table orders/);
    await denied('kpi_public', `SELECT name FROM public.customers`, /permission denied for table customers/);
    await denied('kpi_public', `SELECT sku FROM public.products`, /permission denied for table products/);
    // Dashboard SQL may still use TimescaleDB's functions (Grafana's $__timeGroup → time_bucket).
    const tb = await as('kpi_public', `SELECT time_bucket('1 day', time) AS b, sum(revenue) AS r FROM pub.revenue_daily WHERE day = '2026-03-05' GROUP BY 1`);
    expect(num(tb[0]?.r)).toBe(88);
  });

  it('kpi_admin reads adm including costs, but no raw table and no other schema', async () => {
    const { views } = await objects('adm');
    for (const v of views) await as('kpi_admin', `SELECT * FROM adm.${v} LIMIT 1`);
    const s = await as('kpi_admin', `SELECT cogs, margin FROM adm.product_sales_daily WHERE sku = 'P1' AND day = '2026-03-05'`);
    expect([num(s[0]?.cogs), num(s[0]?.margin)]).toEqual([8, 10]);
    const t = await as('kpi_admin', `SELECT inventory_turnover FROM adm.inventory_turnover('2026-03-05T05:00:00Z', '2026-03-08T05:00:00Z') WHERE sku = '*'`);
    expect(num(t[0]?.inventory_turnover)).toBe(2.2);
    const b = await as('kpi_admin', `SELECT sku, margin FROM adm.best_sellers('2026-03-01', '2026-04-01', 1)`);
    expect([b[0]?.sku, num(b[0]?.margin)]).toEqual(['P3', 50]);
    await denied('kpi_admin', `SELECT * FROM public.order_lines`, /permission denied for table order_lines/);
    await denied('kpi_admin', `SELECT unit_cost_cents FROM public.products`, /permission denied for table products/);
    await denied('kpi_admin', `SELECT * FROM mgr.revenue_daily`, /permission denied for schema mgr/);
    await denied('kpi_admin', `SELECT * FROM kpi.revenue_daily`, /permission denied for schema kpi/);
  });

  it.each(ROLES)('%s can write nothing and create nothing', async (role) => {
    const own = role === 'kpi_admin' ? 'adm' : role === 'kpi_manager' ? 'mgr' : 'pub';
    await denied(role, `INSERT INTO public.orders (order_id, placed_at, status, subtotal_cents, total_cents, source, source_id) VALUES ('X', now(), 'completed', 1, 1, 'x', 'x')`);
    await denied(role, `UPDATE public.products SET name = 'x'`);
    await denied(role, `DELETE FROM public.kpi_catalog`);
    await denied(role, `INSERT INTO ${own}.revenue_daily (day) VALUES ('2026-01-01')`, /permission denied|cannot insert/);
    await denied(role, `DELETE FROM ${own}.revenue_daily`, /permission denied|cannot delete/);
    await denied(role, `UPDATE ${own}.revenue_daily SET revenue = 0`, /permission denied|cannot update/);
    await denied(role, `CREATE TABLE public.x (a int)`, /permission denied for schema public/);
    await denied(role, `CREATE TABLE ${own}.x (a int)`, /permission denied for schema/);
    await denied(role, `CREATE VIEW ${own}.v AS SELECT 1 AS a`, /permission denied for schema/);
    await denied(role, `CREATE FUNCTION ${own}.f() RETURNS int LANGUAGE sql AS 'SELECT 1'`, /permission denied for schema/);
    await denied(role, `CREATE SCHEMA x`, /permission denied for database/);
    await denied(role, `CALL public.refresh_continuous_aggregate('kpi.orders_daily', NULL, NULL)`, /permission denied|must be owner/);
    await denied(role, `TRUNCATE public.orders`);
  });
});
