import { openEmbedded } from '../../src/db/embedded';
import { migrate } from '../../src/db/migrate';
import type { Db } from '../../src/db/db';

export type TestDb = Db;

/** A fresh in-memory PGlite-TimescaleDB with every migration applied. */
export async function createTestDb(opts: { timeZone?: string } = {}): Promise<TestDb> {
  const db = await openEmbedded();
  await migrate(db, { timeZone: opts.timeZone ?? 'America/New_York' });
  return db;
}
