/**
 * The API benchmark's load through `wrk` (one thread, in C: it takes less of the two cores than
 * autocannon in Node). A Lua script turns the paths over per request with the bearer token and
 * prints the run's summary as one JSON line, so nothing is scraped from wrk's text report.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { LoadJob, LoadResult } from './api-bench-load';

/** True when a `wrk` binary answers on PATH. */
export function hasWrk(): boolean {
  const r = spawnSync('wrk', ['--version'], { stdio: 'ignore' });
  return r.error === undefined;
}

const MARK = 'WRK-SUMMARY ';

function script(job: LoadJob): string {
  const reqs = job.paths.map((p) => `  wrk.format('GET', ${JSON.stringify(p)}, { ['Authorization'] = ${JSON.stringify(`Bearer ${job.token}`)} }),`).join('\n');
  // Requests are formatted once in init; `request` only hands out the next one (no Lua work per request beyond an index).
  return `
local reqs
local i = 0
function init(args)
  reqs = {
${reqs}
  }
end
function request()
  i = i % #reqs + 1
  return reqs[i]
end
function done(s, latency, requests)
  local e = s.errors
  io.write(string.format('${MARK}{"requests":%d,"durationUs":%d,"p50Us":%d,"p99Us":%d,"maxUs":%d,"non2xx":%d,"connect":%d,"read":%d,"write":%d,"timeout":%d}\\n',
    s.requests, s.duration, latency:percentile(50), latency:percentile(99), latency.max, e.status, e.connect, e.read, e.write, e.timeout))
end
`;
}

/** Runs wrk for job.durationS seconds; `onStart` fires once it has started. */
export function runWrk(job: LoadJob, onStart?: () => void): Promise<LoadResult> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'api-bench-wrk-'));
  const file = path.join(dir, 'paths.lua');
  writeFileSync(file, script(job));
  return new Promise<LoadResult>((resolve, reject) => {
    const c = spawn('wrk', ['-t1', `-c${job.connections}`, `-d${job.durationS}s`, '--timeout', '5s', '-s', file, job.url], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    c.stdout.on('data', (b: Buffer) => (out += b.toString('utf8')));
    // wrk opens its connections within milliseconds of starting.
    c.once('spawn', () => setTimeout(() => onStart?.(), 50));
    c.once('error', (err) => {
      rmSync(dir, { recursive: true, force: true });
      reject(err);
    });
    c.once('exit', (code) => {
      rmSync(dir, { recursive: true, force: true });
      const line = out.split('\n').find((l) => l.startsWith(MARK));
      if (code !== 0 || !line) return reject(new Error(`wrk exited with ${code}: ${out.trim()}`));
      const s = JSON.parse(line.slice(MARK.length)) as Record<string, number>;
      const ms = (us: number | undefined) => Math.round(((us ?? 0) / 1000) * 100) / 100;
      resolve({
        requests: s.requests ?? 0,
        rps: (s.requests ?? 0) / ((s.durationUs ?? 1) / 1e6),
        p50: ms(s.p50Us),
        p99: ms(s.p99Us),
        max: ms(s.maxUs),
        non2xx: s.non2xx ?? 0,
        errors: (s.connect ?? 0) + (s.read ?? 0) + (s.write ?? 0),
        timeouts: s.timeout ?? 0,
      });
    });
  });
}
