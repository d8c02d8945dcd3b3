import type { Db } from '../../src/db/db';
import { openEmbedded } from '../../src/db/embedded';
import { migrate } from '../../src/db/migrate';
import { KPI_SCHEMAS } from '../../src/contract/roles';
import { refreshAggregates } from '../../src/kpi/aggregates';
import { syncCatalog } from '../../src/kpi/catalog';
import { loadFixture, num, TZ } from '../kpi/fixture';

/*
 * A database made by the migrations alone (the layout before sql/views existed: every view and
 * function created by migrations 0005..0015) moves to the view-set layout with the same KPI
 * results. Every view of the KPI schemas and every table function is read before and after, in
 * a UTC session. The only intended difference is clv_at, which used to subtract refunds issued
 * after its instant (a bug the view set fixes).
 */

// Columns of revenue_today that move with the clock between the two reads; revenue_comparison
// at fixed instants covers the same numbers exactly.
const CLOCK_COLUMNS = ['at', 'time_of_day', 'target_to_time', 'vs_target_pct', 'target_attainment_rate'];
const RANGES = [
  ["'2026-03-01T00:00:00Z'", "'2026-04-01T00:00:00Z'"],
  ["'2026-03-05T05:00:00Z'", "'2026-03-08T05:00:00Z'"],
];
// Objects added after the old layout, in sql/views only: the daemon's health views, the alert
// sources, the cohort / segment / journey / timing / predictive-CLV KPIs, the chunk-pruned
// order read behind revenue today, the segment lookup of given customers and the hour-range read
// of abandonment by hour.
const VIEW_SET_ONLY = [
  'etl_runs', 'dead_letters', 'api_request_stats', 'uptime_probes', 'cart_abandonment_window',
  'customer_orders_at', 'cohort_retention_at', 'cohort_retention', 'rfm_customers_at', 'rfm_customers', 'rfm_segments_at', 'rfm_segments',
  'clv_predictive', 'clv_predictive_customers', 'cart_recovery_email_events', 'cart_journey_carts', 'cart_journey',
  'recovery_by_segment', 'recovery_roi_range', 'abandoned_products', 'recovered_products', 'live_carts_at', 'live_carts',
  'email_conversions', 'funnel_window', 'funnel_windows', 'visitors_range', 'out_of_stock_store_daily', 'order_operations_in', 'valid_order_nets',
  'rfm_segment_of_customers', 'cart_abandonment_by_hour_between', 'cart_journey_carts_in', 'carts_pending_now',
  'recovery_first_emailed_carts', 'recovery_by_email_step', 'recovery_first_emailed_rest',
  // the live definitions behind the KPI snapshots (sql/views/snapshots.sql) and what fills them
  'clv_live', 'repeat_rate_90d_live', 'days_between_purchases_live', 'cohort_retention_live', 'rfm_customers_live', 'rfm_segments_live',
  'clv_fill', 'repeat_rate_90d_fill', 'days_between_purchases_fill', 'cohort_retention_fill', 'rfm_customers_fill', 'rfm_segments_fill',
];
const INSTANTS = ["'2026-03-06T15:30:00Z'", "'2026-03-07T12:00:00Z'", "'2026-03-12T00:00:00Z'"];

