/**
 * Runs every SQL target of the chosen dashboards, expanded as Grafana expands it, as the
 * dashboard's role on one or two PostgreSQL databases. With one database it prints each target's
 * median ms (slowest first); with --compare it runs each target on both databases at the same
 * instant and reports every target whose rows differ (a view change must not move any KPI value).
 *   npx tsx dashboards/bench/kpi-target-values.ts --url postgres://... [--compare postgres://...]
 *     [--dashboards kpi-main-admin,kpi-mobile-admin] [--ranges 24h,30d,365d] [--runs 3] [--at ISO]
 */
import { Client } from 'pg';
import { buildDashboards, datasourceJsonData } from '../src/all';
import { DB_ROLE } from '../src/config';
import { expandSql, type ExpandOptions } from '../src/macros';
import { TIERS } from '../src/dashboards/common';

function opt(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

const RANGE_MS: Record<string, number> = { '24h': 86400e3, '7d': 7 * 86400e3, '30d': 30 * 86400e3, '90d': 90 * 86400e3, '365d': 365 * 86400e3 };

async function connect(url: string): Promise<Client> {
  const c = new Client({ connectionString: url });
  await c.connect();
  // Numbers as text: the comparison must see every digit the database returns.
  return c;
}

async function runAs(c: Client, role: string, sql: string): Promise<{ ms: number; rows: unknown[] }> {
  await c.query('BEGIN READ ONLY');
  try {
    await c.query(`SET LOCAL ROLE ${role}`);
    // The role's own settings (0012, 0081: jit, statement_timeout) apply at login, not after SET ROLE.
    const settings = await c.query<{ name: string; value: string }>(
      `SELECT split_part(x, '=', 1) AS name, substr(x, strpos(x, '=') + 1) AS value
       FROM pg_db_role_setting s JOIN pg_roles r ON r.oid = s.setrole, unnest(s.setconfig) AS x
       WHERE r.rolname = $1 AND s.setdatabase = 0 AND split_part(x, '=', 1) <> 'default_transaction_read_only'`,
      [role],
    );
    for (const s of settings.rows) await c.query('SELECT set_config($1, $2, true)', [s.name, s.value]);
    const t = process.hrtime.bigint();
    const r = await c.query({ text: sql, rowMode: 'array' });
    const ms = Number(process.hrtime.bigint() - t) / 1e6;
    return { ms, rows: r.rows as unknown[] };
  } finally {
    await c.query('ROLLBACK');
  }
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? 0;
}

async function main(): Promise<void> {
  const url = opt('url') ?? process.env.DATABASE_URL;
  if (!url) throw new Error('--url (or DATABASE_URL) is required');
  const compareUrl = opt('compare');
  const uids = (opt('dashboards') ?? 'kpi-main-admin').split(',');
  const ranges = (opt('ranges') ?? '24h,30d,365d').split(',');
  const runs = Number(opt('runs') ?? '3');
  const filter = opt('filter');
  const at = opt('at') ? new Date(opt('at')!) : new Date();
  const a = await connect(url);
  const b = compareUrl ? await connect(compareUrl) : null;
  let differing = 0;
  let compared = 0;
  for (const d of buildDashboards().filter((x) => uids.includes(x.dashboard.uid ?? ''))) {
    for (const range of ranges) {
      const span = RANGE_MS[range];
      if (!span) throw new Error(`unknown range ${range}`);
      const o: ExpandOptions = {
        range: { from: new Date(at.getTime() - span), to: at },
        intervalMs: Math.max(60_000, Math.round(span / 1000)),
        timescaledb: datasourceJsonData().timescaledb === true,
        now: at,
        variables: { tier: { value: TIERS, multi: true, includeAll: true }, top_n: { value: '10' }, conversion_window: { value: '1 day' } },
      };
      const timings: Array<{ name: string; ms: number }> = [];
      let total = 0;
      for (const q of d.queries) {
        const name = `#${q.panelId} ${q.refId} ${q.panelTitle}`;
        if (filter && !name.includes(filter)) continue;
        const sql = expandSql(q.rawSql, o);
        const role = DB_ROLE[q.role];
        if (b) {
          // Same expanded statement (same instant) on both databases.
          const [ra, rb] = await Promise.all([runAs(a, role, sql), runAs(b, role, sql)]);
          compared++;
          const ja = JSON.stringify(ra.rows);
          const jb = JSON.stringify(rb.rows);
          if (ja !== jb) {
            differing++;
            console.log(`DIFF ${d.dashboard.uid} ${range} ${name}\n  a: ${ja.slice(0, 400)}\n  b: ${jb.slice(0, 400)}`);
          }
          continue;
        }
        const ms: number[] = [];
        for (let i = 0; i < runs; i++) ms.push((await runAs(a, role, sql)).ms);
        const m = median(ms);
        total += m;
        timings.push({ name, ms: m });
      }
      if (!b) {
        timings.sort((x, y) => y.ms - x.ms);
        console.log(`${d.dashboard.uid} ${range}: sum of target medians ${total.toFixed(0)} ms`);
        for (const t of timings.slice(0, Number(opt('top') ?? '12'))) console.log(`  ${t.ms.toFixed(1).padStart(9)} ms  ${t.name}`);
      }
    }
  }
  if (b) console.log(`${compared} target runs compared, ${differing} differ`);
  await a.end();
  await b?.end();
  if (differing > 0) process.exitCode = 1;
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
