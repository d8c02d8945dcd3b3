import type { Db, Queryable } from '../db/db';
import { LOAD_ORDER, TABLES, type Batch, type Row, type TableName, type TableSpec } from '../schema/tables';
import { allocateLargestRemainder } from '../util/allocate';
import { validateRow, type Coerced } from './validate';

/** Rows per INSERT ... SELECT FROM unnest(...) statement. */
const CHUNK = 5_000;

export interface LoadTarget {
  source: string;
  stream: string;
  /** New cursor value, stored with the rows in the same transaction. */
  cursor?: string | null;
}

export interface LoadResult {
  received: number;
  /** Rows inserted or actually changed (identical re-loads count 0). */
  changed: number;
  rejected: number;
  byTable: Partial<Record<TableName, { received: number; changed: number; rejected: number }>>;
  /** Earliest and latest instant touched, for refreshing aggregates over just that window. */
  minTime: Date | null;
  maxTime: Date | null;
}

interface Rejected {
  table: TableName;
  sourceId: string | null;
  reason: string;
  payload: Row;
}

const isValidOrder = (o: Row): boolean => o.status !== 'cancelled' && o.is_test !== true;

/**
 * Derives the line fields that depend on the order (validity, discount allocation) when the
 * order travels in the same batch, so every source mapper does not have to.
 */
function deriveLineFields(batch: Batch): void {
  const lines = batch.order_lines;
  if (!lines?.length || !batch.orders?.length) return;
  const orders = new Map(batch.orders.map((o) => [String(o.order_id), o]));
  const byOrder = new Map<string, Row[]>();
  for (const l of lines) {
    const id = String(l.order_id);
    const list = byOrder.get(id) ?? [];
    list.push(l);
    byOrder.set(id, list);
  }
  for (const [id, ls] of byOrder) {
    const order = orders.get(id);
    if (!order) continue;
    for (const l of ls) if (l.order_valid === undefined) l.order_valid = isValidOrder(order);
    if (ls.every((l) => l.allocated_discount_cents === undefined)) {
      const parts = allocateLargestRemainder(Math.max(0, Number(order.discount_cents ?? 0)), ls.map((l) => Number(l.line_subtotal_cents ?? 0)));
      ls.forEach((l, i) => (l.allocated_discount_cents = parts[i] ?? 0));
    }
  }
}

function upsertSql(spec: TableSpec): string {
  const cols = Object.keys(spec.columns);
  const arrays = cols.map((c, i) => `$${i + 1}::${spec.columns[c]}[]`).join(', ');
  const nonKey = cols.filter((c) => !spec.key.includes(c));
  // products and orders carry updated_at: it moves only on a real change (see the WHERE below),
  // which is what the live order push reads to find what changed.
  const touch = spec.name === 'orders' || spec.name === 'products' ? ', updated_at = now()' : '';
  const set = nonKey.map((c) => `${c} = EXCLUDED.${c}`).join(', ') + touch;
  // IS DISTINCT FROM skips no-op updates, so a repeated load writes nothing and reports 0 changes.
  const changed = nonKey.map((c) => `t.${c}`).join(', ');
  const incoming = nonKey.map((c) => `EXCLUDED.${c}`).join(', ');
  return (
    `INSERT INTO ${spec.name} AS t (${cols.join(', ')}) SELECT * FROM unnest(${arrays}) ` +
    `ON CONFLICT (${spec.key.join(', ')}) DO UPDATE SET ${set} WHERE (${changed}) IS DISTINCT FROM (${incoming})`
  );
}

async function knownSkus(db: Queryable, batch: Batch): Promise<Set<string>> {
  const wanted = [...new Set((batch.order_lines ?? []).map((l) => String(l.sku)))];
  const known = new Set((batch.products ?? []).map((p) => String(p.sku)));
  const ask = wanted.filter((s) => !known.has(s));
  if (ask.length > 0) {
    const r = await db.query<{ sku: string }>('SELECT sku FROM products WHERE sku = ANY($1::text[])', [ask]);
    for (const { sku } of r.rows) known.add(sku);
  }
  return known;
}

/**
 * Loads a batch as idempotent upserts. Bad rows go to dead_letters with their reason and the
 * rest of the batch loads; rows, rejects and the stream's cursor commit in one transaction,
 * so a crash or a database restart mid-load leaves the previous cursor and no half batch.
 */
