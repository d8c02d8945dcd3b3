import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { Client, Pool } from 'pg';
import { createTestDb, type TestDb } from '../../../test/helpers/testDb';
import { captureLogger, cursorOf, makeRunner } from '../../../test/helpers/sourceHarness';
import { loadBatch } from '../../load/loader';
import { CUSTOM, openCustomDb, type CustomDbClient } from './client';
import { MappingError, parseMapping, readMappingFile, type CustomMapping } from './mapping';
import { KPI_ORDERS, STORE_DATA, STORE_SCHEMA } from './storeFixture';
import { customDbSource } from './streams';

const ADMIN_URL = process.env.CUSTOM_DB_TEST_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const admin = new URL(ADMIN_URL);
const reachable =
  spawnSync(process.execPath, ['-e', `require('net').connect(${admin.port || 5432}, '${admin.hostname}').on('connect', () => process.exit(0)).on('error', () => process.exit(1))`]).status === 0;
if (!reachable) console.warn(`customdb tests skipped: no PostgreSQL at ${admin.host} (set CUSTOM_DB_TEST_ADMIN_URL)`);

const TZ = 'America/New_York';
const NOW = new Date('2026-03-20T16:00:00Z');
const now = () => NOW;
const DB_NAME = `kpi_customdb_${process.pid}_${Date.now().toString(36)}`;
const storeUrl = () => {
  const u = new URL(ADMIN_URL);
  u.pathname = `/${DB_NAME}`;
  return u.toString();
};

