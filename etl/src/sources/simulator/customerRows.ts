/** Customer rows for the customers a day's rows mention. */
import type { Row } from '../../schema/tables';
import { cartStory } from './carts';
import type { SimContext } from './context';
import { customerProfile, type CustomerRef } from './customers';
import { MINUTE_MS } from './localTime';

const createdCache = new WeakMap<SimContext, Map<string, number>>();

/** A customer account is created at checkout, a minute before their first order. */
export function customerCreatedAt(ctx: SimContext, ref: CustomerRef): number {
  if (ref.kind === 'guest') return ref.createdAt;
  let cache = createdCache.get(ctx);
  if (!cache) {
    cache = new Map();
    createdCache.set(ctx, cache);
  }
  let at = cache.get(ref.id);
  if (at === undefined) {
    const story = cartStory(ctx, ref.dn, ref.k);
    at = (story.placedAt ?? story.cartCreated) - MINUTE_MS;
    cache.set(ref.id, at);
  }
  return at;
}

export function customerRow(ctx: SimContext, ref: CustomerRef): Row {
  const p = customerProfile(ctx, ref);
  return {
    customer_id: ref.id, email: p.email, name: p.name, city: p.place.city, region: p.place.region, country: p.place.country,
    created_at: new Date(customerCreatedAt(ctx, ref)), source: 'simulator', source_id: ref.id,
  };
}
