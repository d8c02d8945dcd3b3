// The alerting provisioning files as Grafana would read them: they parse, match the sources,
// reference only datasources, contact points and time intervals that exist, use valid durations,
// keep secrets in the environment, and carry exactly the catalog's thresholds.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { buildDashboards, generatedFiles, REPO_ROOT } from '../../src/all';
import { KpiCatalog, type Catalog } from '../../src/catalog';
import { DATASOURCE, STORE_TIMEZONE } from '../../src/config';
import { alertingFiles, managerAlertingJson, ruleGroups } from '../../src/alerting/files';
import { isSql, type AlertingFile, type AlertRule, type MathModel, type Route, type ThresholdModel } from '../../src/alerting/model';
import { ALERT_ENV } from '../../src/alerting/notify';
import { BIG_ORDER_WINDOW_SECONDS, buildRules } from '../../src/alerting/rules';

const read = (rel: string): string => readFileSync(path.join(REPO_ROOT, rel), 'utf8');
const catalogDoc = (): Catalog => JSON.parse(read('kpi/catalog.json')) as Catalog;
const cat = new KpiCatalog(catalogDoc());

const ALERT_FILES = [...alertingFiles(cat).keys()];
const parsed: AlertingFile[] = ALERT_FILES.map((f) => parse(read(f)) as AlertingFile);
const all = <K extends keyof AlertingFile>(k: K): NonNullable<AlertingFile[K]> =>
  parsed.flatMap((p) => (p[k] ?? []) as unknown[]) as NonNullable<AlertingFile[K]>;
const groups = all('groups');
const rules: AlertRule[] = groups.flatMap((g) => g.rules);
const byUid = (uid: string): AlertRule => {
  const r = rules.find((x) => x.uid === uid);
  if (!r) throw new Error(`no rule ${uid}`);
  return r;
};
const model = <T>(r: AlertRule, refId: string): T => r.data.find((d) => d.refId === refId)!.model as T;

