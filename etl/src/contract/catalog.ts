/**
 * The KPI catalog (kpi/catalog.json): the one place targets, benchmarks and thresholds are
 * written. Validated here so a typo fails at start with the entry's id; every workspace reads
 * the catalog through this schema and its types.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { DB_ROLES } from './roles';

export const CATALOG_PATH = path.resolve(__dirname, '../../../kpi/catalog.json');

export const KPI_ROLES = DB_ROLES;
export const KPI_FAMILIES = ['revenue', 'conversion', 'customers', 'campaigns', 'operations', 'products', 'recovery'] as const;

const num = z.number().finite().nullable().optional();

const entrySchema = z
  .object({
    id: z.string().regex(/^[a-z][a-z0-9_]*$/, 'id must be snake_case'),
    name: z.string().min(1),
    family: z.enum(KPI_FAMILIES),
    definition: z.string().min(1),
    formula: z.string().min(1),
    view: z.string().min(1),
    unit: z.enum(['currency', 'count', 'fraction', 'percent', 'ratio', 'hours', 'days']),
    direction: z.enum(['higher_is_better', 'lower_is_better', 'neutral']),
    roles: z.array(z.enum(KPI_ROLES)).min(1),
    target: num,
    target_period: z.enum(['day', 'month', 'range']).nullable().optional(),
    target_low: num,
    target_high: num,
    benchmark: num,
    warn_below: num,
    warn_above: num,
    volume_floor: num,
    volume_metric: z.string().nullable().optional(),
    deviation_threshold: z.number().positive().nullable().optional(),
    // What a day is compared with for the deviation alert: the mean of the 7 previous local days, or
    // the mean of the same weekday in the 4 previous weeks (for KPIs with a weekly rhythm).
    baseline: z.enum(['7d_mean', 'same_weekday_4w']).nullable().optional(),
    step_benchmarks: z.record(z.string(), z.number().min(0).max(1)).nullable().optional(),
    alert: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).nullable().optional(),
  })
  .strict()
  .superRefine((e, ctx) => {
    if (e.target_low != null && e.target_high != null && e.target_low > e.target_high) {
      ctx.addIssue({ code: 'custom', message: 'target_low is above target_high', path: ['target_low'] });
    }
    if (e.unit === 'fraction') {
      for (const key of ['target', 'target_low', 'target_high', 'benchmark', 'warn_below', 'warn_above'] as const) {
        const v = e[key];
        // Rates are fractions everywhere; a 25 here almost certainly meant 25 %.
        if (v != null && (v < 0 || v > 1)) ctx.addIssue({ code: 'custom', message: `${key} must be a fraction 0..1 for unit "fraction"`, path: [key] });
      }
    }
    if (e.volume_floor != null && e.deviation_threshold == null) {
      ctx.addIssue({ code: 'custom', message: 'volume_floor without deviation_threshold', path: ['deviation_threshold'] });
    }
    if (e.baseline != null && e.deviation_threshold == null) {
      ctx.addIssue({ code: 'custom', message: 'baseline without deviation_threshold', path: ['baseline'] });
    }
  });

export type KpiEntry = z.infer<typeof entrySchema>;
export type KpiUnit = KpiEntry['unit'];
export type KpiFamily = KpiEntry['family'];

/** Site monitoring: what the probe job checks and when the site-down alert fires. */
export const uptimeSchema = z
  .object({
    consecutive_failures: z.number().int().min(1).max(10),
    probe_every_seconds: z.number().int().min(10).max(3600),
    targets: z.array(z.enum(['store', 'etl-health'])).min(1),
    channel: z.enum(['sms', 'email', 'slack']),
  })
  .strict();

export type UptimeSettings = z.infer<typeof uptimeSchema>;

const catalogSchema = z.object({
  $comment: z.string().optional(),
  version: z.literal(1),
  uptime: uptimeSchema.optional(),
  kpis: z.array(z.unknown()).min(1),
});

export class CatalogError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CatalogError';
  }
}

function describe(issues: readonly z.core.$ZodIssue[]): string {
  return issues.map((i) => `${i.path.length ? i.path.join('.') : '(entry)'}: ${i.message}`).join('; ');
}

/** Validates a parsed catalog document; errors name the offending entry by id (or index). */
export function parseCatalog(doc: unknown): KpiEntry[] {
  const top = catalogSchema.safeParse(doc);
  if (!top.success) throw new CatalogError(`KPI catalog is malformed: ${describe(top.error.issues)}`);
  const entries: KpiEntry[] = [];
  const seen = new Set<string>();
  top.data.kpis.forEach((raw, index) => {
    const label =
      typeof raw === 'object' && raw !== null && typeof (raw as { id?: unknown }).id === 'string'
        ? `"${(raw as { id: string }).id}"`
        : `#${index}`;
    const parsed = entrySchema.safeParse(raw);
    if (!parsed.success) throw new CatalogError(`KPI catalog entry ${label} is invalid: ${describe(parsed.error.issues)}`);
    if (seen.has(parsed.data.id)) throw new CatalogError(`KPI catalog entry ${label} is a duplicate id`);
    seen.add(parsed.data.id);
    entries.push(parsed.data);
  });
  for (const required of ['revenue', 'aov', 'conversion_rate', 'funnel']) {
    if (!seen.has(required)) throw new CatalogError(`KPI catalog lacks the "${required}" entry that the KPI views need`);
  }
  return entries;
}

export function loadCatalog(file = CATALOG_PATH): KpiEntry[] {
  let doc: unknown;
  try {
    doc = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new CatalogError(`Cannot read KPI catalog ${file}: ${(e as Error).message}`);
  }
  return parseCatalog(doc);
}

export const DEFAULT_UPTIME: UptimeSettings = { consecutive_failures: 2, probe_every_seconds: 60, targets: ['store', 'etl-health'], channel: 'sms' };

/** The catalog's `uptime` block (validated like the rest; defaults when the block is absent). */
export function loadUptimeSettings(file = CATALOG_PATH): UptimeSettings {
  let doc: unknown;
  try {
    doc = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new CatalogError(`Cannot read KPI catalog ${file}: ${(e as Error).message}`);
  }
  const top = catalogSchema.safeParse(doc);
  if (!top.success) throw new CatalogError(`KPI catalog is malformed: ${describe(top.error.issues)}`);
  return top.data.uptime ?? DEFAULT_UPTIME;
}
