/**
 * Daily email_stats of the cart-recovery flow (one row per step × variant campaign that sent
 * that day). Emails go out 1 h, 24 h and 72 h after a cart's last activity, so a day's sends
 * come from carts of up to four days before it.
 */
import { recoveryCampaignId, type Variant } from './catalog';
import { planFor, Stream, type SimContext } from './context';
import { cartStory, recoveryEmailTimes, recoveryFate } from './carts';
import { dayString, HOUR_MS } from './localTime';
import { Rng } from './random';
import type { RowSink } from './rows';

interface Send {
  at: number;
  step: number;
  variant: Variant;
  /** The email that brought the cart back was necessarily opened and clicked. */
  converting: boolean;
  cartDn: number;
  j: number;
}

const LOOKBACK_DAYS = 4;
const sendCache = new WeakMap<SimContext, Map<number, Send[]>>();

/** Every recovery email triggered by carts created on day cd, wherever it lands. */
function sendsFromCartsOf(ctx: SimContext, cd: number): Send[] {
  let cache = sendCache.get(ctx);
  if (!cache) {
    cache = new Map();
    sendCache.set(ctx, cache);
  }
  const hit = cache.get(cd);
  if (hit) return hit;
  const sends: Send[] = [];
  const plan = planFor(ctx, cd);
  for (let j = plan.purchases; j < plan.addToCart; j++) {
    const fate = recoveryFate(ctx, cd, j);
    if (!fate.hasEmail) continue;
    const times = recoveryEmailTimes(cartStory(ctx, cd, j), fate);
    times.forEach((at, s) => sends.push({ at, step: s + 1, variant: fate.variant, converting: fate.recoveredStep === s + 1, cartDn: cd, j }));
  }
  // Only a few days of carts are ever needed at once; keep the memo from growing with the backfill.
  for (const k of cache.keys()) if (k < cd - 2 * LOOKBACK_DAYS || k > cd + 2 * LOOKBACK_DAYS) cache.delete(k);
  cache.set(cd, sends);
  return sends;
}

interface Tally {
  sent: number;
  delivered: number;
  opens: number;
  machine: number;
  clicks: number;
  unsubscribes: number;
}

export function emitRecoveryEmailStats(ctx: SimContext, dn: number, asOf: number, out: RowSink): void {
  const tallies = new Map<string, Tally>();
  for (let cd = Math.max(ctx.openedDn, dn - LOOKBACK_DAYS); cd <= dn; cd++) {
    for (const s of sendsFromCartsOf(ctx, cd)) {
      if (s.at > asOf || ctx.clock.dayOf(s.at, cd) !== dn) continue;
      const rng = Rng.at(ctx.seed, s.cartDn, Stream.RECOVERY_EMAIL, s.j * 4 + s.step);
      const delivered = s.converting || rng.chance(0.99);
      const openAt = s.at + rng.exp(2) * HOUR_MS;
      const opens = s.converting || (delivered && rng.chance(0.45));
      const clicks = s.converting || (opens && rng.chance(0.25));
      const machine = delivered && rng.chance(0.08);
      const unsubscribes = delivered && !s.converting && rng.chance(0.004);
      const id = recoveryCampaignId(s.step, s.variant);
      let t = tallies.get(id);
      if (!t) {
        t = { sent: 0, delivered: 0, opens: 0, machine: 0, clicks: 0, unsubscribes: 0 };
        tallies.set(id, t);
      }
      t.sent++;
      if (delivered) t.delivered++;
      if (machine) t.machine++;
      if (unsubscribes) t.unsubscribes++;
      if (openAt <= asOf) {
        if (opens) t.opens++;
        if (clicks) t.clicks++;
      }
    }
  }
  const day = dayString(dn);
  for (const [id, t] of [...tallies.entries()].sort((a, b) => (a[0] < b[0] ? -1 : 1))) {
    out.push('email_stats', {
      campaign_id: id, day, sent: t.sent, delivered: t.delivered, unique_opens: t.opens, machine_opens: t.machine, unique_clicks: t.clicks,
      bounces: t.sent - t.delivered, unsubscribes: t.unsubscribes, source: 'simulator', source_id: `${id}@${day}`,
    });
  }
}
