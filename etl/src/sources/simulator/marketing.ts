/**
 * Marketing activity of one day: the newsletter (Tue/Fri), one social post, and the three Meta
 * campaigns' daily insights. Counters accrue over time, so each row shows what the platform
 * would report at asOf.
 */
import { META_CAMPAIGNS } from './catalog';
import { dayTrafficShare, Stream, type DayPlan, type SimContext } from './context';
import { ids } from './ids';
import { dayString, HOUR_MS } from './localTime';
import { AD_SPEND_CENTS_PER_DAY, NEWSLETTER_RECIPIENTS, SOCIAL_IMPRESSIONS_PER_DAY } from './model';
import { newsletterSendAt } from './newsletter';
import { orderIsValid, type OrderStory } from './orders';
import { Rng } from './random';
import type { RowSink } from './rows';

const SOCIAL_PLATFORMS = ['instagram', 'facebook', 'tiktok'] as const;

/** Share of an eventual count that has happened `hours` after the start (exponential accrual). */
function accrued(hours: number, halfLifeH: number): number {
  return hours <= 0 ? 0 : 1 - Math.pow(0.5, hours / halfLifeH);
}

function emitNewsletter(ctx: SimContext, dn: number, rng: Rng, asOf: number, out: RowSink): void {
  const sentAt = newsletterSendAt(ctx, dn);
  const recipientsBase = NEWSLETTER_RECIPIENTS * ctx.scale * (1 + (0.5 * (dn - ctx.openedDn)) / 365);
  const recipients = Math.round(recipientsBase * rng.range(0.97, 1.03));
  const openRate = rng.range(0.27, 0.33);
  const clickRate = rng.range(0.03, 0.05);
  const machineRate = rng.range(0.06, 0.1);
  if (sentAt === null || sentAt > asOf) return;
  const id = ids.newsletter(dn);
  out.push('campaigns', {
    campaign_id: id, name: `Newsletter ${dayString(dn)}`, channel: 'email', platform: 'sendgrid', kind: 'marketing', recovery_step: null,
    variant: null, cost_cents: Math.round(recipients * 0.1), started_at: new Date(sentAt), source: 'simulator', source_id: id,
  });
  const h = (asOf - sentAt) / HOUR_MS;
  const delivered = Math.round(recipients * 0.985);
  out.push('email_stats', {
    campaign_id: id, day: dayString(dn), sent: recipients, delivered, unique_opens: Math.round(delivered * openRate * accrued(h, 6)),
    machine_opens: Math.round(delivered * machineRate * accrued(h, 0.25)), unique_clicks: Math.round(delivered * clickRate * accrued(h, 5)),
    bounces: recipients - delivered, unsubscribes: Math.round(delivered * 0.002 * accrued(h, 6)), source: 'simulator', source_id: `${id}@${dayString(dn)}`,
  });
}

function emitSocialPost(ctx: SimContext, dn: number, plan: DayPlan, rng: Rng, asOf: number, out: RowSink): void {
  const postedAt = ctx.clock.start(dn) + rng.range(11, 19) * HOUR_MS;
  const impressionsTotal = Math.round(SOCIAL_IMPRESSIONS_PER_DAY * ctx.scale * plan.factor * rng.logNormal(1, 0.35));
  const engagement = rng.range(0.05, 0.08);
  const mix = [0.6, 0.08, 0.07, 0.1, 0.15].map((w) => w * rng.range(0.8, 1.2));
  if (postedAt > asOf) return;
  const share = accrued((asOf - postedAt) / HOUR_MS, 5);
  const impressions = Math.round(impressionsTotal * share);
  const total = mix.reduce((a, b) => a + b, 0);
  const parts = mix.map((w) => Math.round((impressions * engagement * w) / total));
  const id = ids.post(dn);
  out.push('social_stats', {
    post_id: id, day: dayString(dn), platform: SOCIAL_PLATFORMS[dn % 3] ?? 'instagram', campaign_id: null, impressions,
    reactions: parts[0] ?? 0, comments: parts[1] ?? 0, shares: parts[2] ?? 0, saves: parts[3] ?? 0, clicks: parts[4] ?? 0,
    source: 'simulator', source_id: `${id}@${dayString(dn)}`,
  });
}

function emitAdInsights(ctx: SimContext, dn: number, plan: DayPlan, rng: Rng, orders: OrderStory[], asOf: number, out: RowSink): void {
  const share = dayTrafficShare(ctx, dn, asOf);
  const day = dayString(dn);
  for (const c of META_CAMPAIGNS) {
    const spendTotal = AD_SPEND_CENTS_PER_DAY * ctx.scale * c.budgetShare * plan.factor * rng.logNormal(1, 0.08);
    const cpmCents = rng.range(850, 1150);
    const ctr = rng.range(0.011, 0.014);
    if (ctx.clock.start(dn) > asOf) continue;
    const spend = Math.round(spendTotal * share);
    const impressions = Math.round((spend / cpmCents) * 1000);
    let purchases = 0;
    let value = 0;
    for (const o of orders) {
      if (o.campaignId !== c.id || o.placedAt > asOf || !orderIsValid(o)) continue;
      purchases++;
      value += o.subtotalCents - o.discountCents;
    }
    out.push('ad_insights', {
      campaign_id: c.id, day, impressions, clicks: Math.round(impressions * ctr), spend_cents: spend, purchases, purchase_value_cents: value,
      source: 'simulator', source_id: `${c.id}@${day}`,
    });
  }
}

export function emitMarketingRows(ctx: SimContext, dn: number, plan: DayPlan, orders: OrderStory[], asOf: number, out: RowSink): void {
  const rng = Rng.at(ctx.seed, dn, Stream.MARKETING, 0);
  emitNewsletter(ctx, dn, rng, asOf, out);
  emitSocialPost(ctx, dn, plan, rng, asOf, out);
  emitAdInsights(ctx, dn, plan, rng, orders, asOf, out);
}
