import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { Client } from 'pg';
import { TABLES } from '../../src/schema/tables';

const ETL_DIR = path.resolve(__dirname, '../..');

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** ms from the call that asked for the exit (stop/kill) or from spawn. */
  ms: number;
}

/** The daemon as a user runs it: `src/main.ts` in its own Node process (tsx loader, no npm wrapper). */
export class DaemonProcess {
  readonly proc: ChildProcess;
  stdout = '';
  stderr = '';
  private readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>;
  private askedAt = Date.now();

  /** `group`: in a process group of its own, as a shell runs a foreground command (see signalGroup). */
  constructor(env: Record<string, string>, opts: { group?: boolean } = {}) {
    this.proc = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
      cwd: ETL_DIR,
      // A small, explicit environment: the daemon refuses unknown look-alike variables.
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', LOG_SILENT: '0', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: opts.group === true,
    });
    this.proc.stdout?.on('data', (d: Buffer) => (this.stdout += d.toString()));
    this.proc.stderr?.on('data', (d: Buffer) => (this.stderr += d.toString()));
    this.exited = new Promise((resolve) => this.proc.on('exit', (code, signal) => resolve({ code, signal, at: Date.now() })));
  }

  get pid(): number {
    return this.proc.pid as number;
  }

  /** Resolves when the output matches, rejects if the process exits first or after timeoutMs. */
  async waitFor(pattern: RegExp, timeoutMs = 120_000, stream: 'stdout' | 'stderr' | 'both' = 'both'): Promise<RegExpMatchArray> {
    const until = Date.now() + timeoutMs;
    let done = false;
    void this.exited.then(() => (done = true));
    for (;;) {
      const text = stream === 'stdout' ? this.stdout : stream === 'stderr' ? this.stderr : this.stdout + this.stderr;
      const m = text.match(pattern);
      if (m) return m;
      if (done) throw new Error(`daemon exited before ${pattern}:\n${this.stdout}\n${this.stderr}`);
      if (Date.now() > until) throw new Error(`timed out waiting for ${pattern}:\n${this.stdout}\n${this.stderr}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  /** The embedded database's URL once the daemon is up. */
  async ready(timeoutMs = 180_000): Promise<string> {
    const m = await this.waitFor(/psql "(postgresql:\/\/[^"]+)"/, timeoutMs, 'stdout');
    return m[1] as string;
  }

  signal(sig: NodeJS.Signals): void {
    this.askedAt = Date.now();
    this.proc.kill(sig);
  }

  /** To every process of its group, as Ctrl-C in a terminal does (needs `group`). */
  signalGroup(sig: NodeJS.Signals): void {
    this.askedAt = Date.now();
    process.kill(-this.pid, sig);
  }

  async exit(timeoutMs = 60_000): Promise<Exit> {
    let timer: NodeJS.Timeout | undefined;
    const r = await Promise.race([this.exited, new Promise<null>((resolve) => (timer = setTimeout(() => resolve(null), timeoutMs)))]);
    clearTimeout(timer);
    if (!r) {
      this.proc.kill('SIGKILL');
      throw new Error(`daemon did not exit within ${timeoutMs} ms:\n${this.stderr}`);
    }
    return { code: r.code, signal: r.signal, ms: r.at - this.askedAt };
  }
}

export interface TableCounts {
  counts: Record<string, number>;
  duplicateKeys: Record<string, number>;
}

/** Logs of what the daemon did (one row per sync run, probe or API minute), not store data. */
const RUN_LOGS = ['etl_runs', 'uptime_probes', 'api_request_stats'];

/**
 * Row counts of every table but the run logs (raw tables, bookkeeping tables and the continuous
 * aggregates' materialization hypertables) and, per raw table, how many natural keys occur more
 * than once.
 */

export async function tableCounts(url: string): Promise<TableCounts> {
  const c = new Client({ connectionString: url });
  await c.connect();
  try {
    const counts: Record<string, number> = {};
    const tables = await c.query<{ t: string }>(`SELECT format('%I.%I', schemaname, tablename) AS t FROM pg_tables WHERE schemaname = 'public' AND tablename <> ALL ($1) ORDER BY 1`, [RUN_LOGS]);
    const caggs = await c.query<{ t: string; v: string }>(
      `SELECT format('%I.%I', materialization_hypertable_schema, materialization_hypertable_name) AS t, format('%I.%I', view_schema, view_name) AS v
         FROM timescaledb_information.continuous_aggregates ORDER BY 2`,
    );
    for (const { t } of tables.rows) counts[t] = Number((await c.query<{ n: string }>(`SELECT count(*)::text AS n FROM ${t}`)).rows[0]?.n);
    for (const { t, v } of caggs.rows) counts[`${v} (materialized)`] = Number((await c.query<{ n: string }>(`SELECT count(*)::text AS n FROM ${t}`)).rows[0]?.n);
    const duplicateKeys: Record<string, number> = {};
    for (const spec of Object.values(TABLES)) {
      const keys = spec.key.map((k) => `"${k}"`).join(', ');
      const r = await c.query<{ n: string }>(`SELECT count(*)::text AS n FROM (SELECT 1 FROM public."${spec.name}" GROUP BY ${keys} HAVING count(*) > 1) d`);
      duplicateKeys[spec.name] = Number(r.rows[0]?.n);
    }
    return { counts, duplicateKeys };
  } finally {
    await c.end();
  }
}
