/**
 * Referrals sent on a day. The ones that convert are found from the other end: a new customer
 * whose first order came through a referral session was referred 1–6 days before it, by a
 * customer who already existed; the rest are sent and never used.
 */
import { planFor, sampleInstant, Stream, type SimContext } from './context';
import { cartChannel, cartStory } from './carts';
import { newCustomer, pickExistingCustomer } from './customers';
import { ids } from './ids';
import { Rng } from './random';
import type { RowSink } from './rows';

/** Kept under the ETL's 7-day look-back so a referral's conversion is still picked up. */
const MAX_LAG_DAYS = 6;

export function emitReferralRows(ctx: SimContext, dn: number, asOf: number, out: RowSink): void {
  if (ctx.clock.start(dn) > asOf) return;
  for (let x = dn + 1; x <= dn + MAX_LAG_DAYS; x++) {
    const plan = planFor(ctx, x);
    for (let k = 0; k < plan.newCustomers; k++) {
      if (cartChannel(ctx, x, k) !== 'referral') continue;
      const rng = Rng.at(ctx.seed, x, Stream.REFERRAL, k);
      if (x - rng.intIn(1, MAX_LAG_DAYS) !== dn) continue;
      const sentAt = sampleInstant(ctx, rng, dn);
      const referrer = pickExistingCustomer(ctx, rng, dn);
      if (!referrer || sentAt > asOf) continue;
      const placedAt = cartStory(ctx, x, k).placedAt;
      const referred = placedAt !== null && placedAt <= asOf ? newCustomer(x, k) : null;
      out.customer(referrer);
      if (referred) out.customer(referred);
      const id = ids.referral(x, k);
      out.push('referrals', {
        referral_id: id, sent_at: new Date(sentAt), referrer_customer_id: referrer.id, referred_customer_id: referred?.id ?? null,
        source: 'simulator', source_id: id,
      });
    }
  }
  const plan = planFor(ctx, dn);
  for (let i = 0; i < plan.unconvertedReferrals; i++) {
    const rng = Rng.at(ctx.seed, dn, Stream.REFERRAL, 1_000_000 + i);
    const sentAt = sampleInstant(ctx, rng, dn);
    const referrer = pickExistingCustomer(ctx, rng, dn);
    if (!referrer || sentAt > asOf) continue;
    out.customer(referrer);
    const id = ids.unconvertedReferral(dn, i);
    out.push('referrals', {
      referral_id: id, sent_at: new Date(sentAt), referrer_customer_id: referrer.id, referred_customer_id: null, source: 'simulator', source_id: id,
    });
  }
}
