/**
 * A deterministic store: what its systems would report for any local day, at any instant.
 * Nothing is stored between calls; every entity is re-derived from (seed, day, stream, index),
 * so days can be generated in any order and regenerated later with more of their life visible.
 */
import { LOAD_ORDER, type Batch } from '../../schema/tables';
import { LOCATIONS, META_CAMPAIGNS, PRODUCTS, RECOVERY_CAMPAIGNS, backOfficeUrl } from './catalog';
import { createContext, planFor, type SimContext } from './context';
import { customerRow } from './customerRows';
import { allOrders, ordersPlacedOn } from './dayOrders';
import { emitFunnelRows } from './funnel';
import { emitInventoryRows } from './inventory';
import { dayNumber } from './localTime';
import { emitMarketingRows } from './marketing';
import { emitOrderRows } from './orders';
import { emitProbeRows } from './probes';
import { emitRecoveryEmailStats } from './recoveryEmails';
import { emitReferralRows } from './referrals';
import { RowSink } from './rows';

export interface SimulatorOptions {
  seed: number;
  /** Volume multiplier: 1 ≈ 1,500 sessions and 43 orders a day. */
  scale: number;
  /** IANA zone of the store: local days and hour-of-day curves live here. */
  timeZone: string;
  /** First local day of business (YYYY-MM-DD); earlier days are empty. */
  openedOn: string;
}

export class StoreSimulator {
  private readonly ctx: SimContext;

  constructor(readonly options: SimulatorOptions) {
    this.ctx = createContext(options.seed, options.scale, options.timeZone, dayNumber(options.openedOn));
  }

  /** Products, locations and the standing campaigns (Meta, cart recovery). Newsletters come with their day. */
  dimensions(): Batch {
    const opened = new Date(this.ctx.clock.start(this.ctx.openedDn));
    return {
      locations: LOCATIONS.map((l) => ({ location_id: l.id, name: l.name, country: l.country, source: 'simulator', source_id: l.id })),
      products: PRODUCTS.map((p) => ({
        sku: p.sku, name: p.name, tier: p.tier, price_cents: p.priceCents, unit_cost_cents: p.unitCostCents, active: p.active,
        back_office_url: backOfficeUrl(p.sku), source: 'simulator', source_id: p.sku,
      })),
      campaigns: [...META_CAMPAIGNS, ...RECOVERY_CAMPAIGNS].map((c) => ({
        campaign_id: c.id, name: c.name, channel: c.channel, platform: c.platform, kind: c.kind, recovery_step: c.recoveryStep,
        variant: c.variant, cost_cents: c.costCents, started_at: opened, source: 'simulator', source_id: c.id,
      })),
    };
  }

  /**
   * Everything whose life began on local day `localDay`, as known at `asOf`: rows whose own
   * instant is after asOf are left out; statuses and later timestamps are as of asOf. Lifecycle
   * events of an order (verification, shipment, refunds, tickets) stay with the order's day and
   * all happen within 6.5 days of it.
   */
  day(localDay: string, asOf: Date): Batch {
    const ctx = this.ctx;
    const dn = dayNumber(localDay);
    const at = asOf.getTime();
    if (Number.isNaN(at)) throw new Error('asOf is not a valid date');
    if (dn < ctx.openedDn || at < ctx.clock.start(dn)) return {};
    const plan = planFor(ctx, dn);
    const out = new RowSink();
    const today = ordersPlacedOn(ctx, dn);
    const orders = allOrders(today);
    for (const o of orders) if (o.placedAt <= at) emitOrderRows(o, at, out);
    emitFunnelRows(ctx, dn, plan, today, at, out);
    emitInventoryRows(ctx, dn, today, at, out);
    emitMarketingRows(ctx, dn, plan, orders, at, out);
    emitRecoveryEmailStats(ctx, dn, at, out);
    emitReferralRows(ctx, dn, at, out);
    emitProbeRows(ctx, dn, at, out);
    for (const ref of out.customers.values()) out.push('customers', customerRow(ctx, ref));
    return out.toBatch(LOAD_ORDER);
  }
}
