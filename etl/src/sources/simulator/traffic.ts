/** GA4-style day × channel × device aggregates, computed from the very sessions the day emits. */
import { dayString } from './localTime';
import { CHANNELS, DEVICES, type Channel, type Device } from './model';
import type { RowSink } from './rows';

const CHANNEL_INDEX = new Map(CHANNELS.map((c, i) => [c, i]));
const DEVICE_INDEX = new Map(DEVICES.map((d, i) => [d, i]));

export class TrafficTally {
  private readonly sessions = new Int32Array(CHANNELS.length * DEVICES.length);
  private readonly carts = new Int32Array(CHANNELS.length * DEVICES.length);
  private readonly checkouts = new Int32Array(CHANNELS.length * DEVICES.length);
  private readonly purchases = new Int32Array(CHANNELS.length * DEVICES.length);
  private readonly users = new Int32Array(CHANNELS.length * DEVICES.length);
  /**
   * Distinct visitors per channel × device: anonymous ones by pool number in a bitmap (a Set of
   * ~15k entries a day was a visible share of generation time), known customers by id.
   */
  private readonly seenAnonymous: Uint8Array;
  private readonly seenKnown = new Set<string>();

  constructor(private readonly visitorPool: number) {
    this.seenAnonymous = new Uint8Array(Math.max(1, visitorPool) * CHANNELS.length * DEVICES.length);
  }

  add(channel: Channel, device: Device, visitorKey: number | string, cart: boolean, checkout: boolean, purchase: boolean): void {
    const k = (CHANNEL_INDEX.get(channel) ?? 0) * DEVICES.length + (DEVICE_INDEX.get(device) ?? 0);
    this.sessions[k] = (this.sessions[k] ?? 0) + 1;
    if (cart) this.carts[k] = (this.carts[k] ?? 0) + 1;
    if (checkout) this.checkouts[k] = (this.checkouts[k] ?? 0) + 1;
    if (purchase) this.purchases[k] = (this.purchases[k] ?? 0) + 1;
    let fresh: boolean;
    if (typeof visitorKey === 'number' && visitorKey >= 0 && visitorKey < this.visitorPool) {
      const bit = k * this.visitorPool + visitorKey;
      fresh = this.seenAnonymous[bit] === 0;
      this.seenAnonymous[bit] = 1;
    } else {
      const key = `${k}|${visitorKey}`;
      fresh = !this.seenKnown.has(key);
      if (fresh) this.seenKnown.add(key);
    }
    if (fresh) this.users[k] = (this.users[k] ?? 0) + 1;
  }

  emit(dn: number, out: RowSink): void {
    const day = dayString(dn);
    CHANNELS.forEach((channel, ci) => {
      DEVICES.forEach((device, di) => {
        const k = ci * DEVICES.length + di;
        const sessions = this.sessions[k] ?? 0;
        if (sessions === 0) return;
        out.push('traffic_daily', {
          day, channel, device, sessions, users: this.users[k] ?? 0, add_to_cart_sessions: this.carts[k] ?? 0,
          checkout_sessions: this.checkouts[k] ?? 0, purchase_sessions: this.purchases[k] ?? 0,
          source: 'simulator-ga4', source_id: `${day}/${channel}/${device}`,
        });
      });
    });
  }
}
