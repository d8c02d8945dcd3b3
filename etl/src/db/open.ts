import path from 'node:path';
import type { Config } from '../config/config';
import type { Db } from './db';
import { openEmbedded } from './embedded';
import { openServer } from './server';

/** DATABASE_URL is the only switch between the embedded default and a real server. */
export async function openDatabase(config: Pick<Config, 'DATABASE_URL' | 'DATA_DIR'>): Promise<Db> {
  if (config.DATABASE_URL) return openServer(config.DATABASE_URL);
  return openEmbedded(path.resolve(config.DATA_DIR, 'pglite'));
}
