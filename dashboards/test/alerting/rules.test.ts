// Every alert rule, as generated into provisioning/alerting, evaluated against hand-made scenarios
// in the embedded TimescaleDB: its SQL expanded as Grafana's server does for the evaluation
// instant and run as the datasource's role, then its expression chain and condition applied.
import { KpiCatalog, loadCatalog } from '../../src/catalog';
import { buildRules, type AlertRole } from '../../src/alerting/rules';
import type { AlertRule } from '../../src/alerting/model';
import { openKpiDb, queryAs, type KpiDb } from '../helpers/db';
import { evaluateRule, firing, newlyFiring, type Evaluation } from './evaluator';
import { ALERT_SEED_SQL } from './seed';
import { contactPoints, muteTimes, policies } from '../../src/alerting/notify';
import { simulateRoute } from './notifier';

const cat = new KpiCatalog(loadCatalog());
const rule = (role: AlertRole, uidEnd: string): AlertRule => {
  const r = buildRules(role, cat).find((x) => x.rule.uid.endsWith(uidEnd));
  if (!r) throw new Error(`no ${role} rule ending in ${uidEnd}`);
  return r.rule;
};

let db: KpiDb;
beforeAll(async () => {
  db = await openKpiDb(ALERT_SEED_SQL);
});
afterAll(async () => {
  await db?.close();
});

const at = (iso: string): Date => new Date(iso);
const evalAt = (r: AlertRule, iso: string): Promise<Evaluation> => evaluateRule(db.pglite, r, at(iso));
const firingLabels = (e: Evaluation, key: string): string[] => firing(e).map((i) => i.labels[key] ?? '').sort();

describe('revenue behind target (email after 17:00 store time)', () => {
  const r = rule('admin', 'revenue-behind');

  test('40 % of the daily target at 17:30 fires', async () => {
    const e = await evalAt(r, '2026-10-06T21:30:00Z'); // 17:30 EDT
    expect(e.noData).toBe(false);
    expect(e.instances).toHaveLength(1);
    const [i] = e.instances;
    expect(i!.state).toBe('Alerting');
    expect(i!.values.A).toBe(1290.32);
    expect(i!.values.B).toBeCloseTo(100000 / 31, 2);
    expect(i!.values.C).toBeCloseTo(0.4, 4);
    expect(i!.annotations.summary).toContain('40%');
  });

  test('40 % at 16:00 does not: the time gate in the SQL returns no row, and no data is OK', async () => {
    const e = await evalAt(r, '2026-10-06T20:00:00Z'); // 16:00 EDT
    expect(e.noData).toBe(true);
    expect(firing(e)).toEqual([]);
  });

  test('60 % at 18:00 does not', async () => {
    const e = await evalAt(r, '2026-10-07T22:00:00Z'); // 18:00 EDT
    expect(e.instances.map((i) => i.state)).toEqual(['Normal']);
    expect(e.instances[0]!.values.C).toBeCloseTo(0.6, 4);
  });

  test('after local midnight the gate closes again (no notification overnight)', async () => {
    const e = await evalAt(r, '2026-10-07T04:30:00Z'); // 00:30 EDT on the 7th
    expect(e.noData).toBe(true);
    expect(firing(e)).toEqual([]);
  });
});

