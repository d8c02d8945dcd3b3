import winston from 'winston';

/** Keys whose values never reach a log line, whatever the caller passes. */
const SECRET_KEY = /(pass(word)?|secret|token|api[_-]?key|authorization|signature|database_url|dsn)/i;
/** Credentials embedded in connection strings (postgres://user:pw@host). */
const URL_CREDENTIALS = /(\b[a-z][a-z0-9+.-]*:\/\/[^:/\s]+:)[^@\s]+@/gi;

/** Tokens some APIs (Graph) take in the query string. */
const QUERY_SECRETS = /([?&](?:access_token|appsecret_proof|api_key|key)=)[^&\s"']+/gi;

export function redact(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') return value.replace(URL_CREDENTIALS, '$1***@').replace(QUERY_SECRETS, '$1***');
  if (depth > 6 || value === null || typeof value !== 'object') return value;
  if (value instanceof Error) return { name: value.name, message: redact(value.message, depth + 1) };
  if (Array.isArray(value)) return value.map((v) => redact(v, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[k] = SECRET_KEY.test(k) ? '***' : redact(v, depth + 1);
  return out;
}

const redactFormat = winston.format((info) => {
  for (const key of Object.keys(info)) {
    if (key === 'level') continue;
    (info as Record<string, unknown>)[key] = SECRET_KEY.test(key) ? '***' : redact((info as Record<string, unknown>)[key]);
  }
  return info;
});

export const logger = winston.createLogger({
  level: process.env.LOG_LEVEL ?? 'info',
  format: winston.format.combine(winston.format.timestamp(), redactFormat(), winston.format.json()),
  defaultMeta: { service: 'kpi-etl' },
  // stderr keeps stdout free for the progress bar and the summary command's table.
  transports: [new winston.transports.Console({ stderrLevels: ['error', 'warn', 'info', 'http', 'verbose', 'debug', 'silly'] })],
  silent: process.env.LOG_SILENT === '1',
});

export type Logger = typeof logger;
