import type { StreamSpec } from '../types';

/** What a stream's fetch is asked for: records changed in [since, until), one page at a time. */
export interface PageRequest {
  since: Date;
  until: Date;
  pageToken: string | null;
  pageSize: number;
}

/**
 * The door every API call of a source goes through: retries, the breaker and the call count
 * live behind it, so a stream's fetch only says what to ask for.
 */
export interface ApiCaller {
  call<T>(label: string, fn: () => Promise<T>): Promise<T>;
  /** Calls made so far in this run (retries included: each is a request the API saw). */
  readonly calls: number;
}

/** A declared stream plus how to read one page of it with the source's client. */
export interface SyncStream<Client, Raw = unknown> extends StreamSpec<Raw> {
  fetch(client: Client, req: PageRequest, api: ApiCaller): Promise<{ records: Raw[]; nextPageToken: string | null }>;
  /** The record's cursor instant; by default the ISO string at `cursorField`. */
  cursorOf?: (record: Raw) => Date | null;
  /** Reads a stored cursor written by an older version of the stream (default: an ISO instant). */
  parseCursor?: (raw: string) => Date;
}

/** Streams of one source differ in their record type; the runtime only passes records from fetch to map. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyStream<Client> = SyncStream<Client, any>;

/** A source: a client made from configuration and its streams, run in the order given. */
export interface SourceDef<Client> {
  name: string;
  client: Client;
  streams: AnyStream<Client>[];
  /** Maps an error thrown by the client or SDK to the runtime's terms (HTTP status, wait). */
  normalizeError: (err: unknown) => unknown;
}
