// A small model of what Grafana's Alertmanager does with firing alerts on one route: aggregation
// groups by group_by, the first flush after group_wait, then one every group_interval; a flush
// notifies when new alerts fire, when everything resolved (if the contact point sends resolved
// messages) or when repeat_interval has passed; mute and active time intervals drop the
// notification of a flush (the flush still counts, so resolved alerts are not sent later).
// It follows Prometheus Alertmanager's dispatcher and dedup stage as documented; it is a model,
// not Alertmanager.
import type { MuteTime, Route, TimeInterval } from '../../src/alerting/model';
import { fingerprint, type Labels } from './evaluator';

export interface Notification {
  at: Date;
  group: string;
  firing: string[];
  resolved: string[];
}

const DUR = /^(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$/;
export const ms = (d: string): number => {
  const m = DUR.exec(d);
  if (!m || d === '') throw new Error(`duration ${d}`);
  return ((Number(m[1] ?? 0) * 60 + Number(m[2] ?? 0)) * 60 + Number(m[3] ?? 0)) * 1000;
};

const WEEKDAYS = ['sunday', 'monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday'];

function localParts(at: Date, tz: string): { weekday: number; minutes: number } {
  const f = new Intl.DateTimeFormat('en-US', { timeZone: tz, weekday: 'long', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
  const parts = Object.fromEntries(f.formatToParts(at).map((p) => [p.type, p.value]));
  return { weekday: WEEKDAYS.indexOf(parts.weekday!.toLowerCase()), minutes: Number(parts.hour) * 60 + Number(parts.minute) };
}

const hm = (s: string): number => Number(s.slice(0, 2)) * 60 + Number(s.slice(3, 5));

function inInterval(at: Date, ti: TimeInterval): boolean {
  const { weekday, minutes } = localParts(at, ti.location ?? 'UTC');
  if (ti.weekdays?.length) {
    const ok = ti.weekdays.some((w) => {
      const [a, b] = w.split(':').map((x) => WEEKDAYS.indexOf(x));
      return b === undefined ? weekday === a : a! <= b ? weekday >= a! && weekday <= b : weekday >= a! || weekday <= b;
    });
    if (!ok) return false;
  }
  if (ti.times?.length && !ti.times.some((t) => minutes >= hm(t.start_time) && minutes < hm(t.end_time))) return false;
  return true;
}

export function isActive(at: Date, names: string[] | undefined, intervals: MuteTime[]): boolean {
  return (names ?? []).some((n) => {
    const mt = intervals.find((m) => m.name === n);
    if (!mt) throw new Error(`time interval ${n} is not defined`);
    return mt.time_intervals.some((ti) => inInterval(at, ti));
  });
}

interface Group {
  key: string;
  alerts: Map<string, { firing: boolean }>;
  nextFlush: number;
  /** what the last sent notification contained (Alertmanager's notification log) */
  sent: { at: number; firing: Set<string> } | null;
}

/**
 * Runs a timeline of evaluations (the firing label sets at each instant) through one route.
 * `route` is the matched route with the root's settings already filled in.
 */
export function simulateRoute(route: Route, intervals: MuteTime[], sendResolved: boolean, timeline: Array<{ at: Date; firing: Labels[] }>): Notification[] {
  const out: Notification[] = [];
  const groups = new Map<string, Group>();
  const groupBy = route.group_by ?? [];
  const keyOf = (l: Labels): string => (groupBy.includes('...') ? fingerprint(l) : fingerprint(Object.fromEntries(groupBy.map((k) => [k, l[k] ?? '']))));
  const wait = ms(route.group_wait ?? '30s');
  const every = ms(route.group_interval ?? '5m');
  const repeat = ms(route.repeat_interval ?? '4h');

  for (const { at, firing } of timeline) {
    const t = at.getTime();
    const now = new Set(firing.map(fingerprint));
    for (const l of firing) {
      const key = keyOf(l);
      let g = groups.get(key);
      if (!g) groups.set(key, (g = { key, alerts: new Map(), nextFlush: t + wait, sent: null }));
      g.alerts.set(fingerprint(l), { firing: true });
    }
    for (const g of groups.values()) for (const [fp, a] of g.alerts) if (a.firing && !now.has(fp)) a.firing = false;

    for (const g of [...groups.values()]) {
      if (t < g.nextFlush) continue;
      g.nextFlush = t + every;
      const fir = new Set([...g.alerts].filter(([, a]) => a.firing).map(([fp]) => fp));
      const res = [...g.alerts].filter(([, a]) => !a.firing).map(([fp]) => fp);
      const muted = isActive(at, route.mute_time_intervals, intervals) || (route.active_time_intervals?.length ? !isActive(at, route.active_time_intervals, intervals) : false);
      const prev = g.sent;
      const newFiring = [...fir].some((fp) => !prev?.firing.has(fp));
      const allResolved = fir.size === 0 && (prev?.firing.size ?? 0) > 0;
      const due = fir.size > 0 && prev !== null && t - prev.at >= repeat;
      const needs = newFiring || (sendResolved && allResolved) || due;
      if (needs && !muted) {
        out.push({ at, group: g.key, firing: [...fir], resolved: sendResolved ? res : [] });
        g.sent = { at: t, firing: fir };
      }
      // Resolved alerts leave the group after a flush, muted or not: they are never sent later.
      for (const fp of res) g.alerts.delete(fp);
      if (g.alerts.size === 0) groups.delete(g.key);
    }
  }
  return out;
}
