/**
 * The KPI API's OpenAPI document, built from the routes' schemas without a database, Redis or a
 * listening socket: what docs/api.md is rendered from and checked against.
 */
import { buildHttpServer, routePlugins, type HttpDeps } from '../http/server';
import { TokenVerifier } from '../http/auth';
import { MemoryKpiCache } from '../http/cache';
import type { FastifyInstance } from 'fastify';
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

const DOC_URL = '/api/v1/openapi.json';

export async function openApiDocument(): Promise<OpenApiDocument> {
  const deps: HttpDeps = {
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
  };
  // The document route's own handler, kept as the route is registered, is called without a
  // request: nothing listens and nothing is injected.
  let handler: (() => unknown) | null = null;
  const capture = {
    name: 'openapi-capture',
    register: async (app: FastifyInstance) => {
      app.addHook('onRoute', (route) => {
        if (route.url === DOC_URL && route.method === 'GET') handler = route.handler as unknown as () => unknown;
      });
    },
  };
  const app = await buildHttpServer(deps, [capture, ...routePlugins(deps)]);
  try {
    await app.ready();
    const found = handler as (() => unknown) | null;
    if (!found) throw new Error(`the HTTP server has no GET ${DOC_URL} route`);
    // A copy through JSON, as a client receives it (no undefined members, no shared objects).
    return JSON.parse(JSON.stringify(await found())) as OpenApiDocument;
  } finally {
    await app.close();
  }
}
