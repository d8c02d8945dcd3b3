import { FieldType, toDataFrame } from '@grafana/data';
import {
  buildFeed,
  formatMoney,
  formatRelative,
  isLargeOrder,
  latestOrders,
  mergeOrders,
  nextHighlights,
  normaliseStatus,
  ordersFromFrames,
  summariseItems,
  supersedes,
  toMillis,
} from './orders';
import { eventFrame, orderRows, sqlFrame } from './testing/fixtures';
import { Order } from './types';

const NOW = Date.UTC(2026, 10, 20, 12, 0, 0);

const order = (id: string, patch: Partial<Order> = {}): Order => ({
  id,
  placedAt: NOW,
  customer: 'C',
  items: null,
  total: 10,
  status: 'pending_verification',
  rawStatus: 'pending_verification',
  updatedAt: null,
  ...patch,
});

describe('ordersFromFrames', () => {
  it('reads the SQL table shape', () => {
    const rows = orderRows(3, NOW);
    const orders = ordersFromFrames([sqlFrame(rows)]);
    expect(orders.map((o) => [o.id, o.placedAt, o.customer, o.items, o.total, o.status])).toEqual(
      rows.map((r) => [r.order_id, r.placed_at, r.customer, r.items, r.total, r.status])
    );
  });

  it('is lenient about column names and accepts an explicit mapping', () => {
    const frame = toDataFrame({
      fields: [
        { name: 'created_at', type: FieldType.time, values: ['2026-11-20T11:59:00Z'] },
        { name: 'OrderNumber', type: FieldType.string, values: ['A-1'] },
        { name: 'Customer Email', type: FieldType.string, values: ['a@example.com'] },
        { name: 'line_items', type: FieldType.string, values: ['[{"name":"Beans","qty":2},{"title":"Mug"}]'] },
        { name: 'order_total', type: FieldType.number, values: ['49.90'] },
        { name: 'State', type: FieldType.string, values: ['Pending Verification'] },
        { name: 'buyer_ref', type: FieldType.string, values: ['VIP'] },
      ],
    });
    const [o] = ordersFromFrames([frame]);
    expect(o).toEqual({
      id: 'A-1',
      placedAt: Date.parse('2026-11-20T11:59:00Z'),
      customer: 'a@example.com',
      items: '2× Beans, Mug',
      total: 49.9,
      status: 'pending_verification',
      rawStatus: 'Pending Verification',
      updatedAt: null,
    });
    expect(ordersFromFrames([frame], { fieldCustomer: 'buyer_ref' })[0]?.customer).toBe('VIP');
  });

  it('skips frames without an order id and rows with an empty id', () => {
    const other = toDataFrame({ fields: [{ name: 'value', type: FieldType.number, values: [1, 2] }] });
    const holes = toDataFrame({ fields: [{ name: 'order_id', type: FieldType.string, values: ['1', null, ''] }] });
    expect(ordersFromFrames([other, holes]).map((o) => o.id)).toEqual(['1']);
  });

  it('reads every row of a streaming frame as one event, in order', () => {
    const rows = orderRows(2, NOW);
    expect(ordersFromFrames([eventFrame(rows[0]!), eventFrame(rows[1]!)]).map((o) => o.id)).toEqual(['1001', '1002']);
  });
});

describe('statuses', () => {
  it.each([
    ['completed', 'completed'],
    ['Completed', 'completed'],
    ['paid', 'completed'],
    ['pending_verification', 'pending_verification'],
    ['pending verification', 'pending_verification'],
    ['pending-verification', 'pending_verification'],
    ['refunded', 'refunded'],
    ['cancelled', 'other'],
    ['', 'other'],
  ])('%s → %s', (raw, status) => {
    expect(normaliseStatus(raw)).toBe(status);
  });
});

describe('merging versions of one order', () => {
  it('updates a pending order in place when the stream says it completed or was refunded', () => {
    const rows = orderRows(3, NOW);
    const sql = sqlFrame(rows.map((r) => ({ ...r, status: 'pending_verification' })));
    const completed = eventFrame({ ...rows[1]!, status: 'completed' });
    const refunded = eventFrame({ ...rows[2]!, status: 'refunded' });
    const feed = buildFeed([sql, completed, refunded], {}, 20);
    expect(feed.map((o) => [o.id, o.status])).toEqual([
      ['1003', 'refunded'],
      ['1002', 'completed'],
      ['1001', 'pending_verification'],
    ]);
  });

  it('does not let a stale SQL row undo a newer live event', () => {
    const [row] = orderRows(1, NOW);
    const live = eventFrame({ ...row!, status: 'completed' });
    const staleSql = sqlFrame([{ ...row!, status: 'pending_verification' }]);
    // The SQL refresh arrives after the live event but says less.
    expect(buildFeed([live, staleSql], {}, 20)[0]?.status).toBe('completed');
  });

  it('trusts timestamps over the usual order of states', () => {
    const older = order('1', { status: 'refunded', rawStatus: 'refunded', updatedAt: NOW - 1000 });
    const newer = order('1', { status: 'completed', rawStatus: 'completed', updatedAt: NOW });
    expect(supersedes(newer, older)).toBe(true);
    expect(mergeOrders([newer, older]).get('1')?.status).toBe('completed');
  });

  it('fills fields a partial event leaves out from the earlier version', () => {
    const full = order('7', { customer: 'Ana', items: '2× Beans', total: 300 });
    const statusOnly = order('7', { customer: null, items: null, total: null, status: 'completed', rawStatus: 'completed' });
    expect(mergeOrders([full, statusOnly]).get('7')).toEqual({ ...full, status: 'completed', rawStatus: 'completed' });
  });

  it('keeps one row per order id', () => {
    const rows = orderRows(5, NOW);
    const feed = buildFeed([sqlFrame(rows), sqlFrame(rows), ...rows.map((r) => eventFrame(r))], {}, 20);
    expect(feed.map((o) => o.id)).toEqual(['1005', '1004', '1003', '1002', '1001']);
  });
});

