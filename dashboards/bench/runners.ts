// Where targets run: a real server through one pg pool per role (as Grafana keeps one pool per
// datasource, each login being that role), or the embedded PGlite-TimescaleDB in this process.
import type { PGlite } from '@electric-sql/pglite';
import { Pool, type PoolClient } from 'pg';

export interface RunResult {
  /** time on the connection (queueing for a free connection excluded) */
  ms: number;
  /** time from submission, queueing for a free connection included */
  totalMs: number;
  fields: string[];
  /** every value as PostgreSQL's text output, so comparisons are exact */
  rows: Array<Array<string | null>>;
}

export interface Runner {
  readonly describe: string;
  run(role: string, statement: string): Promise<RunResult>;
  close(): Promise<void>;
}

const asText = (v: unknown): string | null => (v === null || v === undefined ? null : v instanceof Date ? v.toISOString() : typeof v === 'object' ? JSON.stringify(v) : String(v));

export interface PoolSettings {
  /** Grafana's maxOpenConns */
  maxOpen: number;
  /** Grafana's maxIdleConns: 0 closes each connection after its query, as database/sql does */
  maxIdle: number;
}

const ROLE_LOGIN_SETTINGS = `SELECT split_part(x, '=', 1) AS name, substr(x, strpos(x, '=') + 1) AS value
  FROM pg_db_role_setting s JOIN pg_roles r ON r.oid = s.setrole, unnest(s.setconfig) AS x
  WHERE r.rolname = $1 AND s.setdatabase IN (0, (SELECT oid FROM pg_database WHERE datname = current_database()))`;

async function applyLoginSettings(client: PoolClient, role: string): Promise<void> {
  const settings = await client.query<[string, string]>({ text: ROLE_LOGIN_SETTINGS, values: [role], rowMode: 'array' });
  for (const [name, value] of settings.rows) await client.query('SELECT set_config($1, $2, false)', [name, value]);
}

export function serverRunner(url: string, settings: PoolSettings): Runner {
  const pools = new Map<string, Pool>();
  const poolFor = (role: string): Pool => {
    let p = pools.get(role);
    if (!p) {
      p = new Pool({
        connectionString: url,
        max: settings.maxOpen,
        // database/sql keeps at most maxIdleConns idle; with none, every query pays a new connection.
        ...(settings.maxIdle === 0 ? { maxUses: 1 } : {}),
        idleTimeoutMillis: 60_000,
        // Every value as the server's text output: no JavaScript number or Date rounding.
        types: { getTypeParser: () => (v: string) => v },
      });
      p.on('error', () => undefined);
      pools.set(role, p);
    }
    return p;
  };
  return {
    describe: `server ${new URL(url).host}${new URL(url).pathname} (pool ${settings.maxOpen} per role, ${settings.maxIdle} idle)`,
    async run(role, statement) {
      const t0 = performance.now();
      const client: PoolClient = await poolFor(role).connect();
      const t1 = performance.now();
      try {
        // The datasource logs in as the role; SET ROLE gives this session the same grants, and the
        // role's login settings (jit, statement_timeout) are applied by hand since SET ROLE skips them.
        await client.query(`SET ROLE ${role}`);
        await applyLoginSettings(client, role);
        const r = await client.query({ text: statement, rowMode: 'array' });
        const t2 = performance.now();
        return { ms: t2 - t1, totalMs: t2 - t0, fields: r.fields.map((f) => f.name), rows: (r.rows as unknown[][]).map((row) => row.map(asText)) };
      } finally {
        await client.query('RESET ALL').catch(() => undefined);
        await client.query('RESET ROLE').catch(() => undefined);
        client.release();
      }
    },
    async close() {
      await Promise.all([...pools.values()].map((p) => p.end()));
    },
  };
}

/** One PGlite backend: statements run one after another whatever the pool size, as on the socket. */
export function embeddedRunner(pglite: PGlite, where: string): Runner {
  let chain: Promise<unknown> = Promise.resolve();
  return {
    describe: `embedded PGlite-TimescaleDB ${where} (one backend: statements queue)`,
    run(role, statement) {
      const t0 = performance.now();
      const next = chain.then(() =>
        pglite.transaction(async (tx) => {
          const t1 = performance.now();
          await tx.query(`SET LOCAL ROLE ${role}`);
          const r = await tx.query<unknown[]>(statement, [], { rowMode: 'array' });
          await tx.rollback();
          const t2 = performance.now();
          return { ms: t2 - t1, totalMs: t2 - t0, fields: r.fields.map((f) => f.name), rows: r.rows.map((row) => row.map(asText)) };
        }),
      );
      chain = next.catch(() => undefined);
      return next;
    },
    async close() {
      await chain;
    },
  };
}