async function snapshot(db: Db): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  const views = await db.query<{ q: string; name: string }>(
    `SELECT format('%I.%I', n.nspname, c.relname) AS q, c.relname AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE n.nspname = ANY ($1) AND c.relkind = 'v' ORDER BY 1`,
    [[...KPI_SCHEMAS]],
  );
  for (const v of views.rows) {
    const drop = v.name === 'revenue_today' ? CLOCK_COLUMNS.map((c) => ` - '${c}'`).join('') : '';
    const r = await db.query<{ j: string }>(`SELECT coalesce(jsonb_agg(j ORDER BY j::text), '[]')::text AS j FROM (SELECT to_jsonb(t)${drop} AS j FROM ${v.q} t) x`);
    out.set(v.q, r.rows[0]!.j);
  }
  const fns = await db.query<{ q: string; args: string }>(
    `SELECT format('%I.%I', n.nspname, p.proname) AS q, pg_get_function_identity_arguments(p.oid) AS args
     FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
     WHERE n.nspname = ANY ($1) AND p.proretset ORDER BY 1`,
    [[...KPI_SCHEMAS]],
  );
  for (const f of fns.rows) {
    const types = f.args.split(',').map((a) => a.trim().split(' ').slice(1).join(' '));
    const calls =
      types.join() === 'timestamp with time zone'
        ? INSTANTS.map((i) => [i])
        : types.join() === 'timestamp with time zone,timestamp with time zone'
          ? RANGES
          : types.join() === 'timestamp with time zone,timestamp with time zone,integer'
            ? RANGES.map((r) => [...r, '3'])
            : types.join() === 'timestamp with time zone,timestamp with time zone,interval'
              ? RANGES.map((r) => [...r, "'1 day'"])
              : types.join() === 'timestamp with time zone,timestamp with time zone,interval[]'
                ? RANGES.map((r) => [...r, "ARRAY['1 hour', '7 days']::interval[]"])
                : types.join() === 'timestamp with time zone,timestamp with time zone,timestamp with time zone'
                  ? RANGES.map((r) => [INSTANTS[2]!, ...r])
                  : types.join() === 'timestamp with time zone,text[]'
                    ? INSTANTS.map((i) => [i, '(SELECT array_agg(customer_id) FROM public.customers)'])
                    : types.join() === 'timestamp with time zone,timestamp with time zone,text[]'
                      ? RANGES.map((r) => [...r, 'NULL'])
                      : null;
    if (!calls) throw new Error(`no arguments chosen for ${f.q}(${f.args})`);
    for (const args of calls) {
      const call = `${f.q}(${args.join(', ')})`;
      const r = await db.query<{ j: string }>(`SELECT coalesce(jsonb_agg(to_jsonb(t) ORDER BY to_jsonb(t)::text), '[]')::text AS j FROM ${call} t`);
      out.set(call, r.rows[0]!.j);
    }
  }
  return out;
}

describe('upgrading a migrations-only database to the view set', () => {
  let db: Db;
  let before: Map<string, string>;
  let after: Map<string, string>;
  let upgrade: Awaited<ReturnType<typeof migrate>>;
  beforeAll(async () => {
    db = await openEmbedded();
    await db.exec(`SET TimeZone = 'UTC'`);
    const old = await migrate(db, { timeZone: TZ, viewsDir: null });
    expect(old.views).toBeNull();
    await syncCatalog(db);
    await loadFixture(db);
    await refreshAggregates(db, null, null);
    before = await snapshot(db);
    upgrade = await migrate(db, { timeZone: TZ });
    after = await snapshot(db);
  });
  afterAll(async () => {
    await db.close();
  });

  it('applies the view set once, without a migration, and keeps every object', () => {
    expect(upgrade.applied).toEqual([]);
    expect(upgrade.views?.applied).toBe(true);
    expect([...before.keys()].filter((k) => !after.has(k))).toEqual([]);
    // Objects that only the view set defines (no migration of the old layout created them).
    const added = new Set([...after.keys()].filter((k) => !before.has(k)).map((k) => /^[a-z]+\.([a-z0-9_]+)/.exec(k)![1]!));
    expect([...added].sort()).toEqual([...VIEW_SET_ONLY].sort());
    expect(before.size).toBeGreaterThan(150);
  });

  it('gives identical results for every view and function, except the clv_at fix', () => {
    const differing = [...before.keys()].filter((k) => before.get(k) !== after.get(k));
    // Both instants before R1 (issued 2026-03-07 16:00Z); at 03-12 every refund is known.
    const clvBeforeRefund = ['adm', 'kpi', 'mgr'].flatMap((s) => [`${s}.clv_at('2026-03-06T15:30:00Z')`, `${s}.clv_at('2026-03-07T12:00:00Z')`]);
    expect(differing.sort()).toEqual(clvBeforeRefund.sort());
  });

  it('clv_at before a refund no longer subtracts it', () => {
    // Before 2026-03-07 12:00Z: C1 placed A1 (70.00 − 7.00) and A5 (100.00 − 10.00); C2 placed A2
    // (25.00). R1 (30.00 on A5) is issued at 16:00Z, after the instant: not yet known.
    const old = JSON.parse(before.get(`kpi.clv_at('2026-03-07T12:00:00Z')`)!) as Array<Record<string, unknown>>;
    const now = JSON.parse(after.get(`kpi.clv_at('2026-03-07T12:00:00Z')`)!) as Array<Record<string, unknown>>;
    expect([num(now[0]?.customers), num(now[0]?.clv_historical)]).toEqual([2, (63 + 90 + 25) / 2]);
    expect(num(old[0]?.clv_historical)).toBe((63 + 90 - 30 + 25) / 2);
  });
});
