import type { PgType, Row, TableSpec } from '../schema/tables';

export type Coerced = string | number | boolean | null;

const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;

/** Turns one value into what the typed unnest array expects, or says why it can't. */
export function coerce(value: Row[string], type: PgType): { ok: true; value: Coerced } | { ok: false; reason: string } {
  if (value === null || value === undefined) return { ok: true, value: null };
  switch (type) {
    case 'text':
      return typeof value === 'string' ? { ok: true, value } : { ok: true, value: String(value) };
    case 'bigint':
    case 'integer':
    case 'smallint': {
      const n = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
      if (typeof n !== 'number' || !Number.isSafeInteger(n)) return { ok: false, reason: `expected a whole number, got ${JSON.stringify(value)}` };
      return { ok: true, value: n };
    }
    case 'boolean':
      if (typeof value === 'boolean') return { ok: true, value };
      return { ok: false, reason: `expected true/false, got ${JSON.stringify(value)}` };
    case 'timestamptz': {
      const d = value instanceof Date ? value : typeof value === 'string' ? new Date(value) : null;
      if (!d || Number.isNaN(d.getTime())) return { ok: false, reason: `expected an instant, got ${JSON.stringify(value)}` };
      return { ok: true, value: d.toISOString() };
    }
    case 'date':
      if (typeof value === 'string' && ISO_DATE.test(value)) return { ok: true, value };
      if (value instanceof Date && !Number.isNaN(value.getTime())) return { ok: true, value: value.toISOString().slice(0, 10) };
      return { ok: false, reason: `expected a YYYY-MM-DD date, got ${JSON.stringify(value)}` };
    case 'jsonb':
      return { ok: true, value: JSON.stringify(value) };
  }
}

/** Row-level rules beyond types that the database would otherwise reject for the whole batch. */
const RULES: Partial<Record<string, (r: Record<string, Coerced>) => string | null>> = {
  order_lines: (r) => ((r.quantity as number) <= 0 ? `quantity must be positive, got ${String(r.quantity)}` : null),
  orders: (r) => ((r.subtotal_cents as number) < 0 ? 'subtotal_cents is negative' : null),
  refunds: (r) => ((r.amount_cents as number) < 0 ? 'amount_cents is negative' : null),
};

/** Validates and coerces one row; returns the reason it is rejected, or the coerced row. */
export function validateRow(spec: TableSpec, row: Row): { ok: true; row: Record<string, Coerced> } | { ok: false; reason: string } {
  const out: Record<string, Coerced> = {};
  for (const key of Object.keys(row)) {
    if (!(key in spec.columns)) return { ok: false, reason: `unknown column ${spec.name}.${key}` };
  }
  for (const [col, type] of Object.entries(spec.columns)) {
    const given = row[col];
    const c = coerce(given === undefined || given === null ? spec.defaults[col] : given, type);
    if (!c.ok) return { ok: false, reason: `${spec.name}.${col}: ${c.reason}` };
    out[col] = c.value;
  }
  for (const col of spec.required) {
    if (out[col] === null) return { ok: false, reason: `${spec.name}.${col} is missing` };
  }
  const rule = RULES[spec.name]?.(out);
  return rule ? { ok: false, reason: rule } : { ok: true, row: out };
}
