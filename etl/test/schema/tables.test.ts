import { TABLES, type PgType } from '../../src/schema/tables';
import { createTestDb, type TestDb } from '../helpers/testDb';

/** information_schema.columns.data_type of each PgType. */
const SQL_TYPE: Record<PgType, string> = {
  text: 'text',
  bigint: 'bigint',
  integer: 'integer',
  smallint: 'smallint',
  boolean: 'boolean',
  timestamptz: 'timestamp with time zone',
  date: 'date',
  jsonb: 'jsonb',
};

/* The loader builds its upserts from TABLES: it must describe the tables the migrations create. */
describe('TABLES matches the raw schema the migrations create', () => {
  let db: TestDb;
  beforeAll(async () => {
    db = await createTestDb();
  });
  afterAll(async () => {
    await db.close();
  });

  it.each(Object.values(TABLES).map((t) => [t.name, t] as const))('%s', async (name, spec) => {
    const cols = await db.query<{ column_name: string; data_type: string; is_nullable: string; column_default: string | null; is_generated: string }>(
      `SELECT column_name, data_type, is_nullable, column_default, is_generated FROM information_schema.columns
       WHERE table_schema = 'public' AND table_name = $1 ORDER BY ordinal_position`,
      [name],
    );
    const loaded = cols.rows.filter((c) => c.is_generated !== 'ALWAYS' && !(c.column_default ?? '').startsWith('now()'));
    // Every column the loader writes exists with its type; columns it leaves out are filled by SQL.
    expect(Object.fromEntries(Object.keys(spec.columns).map((c) => [c, cols.rows.find((x) => x.column_name === c)?.data_type]))).toEqual(
      Object.fromEntries(Object.entries(spec.columns).map(([c, t]) => [c, SQL_TYPE[t]])),
    );
    const missing = loaded.filter((c) => !(c.column_name in spec.columns) && c.is_nullable === 'NO' && c.column_default === null);
    expect(missing.map((c) => c.column_name)).toEqual([]);
    // A NOT NULL column without an SQL default is required of the source or filled by the
    // loader (a TABLES default, e.g. order_valid copied from the order); required ones are NOT NULL.
    const notNullNoDefault = cols.rows.filter((c) => c.is_nullable === 'NO' && c.column_default === null && c.column_name in spec.columns).map((c) => c.column_name);
    expect(notNullNoDefault.filter((c) => !spec.required.includes(c) && !(c in spec.defaults))).toEqual([]);
    expect(spec.required.filter((c) => cols.rows.find((x) => x.column_name === c)?.is_nullable !== 'NO')).toEqual([]);
    // The natural key is a unique constraint or index (the ON CONFLICT target).
    const keys = await db.query<{ cols: string[] }>(
      `SELECT array_agg(a.attname::text ORDER BY k.ord) AS cols
       FROM pg_index i JOIN LATERAL unnest(i.indkey) WITH ORDINALITY AS k(attnum, ord) ON true
       JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum
       WHERE i.indrelid = ('public.' || $1)::regclass AND i.indisunique GROUP BY i.indexrelid`,
      [name],
    );
    expect(keys.rows.map((k) => [...k.cols].sort().join(','))).toContain([...spec.key].sort().join(','));
    // The time column is the hypertable's partitioning dimension.
    const dim = await db.query<{ column_name: string }>(
      `SELECT column_name FROM timescaledb_information.dimensions WHERE hypertable_schema = 'public' AND hypertable_name = $1`,
      [name],
    );
    expect(dim.rows.map((d) => d.column_name)).toEqual(spec.timeColumn ? [spec.timeColumn] : []);
  });
});
