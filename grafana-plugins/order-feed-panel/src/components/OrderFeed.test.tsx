import React from 'react';
import { Subject } from 'rxjs';
import { act, render, screen } from '@testing-library/react';
import {
  DataFrame,
  DataFrameJSON,
  DataQueryResponse,
  FieldType,
  LiveChannelAddress,
  LoadingState,
  StreamingDataFrame,
  createTheme,
} from '@grafana/data';
import { GrafanaLiveSrv, LiveDataStreamOptions, setGrafanaLiveSrv } from '@grafana/runtime';
import { ThemeContext } from '@grafana/ui';
import { panelProps } from '../../../shared-config/test-utils/panelProps';
import { eventFrame, orderRows, sqlFrame } from '../testing/fixtures';
import { FeedOptions, defaultOptions } from '../types';
import { OrderFeed, OrderFeedProps } from './OrderFeed';
import { OrderFeedPanel } from './OrderFeedPanel';

const theme = createTheme({ colors: { mode: 'dark' } });

function feedProps(series: DataFrame[], options: Partial<FeedOptions> = {}, extra: Partial<OrderFeedProps> = {}): OrderFeedProps {
  return { ...panelProps<FeedOptions>({ ...defaultOptions, ...options }, series, { width: 900, height: 600 }), ...extra };
}

function withTheme(element: React.ReactElement) {
  return <ThemeContext.Provider value={theme}>{element}</ThemeContext.Provider>;
}

const rows = () => screen.queryAllByTestId('order-row');
const ids = () => rows().map((r) => r.getAttribute('data-order-id'));
const row = (id: string) => rows().find((r) => r.getAttribute('data-order-id') === id);

/** jsdom reports inline colours as rgb(); theme colours are hex. */
function cssColor(color: string): string {
  const el = document.createElement('div');
  el.style.color = color;
  return el.style.color;
}

describe('OrderFeed', () => {
  let now: number;
  beforeEach(() => {
    jest.useFakeTimers();
    now = Date.now();
  });
  afterEach(() => {
    jest.useRealTimers();
  });

  it('shows the latest 20 of 25 orders, newest first, with totals, badges and times', () => {
    render(withTheme(<OrderFeed {...feedProps([sqlFrame(orderRows(25, now))])} />));
    expect(rows()).toHaveLength(20);
    expect(ids()[0]).toBe('1025');
    expect(ids()[19]).toBe('1006');
    const newest = row('1025')!;
    // 1025 is index 24: a large order (24 % 4 === 0) of 249.5 + 24.
    expect(newest.querySelector('[data-testid="order-total"]')?.textContent).toBe('$273.50');
    expect(newest.querySelector('[data-testid="large-order-badge"]')).not.toBeNull();
    expect(row('1024')?.querySelector('[data-testid="large-order-badge"]')).toBeNull();
    expect(screen.getAllByTestId('large-order-badge')).toHaveLength(5);
    expect(newest.querySelector('[data-testid="order-time"]')?.textContent).toBe('just now');
    expect(row('1020')?.querySelector('[data-testid="order-time"]')?.textContent).toBe('5 min ago');
    expect(newest.textContent).toContain('Ana Souza');
    expect(newest.textContent).toContain('4× Mugs');
  });

  it('colours the three states from the theme, each differently', () => {
    render(withTheme(<OrderFeed {...feedProps([sqlFrame(orderRows(3, now))])} />));
    const dot = (id: string) => (row(id)?.querySelector('[data-testid="status-dot"]') as HTMLElement).style.background;
    expect(row('1001')?.getAttribute('data-status')).toBe('completed');
    expect(row('1002')?.getAttribute('data-status')).toBe('pending_verification');
    expect(row('1003')?.getAttribute('data-status')).toBe('refunded');
    expect(dot('1001')).toBe(cssColor(theme.colors.success.main));
    expect(dot('1002')).toBe(cssColor(theme.colors.warning.main));
    expect(dot('1003')).toBe(cssColor(theme.colors.error.main));
    expect(new Set([dot('1001'), dot('1002'), dot('1003')]).size).toBe(3);
    expect(row('1002')?.querySelector('[data-testid="order-status"]')?.textContent).toBe('Pending verification');
  });

  it('updates a row in place when a later frame changes its state, without duplicating it', () => {
    const base = orderRows(3, now).map((r) => ({ ...r, status: 'pending_verification' }));
    const { rerender } = render(withTheme(<OrderFeed {...feedProps([sqlFrame(base)])} />));
    const before = row('1002');
    expect(before?.getAttribute('data-status')).toBe('pending_verification');

    rerender(withTheme(<OrderFeed {...feedProps([sqlFrame(base), eventFrame({ ...base[1]!, status: 'completed' })])} />));
    expect(ids()).toEqual(['1003', '1002', '1001']);
    expect(row('1002')).toBe(before);
    expect(row('1002')?.getAttribute('data-status')).toBe('completed');
    expect(row('1002')?.getAttribute('data-highlight')).toBe('changed');

    // The next dashboard refresh brings the SQL row up to date too; still one row.
    rerender(withTheme(<OrderFeed {...feedProps([sqlFrame(base.map((r, i) => (i === 1 ? { ...r, status: 'refunded' } : r)))])} />));
    expect(ids()).toEqual(['1003', '1002', '1001']);
    expect(row('1002')?.getAttribute('data-status')).toBe('refunded');
  });

  it('slides in and highlights orders that arrive after the first load, for highlightSeconds', () => {
    const all = orderRows(4, now);
    const { rerender } = render(withTheme(<OrderFeed {...feedProps([sqlFrame(all.slice(0, 3))], { highlightSeconds: 3 })} />));
    expect(rows().map((r) => r.getAttribute('data-highlight'))).toEqual(['none', 'none', 'none']);

    rerender(withTheme(<OrderFeed {...feedProps([sqlFrame(all.slice(0, 3)), eventFrame(all[3]!)], { highlightSeconds: 3 })} />));
    expect(ids()[0]).toBe('1004');
    expect(row('1004')?.getAttribute('data-highlight')).toBe('new');
    expect(row('1003')?.getAttribute('data-highlight')).toBe('none');

    act(() => {
      jest.advanceTimersByTime(2000);
    });
    expect(row('1004')?.getAttribute('data-highlight')).toBe('new');
    act(() => {
      jest.advanceTimersByTime(1100);
    });
    expect(row('1004')?.getAttribute('data-highlight')).toBe('none');
  });

  it('takes live updates from a stream of frames (a Subject standing in for Grafana Live)', () => {
    const stream = new Subject<DataFrame[]>();
    const all = orderRows(4, now);
    render(withTheme(<OrderFeed {...feedProps([sqlFrame(all.slice(0, 2))], {}, { liveFrames$: stream })} />));
    expect(ids()).toEqual(['1002', '1001']);

    // Grafana delivers a live channel as one StreamingDataFrame that grows with each event.
    const live = StreamingDataFrame.fromDataFrameJSON(orderEventJSON(all[2]!), { maxLength: 100 });
    act(() => stream.next([live]));
    expect(ids()).toEqual(['1003', '1002', '1001']);
    expect(row('1003')?.getAttribute('data-highlight')).toBe('new');

    live.push({ data: { values: columns({ ...all[0]!, status: 'refunded' }) } });
    live.push({ data: { values: columns(all[3]!) } });
    act(() => stream.next([live]));
    expect(ids()).toEqual(['1004', '1003', '1002', '1001']);
    expect(row('1001')?.getAttribute('data-status')).toBe('refunded');
    expect(row('1004')?.getAttribute('data-highlight')).toBe('new');
  });

  it('uses a compact two-line layout below 500 px', () => {
    render(withTheme(<OrderFeed {...feedProps([sqlFrame(orderRows(25, now))])} width={390} />));
    expect(screen.getByTestId('order-feed').getAttribute('data-layout')).toBe('compact');
    expect(rows()).toHaveLength(20);
    expect(rows()[0]?.children).toHaveLength(2);
  });

  it('honours the currency, cents, threshold and count options', () => {
    const frame = sqlFrame([{ ...orderRows(1, now)[0]!, total: 25000 }]);
    render(withTheme(<OrderFeed {...feedProps([frame], { currency: 'EUR', minorUnits: true, badgeAbove: 300, maxOrders: 5 })} />));
    expect(screen.getByTestId('order-total').textContent).toBe('€250.00');
    expect(screen.queryByTestId('large-order-badge')).toBeNull();
  });

  it('shows an empty state without data', () => {
    render(withTheme(<OrderFeed {...feedProps([])} />));
    expect(screen.getByTestId('feed-empty').textContent).toContain('No orders yet');
  });
});

