import React, { useEffect, useMemo, useState } from 'react';
import { Observable } from 'rxjs';
import { css, cx, keyframes } from '@emotion/css';
import { DataFrame, GrafanaTheme2, PanelProps } from '@grafana/data';
import { useStyles2, useTheme2 } from '@grafana/ui';
import { Highlights, buildFeed, formatMoney, formatRelative, isLargeOrder, nextHighlights } from '../orders';
import { FeedOptions, Order, OrderStatus, defaultOptions } from '../types';

/** Below this width (a phone, a narrow dashboard column) each order takes two short lines. */
export const COMPACT_WIDTH = 500;
/** Frames kept from a Live subscription; a streaming frame is one object that grows, so this is plenty. */
const MAX_LIVE_FRAMES = 500;

export interface OrderFeedProps extends PanelProps<FeedOptions> {
  /** Batches of frames from a Live channel, in addition to data.series. */
  liveFrames$?: Observable<DataFrame[]>;
  /** Shown instead of silently ignoring a channel that cannot be used. */
  liveProblem?: string;
}

const STATUS_LABEL: Record<OrderStatus, string> = {
  completed: 'Completed',
  pending_verification: 'Pending verification',
  refunded: 'Refunded',
  other: 'Other',
};

export function OrderFeed({ data, options: rawOptions, width, height, liveFrames$, liveProblem }: OrderFeedProps) {
  const options: FeedOptions = { ...defaultOptions, ...rawOptions };
  const theme = useTheme2();
  const styles = useStyles2(getStyles);
  const liveFrames = useLiveFrames(liveFrames$);
  const now = useNow(15_000);
  const { maxOrders, fieldOrderId, fieldPlacedAt, fieldCustomer, fieldItems, fieldTotal, fieldStatus } = options;

  const orders = useMemo(
    () =>
      buildFeed(
        [...data.series, ...liveFrames],
        { fieldOrderId, fieldPlacedAt, fieldCustomer, fieldItems, fieldTotal, fieldStatus },
        maxOrders
      ),
    [data.series, liveFrames, maxOrders, fieldOrderId, fieldPlacedAt, fieldCustomer, fieldItems, fieldTotal, fieldStatus]
  );
  const highlightMs = Math.max(0, options.highlightSeconds) * 1000;
  const highlights = useHighlights(orders, highlightMs);
  const compact = width < COMPACT_WIDTH;
  const statusColor = (status: OrderStatus) => statusColors(theme)[status];

  if (orders.length === 0) {
    return (
      <div className={styles.empty} style={{ width, height }} data-testid="feed-empty">
        {liveProblem ? `${liveProblem}. ` : ''}No orders yet: expect order_id, placed_at, customer, items, total and status fields.
      </div>
    );
  }

  return (
    <div
      className={styles.root}
      style={{ width, height }}
      data-testid="order-feed"
      data-layout={compact ? 'compact' : 'table'}
    >
      {liveProblem && <div className={styles.problem}>{liveProblem}</div>}
      {!compact && (
        <div className={cx(styles.row, styles.header)} aria-hidden>
          <span>Status</span>
          <span>Order</span>
          <span>Customer</span>
          <span>Items</span>
          <span className={styles.right}>Total</span>
          <span className={styles.right}>Placed</span>
        </div>
      )}
      <ol className={styles.list}>
        {orders.map((order) => {
          const highlight = highlights.get(order.id);
          const large = isLargeOrder(order, options.badgeAbove, options.minorUnits);
          const money = formatMoney(order.total, options.currency, options.minorUnits);
          const color = statusColor(order.status);
          const status = (
            <span className={styles.status} data-testid="order-status" style={{ color: statusTextColors(theme)[order.status] }}>
              <span className={styles.dot} data-testid="status-dot" style={{ background: color }} />
              {order.status === 'other' ? (order.rawStatus ?? 'Unknown') : STATUS_LABEL[order.status]}
            </span>
          );
          const badge = large ? (
            <span className={styles.badge} data-testid="large-order-badge" title={`Above ${options.badgeAbove}`}>
              Large
            </span>
          ) : null;
          return (
            <li
              key={order.id}
              className={cx(
                compact ? styles.compactRow : styles.row,
                styles.item,
                highlight === 'new' && styles.fresh,
                highlight && styles.highlight
              )}
              style={{ borderLeftColor: color, animationDuration: highlight ? `400ms, ${highlightMs}ms` : undefined }}
              data-testid="order-row"
              data-order-id={order.id}
              data-status={order.status}
              data-highlight={highlight ?? 'none'}
            >
              {compact ? (
                <>
                  <div className={styles.line}>
                    <span className={styles.id}>#{order.id}</span>
                    <span className={styles.customer}>{order.customer ?? '–'}</span>
                    <span className={styles.total} data-testid="order-total">
                      {money}
                    </span>
                    {badge}
                  </div>
                  <div className={cx(styles.line, styles.secondary)}>
                    {status}
                    <span className={styles.items}>{order.items ?? ''}</span>
                    <span data-testid="order-time">{formatRelative(order.placedAt, now)}</span>
                  </div>
                </>
              ) : (
                <>
                  {status}
                  <span className={styles.id}>#{order.id}</span>
                  <span className={styles.customer}>{order.customer ?? '–'}</span>
                  <span className={styles.items}>{order.items ?? '–'}</span>
                  <span className={cx(styles.right, styles.totalCell)}>
                    {badge}
                    <span className={styles.total} data-testid="order-total">
                      {money}
                    </span>
                  </span>
                  <span className={cx(styles.right, styles.secondary)} data-testid="order-time" title={order.placedAt ? new Date(order.placedAt).toISOString() : ''}>
                    {formatRelative(order.placedAt, now)}
                  </span>
                </>
              )}
            </li>
          );
        })}
      </ol>
    </div>
  );
}

