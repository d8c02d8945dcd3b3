import { z } from 'zod';

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

const port = z.coerce.number().int().min(0).max(65535);
const bool = z.enum(['0', '1', 'true', 'false', 'yes', 'no']).transform((v) => ['1', 'true', 'yes'].includes(v));

const schema = z.object({
  DATABASE_URL: z.string().regex(/^postgres(ql)?:\/\//, 'must be a postgres:// or postgresql:// URL').optional(),
  DATA_DIR: z.string().min(1).default('.data'),
  EMBEDDED_PG_PORT: port.default(5433),
  REDIS_URL: z.string().regex(/^rediss?:\/\//, 'must be a redis:// URL').default('redis://127.0.0.1:6379'),
  STORE_TIMEZONE: z.string().refine(isTimeZone, 'must be an IANA time zone such as America/New_York').default('America/New_York'),
  STORE_CURRENCY: z.string().regex(/^[A-Z]{3}$/, 'must be a 3-letter ISO currency code').default('USD'),
  SIMULATOR_ENABLED: bool.default(true),
  SIMULATOR_SEED: z.coerce.number().int().default(42),
  SIMULATOR_SCALE: z.coerce.number().positive().max(100).default(1),
  BACKFILL_DAYS: z.coerce.number().int().min(0).max(3650).default(90),
  SYNC_CRON: z.string().min(1).default('*/10 * * * * *'),
  REFRESH_CRON: z.string().min(1).default('*/30 * * * * *'),
  HOUSEKEEPING_CRON: z.string().min(1).default('17 3 * * *'),
  KPI_ADMIN_PASSWORD: z.string().min(8).optional(),
  KPI_MANAGER_PASSWORD: z.string().min(8).optional(),
  KPI_PUBLIC_PASSWORD: z.string().min(8).optional(),
  GRAFANA_URL: z.string().regex(/^https?:\/\//, 'must be an http(s):// URL').optional(),
  GRAFANA_LIVE_TOKEN: z.string().min(1).optional(),
  LOG_LEVEL: z.enum(['error', 'warn', 'info', 'debug']).default('info'),
  GA4_PROPERTY_ID: z.string().regex(/^\d+$/, 'must be the numeric GA4 property id').optional(),
  GA4_CREDENTIALS_FILE: z.string().min(1).optional(),
  GA4_BASE_URL: z.string().regex(/^https?:\/\//, 'must be an http(s):// URL').optional(),
  GA4_SYNC_CRON: z.string().min(1).default('0 */30 * * * *'),
  GA4_LOOKBACK_DAYS: z.coerce.number().int().min(0).max(60).default(3),
  SENDGRID_API_KEY: z.string().min(1).optional(),
  SENDGRID_BASE_URL: z.string().regex(/^https?:\/\//, 'must be an http(s):// URL').optional(),
  SENDGRID_SYNC_CRON: z.string().min(1).default('0 15 * * * *'),
  META_ACCESS_TOKEN: z.string().min(1).optional(),
  META_AD_ACCOUNT_ID: z.string().regex(/^(act_)?\d+$/, 'must be an ad account id such as act_1234567890').optional(),
  META_BASE_URL: z.string().regex(/^https?:\/\//, 'must be an http(s):// URL').optional(),
  META_SYNC_CRON: z.string().min(1).default('0 45 * * * *'),
  CUSTOM_DATABASE_URL: z.string().regex(/^postgres(ql)?:\/\//, 'must be a postgres:// or postgresql:// URL').optional(),
  CUSTOM_DB_MAPPING: z.string().min(1).optional(),
  CUSTOM_DB_SYNC_CRON: z.string().min(1).default('0 */5 * * * *'),
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
  // Variables that look like ours but are not known are almost always typos.
  for (const key of Object.keys(env)) {
    if (/^(STORE|SIMULATOR|KPI|EMBEDDED_PG|BACKFILL|GRAFANA|GA4|SENDGRID|META|CUSTOM_DB)_/.test(key) && !CONFIG_KEYS.includes(key)) {
      problems.push(`${key}: unknown variable (known: ${CONFIG_KEYS.filter((k) => k.split('_')[0] === key.split('_')[0]).join(', ')})`);
    }
  }
  const parsed = schema.safeParse(picked);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const name = issue.path.join('.');
      const raw = /PASSWORD|TOKEN|API_KEY/.test(name) || name.endsWith('DATABASE_URL') ? '' : ` (got "${picked[name] ?? ''}")`;
      problems.push(`${name}: ${issue.message}${raw}`);
    }
  }
  if (parsed.success && Boolean(parsed.data.GRAFANA_URL) !== Boolean(parsed.data.GRAFANA_LIVE_TOKEN)) {
    problems.push('GRAFANA_URL and GRAFANA_LIVE_TOKEN: set both to push live orders to Grafana, or neither');
  }
  if (parsed.success) problems.push(...marketingSourceProblems(parsed.data));
  if (problems.length > 0 || !parsed.success) throw new ConfigError(problems);
  return parsed.data;
}
