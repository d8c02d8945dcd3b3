// A range function against its reference definition: the same rows for every range, read in
// each of several session time zones (the store's zone is restored after).
import type { TestDb } from './testDb';

type Row = Record<string, unknown>;

/** `read(fn)` is a query of function `fn` taking ($1 from, $2 to). */
export async function expectSameAsReference(
  db: TestDb,
  read: (fn: string) => string,
  fn: string,
  reference: string,
  ranges: ReadonlyArray<readonly [string, string]>,
  zones: readonly string[],
  storeZone: string,
): Promise<void> {
  for (const zone of zones) {
    await db.exec(`SET TimeZone = '${zone}'`);
    for (const [from, to] of ranges) {
      const got = await db.query<Row>(read(fn), [from, to]);
      const ref = await db.query<Row>(read(reference), [from, to]);
      expect({ zone, from, to, rows: got.rows }).toEqual({ zone, from, to, rows: ref.rows });
    }
  }
  await db.exec(`SET TimeZone = '${storeZone}'`);
}
