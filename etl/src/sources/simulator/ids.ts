/** Stable, prefixed ids. Every id is derived from the entity's coordinates (day, index), never from a counter. */
import { compactDay } from './localTime';

const ZEROS = '000000000000';

/** Zero-padded decimal; hand-rolled because ids are built hundreds of thousands of times a day. */
export function pad(n: number, width: number): string {
  const s = '' + n;
  return s.length >= width ? s : ZEROS.slice(0, width - s.length) + s;
}

export const ids = {
  order: (dn: number, j: number) => `SIM-${compactDay(dn)}-${pad(j + 1, 4)}`,
  recoveredOrder: (dn: number, cartDn: number, j: number) => `SIM-${compactDay(dn)}-R${compactDay(cartDn)}-${pad(j + 1, 4)}`,
  testOrder: (dn: number, i: number) => `SIM-${compactDay(dn)}-T${i + 1}`,
  session: (dn: number, i: number) => `SIM-S-${compactDay(dn)}-${pad(i + 1, 6)}`,
  recoverySession: (dn: number, cartDn: number, j: number) => `SIM-S-${compactDay(dn)}-R${compactDay(cartDn)}-${pad(j + 1, 4)}`,
  recoveryCheckout: (dn: number, cartDn: number, j: number) => `SIM-CO-${compactDay(dn)}-R${compactDay(cartDn)}-${pad(j + 1, 4)}`,
  cart: (dn: number, j: number) => `SIM-CART-${compactDay(dn)}-${pad(j + 1, 5)}`,
  checkout: (dn: number, j: number) => `SIM-CO-${compactDay(dn)}-${pad(j + 1, 5)}`,
  visitor: (dn: number, v: number) => `SIM-V-${compactDay(dn)}-${pad(v + 1, 6)}`,
  customerVisitor: (customerId: string) => `SIM-V-${customerId.slice(4)}`,
  newCustomer: (dn: number, k: number) => `SIM-C-${compactDay(dn)}-${pad(k + 1, 4)}`,
  guestCustomer: (dn: number, j: number) => `SIM-C-${compactDay(dn)}-R${pad(j + 1, 5)}`,
  newsletter: (dn: number) => `SIM-NEWS-${compactDay(dn)}`,
  post: (dn: number) => `SIM-POST-${compactDay(dn)}`,
  referral: (dn: number, k: number) => `SIM-REF-${compactDay(dn)}-${pad(k + 1, 4)}`,
  unconvertedReferral: (dn: number, i: number) => `SIM-REF-${compactDay(dn)}-U${pad(i + 1, 4)}`,
};
