/**
 * Runtime checks on what the SDK hands back. The SDK parses responses without validating them,
 * so a field of the wrong type would otherwise flow into the rows; every check names the field.
 */
import { RecordShapeError } from '../runtime/errors';

export function str(v: unknown, field: string): string {
  if (typeof v !== 'string' || v === '') throw new RecordShapeError(`${field}: expected a string, got ${describe(v)}`);
  return v;
}

export function optStr(v: unknown, field: string): string | null {
  if (v === undefined || v === null) return null;
  if (typeof v !== 'string') throw new RecordShapeError(`${field}: expected a string, got ${describe(v)}`);
  return v;
}

export function instant(v: unknown, field: string): Date {
  const d = typeof v === 'string' ? new Date(v) : null;
  if (!d || Number.isNaN(d.getTime())) throw new RecordShapeError(`${field}: expected an RFC 3339 instant, got ${describe(v)}`);
  return d;
}

/**
 * Square money is an integer of the currency's smallest unit, which the SDK gives as BigInt.
 * It becomes a JS number only when it is exactly representable; no float is ever involved.
 */
export function cents(money: unknown, field: string): number {
  if (money === undefined || money === null) return 0;
  const amount = (money as { amount?: unknown }).amount;
  if (amount === undefined || amount === null) return 0;
  if (typeof amount !== 'bigint') throw new RecordShapeError(`${field}.amount: expected an integer amount, got ${describe(amount)}`);
  if (amount > BigInt(Number.MAX_SAFE_INTEGER) || amount < -BigInt(Number.MAX_SAFE_INTEGER)) {
    throw new RecordShapeError(`${field}.amount: ${amount.toString()} is beyond what is stored exactly`);
  }
  return Number(amount);
}

export function currency(money: unknown): string | null {
  const c = (money as { currency?: unknown } | null | undefined)?.currency;
  return typeof c === 'string' ? c : null;
}

/** Square quantities are decimal strings ("2", "1.5"); the raw tables hold whole units. */
export function wholeQuantity(v: unknown, field: string, signed = false): number {
  if (typeof v !== 'string' || !(signed ? /^-?\d+(\.0+)?$/ : /^\d+(\.0+)?$/).test(v)) throw new RecordShapeError(`${field}: expected a whole quantity string, got ${describe(v)}`);
  return Number.parseInt(v, 10);
}

/** A decimal string such as "12.34" (major units) to integer minor units, by digits, not floats. */
export function decimalToCents(v: string, field: string): number {
  const m = /^(-)?(\d+)(?:\.(\d{1,2}))?$/.exec(v.trim());
  if (!m) throw new RecordShapeError(`${field}: expected a decimal amount, got ${describe(v)}`);
  const whole = Number.parseInt(m[2] ?? '0', 10);
  const frac = Number.parseInt((m[3] ?? '').padEnd(2, '0') || '0', 10);
  const n = whole * 100 + frac;
  return m[1] ? -n : n;
}

export function describe(v: unknown): string {
  if (typeof v === 'bigint') return `${v.toString()}n`;
  if (typeof v === 'string') return JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v);
  if (v === undefined) return 'nothing';
  if (v === null) return 'null';
  return typeof v === 'object' ? (Array.isArray(v) ? 'an array' : 'an object') : `${typeof v} ${String(v)}`;
}
