import type { Queryable } from '../db/db';

/**
 * Pushes order events to Grafana Live over its HTTP push endpoint
 * (POST /api/live/push/<stream>, Influx line protocol). Each measurement becomes the channel
 * stream/<stream>/<measurement>: here stream/orders/live, which the order feed panel reads.
 */
export interface OrderEvent {
  order_id: string;
  placed_at: Date;
  customer: string | null;
  items: string | null;
  total: number;
  status: string;
}

const escapeString = (s: string): string => s.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, ' ');

/** One line per order: string fields quoted and escaped, total as a float, time in nanoseconds. */
export function toLineProtocol(events: OrderEvent[], measurement = 'live'): string {
  return events
    .map((e) => {
      const fields = [
        `order_id="${escapeString(e.order_id)}"`,
        `customer="${escapeString(e.customer ?? '')}"`,
        `items="${escapeString(e.items ?? '')}"`,
        `total=${e.total.toFixed(2)}`,
        `status="${escapeString(e.status)}"`,
      ].join(',');
      return `${measurement} ${fields} ${BigInt(e.placed_at.getTime()) * 1_000_000n}`;
    })
    .join('\n');
}

export class LivePushError extends Error {
  constructor(public readonly status: number, body: string) {
    super(`Grafana Live push failed: HTTP ${status} ${body.slice(0, 200)}`);
    this.name = 'LivePushError';
  }
}

export class GrafanaLivePublisher {
  /** Newest updated_at already pushed; orders changed after it are pushed next time. */
  private watermark: Date | null = null;

  constructor(
    private readonly baseUrl: string,
    private readonly token: string,
    private readonly stream = 'orders',
  ) {}

  async push(events: OrderEvent[]): Promise<void> {
    if (events.length === 0) return;
    const res = await fetch(`${this.baseUrl.replace(/\/$/, '')}/api/live/push/${this.stream}`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${this.token}`, 'Content-Type': 'text/plain' },
      body: toLineProtocol(events),
    });
    if (!res.ok) throw new LivePushError(res.status, await res.text().catch(() => ''));
  }

  /**
   * Pushes orders inserted or changed since the last call. The first call only sets the
   * watermark, so a restart does not replay the whole history into the feed.
   */
  async pushChangedOrders(db: Queryable): Promise<number> {
    if (!this.watermark) {
      const r = await db.query<{ at: Date | null }>('SELECT max(updated_at) AS at FROM orders');
      this.watermark = r.rows[0]?.at ? new Date(r.rows[0].at) : new Date(0);
      return 0;
    }
    const r = await db.query<{ order_id: string; placed_at: Date; customer: string | null; items: string | null; total: string; status: string; updated_at: Date }>(
      `SELECT o.order_id, o.placed_at, c.name AS customer, o.items_summary AS items, round(o.total_cents / 100.0, 2)::text AS total,
              o.status, o.updated_at
         FROM orders o LEFT JOIN customers c ON c.customer_id = o.customer_id
        WHERE o.updated_at > $1 AND NOT o.is_test
        ORDER BY o.updated_at LIMIT 500`,
      [this.watermark.toISOString()],
    );
    if (r.rows.length === 0) return 0;
    await this.push(r.rows.map((o) => ({ ...o, placed_at: new Date(o.placed_at), total: Number(o.total) })));
    const last = r.rows[r.rows.length - 1];
    if (last) this.watermark = new Date(last.updated_at);
    return r.rows.length;
  }
}
