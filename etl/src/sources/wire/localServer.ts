/**
 * Pieces shared by the local wire-format servers that stand in for outside APIs in tests and
 * the demo: listening on a loopback port of the system's choosing, and a queue of scripted
 * faults (error statuses with the API's own headers and bodies, or a malformed page) that the
 * next requests answer with instead of data.
 */
import Fastify, { type FastifyInstance, type FastifyReply } from 'fastify';

export interface HttpFault {
  status: number;
  headers?: Record<string, string>;
  body: unknown;
}

/** A scripted answer: an HTTP error, or "serve this page malformed" (each API decides how). */
export type Fault = HttpFault | 'malformed';

export class FaultPlan {
  private readonly queue: Fault[] = [];
  /** Data requests answered so far (faults included). */
  requests = 0;

  /** The next `times` data requests answer with `fault`. */
  add(fault: Fault, times = 1): this {
    for (let i = 0; i < times; i++) this.queue.push(fault);
    return this;
  }

  clear(): void {
    this.queue.length = 0;
  }

  get pending(): number {
    return this.queue.length;
  }

  /** Called by a route for each data request: the fault to answer with, if one is queued. */
  take(): Fault | undefined {
    this.requests += 1;
    return this.queue.shift();
  }
}

/** Sends an HTTP fault as the API would. */
export function sendFault(reply: FastifyReply, fault: HttpFault): FastifyReply {
  for (const [k, v] of Object.entries(fault.headers ?? {})) reply.header(k, v);
  return reply.code(fault.status).type('application/json').send(JSON.stringify(fault.body));
}

export interface LocalServer {
  url: string;
  app: FastifyInstance;
  close(): Promise<void>;
}

export function newLocalApp(): FastifyInstance {
  return Fastify({ logger: false });
}

/** Listens on 127.0.0.1 (port 0 = any free port unless one is given) and reports the base URL. */
export async function listenLocal(app: FastifyInstance, port = 0): Promise<LocalServer> {
  await app.listen({ host: '127.0.0.1', port });
  const addr = app.server.address();
  if (!addr || typeof addr === 'string') throw new Error('local server: no TCP address');
  return { url: `http://127.0.0.1:${addr.port}`, app, close: () => app.close() };
}
