import { TABLES, type Batch, type Row, type TableName } from '../../schema/tables';
import { localDay } from '../../util/time';
import { localDayStartUtc, localTimeOf } from './localTime';
import { StoreSimulator, type SimulatorOptions } from './simulator';
import { SIMULATOR_STREAMS, SIMULATOR_TABLES } from './streams';
import { SIM_LOOKBACK_MS } from '../../jobs/syncSimulator';

const NY = 'America/New_York';
const OPTS: SimulatorOptions = { seed: 7, scale: 1, timeZone: NY, openedOn: '2026-09-01' };
const FAR = new Date('2027-06-01T00:00:00Z');

function addDays(day: string, n: number): string {
  return new Date(Date.parse(`${day}T00:00:00Z`) + n * 86_400_000).toISOString().slice(0, 10);
}

function rows(b: Batch, t: TableName): Row[] {
  return b[t] ?? [];
}

function num(v: unknown): number {
  if (typeof v !== 'number') throw new Error(`expected number, got ${String(v)}`);
  return v;
}

function time(v: unknown): number {
  if (!(v instanceof Date)) throw new Error(`expected Date, got ${String(v)}`);
  return v.getTime();
}

const isValidOrder = (o: Row) => o.status !== 'cancelled' && o.is_test !== true;