describe('big order (Slack, one message per order)', () => {
  const r = rule('admin', 'big-order');

  test('200.01 fires, 200.00 does not; cancelled, test and out-of-window orders are not seen', async () => {
    const e = await evalAt(r, '2026-11-20T14:10:00Z');
    expect(firingLabels(e, 'order_id')).toEqual(['B-1']);
    expect(e.instances.map((i) => i.labels.order_id).sort()).toEqual(['B-1', 'B-2']);
    const b1 = firing(e)[0]!;
    expect(b1.labels).toEqual({ order_id: 'B-1', customer: 'Bob Baker', items: 'Delta ×1, Alpha ×8' });
    expect(b1.annotations.summary).toBe('Order B-1 from Bob Baker: Delta ×1, Alpha ×8; total 200.01 (above 200)');
    expect(b1.annotations.order_url).toBe('https://squareup.com/dashboard/orders/overview/B-1');
  });

  test('an order already notified is not in the next evaluation\'s new set', async () => {
    const first = await evalAt(r, '2026-11-20T14:10:00Z');
    const second = await evalAt(r, '2026-11-20T14:11:00Z');
    expect(firingLabels(second, 'order_id')).toEqual(['B-1', 'B-3']);
    expect(newlyFiring(first, second).map((i) => i.labels.order_id)).toEqual(['B-3']);
    expect(newlyFiring(null, first).map((i) => i.labels.order_id)).toEqual(['B-1']);
  });

  test('evaluated every minute for 85 minutes and routed by the generated policy: exactly one Slack message per order', async () => {
    const [root] = policies(1, cat);
    const { routes, ...base } = root!;
    const route = { ...base, ...routes!.find((x) => x.object_matchers?.some(([k, , v]) => k === 'alert' && v === 'big_order')) };
    const slack = contactPoints(1).find((c) => c.name === route.receiver)!;
    const timeline = [];
    for (let t = Date.parse('2026-11-20T13:55:00Z'); t <= Date.parse('2026-11-20T15:20:00Z'); t += 60_000) {
      const e = await evaluateRule(db.pglite, r, new Date(t));
      timeline.push({ at: e.at, firing: firing(e).map((i) => ({ ...r.labels, alertname: r.title, ...i.labels })) });
    }
    const sent = simulateRoute(route, muteTimes(1, cat), !slack.receivers[0]!.disableResolveMessage, timeline);
    expect(sent.map((n) => [n.at.toISOString(), n.firing.map((f) => JSON.parse(f) as Array<[string, string]>).map((l) => Object.fromEntries(l).order_id), n.resolved.length])).toEqual([
      ['2026-11-20T13:55:00.000Z', ['B-old'], 0],
      ['2026-11-20T14:00:00.000Z', ['B-1'], 0],
      ['2026-11-20T14:11:00.000Z', ['B-3'], 0],
    ]);
  });

  test('an order stays in the window for an hour, longer than the 1-minute evaluation interval', async () => {
    expect(firingLabels(await evalAt(r, '2026-11-20T14:59:00Z'), 'order_id')).toEqual(['B-1', 'B-3']);
    expect(firingLabels(await evalAt(r, '2026-11-20T15:05:00Z'), 'order_id')).toEqual(['B-3']);
  });
});

describe('site down (SMS after two failed probes in a row)', () => {
  const r = rule('admin', 'site-down');

  test('one failed probe does not fire', async () => {
    const e = await evalAt(r, '2026-11-21T10:02:30Z');
    expect(firing(e)).toEqual([]);
    expect(Object.fromEntries(e.instances.map((i) => [i.labels.target, i.values.A]))).toEqual({ store: 1, 'etl-health': 0 });
  });

  test('two do, for the store only', async () => {
    const e = await evalAt(r, '2026-11-21T10:03:30Z');
    expect(firingLabels(e, 'target')).toEqual(['store']);
    expect(firing(e)[0]!.annotations.summary).toBe('store down: last 2 probes failed');
  });

  test('no probe at all in the window (the prober itself is down) alerts', async () => {
    const e = await evalAt(r, '2026-11-25T00:00:00Z');
    expect(e.noData).toBe(true);
    expect(firing(e)).toHaveLength(1);
  });
});

