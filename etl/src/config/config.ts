import cron from 'node-cron';
import { z } from 'zod';
import { misspelledVariables } from './typos';
import { DEFAULT_STORE_TIMEZONE } from '../contract/roles';

/** Error whose message names the bad variable(s), for a clear start-up failure. */
export class ConfigError extends Error {
  constructor(public readonly problems: string[]) {
    super(`Invalid configuration:\n  - ${problems.join('\n  - ')}`);
    this.name = 'ConfigError';
  }
}

const isTimeZone = (tz: string): boolean => {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
};

const isCentsMap = (v: string): boolean => {
  try {
    const o = JSON.parse(v) as unknown;
    return typeof o === 'object' && o !== null && !Array.isArray(o) && Object.values(o).every((c) => Number.isSafeInteger(c) && (c as number) >= 0);
  } catch {
    return false;
  }
};

const port = z.coerce.number().int().min(0).max(65535);
const cronExpr = z.string().min(1).refine((v) => cron.validate(v), 'must be a node-cron expression (5 fields, or 6 with seconds first), e.g. "*/30 * * * * *"');
const instant = z.string().refine((v) => /^\d{4}-\d\d-\d\dT/.test(v) && !Number.isNaN(Date.parse(v)), 'must be an ISO instant such as 2026-11-20T19:30:00Z').transform((v) => new Date(v));
const bool = z.enum(['0', '1', 'true', 'false', 'yes', 'no']).transform((v) => ['1', 'true', 'yes'].includes(v));

