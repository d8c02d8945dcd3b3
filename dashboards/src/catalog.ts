// Targets and thresholds come only from kpi/catalog.json (schema and types in the shared contract);
// this module reads the few fields dashboards colour by.
import { CATALOG_PATH, loadCatalog as loadEntries, type KpiEntry, type KpiUnit } from '@kpi/etl/contract';
import { ThresholdsMode, type ThresholdsConfig } from '@grafana/schema';
import { CURRENCY_UNIT } from './config';

export { CATALOG_PATH, type KpiEntry, type KpiUnit, type UptimeSettings } from '@kpi/etl/contract';
import type { UptimeSettings } from '@kpi/etl/contract';

export interface Catalog {
  uptime?: UptimeSettings;
  kpis: KpiEntry[];
}

/** The catalog, validated by the same schema the ETL syncs it with. */
export function loadCatalog(file = CATALOG_PATH): Catalog {
  return { kpis: loadEntries(file) };
}

export class KpiCatalog {
  private readonly byId: Map<string, KpiEntry>;
  readonly uptime: UptimeSettings;
  constructor(catalog: Catalog) {
    this.byId = new Map(catalog.kpis.map((k) => [k.id, k]));
    this.uptime = catalog.uptime ?? { consecutive_failures: 2, probe_every_seconds: 60, targets: ['store', 'etl-health'], channel: 'sms' };
  }

  /** Every entry, in catalog order. */
  all(): KpiEntry[] {
    return [...this.byId.values()];
  }

  /** Every entry, in catalog order. */
  entries(): KpiEntry[] {
    return [...this.byId.values()];
  }

  get(id: string): KpiEntry {
    const k = this.byId.get(id);
    // A renamed KPI must break generation, not silently drop a threshold.
    if (!k) throw new Error(`KPI "${id}" is not in kpi/catalog.json`);
    return k;
  }

  /** Grafana unit id for the KPI's catalog unit. */
  unit(id: string): string {
    return grafanaUnit(this.get(id).unit);
  }

  /**
   * Threshold steps from the catalog: for higher-is-better KPIs red below the warning level,
   * yellow up to the target, green from the (lower) target; lower-is-better mirrored.
   * Values stay in the KPI's own unit (fractions for rates, as the views return them).
   */
  thresholds(id: string): ThresholdsConfig {
    const k = this.get(id);
    if (k.direction === 'higher_is_better') {
      const good = k.target_low ?? k.target ?? k.warn_below ?? k.benchmark;
      if (good == null) return neutralThresholds();
      const steps: ThresholdsConfig['steps'] = [{ color: 'red', value: null }];
      if (k.warn_below != null && k.warn_below < good) steps.push({ color: 'yellow', value: k.warn_below });
      steps.push({ color: 'green', value: good });
      return { mode: ThresholdsMode.Absolute, steps };
    }
    if (k.direction === 'lower_is_better') {
      const limit = k.target ?? k.target_high ?? k.warn_above ?? k.benchmark;
      if (limit == null) return neutralThresholds();
      const steps: ThresholdsConfig['steps'] = [{ color: 'green', value: null }];
      if (k.warn_above != null && k.warn_above < limit) steps.push({ color: 'yellow', value: k.warn_above });
      steps.push({ color: 'red', value: limit });
      return { mode: ThresholdsMode.Absolute, steps };
    }
    return neutralThresholds();
  }

  /** The funnel panel's benchmarks option: expected drop-off % per step, by step label. */
  funnelBenchmarks(labels: Record<string, string>): string {
    const b = this.get('funnel').step_benchmarks ?? {};
    return Object.entries(b)
      .filter(([step]) => labels[step] !== undefined)
      .map(([step, frac]) => `${labels[step]}: ${round(frac * 100)}`)
      .join(', ');
  }

  /** Revenue "vs target" colouring: the alert fraction (e.g. 50 % of target) is the red line. */
  revenueVsTargetThresholds(): ThresholdsConfig {
    const alert = this.get('revenue').alert;
    const fraction = typeof alert?.fraction === 'number' ? alert.fraction : 0.5;
    return {
      mode: ThresholdsMode.Absolute,
      steps: [
        { color: 'red', value: null },
        { color: 'yellow', value: round((fraction - 1) * 100) },
        { color: 'green', value: 0 },
      ],
    };
  }

  /** Daily target for the month of `at`: monthly catalog target ÷ days in that month. */
  dailyRevenueTarget(year: number, month1: number): number {
    const k = this.get('revenue');
    const days = new Date(Date.UTC(year, month1, 0)).getUTCDate();
    return k.target_period === 'month' ? (k.target ?? 0) / days : (k.target ?? 0);
  }
}

function round(x: number): number {
  return Math.round(x * 1e6) / 1e6;
}

export function neutralThresholds(): ThresholdsConfig {
  return { mode: ThresholdsMode.Absolute, steps: [{ color: 'text', value: null }] };
}

export function grafanaUnit(u: KpiUnit): string {
  switch (u) {
    case 'currency':
      return CURRENCY_UNIT;
    case 'fraction':
      return 'percentunit';
    case 'percent':
      return 'percent';
    case 'hours':
      return 'h';
    case 'days':
      return 'd';
    case 'ratio':
      return 'suffix:×';
    case 'count':
      return 'short';
  }
}
