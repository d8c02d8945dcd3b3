/**
 * What a simulated cart held (cart_lines) and each recovery email it was sent with its open and
 * click (cart_recovery_emails). Opens and clicks are drawn from the same per-email stream, in the
 * same order, as the daily email_stats tallies (recoveryEmails.ts), so the two always agree.
 */
import { recoveryCampaignId, type Variant } from './catalog';
import { Stream, type SimContext } from './context';
import type { CartStory } from './carts';
import { HOUR_MS, MINUTE_MS } from './localTime';
import { Rng } from './random';
import type { RowSink } from './rows';

export function emitCartLines(c: CartStory, cartId: string, out: RowSink): void {
  c.lines.forEach((l, n) => {
    out.push('cart_lines', {
      cart_id: cartId, line_no: n + 1, created_at: new Date(c.cartCreated), sku: l.product.sku, quantity: l.quantity,
      unit_price_cents: l.product.priceCents, line_subtotal_cents: l.product.priceCents * l.quantity, source: 'simulator', source_id: `${cartId}-${n + 1}`,
    });
  });
}

/**
 * `emails` are the send instants by step (index 0 = step 1); `recoveredAt` the order the last
 * one brought, if any. A converting email was opened and clicked before that order.
 */
export function emitRecoveryEmails(
  ctx: SimContext, dn: number, j: number, cartId: string, emails: readonly number[], variant: Variant, recoveredAt: number | null, asOf: number, out: RowSink,
): void {
  emails.forEach((at, s) => {
    if (at > asOf) return;
    const step = s + 1;
    const converting = recoveredAt !== null && step === emails.length;
    const rng = Rng.at(ctx.seed, dn, Stream.RECOVERY_EMAIL, j * 4 + step);
    const delivered = converting || rng.chance(0.99);
    let openAt = at + rng.exp(2) * HOUR_MS;
    const opens = converting || (delivered && rng.chance(0.45));
    const clicks = converting || (opens && rng.chance(0.25));
    if (converting && recoveredAt !== null) openAt = Math.max(at, Math.min(openAt, recoveredAt - 2 * MINUTE_MS));
    const openedAt = opens && openAt <= asOf ? Math.floor(openAt) : null;
    const clickedAt = clicks && openedAt !== null && openedAt + MINUTE_MS <= asOf ? openedAt + MINUTE_MS : null;
    out.push('cart_recovery_emails', {
      cart_id: cartId, step, sent_at: new Date(at), campaign_id: recoveryCampaignId(step, variant),
      opened_at: openedAt === null ? null : new Date(openedAt), clicked_at: clickedAt === null ? null : new Date(clickedAt),
      source: 'simulator', source_id: `${cartId}-${step}`,
    });
  });
}
