/**
 * Errors as RFC 9457 problem details (application/problem+json): a 400 names the bad parameter,
 * 401/403 say why the token was refused, 5xx never leak internals.
 */
import type { FastifyError, FastifyInstance, FastifyReply } from 'fastify';
import { AuthError } from './auth';
import { ParamError } from './routes/api/timeframe';

export const PROBLEM_TYPE = 'application/problem+json';

export interface Problem {
  type: string;
  title: string;
  status: number;
  detail?: string;
  parameter?: string;
}

export const problemSchema = {
  $id: 'Problem',
  type: 'object',
  description: 'RFC 9457 problem details',
  properties: {
    type: { type: 'string' },
    title: { type: 'string' },
    status: { type: 'integer' },
    detail: { type: 'string' },
    parameter: { type: 'string', description: 'The request parameter at fault (400 only)' },
  },
  required: ['type', 'title', 'status'],
} as const;

const TITLES: Record<number, string> = {
  400: 'Bad request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not found',
  429: 'Too many requests',
  500: 'Internal server error',
  503: 'Service unavailable',
};

export function sendProblem(reply: FastifyReply, status: number, detail: string, extra: Partial<Problem> = {}): FastifyReply {
  const body: Problem = { type: 'about:blank', title: TITLES[status] ?? 'Error', status, detail, ...extra };
  if (status === 401) reply.header('www-authenticate', 'Bearer error="invalid_token"');
  return reply.code(status).type(PROBLEM_TYPE).send(JSON.stringify(body));
}

interface AjvIssue {
  instancePath?: string;
  keyword?: string;
  message?: string;
  params?: Record<string, unknown>;
}

/** The parameter an ajv error is about, and a message naming it. */
function describeValidation(errs: AjvIssue[], context: string): { parameter: string; detail: string } {
  const e = errs[0] ?? {};
  const fromPath = (e.instancePath ?? '').replace(/^\//, '').split('/')[0] ?? '';
  if (e.keyword === 'additionalProperties') {
    const name = String(e.params?.additionalProperty ?? '');
    return { parameter: name, detail: `${name}: unknown ${context === 'querystring' ? 'query parameter' : 'field'}` };
  }
  if (e.keyword === 'required') {
    const name = String(e.params?.missingProperty ?? '');
    return { parameter: name, detail: `${name} is required` };
  }
  if (e.keyword === 'enum') {
    const allowed = (e.params?.allowedValues as unknown[] | undefined)?.join(', ') ?? '';
    return { parameter: fromPath, detail: `${fromPath} must be one of ${allowed}` };
  }
  return { parameter: fromPath, detail: `${fromPath} ${e.message ?? 'is invalid'}` };
}

export function installProblemHandlers(app: FastifyInstance, onError: (err: unknown) => void): void {
  app.setErrorHandler((err: FastifyError, req, reply) => {
    if (err instanceof ParamError) return sendProblem(reply, 400, err.message, { parameter: err.parameter });
    if (err instanceof AuthError) return sendProblem(reply, err.status, err.message);
    if (err.validation) {
      const { parameter, detail } = describeValidation(err.validation as AjvIssue[], err.validationContext ?? '');
      return sendProblem(reply, 400, detail, { parameter });
    }
    const status = err.statusCode && err.statusCode >= 400 && err.statusCode < 500 ? err.statusCode : 500;
    if (status === 500) {
      onError(err);
      return sendProblem(reply, 500, 'the request failed; see the daemon log');
    }
    return sendProblem(reply, status, err.message);
  });
  app.setNotFoundHandler((req, reply) => sendProblem(reply, 404, `no route ${req.method} ${req.url.split('?')[0]}`));
}