export function statusColors(theme: GrafanaTheme2): Record<OrderStatus, string> {
  return {
    completed: theme.colors.success.main,
    pending_verification: theme.colors.warning.main,
    refunded: theme.colors.error.main,
    other: theme.colors.text.disabled,
  };
}

function statusTextColors(theme: GrafanaTheme2): Record<OrderStatus, string> {
  return {
    completed: theme.colors.success.text,
    pending_verification: theme.colors.warning.text,
    refunded: theme.colors.error.text,
    other: theme.colors.text.secondary,
  };
}

/** Collects frame batches from a Live stream; a frame Grafana keeps appending to is replaced, not duplicated. */
function useLiveFrames(frames$?: Observable<DataFrame[]>): DataFrame[] {
  const [frames, setFrames] = useState<DataFrame[]>([]);
  useEffect(() => {
    setFrames([]);
    if (!frames$) {
      return undefined;
    }
    const subscription = frames$.subscribe((batch) => {
      setFrames((previous) => {
        const next = [...previous];
        for (const frame of batch) {
          const at = next.indexOf(frame);
          if (at >= 0) {
            next[at] = frame;
          } else {
            next.push(frame);
          }
        }
        return next.length > MAX_LIVE_FRAMES ? next.slice(next.length - MAX_LIVE_FRAMES) : next;
      });
    });
    return () => subscription.unsubscribe();
  }, [frames$]);
  return frames;
}

/** Re-renders every `intervalMs` so "3 min ago" keeps up with the clock. */
function useNow(intervalMs: number): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), intervalMs);
    return () => clearInterval(timer);
  }, [intervalMs]);
  return now;
}

type Highlight = 'new' | 'changed';

/** id → how the row is highlighted right now; entries expire after `highlightMs`. */
function useHighlights(orders: Order[], highlightMs: number): Map<string, Highlight> {
  const [state, setState] = useState<{ h: Highlights | null; kinds: Map<string, Highlight> }>({ h: null, kinds: new Map() });
  const [, setExpired] = useState(0);

  useEffect(() => {
    if (orders.length === 0) {
      return;
    }
    setState((previous) => {
      const h = nextHighlights(previous.h, orders, Date.now(), highlightMs);
      const kinds = new Map<string, Highlight>();
      for (const id of h.until.keys()) {
        kinds.set(id, previous.h?.seen.has(id) ? (previous.kinds.get(id) ?? 'changed') : 'new');
      }
      return { h, kinds };
    });
  }, [orders, highlightMs]);

  const next = state.h ? Math.min(...state.h.until.values()) : Infinity;
  useEffect(() => {
    if (!Number.isFinite(next)) {
      return undefined;
    }
    const timer = setTimeout(() => {
      setState((previous) => {
        if (!previous.h) {
          return previous;
        }
        const now = Date.now();
        const until = new Map([...previous.h.until].filter(([, t]) => t > now));
        const kinds = new Map([...previous.kinds].filter(([id]) => until.has(id)));
        return { h: { ...previous.h, until }, kinds };
      });
      setExpired((n) => n + 1);
    }, Math.max(0, next - Date.now()) + 20);
    return () => clearTimeout(timer);
  }, [next]);

  return state.kinds;
}

