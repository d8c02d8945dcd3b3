import { RecordShapeError } from '../runtime/errors';

/**
 * Decimal amounts as APIs send them ("12.3", "1234.567") to integer cents without floating
 * point: digits past the cent are rounded half up on the string itself.
 */
export function decimalToCents(value: unknown, field: string): number {
  const s = typeof value === 'number' ? String(value) : value;
  if (typeof s !== 'string') throw new RecordShapeError(`${field}: expected a decimal amount, got ${JSON.stringify(value)}`);
  const m = /^(-)?(\d+)(?:\.(\d+))?$/.exec(s.trim());
  if (!m) throw new RecordShapeError(`${field}: expected a decimal amount, got ${JSON.stringify(value)}`);
  const frac = (m[3] ?? '').padEnd(3, '0');
  let cents = Number(m[2]) * 100 + Number(frac.slice(0, 2));
  if (Number(frac[2]) >= 5) cents += 1;
  if (!Number.isSafeInteger(cents)) throw new RecordShapeError(`${field}: amount out of range: ${s}`);
  return m[1] ? -cents : cents;
}

/** A whole, non-negative count sent as a number or a numeric string. */
export function countOf(value: unknown, field: string): number {
  const n = typeof value === 'string' && /^\d+$/.test(value.trim()) ? Number(value) : value;
  if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < 0) throw new RecordShapeError(`${field}: expected a whole count, got ${JSON.stringify(value)}`);
  return n;
}
