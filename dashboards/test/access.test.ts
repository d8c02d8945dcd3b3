// Runs provisioning/access/bootstrap.mjs against a small in-process stand-in for the parts of
// Grafana's HTTP API it calls. This checks the script's requests, org targeting and idempotency;
// it does not prove Grafana accepts them (no Grafana here; see dashboards/README.md).
import { execFile } from 'node:child_process';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { promisify } from 'node:util';
import { REPO_ROOT } from '../src/all';

interface Call {
  method: string;
  url: string;
  org: string | undefined;
  body: unknown;
}

class FakeGrafana {
  calls: Call[] = [];
  orgs = new Map<string, number>([['Main Org.', 1]]);
  datasources = new Map<string, { id: number; org: number }>();
  dashboards = new Map<string, number>();
  users = new Map<string, number>();
  publicDashboards = new Map<string, string>();
  muteTimings = new Map<string, unknown>();
  policies = new Map<string, unknown>();
  ruleGroups = new Map<string, { rules: Array<{ uid: string; orgID: number; data: Array<{ datasourceUid: string }> }> }>();
  server: Server = createServer((req, res) => void this.handle(req).then(([status, body]) => res.writeHead(status, { 'Content-Type': 'application/json' }).end(JSON.stringify(body))));

  private async handle(req: IncomingMessage): Promise<[number, unknown]> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const body = chunks.length ? (JSON.parse(Buffer.concat(chunks).toString()) as Record<string, unknown>) : undefined;
    const org = req.headers['x-grafana-org-id'] as string | undefined;
    const url = req.url ?? '';
    const m = req.method ?? 'GET';
    this.calls.push({ method: m, url, org, body });
    if (url === '/api/health') return [200, { database: 'ok' }];
    if (req.headers.authorization !== 'Basic ' + Buffer.from('admin:secret').toString('base64')) return [401, { message: 'unauthorized' }];
    if (m === 'PUT' && url === '/api/orgs/1') return [200, {}];
    let r: RegExpExecArray | null;
    if ((r = /^\/api\/orgs\/name\/(.+)$/.exec(url))) {
      const id = this.orgs.get(decodeURIComponent(r[1]!));
      return id ? [200, { id }] : [404, { message: 'not found' }];
    }
    if (m === 'POST' && url === '/api/orgs') {
      const id = this.orgs.size + 1;
      this.orgs.set(body!.name as string, id);
      return [200, { orgId: id }];
    }
    if ((r = /^\/api\/datasources\/uid\/(.+)$/.exec(url))) {
      const ds = this.datasources.get(`${org}/${r[1]}`);
      if (m === 'GET') return ds ? [200, { id: ds.id }] : [404, {}];
      return [200, {}];
    }
    if (m === 'POST' && url === '/api/datasources') {
      this.datasources.set(`${org}/${body!.uid as string}`, { id: this.datasources.size + 1, org: Number(org) });
      return [200, {}];
    }
    if (m === 'POST' && url === '/api/folders') return [200, {}];
    if (m === 'POST' && url === '/api/dashboards/db') {
      this.dashboards.set(`${org}/${(body!.dashboard as { uid: string }).uid}`, 1);
      return [200, {}];
    }
    if ((r = /^\/api\/dashboards\/uid\/([^/]+)$/.exec(url))) return this.dashboards.has(`${org}/${r[1]}`) ? [200, { dashboard: { uid: r[1] } }] : [404, {}];
    if (url === '/api/org/preferences') return [200, {}];
    if ((r = /^\/api\/dashboards\/uid\/([^/]+)\/public-dashboards(?:\/(.+))?$/.exec(url))) {
      const token = this.publicDashboards.get(r[1]!);
      if (m === 'GET') return token ? [200, { uid: 'pd1', accessToken: token }] : [404, {}];
      if (m === 'POST') this.publicDashboards.set(r[1]!, 'tok123');
      return [200, { uid: 'pd1', accessToken: 'tok123' }];
    }
    if ((r = /^\/api\/users\/lookup\?loginOrEmail=(.+)$/.exec(url))) {
      const id = this.users.get(decodeURIComponent(r[1]!));
      return id ? [200, { id }] : [404, {}];
    }
    if (m === 'POST' && url === '/api/admin/users') {
      this.users.set(body!.login as string, 7);
      return [200, { id: 7 }];
    }
    if (/^\/api\/orgs\/\d+\/users/.test(url) || /^\/api\/users\/\d+\/using/.test(url)) return [200, {}];
    if ((r = /^\/api\/v1\/provisioning\/mute-timings(?:\/(.+))?$/.exec(url))) {
      const key = `${org}/${r[1] ? decodeURIComponent(r[1]) : (body!.name as string)}`;
      if (m === 'GET') return this.muteTimings.has(key) ? [200, this.muteTimings.get(key)] : [404, {}];
      if (m === 'POST' && this.muteTimings.has(key)) return [409, { message: 'exists' }];
      this.muteTimings.set(key, body);
      return [m === 'POST' ? 201 : 202, body];
    }
    if (m === 'PUT' && url === '/api/v1/provisioning/policies') {
      this.policies.set(String(org), body);
      return [202, { message: 'policies updated' }];
    }
    if (m === 'PUT' && (r = /^\/api\/v1\/provisioning\/folder\/([^/]+)\/rule-groups\/([^/]+)$/.exec(url))) {
      this.ruleGroups.set(`${org}/${decodeURIComponent(r[1]!)}/${decodeURIComponent(r[2]!)}`, body as never);
      return [200, body];
    }
    return [404, { message: `fake has no ${m} ${url}` }];
  }
}

