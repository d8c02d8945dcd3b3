/**
 * .env.example against what reads it: every variable of the ETL's config schema, every ${VAR} of
 * docker-compose.yml, each with a comment (and the daemon's default where it has one); nothing
 * listed that nobody reads.
 */
import { CONFIG_KEYS, loadConfig } from '../../src/config/config';
import { composeFile, composeVariables, envExample, read } from './stack';

const entries = envExample();
const names = entries.map((e) => e.name);
const byName = new Map(entries.map((e) => [e.name, e]));
const composeVars = composeVariables();
/** Read by Compose itself rather than interpolated into the file. */
const COMPOSE_OWN = ['COMPOSE_PROJECT_NAME'];
/** Read by the ETL but not through its config schema. */
const ETL_EXTRA = ['GOOGLE_APPLICATION_CREDENTIALS'];

describe('.env.example', () => {
  it('lists each variable once', () => {
    expect(names.filter((n, i) => names.indexOf(n) !== i)).toEqual([]);
  });

  it('lists every variable of the ETL config schema', () => {
    expect(CONFIG_KEYS.filter((k) => !byName.has(k))).toEqual([]);
  });

  it('lists every ${VAR} of docker-compose.yml, as a variable the stack passes on', () => {
    expect([...composeVars].filter((v) => !byName.has(v))).toEqual([]);
    expect([...composeVars].filter((v) => byName.get(v)?.fixedByStack)).toEqual([]);
  });

  it('lists nothing that neither Compose nor the ETL reads', () => {
    const known = new Set([...CONFIG_KEYS, ...composeVars, ...COMPOSE_OWN, ...ETL_EXTRA]);
    expect(names.filter((n) => !known.has(n))).toEqual([]);
  });

  it('gives every ETL variable to the etl container, from .env or fixed by the stack', () => {
    const etl = composeFile().services.etl;
    const env = etl?.environment ?? {};
    const fixedByImage = ['DATA_DIR', 'HTTP_HOST', 'HTTP_PORT'];
    const missing = CONFIG_KEYS.filter((k) => !(k in env) && !fixedByImage.includes(k) && k !== 'EMBEDDED_PG_PORT');
    expect(missing).toEqual([]);
    for (const k of ETL_EXTRA) expect(env).toHaveProperty([k]);
    // What the stack fixes is marked so, and what .env passes on is interpolated from it.
    for (const k of CONFIG_KEYS) {
      const v = env[k];
      const fromEnv = typeof v === 'string' && v.startsWith(`\${${k}`);
      expect([k, byName.get(k)?.fixedByStack]).toEqual([k, !fromEnv]);
    }
  });

  it('passes no Grafana-only variable to the etl container (the daemon refuses unknown KPI_/GRAFANA_ names)', () => {
    const env = composeFile().services.etl?.environment ?? {};
    const foreign = Object.keys(env).filter((k) => /^(KPI|GRAFANA|STORE|SIMULATOR|SYNC|REFRESH|HOUSEKEEPING|SQUARE|LIGHTSPEED|GA4|SENDGRID|META|CUSTOM_DB|EMBEDDED_PG|BACKFILL)_/.test(k) && !CONFIG_KEYS.includes(k));
    expect(foreign).toEqual([]);
    // The values the file suggests are accepted by the daemon's own check.
    const suggested = Object.fromEntries(entries.filter((e) => CONFIG_KEYS.includes(e.name) && !e.fixedByStack && e.value !== '' && !/PASSWORD/.test(e.name)).map((e) => [e.name, e.value]));
    expect(() => loadConfig(suggested)).not.toThrow();
  });

  it('describes every variable in a comment right above it, with the daemon\'s default', () => {
    expect(entries.filter((e) => e.comment.trim().length < 10).map((e) => e.name)).toEqual([]);
    const defaults = loadConfig({}) as Record<string, unknown>;
    const wrong = CONFIG_KEYS.filter((k) => defaults[k] !== undefined && !(byName.get(k)?.comment ?? '').includes(`\`${String(defaults[k])}\``));
    expect(wrong).toEqual([]);
  });

  it('leaves the required passwords empty, and the compose file refuses to start without them', () => {
    const required = ['POSTGRES_PASSWORD', 'KPI_ADMIN_PASSWORD', 'KPI_MANAGER_PASSWORD', 'KPI_PUBLIC_PASSWORD', 'GRAFANA_ADMIN_PASSWORD'];
    for (const name of required) {
      expect([name, byName.get(name)?.value, byName.get(name)?.comment]).toEqual([name, '', expect.stringMatching(/^Required/)]);
    }
    const text = read('docker-compose.yml');
    for (const name of required) {
      const uses = [...text.matchAll(new RegExp(`\\$\\{${name}(:?[-?])?[^}]*\\}`, 'g'))];
      expect(uses.length).toBeGreaterThan(0);
      expect([name, uses.every((m) => m[1] === ':?')]).toEqual([name, true]);
    }
  });
});
