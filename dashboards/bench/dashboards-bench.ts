/**
 * Dashboard benchmark: what one browser load of a dashboard costs the database, and what many
 * viewers with auto-refresh cost it. Not a test; it prints figures.
 *
 *   npm run bench:dashboards -- --dashboard main --range 30d [--scale 1 --days 365] [--pool 2 --idle 0] [--runs 5 --warmup 1]
 *   npm run bench:dashboards -- --range 30d --viewers 100 --seconds 120 [--refresh 60] --pool 10 --idle 10
 *   DATABASE_URL=postgres://… npm run bench:dashboards -- --compare-with postgres://… --range 365d
 *
 * Database: DATABASE_URL (a server; seeded there with the simulator only with --build, and
 * brought to this checkout's migrations and view set when reused), or the
 * embedded PGlite-TimescaleDB in --data-dir (default .data/bench/embedded-<scale>x-<days>d under the repository root, git-ignored), built
 * once and reused. Targets are those of the generated dashboard JSON, expanded as Grafana expands
 * them (default variable values), run as the datasource's role; `-- Dashboard --` targets reuse
 * their source panel's result and run nothing. Rows Grafana shows collapsed load only when
 * opened: they are left out unless --all-rows. --compare-with URL runs every target (all rows) on
 * both databases at once and exits 1 if any result differs.
 */
import path from 'node:path';
import { parseArgs } from 'node:util';
import { openEmbedded } from '../../etl/src/db/embedded';
import { openServer } from '../../etl/src/db/server';
import type { Queryable } from '../../etl/src/db/db';
import { refreshSnapshots } from '../../etl/src/kpi/snapshots';
import { DEFAULT_STORE_TIMEZONE } from '@kpi/etl/contract';
import { ensureStore, type StoreState } from './build';
import { compareTargets } from './compare';
import { median, runLoad, runViewers, type LoadTiming } from './load';
import { embeddedRunner, serverRunner, type Runner } from './runners';
import { DASHBOARD_CHOICES, dashboardTargets, pickDashboard, type DashboardChoice, type SqlTarget } from './targets';

// The embedded store lives beside the repository's own data dir, so no machine path is assumed.
const REPO_ROOT = path.resolve(__dirname, '..', '..');

const { values: opt } = parseArgs({
  options: {
    dashboard: { type: 'string', default: 'main' },
    range: { type: 'string', default: '30d' },
    from: { type: 'string' },
    to: { type: 'string' },
    scale: { type: 'string', default: '1' },
    days: { type: 'string', default: '365' },
    'data-dir': { type: 'string' },
    pool: { type: 'string', default: '2' },
    idle: { type: 'string', default: '0' },
    runs: { type: 'string', default: '5' },
    warmup: { type: 'string', default: '1' },
    viewers: { type: 'string' },
    seconds: { type: 'string', default: '120' },
    refresh: { type: 'string', default: '60' },
    'all-rows': { type: 'boolean', default: false },
    'compare-with': { type: 'string' },
    build: { type: 'boolean', default: false },
  },
});

function num(name: keyof typeof opt, min = 1): number {
  const v = Number(opt[name]);
  if (!Number.isFinite(v) || v < min) throw new Error(`--${name} must be a number ≥ ${min}`);
  return v;
}

const RANGES: Record<string, number> = { '24h': 86_400_000, '30d': 30 * 86_400_000, '365d': 365 * 86_400_000 };

function timeRange(now: Date): { from: Date; to: Date; text: string } {
  if (opt.from || opt.to) {
    const from = new Date(opt.from ?? '');
    const to = opt.to ? new Date(opt.to) : now;
    if (Number.isNaN(from.getTime()) || Number.isNaN(to.getTime())) throw new Error('--from/--to must be ISO instants');
    return { from, to, text: `${from.toISOString()} → ${to.toISOString()}` };
  }
  const span = RANGES[opt.range ?? ''];
  if (!span) throw new Error(`--range must be one of ${Object.keys(RANGES).join(', ')}`);
  return { from: new Date(now.getTime() - span), to: now, text: `last ${opt.range}` };
}

const ms = (v: number) => (Number.isNaN(v) ? '-' : v >= 100 ? v.toFixed(0) : v.toFixed(1));

async function openRunner(): Promise<{ runner: Runner; store: StoreState; close: () => Promise<void> }> {
  const shape = { scale: num('scale', 0.01), days: num('days'), timeZone: process.env.STORE_TIMEZONE ?? DEFAULT_STORE_TIMEZONE, seed: 42 };
  const pool = { maxOpen: num('pool'), maxIdle: num('idle', 0) };
  const url = process.env.DATABASE_URL;
  if (url) {
    const db = openServer(url);
    const store = await ensureStore(db, shape, opt.build === true);
    const keeper = await keepSnapshots(db);
    const runner = serverRunner(url, pool);
    return { runner, store, close: async () => { await keeper.stop(); await runner.close(); await db.close(); } };
  }
  const dir = opt['data-dir'] ? path.resolve(opt['data-dir']) : path.join(REPO_ROOT, '.data', 'bench', `embedded-${shape.scale}x-${shape.days}d`);
  const db = await openEmbedded(dir);
  const store = await ensureStore(db, shape, true);
  const keeper = await keepSnapshots(db);
  const runner = embeddedRunner(db.pglite, `in ${dir}`);
  return { runner, store, close: async () => { await keeper.stop(); await runner.close(); await db.close(); } };
}

/**
 * The daemon refreshes the KPI snapshots after each load and every minute; a benchmark of a
 * store with no daemon running does the same, or it would time the live fallback that a
 * running daemon only serves between a load and its refresh.
 */
