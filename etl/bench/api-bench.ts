/**
 * Load benchmark of the KPI API's cached endpoints on loopback: 100 connections against the real
 * server with the Redis cache and rate limit, first idle, then while the embedded database runs
 * a 5-second query. The load comes from `wrk` (one thread; `apt-get install wrk`) or, when wrk is
 * absent, from autocannon in its own process. Placements of the embedded database: `process` (a
 * child process spoken to over IPC, as the daemon runs it), `thread` (a worker thread of the
 * server's process, same worker code and messages), `child` (another process, over its loopback
 * socket) and `in-process` (the server's own thread: a 5-second query stops it).
 * Prints req/s, p50/p99/max, non-2xx and socket errors, the server process's CPU per request and
 * the load average of the machine (the figures are only as quiet as the machine is).
 *   npm run bench:api -w etl -- [--duration 10] [--connections 100] [--days 14]
 *     [--db process,thread,child,in-process] [--client auto|wrk|autocannon] [--profile .data/api-profile]
 */
import { fork, type ChildProcess } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { randomUUID } from 'node:crypto';
import os from 'node:os';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import type Redis from 'ioredis';
import type { Db } from '../src/db/db';
import { openEmbeddedChild } from '../src/db/embeddedChild';
import { openEmbeddedThread } from '../src/db/embeddedThread';
import { openServer } from '../src/db/server';
import { issueToken, TokenVerifier } from '../src/http/auth';
import { MemoryKpiCache, RedisKpiCache, type KpiCache } from '../src/http/cache';
import { buildHttpServer } from '../src/http/server';
import { connectRedis } from '../src/http/service';
import { logger } from '../src/log/logger';
import type { LoadResult } from './api-bench-load';
import { seed, seededDb, TZ } from './api-bench-seed';
import { hasWrk, runWrk } from './api-bench-wrk';

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? (process.argv[i + 1] ?? fallback) : fallback;
}

const DURATION_S = Math.min(60, Math.max(1, Number(arg('duration', '10'))));
const CONNECTIONS = Math.min(1000, Math.max(1, Number(arg('connections', '100'))));
const DAYS = Math.max(1, Number(arg('days', '14')));
const MODES = arg('db', 'process,thread').split(',');
for (const m of MODES) if (!['in-process', 'thread', 'process', 'child'].includes(m)) throw new Error(`--db: unknown placement ${m} (process, thread, child, in-process)`);
const CLIENT_ARG = arg('client', 'auto');
const CLIENT: 'wrk' | 'autocannon' = CLIENT_ARG === 'autocannon' || (CLIENT_ARG === 'auto' && !hasWrk()) ? 'autocannon' : 'wrk';
if (CLIENT_ARG === 'wrk' && !hasWrk()) throw new Error('--client wrk: no wrk on PATH (apt-get install wrk)');
/** Writes a CPU profile of the server's process during the idle phase (open it in Chrome DevTools). */
const PROFILE = arg('profile', '');
const SECRET = 'bench-secret-bench-secret-bench-secret-00';
const PATHS = [
  '/api/v1/dashboard/revenue-today',
  '/api/v1/dashboard/top-products?timeframe=7d',
  '/api/v1/dashboard/conversion-funnel?timeframe=30d',
  '/api/v1/dashboard/customer-insights?timeframe=30d',
  '/api/v1/dashboard/campaign-performance?timeframe=30d',
];

