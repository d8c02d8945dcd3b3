/**
 * The deterministic world behind the local GA4 server: a list of sessions (one visit each) by
 * a pool of users over the last days before "today". Users come back on other days, so the sum
 * of each day's users is larger than the distinct users of a range, which is what GA4 reports
 * for a range and what the dashboard must show.
 */
import { addDays } from '../../util/time';

export interface Ga4Visit {
  userId: string;
  day: string;
  channelGroup: string;
  sourceMedium: string;
  device: 'desktop' | 'mobile' | 'tablet';
  addToCarts: number;
  checkouts: number;
  purchases: number;
  /** Purchase revenue in cents (the server answers it as a decimal string, as GA4 does). */
  revenueCents: number;
}

const CHANNELS: [string, string][] = [
  ['Organic Search', 'google / organic'],
  ['Direct', '(direct) / (none)'],
  ['Email', 'newsletter / email'],
  ['Paid Social', 'facebook / cpc'],
  ['Referral', 'blog.example.com / referral'],
];
const DEVICES: Ga4Visit['device'][] = ['desktop', 'mobile', 'tablet'];

/** A small seeded generator (mulberry32): the same seed gives the same fixture everywhere. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function ga4Fixture(opts: { today: string; days: number; users?: number; seed?: number }): Ga4Visit[] {
  const rnd = random(opts.seed ?? 7);
  const pool = opts.users ?? 40;
  const out: Ga4Visit[] = [];
  for (let i = opts.days - 1; i >= 0; i--) {
    const day = addDays(opts.today, -i);
    const visits = 2 + Math.floor(rnd() * 5);
    for (let v = 0; v < visits; v++) {
      const [channelGroup, sourceMedium] = CHANNELS[Math.floor(rnd() * CHANNELS.length)] as [string, string];
      const device = DEVICES[Math.floor(rnd() * DEVICES.length)] as Ga4Visit['device'];
      const atc = rnd() < 0.4 ? 1 + Math.floor(rnd() * 2) : 0;
      const chk = atc > 0 && rnd() < 0.6 ? 1 : 0;
      const buy = chk > 0 && rnd() < 0.7 ? 1 : 0;
      out.push({
        userId: `u${1 + Math.floor(rnd() * pool)}`, day, channelGroup, sourceMedium, device,
        addToCarts: atc, checkouts: chk, purchases: buy, revenueCents: buy ? 1999 + Math.floor(rnd() * 8000) : 0,
      });
    }
  }
  return out;
}

/** Distinct users with a visit in [from, to] (inclusive days): GA4's totalUsers of that range. */
export function distinctUsers(visits: Ga4Visit[], from: string, to: string, filter: (v: Ga4Visit) => boolean = () => true): number {
  return new Set(visits.filter((v) => v.day >= from && v.day <= to && filter(v)).map((v) => v.userId)).size;
}