describe('StoreSimulator', () => {
  const sim = new StoreSimulator(OPTS);
  const day = '2026-11-21';
  const full = sim.day(day, FAR);

  it('is deterministic and independent of call order', () => {
    const fresh = new StoreSimulator(OPTS);
    for (let i = 10; i > 0; i--) fresh.day(addDays(day, -i), FAR);
    expect(fresh.day(day, FAR)).toEqual(full);
    expect(new StoreSimulator(OPTS).day(day, FAR)).toEqual(full);
    expect(new StoreSimulator(OPTS).dimensions()).toEqual(sim.dimensions());
  });

  it('changes with the seed', () => {
    const other = new StoreSimulator({ ...OPTS, seed: 8 }).day(day, FAR);
    expect(rows(other, 'orders').map((o) => o.placed_at)).not.toEqual(rows(full, 'orders').map((o) => o.placed_at));
    expect(rows(other, 'sessions').length).not.toBe(rows(full, 'sessions').length);
  });

  it('returns nothing before the store opened or before the day began', () => {
    expect(sim.day('2026-08-31', FAR)).toEqual({});
    expect(sim.day(day, new Date(localDayStartUtc(day, NY).getTime() - 1))).toEqual({});
  });

  it('shows an order only once placed, pending verification at first, shipped later', () => {
    const order = rows(full, 'orders').find((o) => o.requires_verification === true && isValidOrder(o) && localTimeOf(o.placed_at as Date, NY).hour >= 12);
    if (!order) throw new Error('no order requiring verification');
    const placed = time(order.placed_at);
    const id = order.order_id;
    const before = sim.day(day, new Date(placed - 5 * 60_000));
    const after = sim.day(day, new Date(placed + 5 * 60_000));
    expect(rows(before, 'orders').some((o) => o.order_id === id)).toBe(false);
    expect(rows(before, 'order_lines').some((l) => l.order_id === id)).toBe(false);
    const seen = rows(after, 'orders').find((o) => o.order_id === id);
    expect(seen?.status).toBe('pending_verification');
    expect(rows(after, 'verifications').find((v) => v.order_id === id)).toMatchObject({ status: 'pending', verified_at: null });
    expect(rows(after, 'shipments').some((s) => s.order_id === id)).toBe(false);
    const session = rows(after, 'sessions').find((s) => s.order_id === id);
    expect(session?.completed_checkout).toBe(true);
    const sessionBefore = rows(before, 'sessions').find((s) => s.session_id === order.session_id);
    if (sessionBefore) expect(sessionBefore).toMatchObject({ completed_checkout: false, order_id: null });

    const finalStatus = order.status;
    expect(['completed', 'refunded']).toContain(finalStatus);
    const v = rows(full, 'verifications').find((x) => x.order_id === id);
    expect(['verified', 'failed', 'expired']).toContain(v?.status);
    if (v?.status === 'verified') {
      const verifiedAt = time(v.verified_at);
      const shipment = rows(full, 'shipments').find((s) => s.order_id === id);
      if (!shipment) throw new Error('verified order never shipped');
      const shippedAt = time(shipment.shipped_at);
      expect(shippedAt).toBeGreaterThan(verifiedAt);
      const mid = sim.day(day, new Date(verifiedAt + 1000));
      expect(rows(mid, 'orders').find((o) => o.order_id === id)?.status).toBe(shippedAt <= verifiedAt + 1000 ? 'completed' : 'processing');
      expect(rows(sim.day(day, new Date(shippedAt - 1)), 'shipments').some((s) => s.order_id === id)).toBe(false);
      expect(rows(sim.day(day, new Date(shippedAt)), 'shipments').find((s) => s.order_id === id)?.delivered_at).toBeNull();
    }
  });

  it('never shows a row before its own instant, and later views only add to earlier ones', () => {
    const start = localDayStartUtc(day, NY).getTime();
    const cut = new Date(start + 13.5 * 3_600_000);
    const early = sim.day(day, cut);
    const problems: string[] = [];
    for (const [name, list] of Object.entries(early) as Array<[TableName, Row[]]>) {
      const spec = TABLES[name];
      const laterList = rows(full, name);
      const keyOf = (r: Row) => spec.key.map((k) => { const v = r[k]; return v instanceof Date ? v.toISOString() : String(v); }).join('|');
      const later = new Map(laterList.map((r) => [keyOf(r), r]));
      for (const r of list) {
        const tc = spec.timeColumn;
        const v = tc ? r[tc] : null;
        if (v instanceof Date && v.getTime() > cut.getTime()) problems.push(`${name} ${keyOf(r)} after asOf`);
        for (const [col, type] of Object.entries(spec.columns)) {
          const x = r[col];
          if (type === 'timestamptz' && x instanceof Date && x.getTime() > cut.getTime()) problems.push(`${name}.${col} in the future`);
        }
        if (name === 'customers' || name === 'traffic_daily' || name === 'email_stats' || name === 'social_stats' || name === 'ad_insights') continue;
        if (!later.has(keyOf(r))) problems.push(`${name} ${keyOf(r)} vanished later`);
      }
    }
    expect(problems).toEqual([]);
    for (const o of rows(early, 'orders')) {
      const f = rows(full, 'orders').find((x) => x.order_id === o.order_id);
      expect(f).toMatchObject({ subtotal_cents: o.subtotal_cents, discount_cents: o.discount_cents, total_cents: o.total_cents, customer_id: o.customer_id });
    }
  });

  it('keeps the order arithmetic exact', () => {
    const lines = rows(full, 'order_lines');
    for (const o of rows(full, 'orders')) {
      const mine = lines.filter((l) => l.order_id === o.order_id);
      expect(mine.length).toBeGreaterThanOrEqual(1);
      expect(mine.length).toBeLessThanOrEqual(4);
      expect(num(o.total_cents)).toBe(num(o.subtotal_cents) - num(o.discount_cents) + num(o.shipping_cents) + num(o.tax_cents));
      expect(mine.reduce((a, l) => a + num(l.line_subtotal_cents), 0)).toBe(o.subtotal_cents);
      expect(mine.reduce((a, l) => a + num(l.allocated_discount_cents), 0)).toBe(o.discount_cents);
      for (const l of mine) {
        expect(num(l.line_subtotal_cents)).toBe(num(l.unit_price_cents) * num(l.quantity));
        expect(l.order_valid).toBe(isValidOrder(o));
        expect(l.placed_at).toEqual(o.placed_at);
      }
      expect(o.items_summary).toMatch(/^\d+× [A-Z]/);
    }
    expect(rows(full, 'orders').some((o) => num(o.discount_cents) > 0)).toBe(true);
  });

  it('ties sessions, carts, checkouts and orders together', () => {
    const orders = rows(full, 'orders').filter((o) => o.is_test !== true);
    const sessions = rows(full, 'sessions');
    const completed = sessions.filter((s) => s.completed_checkout === true);
    expect(completed.map((s) => s.order_id).sort()).toEqual(orders.map((o) => o.order_id).sort());
    const byId = new Map(sessions.map((s) => [s.session_id, s]));
    for (const o of orders) {
      const s = byId.get(o.session_id);
      expect(s?.order_id).toBe(o.order_id);
      expect(o.traffic_source).toBe(s?.channel);
      if (s?.customer_id !== null) expect(s?.customer_id).toBe(o.customer_id);
      expect(time(s?.started_at)).toBeLessThanOrEqual(time(o.placed_at));
    }
    for (const s of sessions) {
      if (s.completed_checkout) expect(s.began_checkout).toBe(true);
      if (s.began_checkout) expect(s.added_to_cart).toBe(true);
    }
    const carts = rows(full, 'carts');
    expect(carts.length).toBe(sessions.filter((s) => s.added_to_cart && !String(s.session_id).includes('-R')).length);
    const regularOrders = orders.filter((o) => !String(o.order_id).includes('-R'));
    for (const o of regularOrders) expect(carts.find((c) => c.cart_id === o.cart_id)?.order_id).toBe(o.order_id);
    expect(rows(full, 'checkouts').length).toBe(sessions.filter((s) => s.began_checkout).length);
    const completedCheckouts = rows(full, 'checkouts').filter((c) => c.order_id !== null).map((c) => c.order_id).sort();
    expect(completedCheckouts).toEqual(orders.map((o) => o.order_id).sort());
    const sum = (k: string) => rows(full, 'traffic_daily').reduce((a, r) => a + num(r[k]), 0);
    expect(sum('sessions')).toBe(sessions.length);
    expect(sum('add_to_cart_sessions')).toBe(sessions.filter((s) => s.added_to_cart).length);
    expect(sum('checkout_sessions')).toBe(sessions.filter((s) => s.began_checkout).length);
    expect(sum('purchase_sessions')).toBe(completed.length);
    for (const r of rows(full, 'traffic_daily')) {
      const mine = sessions.filter((s) => s.channel === r.channel && s.device === r.device);
      expect(r.sessions).toBe(mine.length);
      expect(r.users).toBe(new Set(mine.map((s) => s.visitor_id)).size);
      expect(r.source).toBe('simulator-ga4');
    }
  });

  it('brings abandoned carts back through recovery emails', () => {
    const cache = new Map<string, Batch>();
    const dayCache = (d: string): Batch => {
      let b = cache.get(d);
      if (!b) {
        b = sim.day(d, FAR);
        cache.set(d, b);
      }
      return b;
    };
    let recoveredCarts = 0;
    let emailed = 0;
    let abandoned = 0;
    const start = '2026-10-10';
    for (let i = 0; i < 14; i++) {
      const b = dayCache(addDays(start, i));
      for (const c of rows(b, 'carts')) {
        if (c.order_id === null || c.recovered_by_email === true) abandoned++;
        if (c.recovery_email_sent_at !== null) {
          emailed++;
          expect(time(c.recovery_email_sent_at) - time(c.last_activity_at)).toBe(3_600_000);
          expect(String(c.recovery_campaign_id)).toMatch(/^SIM-RECOVERY-[123][AB]$/);
        }
        if (c.recovered_by_email !== true) continue;
        recoveredCarts++;
        const orderDay = `${String(c.order_id).slice(4, 8)}-${String(c.order_id).slice(8, 10)}-${String(c.order_id).slice(10, 12)}`;
        const order = rows(dayCache(orderDay), 'orders').find((o) => o.order_id === c.order_id);
        expect(order).toMatchObject({ traffic_source: 'email', cart_id: c.cart_id, campaign_id: c.recovery_campaign_id });
        expect(order?.placed_at).toEqual(c.converted_at);
        expect(time(c.converted_at)).toBeGreaterThan(time(c.recovery_email_sent_at));
      }
    }
    expect(emailed / abandoned).toBeGreaterThan(0.35);
    expect(emailed / abandoned).toBeLessThan(0.55);
    expect(recoveredCarts / emailed).toBeGreaterThan(0.05);
    expect(recoveredCarts / emailed).toBeLessThan(0.2);
  });

  it('puts every row in the local day, even when its UTC date is the next day', () => {
    const start = localDayStartUtc(day, NY).getTime();
    const end = localDayStartUtc(addDays(day, 1), NY).getTime();
    const inDay: Array<[TableName, string]> = [
      ['orders', 'placed_at'], ['sessions', 'started_at'], ['carts', 'created_at'], ['uptime_probes', 'probed_at'], ['referrals', 'sent_at'],
      ['inventory_counts', 'counted_at'], ['verifications', 'requested_at'],
    ];
    for (const [t, col] of inDay) {
      expect(rows(full, t).length).toBeGreaterThan(0);
      for (const r of rows(full, t)) {
        expect(time(r[col])).toBeGreaterThanOrEqual(start);
        expect(time(r[col])).toBeLessThan(end);
      }
    }
    const late = rows(full, 'orders').filter((o) => (o.placed_at as Date).toISOString().slice(0, 10) !== day);
    expect(late.length).toBeGreaterThan(0);
    for (const o of late) expect(localDay(o.placed_at as Date, NY)).toBe(day);
  });

  it('handles 23- and 25-hour days', () => {
    const spring = sim.day('2026-11-01', FAR);
    const probes = rows(spring, 'uptime_probes');
    expect(probes.filter((p) => p.target === 'store').length).toBe(25 * 12);
    const march = new StoreSimulator({ ...OPTS, openedOn: '2026-03-01' }).day('2026-03-08', FAR);
    expect(rows(march, 'uptime_probes').filter((p) => p.target === 'etl-health').length).toBe(23 * 12);
    for (const [b, d] of [[spring, '2026-11-01'], [march, '2026-03-08']] as const) {
      for (const s of rows(b, 'sessions')) expect(localDay(s.started_at as Date, NY)).toBe(d);
      for (const o of rows(b, 'orders')) expect(localDay(o.placed_at as Date, NY)).toBe(d);
    }
  });

  it('carries every required column of its table and only known columns', () => {
    const batches = [sim.dimensions(), full, sim.day(OPTS.openedOn, FAR), sim.day(day, new Date(localDayStartUtc(day, NY).getTime() + 15 * 3_600_000))];
    // Problems are collected and asserted once: an expect() per cell would dominate the run time.
    const problems = new Set<string>();
    let checked = 0;
    for (const b of batches) {
      for (const [name, list] of Object.entries(b) as Array<[TableName, Row[]]>) {
        const spec = TABLES[name];
        for (const r of list) {
          checked++;
          for (const col of spec.required) if (r[col] === null || r[col] === undefined) problems.add(`${name}.${col} missing`);
          for (const [col, v] of Object.entries(r)) {
            const type = spec.columns[col];
            if (type === undefined) problems.add(`${name}.${col} unknown`);
            if (v === null || v === undefined) continue;
            const ok =
              type === 'timestamptz' ? v instanceof Date && !Number.isNaN(v.getTime())
              : type === 'date' ? typeof v === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(v)
              : type === 'bigint' || type === 'integer' || type === 'smallint' ? Number.isInteger(v)
              : type === 'boolean' ? typeof v === 'boolean'
              : type === 'text' ? typeof v === 'string'
              : true;
            if (!ok) problems.add(`${name}.${col} is not ${type}: ${String(v)}`);
          }
          if (r.source !== (name === 'traffic_daily' ? 'simulator-ga4' : 'simulator')) problems.add(`${name} source ${String(r.source)}`);
        }
        const keys = list.map((r) => spec.key.map((k) => { const v = r[k]; return v instanceof Date ? v.toISOString() : String(v); }).join('|'));
        if (new Set(keys).size !== keys.length) problems.add(`${name}: duplicate natural keys`);
      }
    }
    expect([...problems]).toEqual([]);
    expect(checked).toBeGreaterThan(5000);
  });

  it('emits a customer row for every customer it mentions, created before their orders', () => {
    for (const d of [day, addDays(day, 1), OPTS.openedOn]) {
      const b = sim.day(d, FAR);
      const customers = new Map(rows(b, 'customers').map((c) => [c.customer_id, c]));
      const mentioned: Array<[TableName, string]> = [
        ['orders', 'customer_id'], ['sessions', 'customer_id'], ['carts', 'customer_id'], ['referrals', 'referrer_customer_id'],
        ['referrals', 'referred_customer_id'], ['loyalty_events', 'customer_id'], ['support_tickets', 'customer_id'],
      ];
      for (const [t, col] of mentioned) for (const r of rows(b, t)) if (r[col] !== null) expect(customers.has(r[col])).toBe(true);
      for (const o of rows(b, 'orders')) {
        if (o.customer_id === null) continue;
        expect(time(customers.get(o.customer_id)?.created_at)).toBeLessThan(time(o.placed_at));
      }
    }
    const opening = sim.day(OPTS.openedOn, FAR);
    for (const o of rows(opening, 'orders')) {
      if (o.customer_id === null) continue;
      expect(localDay(rows(opening, 'customers').find((c) => c.customer_id === o.customer_id)?.created_at as Date, NY)).toBe(OPTS.openedOn);
    }
  });

  it('keeps inventory consistent: counts, sales and restocks chain, with a few stock-outs', () => {
    const level = new Map<string, number>();
    let stockOuts = 0;
    const start = '2026-09-01';
    for (let i = 0; i < 60; i++) {
      const b = sim.day(addDays(start, i), FAR);
      const counts = rows(b, 'inventory_counts');
      expect(counts.length).toBe(80);
      const changes = rows(b, 'inventory_changes');
      const restocked = new Set(changes.filter((c) => c.reason !== 'sale').map((c) => `${c.sku}@${c.location_id}`));
      for (const c of counts) {
        const k = `${c.sku}@${c.location_id}`;
        if (level.has(k) && !restocked.has(k)) expect([k, c.available]).toEqual([k, level.get(k)]);
        level.set(k, num(c.available));
      }
      for (const c of changes) {
        const k = `${c.sku}@${c.location_id}`;
        const prev = c.reason === 'sale' ? level.get(k) ?? 0 : num(c.available_after) - num(c.delta);
        if (c.reason === 'sale') expect(c.available_after).toBe(prev + num(c.delta));
        if (prev > 0 && num(c.available_after) <= 0) stockOuts++;
        level.set(k, num(c.available_after));
      }
      const soldUnits = rows(b, 'order_lines').filter((l) => l.order_valid).reduce((a, l) => a + num(l.quantity), 0);
      expect(changes.filter((c) => c.reason === 'sale').reduce((a, c) => a - num(c.delta), 0)).toBe(soldUnits);
    }
    expect(stockOuts).toBeGreaterThanOrEqual(2);
    expect(stockOuts).toBeLessThanOrEqual(30);
  });

  it('lands near the store targets over 30 days at scale 1', () => {
    let valid = 0;
    let net = 0;
    let sessions = 0;
    let purchases = 0;
    let verify = 0;
    for (let i = 0; i < 30; i++) {
      const b = sim.day(addDays('2026-10-15', i), FAR);
      for (const o of rows(b, 'orders')) {
        if (!isValidOrder(o)) continue;
        valid++;
        net += num(o.subtotal_cents) - num(o.discount_cents);
        if (o.requires_verification) verify++;
      }
      sessions += rows(b, 'sessions').length;
      purchases += rows(b, 'sessions').filter((s) => s.completed_checkout).length;
    }
    expect(valid / 30).toBeGreaterThan(35);
    expect(valid / 30).toBeLessThan(55);
    expect(purchases / sessions).toBeGreaterThan(0.02);
    expect(purchases / sessions).toBeLessThan(0.04);
    expect(net / valid / 100).toBeGreaterThan(70);
    expect(net / valid / 100).toBeLessThan(95);
    expect(verify / valid).toBeGreaterThan(0.22);
    expect(verify / valid).toBeLessThan(0.38);
  });

  it('has all-new customers on the opening day and ~35–40 % returning later', () => {
    const opening = rows(sim.day(OPTS.openedOn, FAR), 'orders').filter(isValidOrder);
    expect(opening.every((o) => String(o.customer_id).startsWith(`SIM-C-${OPTS.openedOn.replace(/-/g, '')}`))).toBe(true);
    let returning = 0;
    let total = 0;
    for (let i = 0; i < 14; i++) {
      const d = addDays('2026-11-01', i);
      const compact = d.replace(/-/g, '');
      for (const o of rows(sim.day(d, FAR), 'orders').filter(isValidOrder)) {
        total++;
        if (!String(o.customer_id).startsWith(`SIM-C-${compact}`)) returning++;
      }
    }
    expect(returning / total).toBeGreaterThan(0.3);
    expect(returning / total).toBeLessThan(0.45);
  });

  it('scales volumes linearly', () => {
    const big = new StoreSimulator({ ...OPTS, scale: 10 });
    let small = 0;
    let large = 0;
    for (let i = 0; i < 7; i++) {
      const d = addDays('2026-10-20', i);
      small += rows(sim.day(d, FAR), 'orders').length;
      large += rows(big.day(d, FAR), 'orders').length;
    }
    expect(large / small).toBeGreaterThan(8.5);
    expect(large / small).toBeLessThan(11.5);
  });

  it('reports marketing that accrues during the day', () => {
    const friday = '2026-11-20';
    const b = sim.day(friday, FAR);
    const email = rows(b, 'email_stats').filter((e) => String(e.campaign_id).startsWith('SIM-NEWS-'));
    expect(email).toHaveLength(1);
    const e = email[0] as Row;
    expect(num(e.unique_opens) / num(e.delivered)).toBeGreaterThan(0.25);
    expect(num(e.unique_opens) / num(e.delivered)).toBeLessThan(0.35);
    expect(num(e.unique_clicks) / num(e.delivered)).toBeGreaterThan(0.025);
    expect(rows(b, 'campaigns')[0]).toMatchObject({ campaign_id: 'SIM-NEWS-20261120', channel: 'email', kind: 'marketing' });
    const noon = sim.day(friday, new Date(localDayStartUtc(friday, NY).getTime() + 12 * 3_600_000));
    expect(num(rows(noon, 'email_stats').find((x) => x.campaign_id === 'SIM-NEWS-20261120')?.unique_opens)).toBeLessThan(num(e.unique_opens));
    const flow = rows(b, 'email_stats').filter((x) => String(x.campaign_id).startsWith('SIM-RECOVERY-'));
    expect(flow.length).toBeGreaterThanOrEqual(4);
    const sent = flow.reduce((a, x) => a + num(x.sent), 0);
    const opened = flow.reduce((a, x) => a + num(x.unique_opens), 0);
    for (const x of flow) {
      expect(num(x.delivered)).toBeLessThanOrEqual(num(x.sent));
      expect(num(x.unique_clicks)).toBeLessThanOrEqual(num(x.unique_opens));
    }
    expect(opened / sent).toBeGreaterThan(0.3);
    expect(opened / sent).toBeLessThan(0.65);
    const ads = rows(b, 'ad_insights');
    expect(ads).toHaveLength(3);
    const spend = ads.reduce((a, r) => a + num(r.spend_cents), 0);
    const value = ads.reduce((a, r) => a + num(r.purchase_value_cents), 0);
    expect(spend).toBeGreaterThan(0);
    const paid = rows(b, 'orders').filter((o) => o.traffic_source === 'paid' && isValidOrder(o));
    expect(ads.reduce((a, r) => a + num(r.purchases), 0)).toBe(paid.length);
    expect(value).toBe(paid.reduce((a, o) => a + num(o.subtotal_cents) - num(o.discount_cents), 0));
    const social = rows(b, 'social_stats')[0] as Row;
    const engaged = ['reactions', 'comments', 'shares', 'saves', 'clicks'].reduce((a, k) => a + num(social[k]), 0);
    expect(engaged / num(social.impressions)).toBeGreaterThan(0.045);
    expect(engaged / num(social.impressions)).toBeLessThan(0.085);
  });

  it('keeps ROAS, referral conversion and support response in their bands over 30 days', () => {
    let spend = 0;
    let value = 0;
    let referrals = 0;
    let converted = 0;
    let replyHours = 0;
    let replied = 0;
    for (let i = 0; i < 30; i++) {
      const b = sim.day(addDays('2026-10-01', i), FAR);
      for (const a of rows(b, 'ad_insights')) {
        spend += num(a.spend_cents);
        value += num(a.purchase_value_cents);
      }
      for (const r of rows(b, 'referrals')) {
        referrals++;
        if (r.referred_customer_id !== null) converted++;
      }
      for (const t of rows(b, 'support_tickets')) {
        if (t.first_reply_at === null) continue;
        replied++;
        replyHours += (time(t.first_reply_at) - time(t.opened_at)) / 3_600_000;
      }
    }
    expect(value / spend).toBeGreaterThan(1.8);
    expect(value / spend).toBeLessThan(3.5);
    expect(converted / referrals).toBeGreaterThan(0.07);
    expect(converted / referrals).toBeLessThan(0.18);
    expect(replyHours / replied).toBeGreaterThan(0.8);
    expect(replyHours / replied).toBeLessThan(2.5);
  });

  it('resolves verification within 72 hours with the expected outcomes', () => {
    let required = 0;
    let verified = 0;
    let refundedUnverified = 0;
    for (let i = 0; i < 30; i++) {
      const b = sim.day(addDays('2026-10-01', i), FAR);
      for (const v of rows(b, 'verifications')) {
        required++;
        if (v.status === 'verified') {
          verified++;
          expect(time(v.verified_at) - time(v.requested_at)).toBeLessThan(72 * 3_600_000);
        }
      }
      refundedUnverified += rows(b, 'refunds').filter((r) => r.reason === 'verification_failed' || r.reason === 'verification_missing').length;
    }
    expect(verified / required).toBeGreaterThan(0.8);
    expect(refundedUnverified / required).toBeGreaterThan(0.06);
    expect(refundedUnverified / required).toBeLessThan(0.2);
  });

  it('finishes every later event within the ETL look-back of 7 days', () => {
    const WEEK = 7 * 86_400_000;
    let latest = 0;
    for (let i = 0; i < 20; i++) {
      const d = addDays('2026-10-01', i);
      const b = sim.day(d, FAR);
      const placed = new Map(rows(b, 'orders').map((o) => [o.order_id, time(o.placed_at)]));
      const check = (t: unknown, from: number | undefined) => {
        if (t === null || from === undefined) return;
        latest = Math.max(latest, time(t) - from);
      };
      for (const r of rows(b, 'shipments')) { check(r.shipped_at, placed.get(r.order_id)); check(r.delivered_at, placed.get(r.order_id)); }
      for (const r of rows(b, 'refunds')) check(r.refunded_at, placed.get(r.order_id));
      for (const r of rows(b, 'verifications')) check(r.verified_at, placed.get(r.order_id));
      for (const r of rows(b, 'support_tickets')) {
        const from = placed.get(String(r.ticket_id).replace(/-TK1$/, ''));
        expect(from).toBeDefined();
        check(r.first_reply_at, from);
        check(r.closed_at, from);
      }
      for (const r of rows(b, 'carts')) check(r.converted_at, time(r.created_at));
    }
    expect(latest).toBeGreaterThan(3 * 86_400_000);
    expect(latest).toBeLessThan(WEEK);
  });

  it('generates a day at scale 1 in a few milliseconds', () => {
    const s = new StoreSimulator({ ...OPTS, seed: 99 });
    for (let i = 0; i < 5; i++) s.day(addDays('2026-10-01', i), FAR);
    const t0 = performance.now();
    for (let i = 5; i < 25; i++) s.day(addDays('2026-10-01', i), FAR);
    // A few ms on an idle machine; the bound leaves room for a busy CI box.
    expect((performance.now() - t0) / 20).toBeLessThan(150);
  });
});

describe('simulator streams', () => {
  it('declares one stream per table, named after it', () => {
    expect(SIMULATOR_STREAMS.map((s) => s.name)).toEqual([...SIMULATOR_TABLES]);
    for (const s of SIMULATOR_STREAMS) {
      expect(s.table).toBe(s.name);
      expect(s.primaryKey).toEqual(TABLES[s.table].key);
      // Every later event of an order lands within 6.9 days, so the re-read window is 7 days.
      expect(s.lookbackMs).toBe(7 * 86_400_000);
      expect(s.lookbackMs).toBe(SIM_LOOKBACK_MS);
      expect(s.map({ a: 1 })).toEqual([{ a: 1 }]);
    }
    const sim = new StoreSimulator(OPTS);
    const filled = new Set<string>([...Object.keys(sim.dimensions()), ...Object.keys(sim.day('2026-11-20', FAR))]);
    expect([...filled].sort()).toEqual([...SIMULATOR_TABLES].sort());
  });
});
