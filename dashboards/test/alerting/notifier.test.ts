// The generated notification policy, run through a model of Alertmanager's grouping, timing and
// time intervals: the revenue email goes out once a day and never after midnight; dashboard-only
// alerts never notify.
import { KpiCatalog, loadCatalog } from '../../src/catalog';
import type { Route } from '../../src/alerting/model';
import { contactPoints, muteTimes, policies } from '../../src/alerting/notify';
import { isActive, simulateRoute } from './notifier';

const cat = new KpiCatalog(loadCatalog());
const intervals = muteTimes(1, cat);
const [root] = policies(1, cat);

/** The route an alert with these labels takes, with the root's settings filled in. */
function routeFor(labels: Record<string, string>, r: Route = root!): Route {
  const child = (r.routes ?? []).find((c) => (c.object_matchers ?? []).every(([k, op, v]) => op === '=' && labels[k] === v));
  const { routes: _, ...base } = r;
  return child ? { ...base, ...child } : base;
}
const sendsResolved = (receiver: string | undefined): boolean =>
  !contactPoints(1).find((c) => c.name === receiver)!.receivers.every((x) => x.disableResolveMessage);

/** One evaluation a minute from `from` to `to`, firing when `fires(at)`. */
function minutes(from: string, to: string, fires: (at: Date) => boolean, labels: Record<string, string>) {
  const out: Array<{ at: Date; firing: Array<Record<string, string>> }> = [];
  for (let t = new Date(from).getTime(); t <= new Date(to).getTime(); t += 60_000) {
    const at = new Date(t);
    out.push({ at, firing: fires(at) ? [labels] : [] });
  }
  return out;
}

const localHour = (at: Date): number => Number(new Intl.DateTimeFormat('en-US', { timeZone: 'America/New_York', hour: '2-digit', hourCycle: 'h23' }).format(at));

test('revenue behind: one email a day from 17:00, none at the midnight resolve, none overnight', () => {
  const labels = { alertname: 'Revenue behind target', alert: 'revenue_behind', notify: 'email' };
  const route = routeFor(labels);
  // The rule (its SQL gate) fires from 17:00 to midnight on two days in a row.
  const timeline = minutes('2026-10-06T19:00:00Z', '2026-10-08T05:00:00Z', (at) => localHour(at) >= 17, labels);
  const sent = simulateRoute(route, intervals, sendsResolved(route.receiver), timeline);
  expect(sent.map((n) => [n.at.toISOString(), n.firing.length, n.resolved.length])).toEqual([
    ['2026-10-06T21:01:00.000Z', 1, 0], // fires 17:00 EDT; sent after group_wait (30 s), at the next minute
    ['2026-10-07T21:01:00.000Z', 1, 0],
  ]);
});

test('the same timeline through the root route (4 h repeat, no active interval) would notify more: the route matters', () => {
  const labels = { alertname: 'Revenue behind target' };
  const { routes: _, ...rootOnly } = root!;
  const timeline = minutes('2026-10-06T19:00:00Z', '2026-10-07T05:00:00Z', (at) => localHour(at) >= 17, labels);
  const sent = simulateRoute(rootOnly, intervals, true, timeline);
  expect(sent.length).toBeGreaterThan(1);
  expect(sent.some((n) => n.resolved.length > 0)).toBe(true);
});

test('dashboard-only alerts (deviation) never notify', () => {
  const labels = { alertname: 'Orders: deviation from baseline', alert: 'kpi_deviation', notify: 'dashboard', kpi: 'orders' };
  const route = routeFor(labels);
  const sent = simulateRoute(route, intervals, true, minutes('2026-11-17T00:00:00Z', '2026-11-18T00:00:00Z', () => true, labels));
  expect(sent).toEqual([]);
});

test('time intervals: store-evening is 17:00–24:00 New York time, always is always', () => {
  expect(isActive(new Date('2026-10-06T20:59:00Z'), ['store-evening'], intervals)).toBe(false); // 16:59 EDT
  expect(isActive(new Date('2026-10-06T21:00:00Z'), ['store-evening'], intervals)).toBe(true);
  expect(isActive(new Date('2026-10-07T03:59:00Z'), ['store-evening'], intervals)).toBe(true); // 23:59 EDT
  expect(isActive(new Date('2026-10-07T04:00:00Z'), ['store-evening'], intervals)).toBe(false); // 00:00 EDT
  expect(isActive(new Date('2026-12-06T22:30:00Z'), ['store-evening'], intervals)).toBe(true); // 17:30 EST
  for (const iso of ['2026-11-16T03:00:00Z', '2026-11-21T12:00:00Z', '2026-11-22T23:59:00Z']) expect(isActive(new Date(iso), ['always'], intervals)).toBe(true);
});
