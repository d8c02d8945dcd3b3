// Grafana access bootstrap, through Grafana's HTTP API (Node 20, no dependencies). Idempotent:
// safe to run after every `docker compose up`.
//  1. org 1 is renamed "Admin" (its datasources and dashboards come from provisioning files);
//  2. the "Managers" org is created, with the kpi_manager datasource and the manager dashboards
//     (file provisioning cannot target it: Grafana refuses to provision into an org that does
//     not exist yet, and only this script creates it);
//  3. optionally a manager login (MANAGER_LOGIN / MANAGER_PASSWORD) with the Viewer role in
//     Managers and no membership in Admin;
//  4. the Managers org's alert rules (manager-alerting.json, generated from the KPI catalog: only
//     KPIs managers may see, on the kpi_manager datasource, no cost data; dashboard-only, so its
//     policy mutes them) with their folder, time interval and notification policy;
//  5. the revenue-only dashboard is shared publicly (Grafana's public / externally shared
//     dashboards; no template variables, time picker on) and its URL is printed.
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const env = process.env;
const GRAFANA = (env.GRAFANA_URL ?? 'http://localhost:3000').replace(/\/$/, '');
const AUTH = 'Basic ' + Buffer.from(`${env.GRAFANA_ADMIN_USER ?? 'admin'}:${env.GRAFANA_ADMIN_PASSWORD ?? 'admin'}`).toString('base64');
const DASHBOARDS_DIR = env.DASHBOARDS_DIR ?? path.resolve(here, '../../dashboards/json');
const MANAGERS_ORG = 'Managers';
const PUBLIC_UID = 'kpi-public-revenue';

async function api(method, url, body, { orgId, ok = [] } = {}) {
  const headers = { Authorization: AUTH, 'Content-Type': 'application/json', Accept: 'application/json' };
  if (orgId) headers['X-Grafana-Org-Id'] = String(orgId);
  const res = await fetch(GRAFANA + url, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await res.text();
  const json = text ? JSON.parse(text) : null;
  if (!res.ok && !ok.includes(res.status)) throw new Error(`${method} ${url} → ${res.status} ${text}`);
  return { status: res.status, json };
}

async function waitForGrafana() {
  for (let i = 0; i < 120; i++) {
    try {
      const r = await fetch(`${GRAFANA}/api/health`);
      if (r.ok) return;
    } catch {
      // not up yet
    }
    await new Promise((r) => setTimeout(r, 2000));
  }
  throw new Error(`Grafana at ${GRAFANA} did not become healthy`);
}

/** ${VAR} placeholders in the generated datasource body are filled from the environment. */
function fillEnv(text) {
  return text.replace(/\$\{(\w+)\}/g, (_, name) => {
    if (env[name] === undefined) throw new Error(`environment variable ${name} is not set`);
    return env[name];
  });
}

async function ensureManagersOrg() {
  const found = await api('GET', `/api/orgs/name/${encodeURIComponent(MANAGERS_ORG)}`, undefined, { ok: [404] });
  if (found.status === 200) return found.json.id;
  // The creating user (the server admin) becomes Admin of the new org, so it can act in it below.
  return (await api('POST', '/api/orgs', { name: MANAGERS_ORG })).json.orgId;
}

async function ensureManagerDatasource(orgId) {
  const body = JSON.parse(fillEnv(readFileSync(path.join(here, 'manager-datasource.json'), 'utf8')));
  const existing = await api('GET', `/api/datasources/uid/${body.uid}`, undefined, { orgId, ok: [404] });
  if (existing.status === 200) await api('PUT', `/api/datasources/uid/${body.uid}`, { ...body, id: existing.json.id }, { orgId });
  else await api('POST', '/api/datasources', body, { orgId });
}

async function ensureManagerDashboards(orgId) {
  await api('POST', '/api/folders', { uid: 'kpi-manager', title: 'Store KPIs' }, { orgId, ok: [409, 412] });
  const dir = path.join(DASHBOARDS_DIR, 'manager');
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.json')).sort()) {
    const dashboard = JSON.parse(readFileSync(path.join(dir, file), 'utf8'));
    await api('POST', '/api/dashboards/db', { dashboard: { ...dashboard, id: null }, folderUid: 'kpi-manager', overwrite: true, message: 'access bootstrap' }, { orgId });
    console.log(`managers: dashboard ${dashboard.uid}`);
  }
  const home = await api('GET', '/api/dashboards/uid/kpi-main-manager', undefined, { orgId });
  await api('PUT', '/api/org/preferences', { homeDashboardUID: home.json.dashboard.uid }, { orgId });
}