export async function loadBatch(db: Db, target: LoadTarget, batch: Batch): Promise<LoadResult> {
  deriveLineFields(batch);
  const result: LoadResult = { received: 0, changed: 0, rejected: 0, byTable: {}, minTime: null, maxTime: null };
  const rejected: Rejected[] = [];
  const good = new Map<TableName, Record<string, Coerced>[]>();
  const skus = await knownSkus(db, batch);

  for (const table of LOAD_ORDER) {
    const rows = batch[table];
    if (!rows?.length) continue;
    const spec: TableSpec = TABLES[table];
    const ok: Record<string, Coerced>[] = [];
    const seen = new Map<string, number>();
    for (const row of rows) {
      const v = validateRow(spec, row);
      if (!v.ok) {
        rejected.push({ table, sourceId: row.source_id == null ? null : String(row.source_id), reason: v.reason, payload: row });
        continue;
      }
      if (table === 'order_lines' && !skus.has(String(v.row.sku))) {
        rejected.push({ table, sourceId: String(v.row.source_id), reason: `order_lines.sku: unknown SKU ${String(v.row.sku)}`, payload: row });
        continue;
      }
      // The same key twice in one statement is an error in PostgreSQL; the later record wins.
      const key = spec.key.map((k) => String(v.row[k])).join('\u0000');
      const at = seen.get(key);
      if (at === undefined) {
        seen.set(key, ok.length);
        ok.push(v.row);
      } else ok[at] = v.row;
      if (spec.timeColumn) {
        const t = new Date(String(v.row[spec.timeColumn]));
        if (!result.minTime || t < result.minTime) result.minTime = t;
        if (!result.maxTime || t > result.maxTime) result.maxTime = t;
      }
    }
    good.set(table, ok);
    result.byTable[table] = { received: rows.length, changed: 0, rejected: rejected.filter((r) => r.table === table).length };
    result.received += rows.length;
  }
  result.rejected = rejected.length;

  await db.transaction(async (tx) => {
    for (const [table, rows] of good) {
      const spec: TableSpec = TABLES[table];
      const cols = Object.keys(spec.columns);
      const sql = upsertSql(spec);
      let changed = 0;
      for (let i = 0; i < rows.length; i += CHUNK) {
        const chunk = rows.slice(i, i + CHUNK);
        const params = cols.map((c) => chunk.map((r) => r[c] ?? null));
        const r = await tx.query(sql, params);
        changed += r.affectedRows ?? 0;
      }
      if (table === 'orders' && rows.length > 0) await syncLineValidity(tx, rows.map((r) => String(r.order_id)));
      const entry = result.byTable[table];
      if (entry) entry.changed = changed;
      result.changed += changed;
    }
    if (rejected.length > 0) {
      await tx.query(
        `INSERT INTO dead_letters (source, stream, source_id, reason, payload)
         SELECT $1, $2, s, r, p FROM unnest($3::text[], $4::text[], $5::jsonb[]) AS x(s, r, p)`,
        [target.source, target.stream, rejected.map((r) => r.sourceId), rejected.map((r) => `${r.reason}`), rejected.map((r) => JSON.stringify({ table: r.table, row: r.payload }))],
      );
    }
    await tx.query(
      `INSERT INTO sync_state (source, stream, cursor, rows_total, updated_at) VALUES ($1, $2, $3, $4, now())
       ON CONFLICT (source, stream) DO UPDATE SET cursor = COALESCE(EXCLUDED.cursor, sync_state.cursor),
         rows_total = sync_state.rows_total + EXCLUDED.rows_total, updated_at = now()`,
      [target.source, target.stream, target.cursor ?? null, result.changed],
    );
  });
  return result;
}

/** A status change (say, cancelled) must reach the order's lines, which carry the flag for the aggregates. */
async function syncLineValidity(tx: Queryable, orderIds: string[]): Promise<void> {
  await tx.query(
    `UPDATE order_lines l SET order_valid = v.valid
       FROM (SELECT order_id, placed_at, (status <> 'cancelled' AND NOT is_test) AS valid FROM orders WHERE order_id = ANY($1::text[])) v
      WHERE l.order_id = v.order_id AND l.placed_at = v.placed_at AND l.order_valid IS DISTINCT FROM v.valid`,
    [orderIds],
  );
}
