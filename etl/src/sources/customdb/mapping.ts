/**
 * The mapping file that tells the source how to read the store's own database: one SELECT per
 * stream, returning the named columns below and an `updated_at` cursor column, so the store's
 * schema is not written into the code. It is checked against the live database at start: a
 * missing column or one of the wrong type is reported with the stream and column named.
 */
import { readFileSync } from 'node:fs';
import { z } from 'zod';

export type ColumnKind = 'id' | 'text' | 'integer' | 'instant';

export interface ColumnSpec {
  kind: ColumnKind;
  /** Optional columns may be left out of the SELECT (they load as NULL). */
  optional?: boolean;
  /** Values the column may take, when the raw table restricts them. */
  values?: readonly string[];
}

/** What each stream must return, and the raw table it loads into. */
export const CUSTOM_STREAMS = {
  verifications: {
    table: 'verifications', key: 'verification_id',
    columns: {
      verification_id: { kind: 'id' }, order_id: { kind: 'id' }, requested_at: { kind: 'instant' },
      status: { kind: 'text', values: ['pending', 'verified', 'failed', 'expired'] }, verified_at: { kind: 'instant', optional: true },
    },
  },
  referrals: {
    table: 'referrals', key: 'referral_id',
    columns: {
      referral_id: { kind: 'id' }, sent_at: { kind: 'instant' }, referrer_customer_id: { kind: 'id' }, referred_customer_id: { kind: 'id', optional: true },
    },
  },
  loyalty: {
    table: 'loyalty_events', key: 'event_id',
    columns: {
      event_id: { kind: 'id' }, occurred_at: { kind: 'instant' }, customer_id: { kind: 'id' }, points: { kind: 'integer' },
      kind: { kind: 'text', values: ['earn', 'redeem', 'expire', 'adjust'] },
    },
  },
  tickets: {
    table: 'support_tickets', key: 'ticket_id',
    columns: {
      ticket_id: { kind: 'id' }, opened_at: { kind: 'instant' }, customer_id: { kind: 'id', optional: true }, channel: { kind: 'text', optional: true },
      first_reply_at: { kind: 'instant', optional: true }, closed_at: { kind: 'instant', optional: true },
    },
  },
} as const satisfies Record<string, { table: string; key: string; columns: Record<string, ColumnSpec> }>;

export type CustomStreamName = keyof typeof CUSTOM_STREAMS;

const fileSchema = z.object({
  /** Zone of the store's `timestamp without time zone` columns (default UTC). */
  timeZone: z.string().min(1).optional(),
  streams: z.record(z.string(), z.object({ sql: z.string().min(1), lookbackMinutes: z.number().int().min(0).optional() }).strict()),
}).strict();

export interface StreamMapping {
  name: CustomStreamName;
  sql: string;
  lookbackMinutes: number;
}

export interface CustomMapping {
  timeZone: string;
  streams: StreamMapping[];
}

export class MappingError extends Error {
  constructor(readonly problems: string[]) {
    super(`custom DB mapping: ${problems.join('; ')}`);
    this.name = 'MappingError';
  }
}

export function parseMapping(raw: unknown, where = 'mapping'): CustomMapping {
  const parsed = fileSchema.safeParse(raw);
  if (!parsed.success) throw new MappingError(parsed.error.issues.map((i) => `${where}: ${i.path.join('.') || '(root)'}: ${i.message}`));
  const problems: string[] = [];
  const streams: StreamMapping[] = [];
  for (const [name, s] of Object.entries(parsed.data.streams)) {
    if (!(name in CUSTOM_STREAMS)) {
      problems.push(`stream ${name}: unknown (known: ${Object.keys(CUSTOM_STREAMS).join(', ')})`);
      continue;
    }
    // The SELECT is wrapped as a subquery, so it must be one statement.
    if (s.sql.includes(';')) problems.push(`stream ${name}: sql must be a single SELECT without ';'`);
    streams.push({ name: name as CustomStreamName, sql: s.sql.trim(), lookbackMinutes: s.lookbackMinutes ?? 60 });
  }
  if (streams.length === 0 && problems.length === 0) problems.push('no streams mapped');
  if (problems.length > 0) throw new MappingError(problems);
  return { timeZone: parsed.data.timeZone ?? 'UTC', streams };
}

export function readMappingFile(path: string): CustomMapping {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new MappingError([`${path}: ${err instanceof Error ? err.message : String(err)}`]);
  }
  return parseMapping(raw, path);
}

/** PostgreSQL type OIDs accepted for each column kind. */
const TYPE_OIDS: Record<ColumnKind | 'cursor', Set<number>> = {
  // text, varchar, bpchar, name, uuid, int2, int4, int8 (ids are often numbers)
  id: new Set([25, 1043, 1042, 19, 2950, 21, 23, 20]),
  text: new Set([25, 1043, 1042, 19]),
  integer: new Set([21, 23, 20]),
  instant: new Set([1184, 1114]),
  cursor: new Set([1184, 1114]),
};
const KIND_LABEL: Record<ColumnKind | 'cursor', string> = {
  id: 'text, uuid or integer', text: 'text', integer: 'an integer type', instant: 'timestamptz or timestamp', cursor: 'timestamptz or timestamp',
};
const TYPE_NAMES: Record<number, string> = {
  16: 'boolean', 19: 'name', 20: 'bigint', 21: 'smallint', 23: 'integer', 25: 'text', 700: 'real', 701: 'double precision', 1042: 'char', 1043: 'varchar',
  1082: 'date', 1083: 'time', 1114: 'timestamp', 1184: 'timestamptz', 1700: 'numeric', 2950: 'uuid', 3802: 'jsonb', 114: 'json',
};

/** Checks a stream's result columns (name → type OID) against what the stream needs. */
export function checkColumns(stream: CustomStreamName, fields: { name: string; dataTypeID: number }[]): string[] {
  const problems: string[] = [];
  const got = new Map(fields.map((f) => [f.name, f.dataTypeID]));
  const need: [string, ColumnSpec | { kind: 'cursor'; optional?: false }][] = [...Object.entries(CUSTOM_STREAMS[stream].columns), ['updated_at', { kind: 'cursor' }]];
  for (const [col, spec] of need) {
    const oid = got.get(col);
    if (oid === undefined) {
      if (!spec.optional) problems.push(`stream ${stream}: column ${col} is missing (expected ${KIND_LABEL[spec.kind]})`);
      continue;
    }
    if (!TYPE_OIDS[spec.kind].has(oid)) problems.push(`stream ${stream}: column ${col} has type ${TYPE_NAMES[oid] ?? `oid ${oid}`}, expected ${KIND_LABEL[spec.kind]}`);
  }
  return problems;
}
