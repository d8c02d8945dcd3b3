/**
 * The KPI API's OpenAPI document, built from the routes' schemas without a database, Redis or a
 * listening socket: what docs/api.md is rendered from and checked against.
 */
import { buildHttpServer } from '../http/server';
import { TokenVerifier } from '../http/auth';
import { MemoryKpiCache } from '../http/cache';
import type { Db } from '../db/db';
import { logger } from '../log/logger';

/** The subset of OpenAPI 3.1 that the renderer reads. */
export interface OpenApiDocument {
  openapi: string;
  info: { title: string; version: string; description?: string };
  paths: Record<string, Record<string, OpenApiOperation>>;
}

export interface OpenApiOperation {
  summary?: string;
  description?: string;
  tags?: string[];
  security?: Array<Record<string, string[]>>;
  parameters?: Array<{ name: string; in: string; required?: boolean; description?: string; schema?: Record<string, unknown> }>;
  responses: Record<string, { description?: string; content?: Record<string, { schema?: Record<string, unknown> }> }>;
}

// Building the routes registers them only; a request would need the database, and none is made.
const noDatabase: Db = {
  kind: 'server',
  query: () => Promise.reject(new Error('no database: the OpenAPI document is built offline')),
  exec: () => Promise.reject(new Error('no database: the OpenAPI document is built offline')),
  transaction: () => Promise.reject(new Error('no database: the OpenAPI document is built offline')),
  close: () => Promise.resolve(),
};

export async function openApiDocument(): Promise<OpenApiDocument> {
  const app = await buildHttpServer({
    db: noDatabase,
    log: logger,
    cache: new MemoryKpiCache(),
    redis: null,
    verifier: await TokenVerifier.create({ API_JWT_CLOCK_SKEW_S: 30 }),
    timeZone: 'America/New_York',
    currency: 'USD',
    dbIdentity: 'openapi',
    rateLimitPerMin: 600,
    readyMaxSyncAgeS: 0,
  });
  try {
    const r = await app.inject({ method: 'GET', url: '/api/v1/openapi.json' });
    if (r.statusCode !== 200) throw new Error(`GET /api/v1/openapi.json answered ${r.statusCode}`);
    return r.json<OpenApiDocument>();
  } finally {
    await app.close();
  }
}
