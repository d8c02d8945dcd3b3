/**
 * The store database's streams as data: one per mapped SELECT, read by its updated_at cursor
 * with a look-back (late commits of long transactions), keyset-paged by (updated_at, key).
 */
import type { Row } from '../../schema/tables';
import { RecordShapeError } from '../runtime/errors';
import type { SourceDef, SyncStream } from '../runtime/source';
import { CUSTOM, normalizeCustomDbError, pageSql, type CustomDbClient } from './client';
import { CUSTOM_STREAMS, type ColumnSpec, type CustomStreamName } from './mapping';

type DbRecord = Record<string, unknown> & { __cursor: string; __key: string };

function value(stream: CustomStreamName, col: string, spec: ColumnSpec, v: unknown): Row[string] {
  if (v === null || v === undefined) {
    if (spec.optional) return null;
    throw new RecordShapeError(`stream ${stream}: column ${col} is NULL`);
  }
  switch (spec.kind) {
    case 'id':
      return String(v);
    case 'text': {
      const s = String(v);
      if (spec.values && !spec.values.includes(s)) throw new RecordShapeError(`stream ${stream}: column ${col} is ${JSON.stringify(s)}, expected one of ${spec.values.join(', ')}`);
      return s;
    }
    case 'integer': {
      const n = typeof v === 'string' ? Number(v) : v;
      if (typeof n !== 'number' || !Number.isSafeInteger(n)) throw new RecordShapeError(`stream ${stream}: column ${col} is not a whole number: ${JSON.stringify(v)}`);
      return n;
    }
    case 'instant':
      if (!(v instanceof Date) || Number.isNaN(v.getTime())) throw new RecordShapeError(`stream ${stream}: column ${col} is not an instant`);
      return v;
  }
}

export function customRow(stream: CustomStreamName, r: Record<string, unknown>): Row {
  const spec = CUSTOM_STREAMS[stream];
  const out: Row = {};
  for (const [col, c] of Object.entries(spec.columns) as [string, ColumnSpec][]) out[col] = value(stream, col, c, r[col]);
  out.source = CUSTOM;
  out.source_id = String(out[spec.key]);
  return out;
}

interface PageToken {
  at: string;
  key: string;
}

export function customStreams(client: CustomDbClient): SyncStream<CustomDbClient, DbRecord>[] {
  return client.mapping.streams.map((m): SyncStream<CustomDbClient, DbRecord> => {
    const types = client.columns.get(m.name);
    if (!types) throw new Error(`customdb: stream ${m.name} was not checked`);
    const sql = pageSql(m.name, m.sql, types, client.mapping.timeZone);
    return {
      name: m.name, table: CUSTOM_STREAMS[m.name].table, primaryKey: [CUSTOM_STREAMS[m.name].key], cursorField: 'updated_at',
      lookbackMs: m.lookbackMinutes * 60_000, pageSize: 1000,
      async fetch(c, req, api) {
        const t = req.pageToken ? (JSON.parse(req.pageToken) as PageToken) : null;
        const r = await api.call(`${m.name}.select`, () => c.pool.query<DbRecord>(sql, [req.since, req.until, t?.at ?? null, t?.key ?? null, req.pageSize]));
        const last = r.rows[r.rows.length - 1];
        return { records: r.rows, nextPageToken: last && r.rows.length === req.pageSize ? JSON.stringify({ at: last.__cursor, key: last.__key }) : null };
      },
      cursorOf: (r) => (r.updated_at instanceof Date ? r.updated_at : null),
      map: (r) => [customRow(m.name, r)],
    };
  });
}

export function customDbSource(client: CustomDbClient): SourceDef<CustomDbClient> {
  return { name: CUSTOM, client, streams: customStreams(client), normalizeError: normalizeCustomDbError };
}
