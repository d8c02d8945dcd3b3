import { openMigratedDb, type MigratedDb } from '../../src/contract/testDb';

export type TestDb = MigratedDb;

/** A fresh in-memory PGlite-TimescaleDB with every migration and the view set applied. */
export const createTestDb = openMigratedDb;