async function ensureManagerUser(orgId) {
  const login = env.MANAGER_LOGIN;
  const password = env.MANAGER_PASSWORD;
  if (!login || !password) {
    console.log('no MANAGER_LOGIN/MANAGER_PASSWORD: add manager users in the Managers org as Viewer');
    return;
  }
  let user = await api('GET', `/api/users/lookup?loginOrEmail=${encodeURIComponent(login)}`, undefined, { ok: [404] });
  if (user.status === 404) {
    await api('POST', '/api/admin/users', { name: login, login, password, OrgId: orgId });
    user = await api('GET', `/api/users/lookup?loginOrEmail=${encodeURIComponent(login)}`);
  }
  const userId = user.json.id;
  await api('POST', `/api/orgs/${orgId}/users`, { loginOrEmail: login, role: 'Viewer' }, { ok: [409] });
  await api('PATCH', `/api/orgs/${orgId}/users/${userId}`, { role: 'Viewer' });
  // Auto-assignment may have put the user into the Admin org too; managers only belong to Managers.
  await api('DELETE', `/api/orgs/1/users/${userId}`, undefined, { ok: [400, 403, 404] });
  await api('POST', `/api/users/${userId}/using/${orgId}`, undefined, { ok: [401, 403] });
  console.log(`managers: user ${login} (Viewer)`);
}

async function ensureManagerAlerting(orgId) {
  const spec = JSON.parse(readFileSync(path.join(here, 'manager-alerting.json'), 'utf8'));
  await api('POST', '/api/folders', { uid: spec.folder.uid, title: spec.folder.title }, { orgId, ok: [409, 412] });
  for (const mt of spec.muteTimes) {
    const at = `/api/v1/provisioning/mute-timings/${encodeURIComponent(mt.name)}`;
    const existing = await api('GET', at, undefined, { orgId, ok: [404] });
    if (existing.status === 200) await api('PUT', at, mt, { orgId });
    else await api('POST', '/api/v1/provisioning/mute-timings', mt, { orgId });
  }
  await api('PUT', '/api/v1/provisioning/policies', spec.policy, { orgId });
  // PUT of a whole group creates, updates and deletes its rules, so a re-run converges.
  for (const g of spec.groups) {
    await api('PUT', `/api/v1/provisioning/folder/${encodeURIComponent(spec.folder.uid)}/rule-groups/${encodeURIComponent(g.title)}`, g, { orgId });
    console.log(`managers: alert rule group ${g.title} (${g.rules.length} rules)`);
  }
}

async function ensurePublicDashboard() {
  const path_ = `/api/dashboards/uid/${PUBLIC_UID}/public-dashboards`;
  const existing = await api('GET', path_, undefined, { orgId: 1, ok: [404] });
  const settings = { isEnabled: true, timeSelectionEnabled: true, annotationsEnabled: false, share: 'public' };
  const pd =
    existing.status === 200 && existing.json?.uid
      ? (await api('PATCH', `${path_}/${existing.json.uid}`, settings, { orgId: 1 })).json
      : (await api('POST', path_, settings, { orgId: 1 })).json;
  console.log(`public dashboard: ${GRAFANA}/public-dashboards/${pd.accessToken}`);
}

await waitForGrafana();
await api('PUT', '/api/orgs/1', { name: 'Admin' });
const managersOrg = await ensureManagersOrg();
await ensureManagerDatasource(managersOrg);
await ensureManagerDashboards(managersOrg);
await ensureManagerUser(managersOrg);
await ensureManagerAlerting(managersOrg);
await ensurePublicDashboard();
console.log(`done: Admin org 1, ${MANAGERS_ORG} org ${managersOrg}`);
