import { ConfigError, loadConfig } from './config/config';
import { logger } from './log/logger';
import { startApp } from './app';

async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(2);
    }
    throw err;
  }
  logger.level = config.LOG_LEVEL;
  const app = await startApp(config, logger, { progress: true });
  if (app.embeddedUrl) {
    process.stdout.write(`\nEmbedded TimescaleDB is up. Connect with:\n  psql "${app.embeddedUrl}"\n`);
    process.stdout.write(`Today's KPIs:  npm run summary\n\n`);
  }
  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info('shutting down: finishing the batch in flight', { signal });
    app.stop().then(
      () => {
        logger.info('stopped cleanly');
        process.exit(0);
      },
      (err: unknown) => {
        logger.error('shutdown failed', { error: err instanceof Error ? err.message : String(err) });
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
}

main().catch((err: unknown) => {
  logger.error('failed to start', { error: err instanceof Error ? err.message : String(err) });
  process.exit(1);
});
