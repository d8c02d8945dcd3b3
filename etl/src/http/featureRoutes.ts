/**
 * The route plugins switched on by configuration (Square webhooks, the SMS relay), added to the
 * shared server beside the KPI API. Each is registered only when its settings are complete.
 */
import type { Config } from '../config/config';
import type { Db } from '../db/db';
import type { Logger } from '../log/logger';
import type { RoutePlugin } from './server';
import { smsRelay, smsRelayOptionsFromConfig } from './routes/smsRelay';
import { squareWebhooks, squareWebhookOptionsFromConfig, type SquareWebhookOptions } from './routes/squareWebhooks';

export function featureRoutes(config: Config, deps: { db: Db; log: Logger; live: SquareWebhookOptions['live'] }): RoutePlugin[] {
  const routes: RoutePlugin[] = [];
  const square = squareWebhookOptionsFromConfig(config, deps);
  if (square) routes.push({ name: 'square-webhooks', register: async (app) => void (await app.register(squareWebhooks, square)) });
  const sms = smsRelayOptionsFromConfig(config, deps.log);
  if (sms) routes.push({ name: 'sms-relay', register: async (app) => void (await app.register(smsRelay, sms)) });
  return routes;
}