describe('latestOrders', () => {
  it('shows the newest N, newest first, orders without a time last', () => {
    const list = [order('1', { placedAt: NOW - 3 }), order('2', { placedAt: null }), order('3', { placedAt: NOW }), order('4', { placedAt: NOW - 1 })];
    expect(latestOrders(list, 3).map((o) => o.id)).toEqual(['3', '4', '1']);
    expect(latestOrders(list, 10).map((o) => o.id)).toEqual(['3', '4', '1', '2']);
    expect(latestOrders(list, 0)).toEqual([]);
  });

  it('keeps 20 of 25 by default', () => {
    const feed = buildFeed([sqlFrame(orderRows(25, NOW))], {}, 20);
    expect(feed).toHaveLength(20);
    expect(feed[0]?.id).toBe('1025');
    expect(feed[19]?.id).toBe('1006');
  });
});

describe('formatting', () => {
  it('formats money in the chosen currency, cents optional', () => {
    expect(formatMoney(1234.5, 'USD', false)).toBe('$1,234.50');
    expect(formatMoney(123450, 'EUR', true)).toBe('€1,234.50');
    expect(formatMoney(5, 'NOPE', false)).toBe('5.00 NOPE');
    expect(formatMoney(null, 'USD', false)).toBe('–');
  });

  it('says how long ago an order was placed', () => {
    expect(formatRelative(NOW - 10_000, NOW)).toBe('just now');
    expect(formatRelative(NOW + 5_000, NOW)).toBe('just now');
    expect(formatRelative(NOW - 5 * 60_000, NOW)).toBe('5 min ago');
    expect(formatRelative(NOW - 3 * 3_600_000, NOW)).toBe('3 h ago');
    expect(formatRelative(NOW - 2 * 86_400_000, NOW)).toBe('2 d ago');
    expect(formatRelative(null, NOW)).toBe('–');
  });

  it('badges orders strictly above the threshold', () => {
    expect(isLargeOrder(order('1', { total: 200 }), 200, false)).toBe(false);
    expect(isLargeOrder(order('1', { total: 200.01 }), 200, false)).toBe(true);
    expect(isLargeOrder(order('1', { total: 20001 }), 200, true)).toBe(true);
    expect(isLargeOrder(order('1', { total: null }), 200, false)).toBe(false);
  });

  it('summarises items from text, counts and JSON lists', () => {
    expect(summariseItems(3)).toBe('3 items');
    expect(summariseItems(1)).toBe('1 item');
    expect(summariseItems('[{"sku":"B-1","quantity":2}]')).toBe('2× B-1');
    expect(summariseItems('[not json')).toBe('[not json');
    expect(summariseItems('')).toBeNull();
  });

  it('reads times from numbers, ISO strings and dates', () => {
    expect(toMillis(NOW)).toBe(NOW);
    expect(toMillis(new Date(NOW))).toBe(NOW);
    expect(toMillis(new Date(NOW).toISOString())).toBe(NOW);
    expect(toMillis('yesterday-ish')).toBeNull();
  });
});

describe('nextHighlights', () => {
  it('highlights nothing on first load, then new and changed orders until they expire', () => {
    const a = order('1');
    const b = order('2');
    const first = nextHighlights(null, [a], NOW, 5000);
    expect([...first.until]).toEqual([]);
    const second = nextHighlights(first, [b, a], NOW + 1000, 5000);
    expect([...second.until]).toEqual([['2', NOW + 6000]]);
    const changed = { ...a, status: 'completed' as const, rawStatus: 'completed' };
    const third = nextHighlights(second, [b, changed], NOW + 2000, 5000);
    expect([...third.until]).toEqual([
      ['2', NOW + 6000],
      ['1', NOW + 7000],
    ]);
    const later = nextHighlights(third, [b, changed], NOW + 6500, 5000);
    expect([...later.until]).toEqual([['1', NOW + 7000]]);
  });
});