describe('deviation from baseline (dashboard)', () => {
  test('a 25 % drop with enough volume fires; the same-weekday baseline on a Monday is the four previous Mondays', async () => {
    const e = await evalAt(rule('admin', 'dev-orders'), '2026-11-17T14:00:00Z'); // Tue 09:00 EST: judges Mon 16 Nov
    expect(e.instances).toHaveLength(1);
    const i = e.instances[0]!;
    expect(i.labels).toEqual({ kpi: 'orders', day: '2026-11-16' });
    expect(i.values).toMatchObject({ A: -0.25, B: 6, C: 8, D: 8 });
    expect(i.state).toBe('Alerting');
    expect(i.annotations.summary).toBe('Orders on 2026-11-16: 6 vs baseline 8 (-25%)');
    expect(i.annotations.method).toContain('the mean of the same weekday in the 4 previous weeks');
    expect(i.annotations.description).toContain('Value 6, baseline 8, deviation -25%');
  });

  test('the same drop below the volume floor does not fire', async () => {
    const e = await evalAt(rule('admin', 'dev-orders'), '2026-10-13T15:00:00Z'); // judges Mon 12 Oct
    expect(e.instances).toHaveLength(1);
    expect(e.instances[0]!.values).toMatchObject({ A: -0.25, B: 3, C: 4, D: 4 });
    expect(e.instances[0]!.state).toBe('Normal');
  });

  test('a 7-day-mean KPI (AOV) uses the 7 previous days', async () => {
    const e = await evalAt(rule('admin', 'dev-aov'), '2026-11-17T14:00:00Z');
    const i = e.instances[0]!;
    expect(i.values.B).toBe(37.5);
    expect(i.values.C).toBe(50);
    expect(i.values.D).toBeCloseTo((8 + 6 * 20) / 7, 2);
    expect(i.state).toBe('Alerting');
    expect(i.annotations.method).toContain('the mean of the 7 previous local days');
  });

  test('a steady day does not fire', async () => {
    const e = await evalAt(rule('admin', 'dev-orders'), '2026-11-11T14:00:00Z'); // judges Tue 10 Nov: 20 vs 20
    expect(e.instances.map((i) => [i.values.A, i.state])).toEqual([[0, 'Normal']]);
  });
});

describe('cart abandonment spike (email, 24 hours, with the floor)', () => {
  const r = rule('admin', 'abandonment-spike');

  test('73.33 % over 30 decided carts fires', async () => {
    const e = await evalAt(r, '2026-11-23T12:00:00Z');
    expect(e.instances).toHaveLength(1);
    expect(e.instances[0]!.values).toMatchObject({ A: 0.7333, B: 30 });
    expect(e.instances[0]!.state).toBe('Alerting');
  });

  test('80 % over 10 decided carts is under the floor', async () => {
    const e = await evalAt(r, '2026-11-27T12:00:00Z');
    expect(e.instances[0]!.values).toMatchObject({ A: 0.8, B: 10 });
    expect(firing(e)).toEqual([]);
  });
});

describe('Managers org: the same rules on the manager role', () => {
  test('every manager rule runs as kpi_manager on mgr views only and fires like the admin one', async () => {
    const cases: Array<[string, string]> = [
      ['big-order', '2026-11-20T14:11:00Z'],
      ['revenue-behind', '2026-10-06T21:30:00Z'],
      ['dev-orders', '2026-11-17T14:00:00Z'],
      ['abandonment-spike', '2026-11-23T12:00:00Z'],
    ];
    for (const [uid, iso] of cases) {
      const m = await evalAt(rule('manager', uid), iso);
      const a = await evalAt(rule('admin', uid), iso);
      expect(Object.values(m.statements).every((s) => !/\badm\./.test(s) && /\bmgr\./.test(s))).toBe(true);
      expect(firing(m).map((i) => i.labels)).toEqual(firing(a).map((i) => i.labels));
      expect(firing(m).length).toBeGreaterThan(0);
    }
  });

  test('the alert sources keep to their roles: probes are admin-only, the rolling abandonment is not public', async () => {
    await expect(queryAs(db.pglite, 'kpi_manager', 'SELECT * FROM adm.uptime_probes')).rejects.toThrow(/permission denied/);
    await expect(queryAs(db.pglite, 'kpi_public', `SELECT * FROM mgr.cart_abandonment_window(now() - interval '1 day', now())`)).rejects.toThrow(/permission denied/);
    await expect(queryAs(db.pglite, 'kpi_manager', 'SELECT * FROM public.uptime_probes')).rejects.toThrow(/permission denied/);
    const r = await queryAs(db.pglite, 'kpi_admin', `SELECT count(*)::int AS n FROM adm.uptime_probes`);
    expect(r.rows[0]!.n).toBe(8);
  });

  test('every generated manager rule evaluates as kpi_manager without a permission error', async () => {
    for (const b of buildRules('manager', cat)) await evalAt(b.rule, '2026-11-17T14:00:00Z');
  });
});