const run = promisify(execFile);

test('creates the Managers org, its datasource and dashboards, a Viewer, the public share; a second run changes nothing new', async () => {
  const fake = new FakeGrafana();
  await new Promise<void>((r) => fake.server.listen(0, '127.0.0.1', r));
  const port = (fake.server.address() as AddressInfo).port;
  const env = {
    ...process.env,
    GRAFANA_URL: `http://127.0.0.1:${port}`,
    GRAFANA_ADMIN_USER: 'admin',
    GRAFANA_ADMIN_PASSWORD: 'secret',
    KPI_DB_HOST: 'db',
    KPI_DB_PORT: '5432',
    KPI_DB_NAME: 'kpi',
    KPI_MANAGER_PASSWORD: 'mgr-pass',
    MANAGER_LOGIN: 'manager',
    MANAGER_PASSWORD: 'manager-pass',
    DASHBOARDS_DIR: path.join(REPO_ROOT, 'dashboards/json'),
  };
  try {
    const script = path.join(REPO_ROOT, 'provisioning/access/bootstrap.mjs');
    const first = await run(process.execPath, [script], { env });
    expect(first.stdout).toContain('public dashboard: http://127.0.0.1');
    expect(fake.orgs.get('Managers')).toBe(2);
    expect([...fake.datasources.keys()]).toEqual(['2/kpi-pg-manager']);
    const dsCall = fake.calls.find((c) => c.method === 'POST' && c.url === '/api/datasources')!;
    expect(dsCall.body).toMatchObject({ user: 'kpi_manager', url: 'db:5432', jsonData: { database: 'kpi' }, secureJsonData: { password: 'mgr-pass' } });
    expect([...fake.dashboards.keys()].sort()).toEqual(['2/kpi-executive-manager', '2/kpi-main-manager', '2/kpi-mobile-manager', '2/kpi-recovery-manager']);
    expect(fake.calls).toContainEqual(expect.objectContaining({ method: 'PATCH', url: '/api/orgs/2/users/7', body: { role: 'Viewer' } }));
    expect(fake.calls).toContainEqual(expect.objectContaining({ method: 'DELETE', url: '/api/orgs/1/users/7' }));
    expect(fake.calls).toContainEqual(expect.objectContaining({ method: 'POST', url: '/api/dashboards/uid/kpi-public-revenue/public-dashboards', org: '1' }));
    // The Managers org's alert rules: only on the manager datasource, in org 2, policy and interval first.
    const groups = [...fake.ruleGroups.entries()];
    expect(groups.map(([k]) => k).sort()).toEqual(['2/kpi-manager-alerts/kpi-deviation', '2/kpi-manager-alerts/kpi-notify']);
    const rules = groups.flatMap(([, g]) => g.rules);
    expect(rules.length).toBeGreaterThan(5);
    for (const r of rules) {
      expect(r.orgID).toBe(2);
      for (const d of r.data) expect(['kpi-pg-manager', '__expr__']).toContain(d.datasourceUid);
    }
    expect([...fake.muteTimings.keys()]).toEqual(['2/always']);
    expect([...fake.policies.keys()]).toEqual(['2']);
    const firstRuleCall = fake.calls.findIndex((c) => c.url.includes('/rule-groups/'));
    expect(fake.calls.findIndex((c) => c.url === '/api/v1/provisioning/policies')).toBeLessThan(firstRuleCall);
    // Nothing manager-related was written into the Admin org.
    expect(fake.calls.filter((c) => c.method !== 'GET' && c.org === '1' && !c.url.includes('public-dashboards'))).toEqual([]);

    const before = fake.calls.length;
    await run(process.execPath, [script], { env });
    const second = fake.calls.slice(before);
    expect(second.filter((c) => c.method === 'POST' && (c.url === '/api/orgs' || c.url === '/api/datasources' || c.url === '/api/admin/users' || c.url.includes('mute-timings')))).toEqual([]);
    expect(fake.ruleGroups.size).toBe(2);
    expect(fake.orgs.size).toBe(2);
  } finally {
    fake.server.close();
  }
}, 30_000);