(reachable ? describe : describe.skip)('store database source: mapping file over a real PostgreSQL', () => {
  let db: TestDb;
  let store: Pool;
  let client: CustomDbClient;
  let mapping: CustomMapping;
  const { log, lines } = captureLogger();
  let h: ReturnType<typeof makeRunner<CustomDbClient>>;

  beforeAll(async () => {
    const a = new Client({ connectionString: ADMIN_URL });
    await a.connect();
    await a.query(`CREATE DATABASE ${DB_NAME}`);
    await a.end();
    store = new Pool({ connectionString: storeUrl(), max: 2 });
    await store.query(STORE_SCHEMA);
    await store.query(STORE_DATA);
    db = await createTestDb({ timeZone: TZ });
    await loadBatch(db, { source: 'square', stream: 'orders' }, { orders: KPI_ORDERS });
    mapping = readMappingFile(path.join(__dirname, 'mapping.example.json'));
    client = await openCustomDb({ url: storeUrl(), mapping });
    h = makeRunner(db, customDbSource(client), log, lines, { now, pageSize: 2 });
  });

  afterAll(async () => {
    await client?.close();
    await store?.end();
    await db?.close();
    const a = new Client({ connectionString: ADMIN_URL });
    await a.connect();
    await a.query(`DROP DATABASE IF EXISTS ${DB_NAME} WITH (FORCE)`);
    await a.end();
  });

  it('a bad mapping is reported at start, naming stream and column', async () => {
    const bad = parseMapping({
      streams: {
        tickets: { sql: 'SELECT t.id AS ticket_id, t.customer AS customer_id, t.modified AS updated_at FROM helpdesk_ticket t' },
        loyalty: { sql: 'SELECT p.id AS event_id, p.at AS occurred_at, p.customer AS customer_id, p.delta::text AS points, p.reason AS kind, p.modified AS updated_at FROM points_ledger p' },
        referrals: { sql: 'SELECT r.code AS referral_id FROM no_such_table r' },
      },
    });
    const err = await openCustomDb({ url: storeUrl(), mapping: bad }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MappingError);
    const msg = (err as Error).message;
    expect(msg).toContain('stream tickets: column opened_at is missing (expected timestamptz or timestamp)');
    expect(msg).toContain('stream loyalty: column points has type text, expected an integer type');
    expect(msg).toMatch(/stream referrals: relation "no_such_table" does not exist/);
    expect(() => parseMapping({ streams: { orders: { sql: 'SELECT 1' } } })).toThrow(/stream orders: unknown \(known: verifications, referrals, loyalty, tickets\)/);
  });

  it('reads through a read-only connection', async () => {
    await expect(client.pool.query(`INSERT INTO referral VALUES ('X', 'C1', NULL, now(), now())`)).rejects.toThrow(/read-only transaction/);
  });

  it('loads verifications, referrals, loyalty and tickets in keyset pages', async () => {
    const stats = await h.runner.runAll();
    expect(stats.map((s) => [s.stream, s.status, s.rowsRead])).toEqual([['verifications', 'ok', 4], ['referrals', 'ok', 4], ['loyalty', 'ok', 4], ['tickets', 'ok', 3]]);
    expect(stats[0]?.pages).toBe(3); // pages of 2: 2 + 2 + an empty last one
    const v = await db.query<{ verification_id: string; order_id: string; status: string; requested_at: Date; verified_at: Date | null }>(
      'SELECT verification_id, order_id, status, requested_at, verified_at FROM verifications ORDER BY verification_id',
    );
    expect(v.rows.map((r) => [r.verification_id, r.order_id, r.status, r.requested_at.toISOString(), r.verified_at?.toISOString() ?? null])).toEqual([
      ['chk-1', 'O1', 'verified', '2026-03-10T14:05:00.000Z', '2026-03-10T20:00:00.000Z'],
      ['chk-2', 'O2', 'verified', '2026-03-11T15:05:00.000Z', '2026-03-12T13:00:00.000Z'],
      ['chk-3', 'O3', 'failed', '2026-03-12T12:05:00.000Z', null],
      ['chk-4', 'O5', 'pending', '2026-03-19T12:05:00.000Z', null],
    ]);
    const l = await db.query<{ customer_id: string; kind: string; points: number }>('SELECT customer_id, kind, sum(points)::int AS points FROM loyalty_events GROUP BY 1, 2 ORDER BY 1, 2');
    expect(l.rows).toEqual([
      { customer_id: 'C1', kind: 'earn', points: 70 }, { customer_id: 'C1', kind: 'redeem', points: -50 },
      { customer_id: 'C2', kind: 'earn', points: 22 }, { customer_id: 'C3', kind: 'expire', points: -10 },
    ]);
    // The cursor is the latest updated_at seen: ticket 3, opened last.
    expect(await cursorOf(db, CUSTOM, 'tickets')).toBe('2026-03-16T08:00:00.000Z');
  });

  it('operations and referral KPIs from the load equal the hand-computed values', async () => {
    const from = new Date('2026-03-01T05:00:00Z');
    const r = await db.query<Record<string, string>>('SELECT * FROM mgr.operations_range($1, $2)', [from, NOW]);
    const o = r.rows[0] ?? {};
    // 4 orders required verification, 2 verified (O1 after 6 h, O2 after 22 h).
    expect([Number(o.verification_required), Number(o.verified_matured), String(o.verification_completion_rate), String(o.time_to_verification_hours)]).toEqual([4, 2, '0.5000', '14.00']);
    // Tickets: first replies after 1.5 h and 3 h, one unanswered.
    expect([Number(o.tickets), Number(o.replied_tickets), String(o.support_response_hours)]).toEqual([3, 2, '2.25']);
    const ref = await db.query<{ sent: string; converted: string }>('SELECT sum(referrals_sent) AS sent, sum(referrals_converted) AS converted FROM mgr.referrals_daily');
    expect([Number(ref.rows[0]?.sent), Number(ref.rows[0]?.converted)]).toEqual([4, 1]);
  });

  it('a re-run writes 0 rows; rows changed in the store are re-read and replace the old ones', async () => {
    const again = await h.runner.runAll();
    expect(again.map((s) => s.rowsUpserted)).toEqual([0, 0, 0, 0]);
    await store.query(`INSERT INTO helpdesk_message (ticket_id, author_kind, sent) VALUES (3, 'agent', '2026-03-16T09:00:00Z')`);
    await store.query(`UPDATE helpdesk_ticket SET modified = '2026-03-20T15:00:00Z' WHERE id = 3`);
    await store.query(`UPDATE id_check SET state = 'passed', passed_at = '2026-03-19 20:00', modified = '2026-03-20 11:00' WHERE order_number = 'O5'`);
    const stats = await h.runner.runAll();
    expect(stats.map((s) => [s.stream, s.rowsUpserted])).toEqual([['verifications', 1], ['referrals', 0], ['loyalty', 0], ['tickets', 1]]);
    const r = await db.query<Record<string, string>>('SELECT * FROM mgr.operations_range($1, $2)', [new Date('2026-03-01T05:00:00Z'), NOW]);
    // O5 verified 12 h after it was placed: (6 + 22 + 12) / 3; ticket 3 answered after 1 h: (1.5 + 3 + 1) / 3.
    expect([String(r.rows[0]?.verification_completion_rate), String(r.rows[0]?.time_to_verification_hours), String(r.rows[0]?.support_response_hours)]).toEqual(['0.7500', '13.33', '1.83']);
  });

  it('a row the mapping cannot read is a clear error and the cursor stays', async () => {
    const cursor = await cursorOf(db, CUSTOM, 'verifications');
    await store.query(`INSERT INTO id_check (order_number, state, created, modified) VALUES ('O4', 'on_hold', '2026-03-20 10:00', '2026-03-20 11:30')`);
    try {
      const verifications = h.runner.def.streams[0];
      if (!verifications) throw new Error('no stream');
      const s = await h.runner.runStream(verifications);
      expect(s.status).toBe('error');
      expect(s.error).toBe('customdb/verifications page 1: malformed page: record 1: stream verifications: column status is NULL');
      expect(await cursorOf(db, CUSTOM, 'verifications')).toBe(cursor);
    } finally {
      await store.query(`DELETE FROM id_check WHERE state = 'on_hold'`);
    }
  });

  it('an unreachable database is retried, then the breaker opens and the other streams are skipped', async () => {
    const down: CustomDbClient = { ...client, pool: new Pool({ host: '127.0.0.1', port: 1, user: 'postgres', database: 'x', connectionTimeoutMillis: 2000 }) };
    down.pool.on('error', () => undefined);
    const r = makeRunner(db, customDbSource(down), log, lines, { now });
    const stats = await r.runner.runAll();
    // The second stream's failure opens the breaker and is reported as its error; the rest are skipped.
    expect(stats.map((s) => s.status)).toEqual(['error', 'error', 'skipped', 'skipped']);
    expect(stats[0]?.error).toMatch(/connection failed: ECONNREFUSED/);
    // Four attempts on the first stream, the fifth failure (second stream) opens the breaker.
    expect(r.waits).toHaveLength(4);
    await down.pool.end();
  });
});