async function keepSnapshots(db: Queryable): Promise<{ stop: () => Promise<void> }> {
  const t0 = Date.now();
  const windows = await refreshSnapshots(db);
  process.stderr.write(`KPI snapshots refreshed as the daemon does: ${windows} windows in ${((Date.now() - t0) / 1000).toFixed(1)} s; again every minute\n`);
  let running: Promise<unknown> = Promise.resolve();
  const timer = setInterval(() => {
    running = running.then(() => refreshSnapshots(db)).catch((err: unknown) => process.stderr.write(`snapshot refresh failed: ${String(err)}\n`));
  }, 60_000);
  return { stop: async () => { clearInterval(timer); await running; } };
}

function table(rows: string[][], align: Array<'l' | 'r'>): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return rows.map((r) => r.map((c, i) => (align[i] === 'r' ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join('  ').trimEnd()).join('\n');
}

async function main(): Promise<void> {
  const choice = opt.dashboard as DashboardChoice;
  if (!DASHBOARD_CHOICES.includes(choice)) throw new Error(`--dashboard must be one of ${DASHBOARD_CHOICES.join(', ')}`);
  const built = pickDashboard(choice);
  const now = new Date();
  const range = timeRange(now);
  const all = dashboardTargets(built, range);
  const { runner, store, close } = await openRunner();
  const out: string[] = [];
  const header = (what: string) =>
    `${what} | dashboard ${choice} (${built.dashboard.uid}) | ${range.text} | ${runner.describe} | store: ${store.orders} orders ${store.firstOrder} → ${store.lastOrder}${store.built ? ' (built now)' : ''} | ${now.toISOString()}`;
  let exit = 0;
  try {
    if (opt['compare-with']) {
      const other = serverRunner(opt['compare-with'], { maxOpen: 1, maxIdle: 1 });
      const sqlTargets = all.filter((t): t is SqlTarget => t.kind === 'sql');
      const r = await compareTargets(runner, other, sqlTargets);
      await other.close();
      out.push(header(`compare with ${other.describe}`), '');
      out.push(`${sqlTargets.length} targets: ${r.same} identical, ${r.differences.length} differ`);
      for (const d of r.differences) out.push(`DIFFERS  ${d.label}: ${d.detail}`);
      exit = r.differences.length ? 1 : 0;
    } else {
      const loaded = all.filter((t) => opt['all-rows'] || !t.collapsed);
      const sqlTargets = loaded.filter((t): t is SqlTarget => t.kind === 'sql');
      const runs = num('runs');
      const progress = (what: string, l: LoadTiming) => process.stderr.write(`${what}: ${ms(l.ms)} ms\n`);
      const warmups = num('warmup', 0);
      for (let i = 0; i < warmups; i++) progress('warm-up load', await runLoad(runner, sqlTargets)); // plans, caches, connections
      const loads: LoadTiming[] = [];
      for (let i = 0; i < runs; i++) {
        loads.push(await runLoad(runner, sqlTargets));
        progress(`load ${i + 1}/${runs}`, loads[i]!);
      }
      const reused = loaded.length - sqlTargets.length;
      out.push(header(`full load, median of ${runs} after ${warmups} warm-up`), '');
      const rows: string[][] = [['target', 'median ms']];
      const perTarget = sqlTargets.map((t, i) => ({ t, m: median(loads.map((l) => l.targetMs[i]!)) }));
      for (const { t, m } of perTarget) rows.push([t.label.slice(0, 70), ms(m)]);
      for (const t of loaded) if (t.kind === 'reuse') rows.push([t.label.slice(0, 70), `reuses #${t.sourcePanelId}`]);
      out.push(table(rows, ['l', 'r']), '');
      const sum = perTarget.reduce((a, x) => a + x.m, 0);
      const slowest = [...perTarget].sort((a, b) => b.m - a.m).slice(0, 3);
      out.push(`queries per load: ${sqlTargets.length} (+${reused} reused, ${all.length - loaded.length} in collapsed rows not loaded)`);
      out.push(`sum of target medians: ${ms(sum)} ms; slowest: ${slowest.map((x) => `${x.t.label.split(' ')[0]} ${ms(x.m)} ms`).join(', ')}`);
      out.push(`FULL LOAD median: ${ms(median(loads.map((l) => l.ms)))} ms (min ${ms(Math.min(...loads.map((l) => l.ms)))}, max ${ms(Math.max(...loads.map((l) => l.ms)))})`);
      if (opt.viewers) {
        const v = num('viewers');
        const seconds = num('seconds');
        const refresh = num('refresh');
        const s = await runViewers(runner, sqlTargets, v, seconds, refresh);
        out.push('', header(`${v} viewers, refresh every ${refresh} s, staggered, for ${seconds} s`));
        out.push(
          `loads: ${s.loads} = ${s.loadsPerMinute.toFixed(1)} loads/min; load time p50 ${ms(s.p50)} ms, p95 ${ms(s.p95)} ms, max ${ms(s.max)} ms; refreshes late: ${s.late}; unfinished at the cut-off: ${s.unfinished}`,
        );
      }
    }
  } finally {
    process.stdout.write(`${out.join('\n')}\n`);
    // Loads cut off in viewer mode may still hold connections: give them a moment, then leave.
    await Promise.race([close(), new Promise((r) => setTimeout(r, 5_000))]);
  }
  process.exit(exit);
}

main().catch((err: unknown) => {
  process.stderr.write(`bench:dashboards failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(2);
});