const schema = z.object({
  DATABASE_URL: z.string().regex(/^postgres(ql)?:\/\//, 'must be a postgres:// or postgresql:// URL').optional(),
  DATA_DIR: z.string().min(1).default('.data'),
  EMBEDDED_PG_PORT: port.default(5433),
  REDIS_URL: z.string().regex(/^rediss?:\/\//, 'must be a redis:// URL').default('redis://127.0.0.1:6379'),
  STORE_TIMEZONE: z.string().refine(isTimeZone, 'must be an IANA time zone such as America/New_York').default(DEFAULT_STORE_TIMEZONE),
  STORE_CURRENCY: z.string().regex(/^[A-Z]{3}$/, 'must be a 3-letter ISO currency code').default('USD'),
  SIMULATOR_ENABLED: bool.default(true),
  SIMULATOR_SEED: z.coerce.number().int().default(42),
  SIMULATOR_SCALE: z.coerce.number().positive().max(100).default(1),
  BACKFILL_DAYS: z.coerce.number().int().min(0).max(3650).default(90),
  SIMULATOR_NOW: instant.optional(),
  SYNC_CRON: cronExpr.default('*/10 * * * * *'),
  REFRESH_CRON: cronExpr.default('*/30 * * * * *'),
  HOUSEKEEPING_CRON: cronExpr.default('17 3 * * *'),
  KPI_ADMIN_PASSWORD: z.string().min(8).optional(),
  KPI_MANAGER_PASSWORD: z.string().min(8).optional(),
  KPI_PUBLIC_PASSWORD: z.string().min(8).optional(),
  GRAFANA_URL: z.string().regex(/^https?:\/\//, 'must be an http(s):// URL').optional(),
  GRAFANA_LIVE_TOKEN: z.string().min(1).optional(),
  SQUARE_ACCESS_TOKEN: z.string().min(1).optional(),
  SQUARE_BASE_URL: z.string().regex(/^https?:\/\//, 'must be an http(s):// URL').default('https://connect.squareup.com'),
  SQUARE_SYNC_CRON: cronExpr.default('0 */2 * * * *'),
  SQUARE_TIER_ATTRIBUTE: z.string().min(1).default('tier'),
  SQUARE_UNIT_COST_ATTRIBUTE: z.string().min(1).default('unit_cost'),
  SQUARE_UNIT_COSTS: z.string().refine(isCentsMap, 'must be a JSON object of SKU to unit cost in cents, e.g. {"TEE-1": 1250}').optional(),
  SQUARE_WEBHOOK_SIGNATURE_KEY: z.string().min(1).optional(),
  SQUARE_WEBHOOK_URL: z.string().regex(/^https?:\/\//, 'must be the notification URL registered with Square').optional(),
  LIGHTSPEED_API_KEY: z.string().min(1).optional(),
  LIGHTSPEED_API_SECRET: z.string().min(1).optional(),
  LIGHTSPEED_BASE_URL: z.string().regex(/^https?:\/\//, 'must be an http(s):// URL').default('https://api.webshopapp.com/en/'),
  LIGHTSPEED_SYNC_CRON: cronExpr.default('30 */5 * * * *'),
  LOG_LEVEL: z.enum(['error', 'warn', 'info', 'debug']).default('info'),
  HTTP_HOST: z.string().min(1).default('127.0.0.1'),
  HTTP_PORT: port.default(8080),
  API_JWT_SECRET: z.string().min(32, 'must be at least 32 characters (HS256 shared secret)').optional(),
  API_JWT_PUBLIC_KEY: z.string().min(1).optional(),
  API_JWT_AUDIENCE: z.string().min(1).optional(),
  API_JWT_ISSUER: z.string().min(1).optional(),
  API_JWT_CLOCK_SKEW_S: z.coerce.number().int().min(0).max(300).default(30),
  API_RATE_LIMIT_PER_MIN: z.coerce.number().int().min(1).default(600),
  READYZ_MAX_SYNC_AGE_S: z.coerce.number().int().min(0).default(0),
  STORE_URL: z.string().regex(/^https?:\/\//, 'must be an http(s):// URL').optional(),
  // Unset: the health endpoint of this daemon's own HTTP server, wherever it is listening.
  PROBE_HEALTHZ_URL: z.string().regex(/^https?:\/\//, 'must be an http(s):// URL').optional(),
  SMS_RELAY_SECRET: z.string().min(16, 'must be at least 16 characters').optional(),
  TWILIO_ACCOUNT_SID: z.string().regex(/^AC[0-9a-fA-F]{32}$/, 'must be a Twilio account SID (AC + 32 hex digits)').optional(),
  TWILIO_AUTH_TOKEN: z.string().min(1).optional(),
  TWILIO_FROM: z.string().regex(/^\+[1-9]\d{6,14}$/, 'must be an E.164 phone number such as +15551234567').optional(),
  SMS_TO: z.string().regex(/^\+[1-9]\d{6,14}$/, 'must be an E.164 phone number such as +15551234567').optional(),
  GA4_PROPERTY_ID: z.string().regex(/^\d+$/, 'must be the numeric GA4 property id').optional(),
  GA4_CREDENTIALS_FILE: z.string().min(1).optional(),
  GA4_BASE_URL: z.string().regex(/^https?:\/\//, 'must be an http(s):// URL').optional(),
  GA4_SYNC_CRON: cronExpr.default('0 */30 * * * *'),
  GA4_LOOKBACK_DAYS: z.coerce.number().int().min(0).max(60).default(3),
  SENDGRID_API_KEY: z.string().min(1).optional(),
  SENDGRID_BASE_URL: z.string().regex(/^https?:\/\//, 'must be an http(s):// URL').optional(),
  SENDGRID_SYNC_CRON: cronExpr.default('0 15 * * * *'),
  META_ACCESS_TOKEN: z.string().min(1).optional(),
  META_AD_ACCOUNT_ID: z.string().regex(/^(act_)?\d+$/, 'must be an ad account id such as act_1234567890').optional(),
  META_BASE_URL: z.string().regex(/^https?:\/\//, 'must be an http(s):// URL').optional(),
  META_SYNC_CRON: cronExpr.default('0 45 * * * *'),
  CUSTOM_DATABASE_URL: z.string().regex(/^postgres(ql)?:\/\//, 'must be a postgres:// or postgresql:// URL').optional(),
  CUSTOM_DB_MAPPING: z.string().min(1).optional(),
  CUSTOM_DB_SYNC_CRON: cronExpr.default('0 */5 * * * *'),
});

export type Config = z.infer<typeof schema>;

/** Variables of the marketing sources that only work together. */
function marketingSourceProblems(c: Config): string[] {
  const p: string[] = [];
  if (Boolean(c.META_ACCESS_TOKEN) !== Boolean(c.META_AD_ACCOUNT_ID)) p.push('META_ACCESS_TOKEN and META_AD_ACCOUNT_ID: set both to sync Meta Ads, or neither');
  if (Boolean(c.CUSTOM_DATABASE_URL) !== Boolean(c.CUSTOM_DB_MAPPING)) p.push('CUSTOM_DATABASE_URL and CUSTOM_DB_MAPPING: set both to read the store database, or neither');
  if ((c.GA4_CREDENTIALS_FILE || c.GA4_BASE_URL) && !c.GA4_PROPERTY_ID) p.push('GA4_PROPERTY_ID: required when GA4_CREDENTIALS_FILE or GA4_BASE_URL is set');
  return p;
}

/** Known variable names, so that a typo such as STORE_TIMEZON is reported instead of ignored. */
export const CONFIG_KEYS = Object.keys(schema.shape);

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const picked: Record<string, string> = {};
  for (const key of CONFIG_KEYS) {
    const v = env[key];
    if (v !== undefined && v !== '') picked[key] = v;
  }
  const problems: string[] = [];
  // Variables that look like ours but are not known are almost always typos. Generic prefixes
  // (REDIS_, HTTP_, DATA_) are left to the edit-distance check: other tools and Kubernetes
  // service links set variables such as REDIS_PORT.
  for (const key of Object.keys(env)) {
    if (/^(STORE|SIMULATOR|KPI|EMBEDDED_PG|BACKFILL|GRAFANA|SYNC|REFRESH|HOUSEKEEPING|SQUARE|LIGHTSPEED|GA4|SENDGRID|META|CUSTOM_DB)_/.test(key) && !CONFIG_KEYS.includes(key)) {
      problems.push(`${key}: unknown variable (known: ${CONFIG_KEYS.filter((k) => k.split('_')[0] === key.split('_')[0]).join(', ') || 'none with this prefix'})`);
    }
  }
  for (const { name, meant } of misspelledVariables(Object.keys(env), CONFIG_KEYS)) {
    if (!problems.some((p) => p.startsWith(`${name}:`))) problems.push(`${name}: unknown variable; did you mean ${meant}?`);
  }
  const parsed = schema.safeParse(picked);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const name = issue.path.join('.');
      const raw = /PASSWORD|TOKEN|SECRET|KEY/.test(name) || name.endsWith('DATABASE_URL') ? '' : ` (got "${picked[name] ?? ''}")`;
      problems.push(`${name}: ${issue.message}${raw}`);
    }
  }
  if (parsed.success && Boolean(parsed.data.LIGHTSPEED_API_KEY) !== Boolean(parsed.data.LIGHTSPEED_API_SECRET)) {
    problems.push('LIGHTSPEED_API_KEY and LIGHTSPEED_API_SECRET: set both to sync Lightspeed, or neither');
  }
  if (parsed.success && Boolean(parsed.data.SQUARE_WEBHOOK_SIGNATURE_KEY) !== Boolean(parsed.data.SQUARE_WEBHOOK_URL)) {
    problems.push('SQUARE_WEBHOOK_SIGNATURE_KEY and SQUARE_WEBHOOK_URL: set both to receive Square webhooks, or neither');
  }
  if (parsed.success && Boolean(parsed.data.GRAFANA_URL) !== Boolean(parsed.data.GRAFANA_LIVE_TOKEN)) {
    problems.push('GRAFANA_URL and GRAFANA_LIVE_TOKEN: set both to push live orders to Grafana, or neither');
  }
  if (parsed.success && parsed.data.API_JWT_SECRET && parsed.data.API_JWT_PUBLIC_KEY) {
    problems.push('API_JWT_SECRET and API_JWT_PUBLIC_KEY: set one (HS256 shared secret or RS256 public key), not both');
  }
  if (parsed.success && parsed.data.SMS_RELAY_SECRET) {
    const missing = (['TWILIO_ACCOUNT_SID', 'TWILIO_AUTH_TOKEN', 'TWILIO_FROM', 'SMS_TO'] as const).filter((k) => !parsed.data[k]);
    if (missing.length) problems.push(`SMS_RELAY_SECRET is set (SMS relay on) but ${missing.join(', ')} ${missing.length > 1 ? 'are' : 'is'} not`);
  }
  if (parsed.success) problems.push(...marketingSourceProblems(parsed.data));
  if (problems.length > 0 || !parsed.success) throw new ConfigError(problems);
  return parsed.data;
}
