import { ConfigError, loadConfig, type Config } from './config/config';
import { preflight } from './config/preflight';
import { DataDirLockedError, DataDirUnusableError } from './db/dataDirLock';
import { logger } from './log/logger';
import { startApp, StartAborted, type App } from './app';

/** Exit codes: 0 stopped on request, 1 runtime failure, 2 configuration error, 3 data dir held by another process. */
const EXIT_CONFIG = 2;
const EXIT_DIR_IN_USE = 3;
/** Last resort: a stop that overran its own budget still ends the process. */
const HARD_STOP_MS = 9_500;

/**
 * The daemon's life after main.ts installed the signal handlers: stop is aborted by SIGTERM or
 * SIGINT, possibly before this module even loaded (then `signal` names it).
 */
export async function runDaemon(stop: AbortController): Promise<void> {
  const onStop = () => {
    logger.info('shutting down: finishing the batch in flight', { signal: String(stop.signal.reason ?? 'signal') });
    setTimeout(() => {
      logger.error('shutdown overran its budget; exiting', { ms: HARD_STOP_MS });
      process.exit(1);
    }, HARD_STOP_MS).unref();
  };
  if (stop.signal.aborted) onStop();
  else stop.signal.addEventListener('abort', onStop, { once: true });
  const stopped = (database: string) => {
    if (database === 'terminated') logger.warn('the database process was ended before it finished (still opening, or a client query kept it busy); the next start recovers as after a crash');
    logger.info('stopped cleanly', { database });
    process.exit(0);
  };

  let config: Config;
  try {
    config = loadConfig();
    logger.level = config.LOG_LEVEL;
    // Ports and the data dir are checked before anything is written.
    await preflight(config);
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(EXIT_CONFIG);
    }
    throw err;
  }
  if (stop.signal.aborted) return stopped('none');

  let app: App;
  try {
    app = await startApp(config, logger, { progress: true, signal: stop.signal });
  } catch (err) {
    if (err instanceof StartAborted) return stopped(err.database);
    if (err instanceof DataDirLockedError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(EXIT_DIR_IN_USE);
    }
    if (err instanceof DataDirUnusableError) {
      process.stderr.write(`Invalid configuration:\n  - ${err.message}\n`);
      process.exit(EXIT_CONFIG);
    }
    throw err;
  }
  if (!stop.signal.aborted && app.embeddedUrl) {
    process.stdout.write(`\nEmbedded TimescaleDB is up. Connect with:\n  psql "${app.embeddedUrl}"\n`);
    process.stdout.write(`Today's KPIs:  npm run summary\n\n`);
  }
  if (!stop.signal.aborted) await new Promise((resolve) => stop.signal.addEventListener('abort', resolve, { once: true }));
  try {
    stopped((await app.stop()).database);
  } catch (err) {
    logger.error('shutdown failed', { error: err instanceof Error ? err.message : String(err) });
    process.exit(1);
  }
}

export function failed(err: unknown): never {
  logger.error('failed to start', { error: err instanceof Error ? err.message : String(err) });
  process.exit(1);
}
