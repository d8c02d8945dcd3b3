/**
 * Steady-state cost of the daemon: starts `src/main.ts` as a child process against DATABASE_URL
 * with the simulator's live sync at a scale, waits for its backfill to finish, then samples the
 * process's CPU time (utime + stime of /proc/<pid>/stat, which sums every thread, the database
 * worker threads included) and its RSS once a minute.
 *   DATABASE_URL=postgres://…/kpi_steady_1x npm run bench:steady -w etl -- --scale 1 --days 30 --minutes 60
 * The database should be empty or one this benchmark filled before (the daemon resumes it).
 * Linux only (/proc). Output: one row per minute, then the summary over the minutes after the first.
 */
import { spawn } from 'node:child_process';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';

const { values: opt } = parseArgs({
  options: {
    scale: { type: 'string', default: '1' },
    days: { type: 'string', default: '30' },
    minutes: { type: 'string', default: '60' },
    'http-port': { type: 'string', default: '18180' },
    'interval-s': { type: 'string', default: '60' },
  },
});

const positive = (name: keyof typeof opt): number => {
  const v = Number(opt[name]);
  if (!Number.isFinite(v) || v <= 0) throw new Error(`--${name} must be a positive number`);
  return v;
};

const CLK_TCK = Number(execFileSync('getconf', ['CLK_TCK']).toString().trim());

/** CPU seconds (all threads) and resident set of a process. */
function sample(pid: number): { cpuS: number; rssMb: number } {
  // Fields after the command name (which may hold spaces) start at the closing parenthesis.
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const utime = Number(f[11]);
  const stime = Number(f[12]);
  const rssKb = Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 'NaN');
  return { cpuS: (utime + stime) / CLK_TCK, rssMb: rssKb / 1024 };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)] ?? Number.NaN;

async function main(): Promise<void> {
  const url = process.env.DATABASE_URL;
  if (!url) throw new Error('set DATABASE_URL to the database the daemon should fill (an empty one, or one this benchmark filled)');
  const scale = positive('scale');
  const days = positive('days');
  const minutes = positive('minutes');
  const intervalMs = positive('interval-s') * 1000;
  const etlDir = path.resolve(__dirname, '..');
  // node --import tsx keeps the daemon in this one process (the tsx CLI would put it in a child).
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    cwd: etlDir,
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      DATABASE_URL: url,
      SIMULATOR_SCALE: String(scale),
      BACKFILL_DAYS: String(days),
      HTTP_PORT: opt['http-port'],
      REDIS_URL: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
      LOG_LEVEL: 'info',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const pid = child.pid;
  if (!pid) throw new Error('the daemon did not start');
  let exited: string | null = null;
  child.on('exit', (code, signal) => (exited = `exit ${code ?? signal}`));
  let liveSyncs = 0;
  let errors = 0;
  let backfillDone: () => void = () => undefined;
  const backfilled = new Promise<void>((resolve) => (backfillDone = resolve));
  const t0 = Date.now();
  for (const stream of [child.stdout, child.stderr]) {
    createInterface({ input: stream }).on('line', (line) => {
      if (line.includes('aggregates refreshed after backfill')) backfillDone();
      if (line.includes('"live sync"')) liveSyncs += 1;
      if (/"level":"error"/.test(line)) {
        errors += 1;
        process.stderr.write(`daemon: ${line.slice(0, 300)}\n`);
      }
    });
  }
  process.stderr.write(`daemon pid ${pid}: backfilling ${days} d at scale ${scale}…\n`);
  await Promise.race([backfilled, new Promise((_, reject) => child.once('exit', () => reject(new Error(`daemon stopped during backfill (${exited})`))))]);
  const backfillS = (Date.now() - t0) / 1000;

  const header = `steady state | daemon src/main.ts, simulator live sync every 10 s, scale ${scale}, ${days} d backfilled | ${new URL(url).host}${new URL(url).pathname} | ${minutes} min sampled every ${intervalMs / 1000} s | started ${new Date().toISOString()} | backfill took ${backfillS.toFixed(0)} s`;
  process.stdout.write(`${header}\n\n${'minute'.padStart(6)} ${'cpu s'.padStart(7)} ${'cpu %'.padStart(7)} ${'rss MB'.padStart(8)} ${'live syncs'.padStart(11)}\n`);
  let prev = sample(pid);
  let prevAt = performance.now();
  let prevSyncs = liveSyncs;
  const rows: Array<{ cpuPct: number; rssMb: number }> = [];
  for (let m = 1; m <= minutes && !exited; m++) {
    await new Promise((r) => setTimeout(r, intervalMs));
    if (exited) break;
    const s = sample(pid);
    const at = performance.now();
    const cpuPct = ((s.cpuS - prev.cpuS) / ((at - prevAt) / 1000)) * 100;
    rows.push({ cpuPct, rssMb: s.rssMb });
    process.stdout.write(`${String(m).padStart(6)} ${(s.cpuS - prev.cpuS).toFixed(2).padStart(7)} ${cpuPct.toFixed(1).padStart(7)} ${s.rssMb.toFixed(0).padStart(8)} ${String(liveSyncs - prevSyncs).padStart(11)}\n`);
    prev = s;
    prevAt = at;
    prevSyncs = liveSyncs;
  }
  child.kill('SIGTERM');
  const steady = rows.slice(1); // the first minute still settles after the backfill
  const mean = steady.reduce((a, r) => a + r.cpuPct, 0) / Math.max(1, steady.length);
  process.stdout.write(
    `\nSTEADY STATE (minutes 2–${rows.length}): CPU mean ${mean.toFixed(1)} % of one core (median ${median(steady.map((r) => r.cpuPct)).toFixed(1)} %, max ${Math.max(...steady.map((r) => r.cpuPct)).toFixed(1)} %); ` +
      `RSS median ${median(steady.map((r) => r.rssMb)).toFixed(0)} MB, max ${Math.max(...steady.map((r) => r.rssMb)).toFixed(0)} MB; errors logged ${errors}${exited ? `; daemon ended early: ${exited}` : ''}\n`,
  );
  await new Promise((r) => (child.exitCode !== null ? r(undefined) : child.once('exit', r)));
}

main().catch((err: unknown) => {
  process.stderr.write(`bench:steady failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
