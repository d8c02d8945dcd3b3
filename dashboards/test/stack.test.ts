// What can be checked of the Docker stack without Docker: the compose file pins the versions the
// issue asks for and mounts what Grafana needs, and the provisioning files agree with the dashboards.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { buildDashboards, DATASOURCE_POOL, DATASOURCES, REPO_ROOT } from '../src/all';
import { PG_TYPE, PLUGIN_FUNNEL, PLUGIN_ORDER_FEED } from '../src/config';

interface Service {
  image?: string;
  build?: { context: string; dockerfile: string };
  environment?: Record<string, string>;
  volumes?: string[];
}
// merge: compose uses a YAML anchor (<<: *role-passwords) for the shared password variables.
const compose = parse(readFileSync(path.join(REPO_ROOT, 'docker-compose.yml'), 'utf8'), { merge: true }) as { services: Record<string, Service> };
const grafana = compose.services.grafana!;
const mounts = new Map((grafana.volumes ?? []).map((v) => [v.split(':')[1]!, v.split(':')[0]!]));

test('pinned images: Grafana OSS 12.4.10, TimescaleDB 2.23 on PostgreSQL 17, Redis', () => {
  expect(grafana.image).toBe('grafana/grafana:12.4.10');
  expect(compose.services.timescaledb!.image).toBe('timescale/timescaledb:2.23.0-pg17');
  expect(compose.services.redis!.image).toMatch(/^redis:\d+\.\d+\.\d+/);
  expect(compose.services.etl!.build).toEqual({ context: '.', dockerfile: 'docker/etl.Dockerfile' });
  expect(existsSync(path.join(REPO_ROOT, 'docker/etl.Dockerfile'))).toBe(true);
});

test('Grafana loads our unsigned plugins from their dist folders', () => {
  expect(grafana.environment!.GF_PLUGINS_ALLOW_LOADING_UNSIGNED_PLUGINS!.split(',').sort()).toEqual([PLUGIN_FUNNEL, PLUGIN_ORDER_FEED].sort());
  const pluginMounts = [...mounts].filter(([target]) => target.startsWith('/var/lib/grafana/plugins/'));
  expect(pluginMounts.map(([, src]) => src).sort()).toEqual(['./grafana-plugins/funnel-panel/dist', './grafana-plugins/order-feed-panel/dist']);
  // The plugin id inside each mounted folder's source plugin.json must be the one we allow.
  const ids = pluginMounts.map(([, src]) => (JSON.parse(readFileSync(path.join(REPO_ROOT, src, '../src/plugin.json'), 'utf8')) as { id: string }).id);
  expect(ids.sort()).toEqual([PLUGIN_FUNNEL, PLUGIN_ORDER_FEED].sort());
});

test('provisioning and dashboards are mounted where the providers look', () => {
  expect(mounts.get('/etc/grafana/provisioning')).toBe('./provisioning');
  expect(mounts.get('/var/lib/grafana/dashboards')).toBe('./dashboards/json');
  const providers = (parse(readFileSync(path.join(REPO_ROOT, 'provisioning/dashboards/kpi.yaml'), 'utf8')) as { providers: Array<{ orgId: number; options: { path: string } }> }).providers;
  for (const p of providers) {
    const local = p.options.path.replace('/var/lib/grafana/dashboards', path.join(REPO_ROOT, 'dashboards/json'));
    const inDir = buildDashboards().filter((d) => path.join(REPO_ROOT, 'dashboards/json', path.dirname(d.file)) === local);
    expect(inDir.length).toBeGreaterThan(0);
    for (const d of inDir) expect(d.orgId).toBe(p.orgId);
  }
});

test('datasources: one per access level, own role, password from env, pool from the environment', () => {
  const file = parse(readFileSync(path.join(REPO_ROOT, 'provisioning/datasources/kpi.yaml'), 'utf8')) as { datasources: Array<Record<string, unknown>> };
  const manager = JSON.parse(readFileSync(path.join(REPO_ROOT, 'provisioning/access/manager-datasource.json'), 'utf8')) as Record<string, unknown>;
  const all = [...file.datasources, manager];
  expect(all.map((d) => [d.uid, d.user]).sort()).toEqual(DATASOURCES.map((d) => [d.uid, d.user]).sort());
  for (const d of all) {
    expect(d.type).toBe(PG_TYPE);
    const j = d.jsonData as Record<string, unknown>;
    expect(j).toMatchObject({ timescaledb: true, maxIdleConnsAuto: false });
    // Left out so that Grafana's [sql_datasources] defaults (GF_SQL_DATASOURCES_*) size the pool:
    // a ${VAR} here would reach the datasource as a string, which its integer fields refuse.
    for (const p of DATASOURCE_POOL) expect(`${String(d.uid)}.${p.jsonField}: ${String(j[p.jsonField])}`).toBe(`${String(d.uid)}.${p.jsonField}: undefined`);
    expect((d.secureJsonData as { password: string }).password).toMatch(/^\$\{KPI_(ADMIN|MANAGER|PUBLIC)_PASSWORD\}$/);
  }
  // Grafana receives every password its provisioning interpolates.
  for (const d of file.datasources) {
    const v = /\$\{(\w+)\}/.exec((d.secureJsonData as { password: string }).password)![1]!;
    expect(Object.keys(grafana.environment!)).toContain(v);
  }
  expect(Object.keys(grafana.environment!)).toEqual(expect.arrayContaining(['KPI_DB_HOST', 'KPI_DB_PORT', 'KPI_DB_NAME']));
});

test('datasource pool: defaults that suit the embedded single-connection database, each from its KPI_DS_* variable', () => {
  const byEnv = Object.fromEntries(DATASOURCE_POOL.map((p) => [p.env, p.embedded]));
  expect(byEnv).toEqual({ KPI_DS_MAX_OPEN_CONNS: 2, KPI_DS_MAX_IDLE_CONNS: 0, KPI_DS_CONN_MAX_LIFETIME: 60 });
  expect(DATASOURCE_POOL.map((p) => p.grafanaEnv)).toEqual([
    'GF_SQL_DATASOURCES_MAX_OPEN_CONNS_DEFAULT',
    'GF_SQL_DATASOURCES_MAX_IDLE_CONNS_DEFAULT',
    'GF_SQL_DATASOURCES_MAX_CONN_LIFETIME_DEFAULT',
  ]);
  // The compose stack is the server setup: Grafana's pool defaults come from the KPI_DS_* variable,
  // and when it is unset they are sized for a server, never below the embedded values.
  for (const p of DATASOURCE_POOL) {
    const v = String(grafana.environment![p.grafanaEnv]);
    const m = new RegExp(`^\\$\\{${p.env}:-(\\d+)\\}$`).exec(v);
    expect(`${p.grafanaEnv}=${m ? p.env : v}`).toBe(`${p.grafanaEnv}=${p.env}`);
    expect(Number(m![1])).toBeGreaterThanOrEqual(p.embedded);
  }
  expect(String(grafana.environment!.GF_SQL_DATASOURCES_MAX_OPEN_CONNS_DEFAULT)).not.toBe('${KPI_DS_MAX_OPEN_CONNS:-2}');
});
