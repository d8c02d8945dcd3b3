/**
 * Who buys. A customer is identified by where they first appeared: the k-th new-customer order
 * of a day, or a guest who came back through a cart-recovery email. Returning customers are
 * drawn from earlier days' new customers, so no customer table has to be carried across days.
 */
import { planFor, Stream, type SimContext } from './context';
import { RETURN_LAG_MEAN_DAYS } from './model';
import { FIRST_NAMES, LAST_NAMES, PLACES, type Place } from './catalog';
import { Rng, Weighted } from './random';
import { ids } from './ids';

export type CustomerRef =
  | { kind: 'new'; id: string; dn: number; k: number }
  | { kind: 'guest'; id: string; dn: number; j: number; createdAt: number };

export function newCustomer(dn: number, k: number): CustomerRef {
  return { kind: 'new', id: ids.newCustomer(dn, k), dn, k };
}

export function guestCustomer(cartDn: number, j: number, createdAt: number): CustomerRef {
  return { kind: 'guest', id: ids.guestCustomer(cartDn, j), dn: cartDn, j, createdAt };
}

/**
 * A customer whose first order was on a day before dn, recent ones more likely. Null while the
 * store has no history (its opening day).
 */
export function pickExistingCustomer(ctx: SimContext, rng: Rng, dn: number): CustomerRef | null {
  const history = dn - ctx.openedDn;
  if (history <= 0) return null;
  for (let attempt = 0; attempt < 4; attempt++) {
    let lag = 1 + Math.floor(rng.exp(RETURN_LAG_MEAN_DAYS));
    if (lag > history) lag = 1 + rng.int(history);
    const day = dn - lag;
    const n = planFor(ctx, day).newCustomers;
    if (n > 0) return newCustomer(day, rng.int(n));
  }
  return null;
}

const PLACE_PICK = new Weighted<Place>(PLACES);

export interface CustomerProfile {
  email: string;
  name: string;
  place: Place;
}

export function customerProfile(ctx: SimContext, ref: CustomerRef): CustomerProfile {
  const rng = Rng.at(ctx.seed, ref.dn, Stream.CUSTOMER, ref.kind === 'new' ? ref.k : 1_000_000 + ref.j);
  const first = rng.pick(FIRST_NAMES);
  const last = rng.pick(LAST_NAMES);
  const place = PLACE_PICK.draw(rng);
  // The id's day and number keep emails unique; names alone repeat.
  const local = `${first}.${last}.${ref.id.slice(6).replace(/-/g, '')}`.toLowerCase();
  return { email: `${local}@example.com`, name: `${first} ${last}`, place };
}
