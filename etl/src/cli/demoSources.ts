/**
 * Demo of the commerce connectors on one machine: starts the local Square and Lightspeed
 * wire-format servers with 14 simulated days each, then the daemon pointed at them (simulator
 * off), so the Square and Lightspeed paths run end to end: SDK/client → runtime → database.
 *   npm run demo:sources            (Ctrl-C stops everything)
 */
import path from 'node:path';
import { startApp } from '../app';
import { loadConfig } from '../config/config';
import { logger } from '../log/logger';
import { LightspeedStore, LightspeedTestServer } from '../sources/lightspeed/testServer/server';
import { StoreSimulator } from '../sources/simulator';
import { SquareStore } from '../sources/square/testServer/store';
import { SquareTestServer } from '../sources/square/testServer/server';
import { addDays, localDay } from '../util/time';

async function main(): Promise<void> {
  const tz = process.env.STORE_TIMEZONE ?? 'America/New_York';
  const now = new Date();
  const from = addDays(localDay(now, tz), -13);
  const square = new SquareTestServer({ store: SquareStore.fromSimulator(new StoreSimulator({ seed: 42, scale: 1, timeZone: tz, openedOn: from }), { from, asOf: now, timeZone: tz }), token: 'demo-square-token' });
  const lightspeed = new LightspeedTestServer({ store: LightspeedStore.fromSimulator(new StoreSimulator({ seed: 43, scale: 0.5, timeZone: tz, openedOn: from }), { from, asOf: now, timeZone: tz }), key: 'demo-key', secret: 'demo-secret' });
  const squareUrl = await square.start();
  const lightspeedUrl = await lightspeed.start();
  process.stdout.write(`Local Square API:     ${squareUrl}  (${square.store.orders.size} orders)\nLocal Lightspeed API: ${lightspeedUrl}  (${lightspeed.store.orders.length} orders, ${lightspeed.store.checkouts.length} checkouts)\n`);
  const config = loadConfig({
    ...process.env,
    DATA_DIR: process.env.DATA_DIR ?? path.join('.data', 'demo-sources'),
    SIMULATOR_ENABLED: 'false',
    SQUARE_ACCESS_TOKEN: 'demo-square-token',
    SQUARE_BASE_URL: squareUrl,
    SQUARE_SYNC_CRON: process.env.SQUARE_SYNC_CRON ?? '*/20 * * * * *',
    LIGHTSPEED_API_KEY: 'demo-key',
    LIGHTSPEED_API_SECRET: 'demo-secret',
    LIGHTSPEED_BASE_URL: lightspeedUrl,
    LIGHTSPEED_SYNC_CRON: process.env.LIGHTSPEED_SYNC_CRON ?? '10,40 * * * * *',
  });
  logger.level = config.LOG_LEVEL;
  const app = await startApp(config, logger);
  if (app.embeddedUrl) process.stdout.write(`Embedded TimescaleDB: psql "${app.embeddedUrl}" -c "select source, count(*) from orders group by 1"\n`);
  process.stdout.write('Sources sync on their schedules (see the "sync run" log lines); Ctrl-C stops.\n');
  const stop = () => {
    void app.stop().then(() => Promise.all([square.stop(), lightspeed.stop()])).then(() => process.exit(0));
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
