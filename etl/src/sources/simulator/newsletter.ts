/** When marketing emails go out, so email-channel sessions can be attributed to the latest send. */
import type { SimContext } from './context';
import { ids } from './ids';
import { dayString, weekday, zonedTimeToUtc } from './localTime';
import { NEWSLETTER_HOUR, NEWSLETTER_WEEKDAYS } from './model';

const sendCache = new WeakMap<SimContext, Map<number, number | null>>();

/** Send instant of the newsletter of local day dn, or null when none goes out that day. */
export function newsletterSendAt(ctx: SimContext, dn: number): number | null {
  let cache = sendCache.get(ctx);
  if (!cache) {
    cache = new Map();
    sendCache.set(ctx, cache);
  }
  const hit = cache.get(dn);
  if (hit !== undefined) return hit;
  const at = dn >= ctx.openedDn && NEWSLETTER_WEEKDAYS.includes(weekday(dn))
    ? zonedTimeToUtc(dayString(dn), NEWSLETTER_HOUR, 0, 0, ctx.timeZone).getTime()
    : null;
  cache.set(dn, at);
  return at;
}

/** The latest newsletter sent at or before t (looking back a week), for last-touch attribution. */
export function newsletterBefore(ctx: SimContext, dn: number, t: number): string | null {
  for (let d = dn; d > dn - 8; d--) {
    const at = newsletterSendAt(ctx, d);
    if (at !== null && at <= t) return ids.newsletter(d);
  }
  return null;
}