/** Prometheus/Grafana duration (what model.Duration parses). */
const DURATION = /^(?:(\d+)w)?(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$/;
const seconds = (d: string): number => {
  const m = DURATION.exec(d);
  if (!m || d === '') throw new Error(`invalid duration "${d}"`);
  const [w, dd, h, mi, s] = m.slice(1).map((x) => Number(x ?? 0)) as [number, number, number, number, number];
  return (((w * 7 + dd) * 24 + h) * 60 + mi) * 60 + s;
};

test('the committed files equal what the sources generate', () => {
  const gen = generatedFiles();
  for (const f of [...ALERT_FILES, 'provisioning/access/manager-alerting.json']) expect(read(f)).toBe(gen.get(f));
});

test('every file is apiVersion 1 with the sections Grafana knows', () => {
  const known = new Set(['apiVersion', 'groups', 'contactPoints', 'policies', 'templates', 'muteTimes']);
  for (const p of parsed) {
    expect(p.apiVersion).toBe(1);
    for (const k of Object.keys(p)) expect(known).toContain(k);
  }
  expect(groups.length).toBeGreaterThan(0);
});

describe('rules', () => {
  const provisionedUids = new Set<string>([
    ...(parse(read('provisioning/datasources/kpi.yaml')) as { datasources: Array<{ uid: string }> }).datasources.map((d) => d.uid),
    (JSON.parse(read('provisioning/access/manager-datasource.json')) as { uid: string }).uid,
  ]);
  const dashboards = buildDashboards(cat);

  test('uids are unique, at most 40 characters; groups have a valid interval (multiple of 10 s)', () => {
    const uids = rules.map((r) => r.uid);
    expect(new Set(uids).size).toBe(uids.length);
    for (const u of uids) expect(u).toMatch(/^[a-zA-Z0-9-_]{1,40}$/);
    for (const g of groups) {
      expect(seconds(g.interval) % 10).toBe(0);
      expect(seconds(g.interval)).toBeGreaterThan(0);
    }
  });

  test.each(rules.map((r) => [r.uid, r] as const))('%s: datasources exist, refIds chain, condition and states are valid', (_uid, r) => {
    const seen = new Set<string>();
    for (const q of r.data) {
      expect(seen.has(q.refId)).toBe(false);
      expect(q.model.refId).toBe(q.refId);
      if (isSql(q.model)) {
        expect(provisionedUids).toContain(q.datasourceUid);
        expect(q.model.datasource.uid).toBe(q.datasourceUid);
        expect(q.model.format).toBe('table');
        expect(q.relativeTimeRange.from).toBeGreaterThan(q.relativeTimeRange.to);
        // No dashboard template variable: alert queries never pass the browser's templateSrv.
        expect(q.model.rawSql.replace(/\$__[a-zA-Z]+\(/g, '')).not.toMatch(/\$/);
      } else {
        expect(q.datasourceUid).toBe('__expr__');
        const m = q.model;
        const inputs = m.type === 'math' ? [...m.expression.matchAll(/\$\{?([A-Z][A-Za-z0-9]*)/g)].map((x) => x[1]!) : [m.expression];
        expect(inputs.length).toBeGreaterThan(0);
        for (const i of inputs) expect(seen).toContain(i);
      }
      seen.add(q.refId);
    }
    expect(seen).toContain(r.condition);
    expect(['NoData', 'Alerting', 'OK']).toContain(r.noDataState);
    expect(['Error', 'Alerting', 'OK']).toContain(r.execErrState);
    expect(() => seconds(r.for)).not.toThrow();
    expect(r.isPaused).toBe(false);
    if (r.dashboardUid !== undefined) {
      const d = dashboards.find((x) => x.dashboard.uid === r.dashboardUid);
      expect(d).toBeDefined();
      const ids = (d!.dashboard.panels ?? []).map((p) => p.id);
      expect(ids).toContain(r.panelId);
    }
    // Labels are interpolated from the environment by Grafana's provisioning: no "$" there.
    for (const v of Object.values(r.labels)) expect(v).not.toMatch(/\$/);
    expect(r.labels.alert).toMatch(/^[a-z_]+$/);
  });

  test('every threshold is the catalog value', () => {
    const revenue = cat.get('revenue').alert!;
    const rb = byUid('kpi-a-revenue-behind');
    expect(model<ThresholdModel>(rb, rb.condition).conditions[0]!.evaluator).toEqual({ type: 'lt', params: [revenue.fraction] });
    for (const q of rb.data.filter((d) => isSql(d.model))) expect((q.model as { rawSql: string }).rawSql).toContain(`time_of_day >= interval '${revenue.from_local_time}'`);

    const bo = byUid('kpi-a-big-order');
    expect(model<ThresholdModel>(bo, bo.condition).conditions[0]!.evaluator).toEqual({ type: 'gt', params: [cat.get('orders').alert!.amount] });

    const ab = cat.get('cart_abandonment_rate');
    expect(model<MathModel>(byUid('kpi-a-abandonment-spike'), 'C').expression).toBe(`$A > ${ab.warn_above} && $B >= ${ab.volume_floor}`);

    const deviating = cat.all().filter((k) => k.deviation_threshold != null);
    expect(deviating.length).toBeGreaterThanOrEqual(8);
    for (const k of deviating) {
      const r = byUid(`kpi-a-dev-${k.id.replace(/_/g, '-')}`);
      expect(model<MathModel>(r, r.condition).expression).toBe(`abs($A) > ${k.deviation_threshold} && $D >= ${k.volume_floor}`);
      const sql = (model<{ rawSql: string }>(r, 'C')).rawSql;
      if (k.baseline === 'same_weekday_4w') expect(sql).toContain('t.day - 7, t.day - 14, t.day - 21, t.day - 28');
      else expect(sql).toContain('BETWEEN t.day - 7 AND t.day - 1');
    }

    const sd = byUid('kpi-a-site-down');
    expect(model<MathModel>(sd, sd.condition).expression).toBe(`$B >= ${cat.uptime.consecutive_failures}`);
  });

  test('changing the catalog changes the generated rules', () => {
    const doc = catalogDoc();
    const entry = (id: string) => doc.kpis.find((k) => k.id === id)!;
    entry('orders').alert!.amount = 350;
    entry('revenue').alert!.fraction = 0.4;
    entry('revenue').alert!.from_local_time = '16:30';
    entry('revenue').target = 150000;
    entry('cart_abandonment_rate').warn_above = 0.65;
    entry('aov').deviation_threshold = 0.3;
    entry('aov').baseline = 'same_weekday_4w';
    entry('aov').volume_floor = 12;
    doc.uptime!.consecutive_failures = 3;
    const changed = new KpiCatalog(doc);
    const rs = buildRules('admin', changed).map((b) => b.rule);
    const get = (u: string) => rs.find((r) => r.uid === u)!;
    expect(model<ThresholdModel>(get('kpi-a-big-order'), 'C').conditions[0]!.evaluator.params).toEqual([350]);
    expect(model<ThresholdModel>(get('kpi-a-revenue-behind'), 'D').conditions[0]!.evaluator.params).toEqual([0.4]);
    expect(model<{ rawSql: string }>(get('kpi-a-revenue-behind'), 'A').rawSql).toContain("interval '16:30'");
    expect(model<MathModel>(get('kpi-a-abandonment-spike'), 'C').expression).toBe('$A > 0.65 && $B >= 20');
    expect(model<MathModel>(get('kpi-a-dev-aov'), 'E').expression).toBe('abs($A) > 0.3 && $D >= 12');
    expect(model<{ rawSql: string }>(get('kpi-a-dev-aov'), 'A').rawSql).toContain('t.day - 28');
    expect(model<MathModel>(get('kpi-a-site-down'), 'C').expression).toBe('$B >= 3');
    expect(model<{ rawSql: string }>(get('kpi-a-site-down'), 'A').rawSql).toContain('WHERE n <= 3');
    // ... and the files would differ from the committed ones.
    expect(alertingFiles(changed).get('provisioning/alerting/rules.yaml')).not.toBe(read('provisioning/alerting/rules.yaml'));
    expect(alertingFiles(changed).get('provisioning/alerting/time-intervals.yaml')).toContain('start_time: "16:30"');
  });

  test('a KPI with a deviation threshold but no known source breaks generation', () => {
    const doc = catalogDoc();
    doc.kpis.find((k) => k.id === 'clv')!.deviation_threshold = 0.2;
    expect(() => buildRules('admin', new KpiCatalog(doc))).toThrow(/clv.*no deviation source/);
  });
});

describe('notifications', () => {
  const contactPoints = all('contactPoints');
  const names = new Set(contactPoints.map((c) => c.name));
  const intervals = all('muteTimes');
  const intervalNames = new Set(intervals.map((m) => m.name));
  const [root] = all('policies');

  const walk = (r: Route, f: (r: Route) => void): void => {
    f(r);
    for (const c of r.routes ?? []) walk(c, f);
  };

  test('policies reference existing contact points and time intervals, with valid durations', () => {
    expect(root).toBeDefined();
    walk(root!, (r) => {
      if (r.receiver) expect(names).toContain(r.receiver);
      for (const m of [...(r.mute_time_intervals ?? []), ...(r.active_time_intervals ?? [])]) expect(intervalNames).toContain(m);
      for (const d of [r.group_wait, r.group_interval, r.repeat_interval]) if (d !== undefined) expect(() => seconds(d)).not.toThrow();
      if (r.repeat_interval && r.group_interval) expect(seconds(r.repeat_interval)).toBeGreaterThanOrEqual(seconds(r.group_interval));
      for (const m of r.object_matchers ?? []) expect(m[1]).toMatch(/^(=|!=|=~|!~)$/);
    });
    expect(root!.mute_time_intervals).toBeUndefined(); // the root may not be muted
  });

  const routeFor = (labels: Record<string, string>): Route => {
    const hit = root!.routes!.find((r) => (r.object_matchers ?? []).every(([k, op, v]) => op === '=' && labels[k] === v));
    return { ...root!, ...hit };
  };

  test('every rule reaches the contact point its catalog channel names', () => {
    const channels: Record<string, string> = { email: 'kpi-email', slack: 'kpi-slack', sms: 'kpi-sms' };
    for (const r of rules) {
      const route = routeFor(r.labels);
      if (r.labels.notify === 'dashboard') expect(route.mute_time_intervals).toEqual(['always']);
      else expect(route.receiver).toBe(channels[r.labels.notify!]);
    }
  });

  test('big order: grouped by order id, no repeat and no resolved message within the rule window', () => {
    const route = routeFor({ alert: 'big_order' });
    expect(route.group_by).toEqual(['order_id']);
    expect(seconds(route.group_interval!)).toBeGreaterThanOrEqual(BIG_ORDER_WINDOW_SECONDS);
    expect(seconds(route.repeat_interval!)).toBeGreaterThan(BIG_ORDER_WINDOW_SECONDS);
    const slack = contactPoints.find((c) => c.name === route.receiver)!;
    expect(slack.receivers.every((x) => x.type === 'slack' && x.disableResolveMessage)).toBe(true);
    const window = byUid('kpi-a-big-order').data[0]!.relativeTimeRange.from;
    expect(window).toBeGreaterThan(seconds(groups.find((g) => g.rules.some((r) => r.uid === 'kpi-a-big-order'))!.interval));
    // The Slack text names order, customer, items, total and links to the back office.
    const tpl = all('templates').map((t) => t.template).join('\n');
    expect(tpl).toContain('{{ .Annotations.summary }}');
    expect(tpl).toContain('{{ .Annotations.order_url }}');
  });

  test('revenue behind: only from the catalog time to midnight in the store zone, once a day', () => {
    const route = routeFor({ alert: 'revenue_behind' });
    expect(route.active_time_intervals).toEqual(['store-evening']);
    expect(seconds(route.repeat_interval!)).toBe(24 * 3600);
    const evening = intervals.find((m) => m.name === 'store-evening')!;
    expect(evening.time_intervals).toEqual([{ times: [{ start_time: cat.get('revenue').alert!.from_local_time, end_time: '24:00' }], location: STORE_TIMEZONE }]);
  });

  test('site down goes to the SMS relay webhook with the shared secret as a bearer token', () => {
    const sms = contactPoints.find((c) => c.name === routeFor({ alert: 'site_down' }).receiver)!;
    expect(sms.receivers[0]).toMatchObject({ type: 'webhook', settings: { url: '${SMS_RELAY_URL}', httpMethod: 'POST', authorization_scheme: 'Bearer', authorization_credentials: '${SMS_RELAY_SECRET}' } });
  });

  test('no secret in the repository: addresses, URLs and credentials are ${VAR} references, documented in the README', () => {
    const readme = read('README.md');
    const refs = new Set<string>();
    for (const c of contactPoints)
      for (const r of c.receivers)
        for (const [k, v] of Object.entries(r.settings)) {
          if (/url|addresses|credentials|token|password/i.test(k)) expect(v).toMatch(/^\$\{[A-Z_]+\}$/);
          for (const m of String(v).matchAll(/\$\{([A-Z_]+)\}/g)) refs.add(m[1]!);
          // Anything else with "$" would be eaten by the provisioning's environment interpolation.
          expect(String(v).replace(/\$\{[A-Z_]+\}/g, '')).not.toMatch(/\$/);
        }
    expect([...refs].sort()).toEqual([...ALERT_ENV].sort());
    for (const v of ALERT_ENV) expect(readme).toContain(`\`${v}\``);
    for (const t of all('templates')) expect(t.template).not.toMatch(/\$/);
  });
});

describe('Managers org (access bootstrap)', () => {
  const m = JSON.parse(managerAlertingJson(cat)) as {
    folder: { uid: string };
    muteTimes: Array<{ name: string }>;
    policy: Route;
    groups: Array<{ title: string; interval: number; rules: Array<AlertRule & { folderUID: string; orgID: number }> }>;
  };
  const mrules = m.groups.flatMap((g) => g.rules);

  test('only rules managers may see, on the manager datasource and mgr views, with no cost data, dashboard-only', () => {
    expect(mrules.length).toBeGreaterThan(5);
    expect(mrules.filter((r) => r.annotations.__dashboardUid__).length).toBeGreaterThan(5);
    expect(mrules.some((r) => r.title === 'Site down')).toBe(false);
    for (const r of mrules) {
      expect(r.orgID).toBe(2);
      expect(r.folderUID).toBe(m.folder.uid);
      expect(r.labels.notify).toBe('dashboard');
      // The API links a rule to a panel through the reserved annotations.
      expect(r.dashboardUid).toBeUndefined();
      if (r.annotations.__dashboardUid__) {
        expect(r.annotations.__dashboardUid__).toBe('kpi-main-manager');
        expect(r.annotations.__panelId__).toMatch(/^\d+$/);
      }
      for (const q of r.data) {
        if (!isSql(q.model)) continue;
        expect(q.datasourceUid).toBe(DATASOURCE.manager.uid);
        expect(q.model.rawSql).not.toMatch(/\badm\.|\bpub\.|\bkpi\./);
        expect(q.model.rawSql).not.toMatch(/cogs|margin|unit_cost|inventory_value|inventory_turnover/);
      }
    }
    const kpis = buildRules('manager', cat).flatMap((b) => b.kpis);
    for (const id of kpis) expect(cat.get(id).roles).toContain('kpi_manager');
    // the Managers policy mutes the dashboard-only alerts with an interval it creates itself
    expect(m.policy.routes![0]!.mute_time_intervals).toEqual(['always']);
    expect(m.muteTimes.map((x) => x.name)).toContain('always');
    for (const g of m.groups) expect(g.interval % 10).toBe(0);
  });

  test('the Admin org groups are the same rules on the admin datasource', () => {
    const admin = ruleGroups('admin', cat).flatMap((g) => g.rules).map((r) => r.title);
    for (const r of mrules) expect(admin).toContain(r.title);
  });
});

test('the main dashboards show the alert list panel the deviation rules are listed in', () => {
  for (const d of buildDashboards(cat).filter((x) => (x.dashboard.uid ?? '').startsWith('kpi-main-'))) {
    const panel = (d.dashboard.panels ?? []).find((p) => p.type === 'alertlist') as { options: { dashboardAlerts: boolean; stateFilter: { firing: boolean } } } | undefined;
    expect(panel).toBeDefined();
    expect(panel!.options.dashboardAlerts).toBe(true);
    expect(panel!.options.stateFilter.firing).toBe(true);
    const annotations = d.dashboard.annotations?.list ?? [];
    expect(annotations.some((a) => a.builtIn === 1 && a.enable)).toBe(true);
  }
});