const slideIn = keyframes({
  from: { transform: 'translateY(-100%)', opacity: 0 },
  to: { transform: 'translateY(0)', opacity: 1 },
});

const getStyles = (theme: GrafanaTheme2) => {
  const glow = keyframes({
    from: { backgroundColor: theme.colors.primary.transparent },
    to: { backgroundColor: 'transparent' },
  });
  return {
    root: css({
      overflow: 'auto',
      color: theme.colors.text.primary,
      fontSize: theme.typography.bodySmall.fontSize,
    }),
    empty: css({
      display: 'flex',
      alignItems: 'center',
      justifyContent: 'center',
      textAlign: 'center',
      color: theme.colors.text.secondary,
      padding: theme.spacing(2),
    }),
    problem: css({ color: theme.colors.warning.text, padding: theme.spacing(0.5, 1) }),
    list: css({ listStyle: 'none', margin: 0, padding: 0 }),
    row: css({
      display: 'grid',
      gridTemplateColumns: 'minmax(140px, 1.2fr) minmax(70px, 0.7fr) minmax(100px, 1.2fr) minmax(120px, 2fr) minmax(110px, 1fr) minmax(80px, 0.7fr)',
      alignItems: 'center',
      gap: theme.spacing(1),
      padding: theme.spacing(0.5, 1),
    }),
    header: css({
      color: theme.colors.text.secondary,
      fontWeight: theme.typography.fontWeightMedium,
      borderBottom: `1px solid ${theme.colors.border.weak}`,
      borderLeft: '4px solid transparent',
    }),
    item: css({
      borderLeft: '4px solid transparent',
      borderBottom: `1px solid ${theme.colors.border.weak}`,
      overflow: 'hidden',
    }),
    compactRow: css({ padding: theme.spacing(0.5, 1), display: 'flex', flexDirection: 'column', gap: 2 }),
    line: css({ display: 'flex', alignItems: 'center', gap: theme.spacing(1), minWidth: 0, whiteSpace: 'nowrap' }),
    secondary: css({ color: theme.colors.text.secondary }),
    fresh: css({
      animationName: `${slideIn}, ${glow}`,
      animationTimingFunction: 'ease-out, ease-in',
      animationFillMode: 'both',
      '@media (prefers-reduced-motion: reduce)': { animationName: glow },
    }),
    highlight: css({
      animationName: glow,
      animationTimingFunction: 'ease-in',
      fontWeight: theme.typography.fontWeightMedium,
    }),
    status: css({ display: 'inline-flex', alignItems: 'center', gap: theme.spacing(0.75), whiteSpace: 'nowrap' }),
    dot: css({ width: 10, height: 10, borderRadius: '50%', flex: '0 0 auto' }),
    id: css({ fontFamily: theme.typography.fontFamilyMonospace, whiteSpace: 'nowrap' }),
    customer: css({ overflow: 'hidden', textOverflow: 'ellipsis', whiteSpace: 'nowrap', minWidth: 0, flex: '1 1 auto' }),
    items: css({ overflow: 'hidden', textOverflow: 'ellipsis', whiteSpace: 'nowrap', minWidth: 0, flex: '1 1 auto' }),
    right: css({ textAlign: 'right', justifySelf: 'end' }),
    totalCell: css({ display: 'inline-flex', alignItems: 'center', gap: theme.spacing(0.5) }),
    total: css({ fontVariantNumeric: 'tabular-nums', fontWeight: theme.typography.fontWeightMedium, whiteSpace: 'nowrap' }),
    badge: css({
      background: theme.colors.primary.main,
      color: theme.colors.primary.contrastText,
      borderRadius: theme.shape.radius.pill,
      padding: theme.spacing(0, 0.75),
      fontSize: theme.typography.bodySmall.fontSize,
      whiteSpace: 'nowrap',
    }),
  };
};
