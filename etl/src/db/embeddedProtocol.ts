/** Messages between the daemon and the child process (or worker thread) that owns the embedded database. */

export type Request =
  | { id: number; op: 'query'; sql: string; params?: unknown[]; tx?: number }
  | { id: number; op: 'exec'; sql: string; tx?: number }
  | { id: number; op: 'begin' }
  | { id: number; op: 'end'; tx: number; commit: boolean }
  | { id: number; op: 'serve'; port: number; host?: string; queueTimeoutMs?: number }
  | { id: number; op: 'unserve' }
  | { id: number; op: 'close' };

export interface SerializedError {
  message: string;
  name?: string;
  /** PostgreSQL fields (code, detail, hint, ...) kept so callers can branch on them. */
  fields: Record<string, string | number>;
}

export type Reply = { id: number; ok: true; value: unknown } | { id: number; ok: false; error: SerializedError };

export type WorkerEvent = { ready: true } | { ready: false; error: SerializedError };

export function serializeError(err: unknown): SerializedError {
  if (!(err instanceof Error)) return { message: String(err), fields: {} };
  const fields: Record<string, string | number> = {};
  for (const [k, v] of Object.entries(err)) if (typeof v === 'string' || typeof v === 'number') fields[k] = v;
  return { message: err.message, name: err.name, fields };
}

export function deserializeError(e: SerializedError): Error {
  const err = new Error(e.message);
  if (e.name) err.name = e.name;
  Object.assign(err, e.fields);
  return err;
}
