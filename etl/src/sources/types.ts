import type { Batch, Row, TableName } from '../schema/tables';

/**
 * A stream declared as data, the way connector frameworks do it: adding a stream is a few
 * lines here plus a mapper, never a new code path in the sync job.
 */
export interface StreamSpec<Raw = unknown> {
  /** Stream name, unique within its source (also the sync_state key). */
  name: string;
  /** Raw table the mapped rows load into. */
  table: TableName;
  /** The source record's own key, used for de-duplication inside one page. */
  primaryKey: string[];
  /** Field of the source record that moves forward; the sync cursor stores its last value. */
  cursorField: string;
  /** Records are re-read this far behind the cursor, to catch late edits (status changes, refunds). */
  lookbackMs: number;
  /** Records asked for per request. */
  pageSize: number;
  /** Maps one source record to zero or more rows of `table` (and optionally of other tables). */
  map: (record: Raw) => Row[] | Batch;
}

/** One page of a stream: records plus where the next page starts (null when done). */
export interface Page<Raw = unknown> {
  records: Raw[];
  nextPageToken: string | null;
}

/** Durations live in util/time; re-exported here for source code that imports them with the types. */
export { DAY_MS, HOUR_MS } from '../util/time';