function childTs(file: string, args: string[]): ChildProcess {
  return fork(path.join(__dirname, file), args, { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
}

/** Runs the load generator; `onStart` fires once requests are flowing. */
function load(url: string, token: string, durationS: number, onStart?: () => void): Promise<LoadResult> {
  if (CLIENT === 'wrk') return runWrk({ url, paths: PATHS, token, connections: CONNECTIONS, durationS }, onStart);
  return new Promise((resolve, reject) => {
    const c = childTs('api-bench-load.ts', [JSON.stringify({ url, paths: PATHS, token, connections: CONNECTIONS, durationS })]);
    c.on('message', (m: { started?: boolean; result?: LoadResult; error?: string }) => {
      if (m.started) onStart?.();
      if (m.result) resolve(m.result);
      if (m.error) reject(new Error(m.error));
    });
    c.on('exit', (code) => code !== 0 && reject(new Error(`load generator exited with ${code}`)));
  });
}

async function startServer(db: Db, shared: Redis | null, prefix: string): Promise<{ url: string; close: () => Promise<void> }> {
  // The server's own connection (as the daemon has), closed with its cache and its first level's subscription.
  const redis = shared ? await connectRedis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379') : null;
  const cache: KpiCache = redis ? new RedisKpiCache(redis, { prefix }) : new MemoryKpiCache();
  const server = await buildHttpServer({
    db,
    log: logger,
    cache,
    redis,
    verifier: await TokenVerifier.create({ API_JWT_SECRET: SECRET, API_JWT_CLOCK_SKEW_S: 30 }),
    timeZone: TZ,
    currency: 'USD',
    dbIdentity: `bench-${prefix}`,
    rateLimitPerMin: 1_000_000_000,
    readyMaxSyncAgeS: 0,
    redisPrefix: prefix,
  });
  await server.listen({ host: '127.0.0.1', port: 0 });
  return {
    url: `http://127.0.0.1:${(server.server.address() as AddressInfo).port}`,
    close: async () => {
      await server.close();
      await cache.close();
    },
  };
}

async function warm(url: string, token: string): Promise<void> {
  for (const p of PATHS) {
    const r = await fetch(url + p, { headers: { authorization: `Bearer ${token}` } });
    if (r.status !== 200) throw new Error(`${p}: HTTP ${r.status} ${await r.text()}`);
    await r.arrayBuffer().catch(() => undefined);
  }
}

const rows: Array<Record<string, string | number>> = [];
/**
 * Besides wall-clock figures (which depend on what else the machine runs: the load average is
 * printed), the server's own CPU time per request, which does not: 1e6 ÷ it = req/s one core can serve.
 */
function report(mode: string, phase: string, r: LoadResult, cpuUs: number, redisUs: number, clientUs: number, extra = ''): void {
  const clientPerReq = r.requests > 0 ? Math.round(clientUs / r.requests) : 0;
  const perReq = r.requests > 0 ? Math.round(cpuUs / r.requests) : 0;
  // The shared redis-server: other clients' commands count too, so this is an upper bound.
  const redisPerReq = r.requests > 0 ? Math.round((10 * redisUs) / r.requests) / 10 : 0;
  rows.push({ client: CLIENT, mode, phase, 'req/s': Math.round(r.rps), 'p50 ms': r.p50, 'p99 ms': r.p99, 'max ms': r.max, requests: r.requests, 'non-2xx': r.non2xx, errors: r.errors + r.timeouts, 'server CPU µs/req': perReq, 'redis CPU µs/req': redisPerReq, 'client CPU µs/req': clientPerReq, load: os.loadavg()[0]!.toFixed(1), note: extra });
  process.stdout.write(
    `${mode.padEnd(11)} ${phase.padEnd(10)} ${String(Math.round(r.rps)).padStart(7)} req/s   p50 ${String(r.p50).padStart(4)} ms   p99 ${String(r.p99).padStart(5)} ms   max ${String(r.max).padStart(5)} ms   non-2xx ${r.non2xx}   errors ${r.errors + r.timeouts}   server CPU ${perReq} µs/req (≈ ${perReq ? Math.round(1e6 / perReq) : '-'} req/s per core)   redis-server CPU ${redisPerReq} µs/req   ${CLIENT} CPU ${clientPerReq} µs/req (${r.rps > 0 ? Math.round((clientUs / 1e6 / (r.requests / r.rps)) * 100) : 0} % of a core)   load avg ${os.loadavg()[0]!.toFixed(1)}${extra ? `   ${extra}` : ''}\n`,
  );
}

/**
 * CPU time (µs) of the server's event-loop thread: on Linux from /proc (the main thread's task),
 * so the database's worker thread, busy during its 5-second query, is not counted as the API's;
 * elsewhere the whole process's.
 */
function serverCpuUs(): number {
  try {
    const stat = readFileSync(`/proc/self/task/${process.pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // utime and stime are fields 14 and 15 of stat(5), in clock ticks (100 per second on Linux).
    return (Number(fields[11]) + Number(fields[12])) * 10_000;
  } catch {
    const c = process.cpuUsage();
    return c.user + c.system;
  }
}

/** CPU time (µs) redis-server has used (INFO cpu): its share of the two cores is the API's too. */
async function redisCpuUs(redis: Redis): Promise<number> {
  const info = await redis.info('cpu');
  const f = (name: string) => Number(new RegExp(`^${name}:([\\d.]+)`, 'm').exec(info)?.[1] ?? 0);
  return Math.round((f('used_cpu_user') + f('used_cpu_sys')) * 1e6);
}

let benchRedis: Redis | null = null;

/**
 * CPU time (µs) of this process's reaped children (cutime + cstime of /proc/self/stat): across one
 * load run, the load generator's (it is a direct child, reaped when it exits), to see whether the
 * client rather than the server is the limit. 0 where /proc is absent.
 */
function reapedChildrenCpuUs(): number {
  try {
    const stat = readFileSync('/proc/self/stat', 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[13]) + Number(fields[14])) * 10_000;
  } catch {
    return 0;
  }
}

async function measured(fn: () => Promise<LoadResult>): Promise<[LoadResult, number, number, number]> {
  const c0 = serverCpuUs();
  const r0 = benchRedis ? await redisCpuUs(benchRedis) : 0;
  const k0 = reapedChildrenCpuUs();
  const r = await fn();
  const cpu = serverCpuUs() - c0;
  const client = reapedChildrenCpuUs() - k0;
  return [r, cpu, benchRedis ? (await redisCpuUs(benchRedis)) - r0 : 0, client];
}

async function runMode(mode: string, redis: Redis, token: string): Promise<void> {
  let db: Db;
  let child: ChildProcess | null = null;
  let busy: () => Promise<number>;
  if (mode === 'in-process' || mode === 'thread' || mode === 'process') {
    let local: Db;
    if (mode === 'thread') await seed((local = await openEmbeddedThread()), DAYS);
    else if (mode === 'process') await seed((local = await openEmbeddedChild()), DAYS);
    else local = await seededDb(DAYS);
    db = local;
    busy = async () => {
      const t = Date.now();
      await local.query('SELECT pg_sleep(5)');
      return Date.now() - t;
    };
  } else {
    const c = childTs('api-bench-seed.ts', ['--serve']);
    child = c;
    const url = await new Promise<string>((resolve, reject) => {
      c.once('message', (m: { url: string }) => resolve(m.url));
      c.once('exit', (code) => reject(new Error(`database process exited with ${code}`)));
    });
    db = openServer(url);
    busy = () =>
      new Promise<number>((resolve) => {
        const on = (m: { busyMs?: number }) => {
          if (m.busyMs === undefined) return;
          c.off('message', on);
          resolve(m.busyMs);
        };
        c.on('message', on);
        c.send('busy');
      });
  }
  const prefix = `kpi-bench:${randomUUID()}:`;
  const srv = await startServer(db, redis, prefix);
  try {
    await warm(srv.url, token);
    await load(srv.url, token, 2); // JIT and connection warm-up, not reported
    const session = PROFILE ? new Session() : null;
    if (session) {
      session.connect();
      await session.post('Profiler.enable');
      await session.post('Profiler.start');
    }
    report(mode, 'idle', ...(await measured(() => load(srv.url, token, DURATION_S))));
    if (session) {
      const { profile } = await session.post('Profiler.stop');
      writeFileSync(`${PROFILE}.${mode}.cpuprofile`, JSON.stringify(profile));
      session.disconnect();
    }
    let busyMs: Promise<number> | null = null;
    const [r, cpu, redisCpu, clientCpu] = await measured(() => load(srv.url, token, 5, () => (busyMs = busy())));
    report(mode, '5-s query', r, cpu, redisCpu, clientCpu, `(the query took ${busyMs ? await busyMs : '?'} ms)`);
  } finally {
    await srv.close();
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length) await redis.del(...keys);
    await db.close();
    if (child) {
      child.send('stop');
      await new Promise((r) => child!.once('exit', r));
    }
  }
}

async function main(): Promise<void> {
  logger.silent = true;
  const redis = await connectRedis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
  benchRedis = redis;
  const token = await issueToken({ role: 'admin', ttlS: 3600, secret: SECRET });
  process.stdout.write(`KPI API load (${CLIENT}): ${CONNECTIONS} connections, ${DURATION_S} s idle + 5 s during a 5-second database query, ${PATHS.length} cached endpoints, Redis cache (each process with its first level) and rate limit (batched); wrk -t1, neither it nor the server pinned to a CPU\n`);
  try {
    for (const mode of MODES) await runMode(mode, redis, token);
  } finally {
    redis.disconnect();
  }
  console.table(rows);
}

main().catch((err: unknown) => {
  process.stderr.write(`api bench: ${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