describe('OrderFeedPanel with a Live channel', () => {
  it('subscribes through getGrafanaLiveSrv to the channel in the options', () => {
    const responses = new Subject<DataQueryResponse>();
    const requested: LiveChannelAddress[] = [];
    // Grafana registers its Live service at startup; this stands in for it, serving one channel.
    const live: GrafanaLiveSrv = {
      getConnectionState: () => new Subject<boolean>(),
      getStream: () => new Subject(),
      getDataStream: (options: LiveDataStreamOptions) => {
        requested.push(options.addr);
        return responses;
      },
      getPresence: () => Promise.resolve({ users: [] }),
      publish: () => Promise.resolve(undefined),
    };
    setGrafanaLiveSrv(live);
    const now = Date.now();
    const all = orderRows(2, now);
    render(withTheme(<OrderFeedPanel {...feedProps([sqlFrame(all.slice(0, 1))], { channel: 'stream/orders/events' })} />));
    expect(requested).toEqual([{ scope: 'stream', stream: 'orders', path: 'events' }]);
    act(() => responses.next({ data: [eventFrame(all[1]!)], state: LoadingState.Streaming }));
    expect(ids()).toEqual(['1002', '1001']);
  });

  it('says so when the channel option is not a channel', () => {
    render(withTheme(<OrderFeedPanel {...feedProps([sqlFrame(orderRows(1, Date.now()))], { channel: 'orders' })} />));
    expect(screen.getByTestId('order-feed').textContent).toContain('is not a Live channel');
  });
});

function columns(r: ReturnType<typeof orderRows>[number]): unknown[][] {
  return [[r.placed_at], [r.order_id], [r.customer], [r.items], [r.total], [r.status]];
}

function orderEventJSON(r: ReturnType<typeof orderRows>[number]): DataFrameJSON {
  return {
    schema: {
      name: 'orders',
      fields: [
        { name: 'placed_at', type: FieldType.time },
        { name: 'order_id', type: FieldType.string },
        { name: 'customer', type: FieldType.string },
        { name: 'items', type: FieldType.string },
        { name: 'total', type: FieldType.number },
        { name: 'status', type: FieldType.string },
      ],
    },
    data: { values: columns(r) },
  };
}
