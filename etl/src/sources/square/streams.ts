/**
 * Square's streams as data. Orders, payments and refunds are read by updated_at, so status
 * changes and refunds reach rows already loaded; orders keep a look-back past 72 h because
 * offline POS orders can arrive that late.
 */
import type { SquareClient, Square } from 'square';
import { DAY_MS, HOUR_MS } from '../types';
import type { AnyStream, ApiCaller, PageRequest, SyncStream } from '../runtime/source';
import { RecordShapeError } from '../runtime/errors';
import { CatalogIndex, type CatalogOptions } from './catalogIndex';
import { customerRow, inventoryChangeRow, inventoryCountRow, locationRow, orderBatch, paymentRow, refundFromPayment, stockDelta, adjustmentLocation, type AdjustmentWithBalance } from './mapping';
import { str } from './shape';

/** Offline POS orders reach Square up to 72 h late; an hour more covers clock skew. */
export const SQUARE_ORDERS_LOOKBACK_MS = 73 * HOUR_MS;
/** SearchOrders takes at most 10 location ids per call. */
export const LOCATIONS_PER_SEARCH = 10;

/**
 * The SDK hands a 2xx body that is not JSON back as data ({ok: false, error: {reason:
 * 'non-json'}}) instead of throwing, which would read as an empty page; this makes it an error.
 */
function checked<T>(label: string, value: T): T {
  const body = (value as { response?: unknown } | null)?.response ?? value;
  const e = (body as { ok?: unknown; error?: { reason?: unknown; rawBody?: unknown } } | null);
  if (e && e.ok === false && e.error) {
    const raw = typeof e.error.rawBody === 'string' ? e.error.rawBody : '';
    throw new RecordShapeError(`${label}: response is not valid JSON (${raw.length} bytes, starts ${JSON.stringify(raw.slice(0, 30))})`);
  }
  return value;
}

const call = <T>(api: ApiCaller, label: string, fn: () => Promise<T>): Promise<T> => api.call(label, async () => checked(label, await fn()));

/** State shared by the streams of one Square source within and across runs. */
export class SquareContext {
  locations: string[] | null = null;
  catalog: CatalogIndex;

  constructor(readonly catalogOptions: CatalogOptions) {
    this.catalog = new CatalogIndex(catalogOptions);
  }

  async ensureLocations(client: SquareClient, api: ApiCaller): Promise<string[]> {
    if (!this.locations) {
      const r = await call(api, 'locations.list', () => client.locations.list());
      this.locations = (r.locations ?? []).map((l) => str(l.id, 'location.id'));
    }
    return this.locations;
  }

  /** Reads the whole catalog (items, variations, categories) into a fresh index. */
  async loadCatalog(client: SquareClient, api: ApiCaller): Promise<CatalogIndex> {
    const index = new CatalogIndex(this.catalogOptions);
    let cursor: string | undefined;
    do {
      const page = await call(api, 'catalog.list', () => client.catalog.list({ types: 'ITEM,ITEM_VARIATION,CATEGORY', cursor }));
      if (!Array.isArray(page.data)) throw new RecordShapeError('catalog.list: objects is not an array');
      for (const o of page.data) index.add(o);
      cursor = page.response.cursor ?? undefined;
    } while (cursor);
    index.loaded = true;
    this.catalog = index;
    return index;
  }

  async ensureCatalog(client: SquareClient, api: ApiCaller): Promise<CatalogIndex> {
    return this.catalog.loaded ? this.catalog : this.loadCatalog(client, api);
  }
}

/** Page token of streams that walk location by location (or 10 at a time), each with its own cursor. */
interface WalkToken {
  at: number;
  cursor: string | null;
}

const readToken = (t: string | null): WalkToken => (t ? (JSON.parse(t) as WalkToken) : { at: 0, cursor: null });

function nextToken(at: number, groups: number, cursor: string | null | undefined): string | null {
  if (cursor) return JSON.stringify({ at, cursor });
  return at + 1 < groups ? JSON.stringify({ at: at + 1, cursor: null }) : null;
}

/**
 * Records of a walk move the cursor only from the last group: a run that fails halfway through
 * the groups then restarts them all from the old cursor instead of skipping the unread ones.
 */
interface Walked<T> {
  value: T;
  moves: boolean;
}

function arr<T>(v: T[] | null | undefined, field: string): T[] {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) throw new RecordShapeError(`${field}: expected an array`);
  return v;
}

const walkedCursor = (at: (v: never) => unknown) => (r: Walked<unknown>) => {
  if (!r.moves) return null;
  const s = at(r.value as never);
  return typeof s === 'string' ? new Date(s) : null;
};

export function squareStreams(ctx: SquareContext): AnyStream<SquareClient>[] {
  const locations: SyncStream<SquareClient, Square.Location> = {
    name: 'locations', table: 'locations', primaryKey: ['id'], cursorField: 'createdAt', lookbackMs: 0, pageSize: 1000,
    async fetch(client, _req, api) {
      const r = await call(api, 'locations.list', () => client.locations.list());
      const list = arr(r.locations, 'locations');
      ctx.locations = list.map((l) => str(l.id, 'location.id'));
      return { records: list, nextPageToken: null };
    },
    cursorOf: () => null,
    map: (l) => [locationRow(l)],
  };

  const catalog: SyncStream<SquareClient, Square.CatalogObject> = {
    name: 'catalog', table: 'products', primaryKey: ['id'], cursorField: 'updatedAt', lookbackMs: 0, pageSize: 1000,
    async fetch(client, _req, api) {
      const index = await ctx.loadCatalog(client, api);
      return { records: index.variationObjects(), nextPageToken: null };
    },
    cursorOf: () => null,
    map: (o) => {
      const info = ctx.catalog.variation(str(o.id, 'catalog_object.id'));
      if (!info) return [];
      return [{ sku: info.sku, name: info.name, tier: info.tier, price_cents: info.priceCents, unit_cost_cents: info.unitCostCents, active: info.active, source: 'square', source_id: o.id }];
    },
  };

  const customers: SyncStream<SquareClient, Square.Customer> = {
    name: 'customers', table: 'customers', primaryKey: ['id'], cursorField: 'updatedAt', lookbackMs: HOUR_MS, pageSize: 100,
    async fetch(client, req, api) {
      const r = await call(api, 'customers.search', () =>
        client.customers.search({
          cursor: req.pageToken ?? undefined,
          limit: BigInt(Math.min(req.pageSize, 100)),
          query: { filter: { updatedAt: { startAt: req.since.toISOString(), endAt: req.until.toISOString() } }, sort: { field: 'DEFAULT', order: 'ASC' } },
        }),
      );
      return { records: arr(r.customers, 'customers'), nextPageToken: r.cursor ?? null };
    },
    map: (c) => [customerRow(c)],
  };

  const orders: SyncStream<SquareClient, Walked<Square.Order>> = {
    name: 'orders', table: 'orders', primaryKey: ['id'], cursorField: 'updatedAt', lookbackMs: SQUARE_ORDERS_LOOKBACK_MS, pageSize: 1000,
    async fetch(client, req: PageRequest, api) {
      const all = await ctx.ensureLocations(client, api);
      await ctx.ensureCatalog(client, api);
      const groups = Math.max(1, Math.ceil(all.length / LOCATIONS_PER_SEARCH));
      const t = readToken(req.pageToken);
      const locationIds = all.slice(t.at * LOCATIONS_PER_SEARCH, (t.at + 1) * LOCATIONS_PER_SEARCH);
      if (locationIds.length === 0) return { records: [], nextPageToken: null };
      const r = await call(api, 'orders.search', () =>
        client.orders.search({
          locationIds,
          cursor: t.cursor ?? undefined,
          limit: Math.min(req.pageSize, 1000),
          returnEntries: false,
          query: {
            filter: {
              stateFilter: { states: ['OPEN', 'COMPLETED', 'CANCELED'] },
              dateTimeFilter: { updatedAt: { startAt: req.since.toISOString(), endAt: req.until.toISOString() } },
            },
            sort: { sortField: 'UPDATED_AT', sortOrder: 'ASC' },
          },
        }),
      );
      const moves = t.at === groups - 1;
      return { records: arr(r.orders, 'orders').map((value) => ({ value, moves })), nextPageToken: nextToken(t.at, groups, r.cursor) };
    },
    cursorOf: walkedCursor((o: Square.Order) => o.updatedAt),
    map: (w) => orderBatch(w.value, ctx.catalog),
  };

  const byLocation = <T>(name: string, table: 'payments' | 'refunds', list: (client: SquareClient, req: PageRequest, locationId: string, cursor: string | null, api: ApiCaller) => Promise<{ items: T[]; cursor: string | null }>, updatedAt: (v: T) => unknown, map: (v: T) => ReturnType<typeof paymentRow>): SyncStream<SquareClient, Walked<T>> => ({
    name, table, primaryKey: ['id'], cursorField: 'updatedAt', lookbackMs: SQUARE_ORDERS_LOOKBACK_MS, pageSize: 100,
    async fetch(client, req, api) {
      const all = await ctx.ensureLocations(client, api);
      const t = readToken(req.pageToken);
      const locationId = all[t.at];
      if (!locationId) return { records: [], nextPageToken: null };
      const r = await list(client, req, locationId, t.cursor, api);
      const moves = t.at === all.length - 1;
      return { records: r.items.map((value) => ({ value, moves })), nextPageToken: nextToken(t.at, all.length, r.cursor) };
    },
    cursorOf: walkedCursor(updatedAt as (v: never) => unknown),
    map: (w) => map(w.value),
  });

  const payments = byLocation<Square.Payment>(
    'payments', 'payments',
    async (client, req, locationId, cursor, api) => {
      const page = await call(api, 'payments.list', () =>
        client.payments.list({
          locationId, cursor: cursor ?? undefined, limit: Math.min(req.pageSize, 100), sortField: 'UPDATED_AT', sortOrder: 'ASC',
          updatedAtBeginTime: req.since.toISOString(), updatedAtEndTime: req.until.toISOString(),
          // begin_time filters created_at and defaults to a year back; updated_at decides here.
          beginTime: new Date(req.since.getTime() - 365 * DAY_MS).toISOString(),
        }),
      );
      return { items: arr(page.response.payments, 'payments'), cursor: page.response.cursor ?? null };
    },
    (p) => p.updatedAt,
    paymentRow,
  );

  const refunds = byLocation<Square.PaymentRefund>(
    'refunds', 'refunds',
    async (client, req, locationId, cursor, api) => {
      const page = await call(api, 'refunds.list', () =>
        client.refunds.list({
          locationId, cursor: cursor ?? undefined, limit: Math.min(req.pageSize, 100), sortField: 'UPDATED_AT', sortOrder: 'ASC',
          updatedAtBeginTime: req.since.toISOString(), updatedAtEndTime: req.until.toISOString(),
          beginTime: new Date(req.since.getTime() - 365 * DAY_MS).toISOString(),
        }),
      );
      return { items: arr(page.response.refunds, 'refunds'), cursor: page.response.cursor ?? null };
    },
    (r) => r.updatedAt,
    refundFromPayment,
  );

  const inventory: SyncStream<SquareClient, Square.InventoryCount> = {
    name: 'inventory_counts', table: 'inventory_counts', primaryKey: ['catalogObjectId', 'locationId'], cursorField: 'calculatedAt', lookbackMs: HOUR_MS, pageSize: 1000,
    async fetch(client, req, api) {
      const locationIds = await ctx.ensureLocations(client, api);
      await ctx.ensureCatalog(client, api);
      const page = await call(api, 'inventory.batchGetCounts', () =>
        client.inventory.batchGetCounts({ locationIds, updatedAfter: req.since.toISOString(), cursor: req.pageToken ?? undefined, limit: Math.min(req.pageSize, 1000), states: ['IN_STOCK'] }),
      );
      return { records: arr(page.response.counts, 'counts'), nextPageToken: page.response.cursor ?? null };
    },
    map: (c) => inventoryCountRow(c, ctx.catalog),
  };

  /**
   * Square's change history has no running balance, which inventory_changes.available_after
   * needs: the stream reads the current counts and every adjustment since the window start, and
   * walks back from the count (newest change first). One logical page per run, so the balance
   * is computed over the whole window; physical counts are loaded as counts, not as changes.
   */
  const inventoryChanges: SyncStream<SquareClient, AdjustmentWithBalance> = {
    name: 'inventory_changes', table: 'inventory_changes', primaryKey: ['id'], cursorField: 'occurredAt', lookbackMs: HOUR_MS, pageSize: 1000,
    async fetch(client, req, api) {
      const locationIds = await ctx.ensureLocations(client, api);
      await ctx.ensureCatalog(client, api);
      const current = new Map<string, number>();
      let cursor: string | undefined;
      do {
        const page = await call(api, 'inventory.batchGetCounts', () => client.inventory.batchGetCounts({ locationIds, cursor, limit: 1000, states: ['IN_STOCK'] }));
        for (const c of arr(page.response.counts, 'counts')) {
          current.set(`${str(c.catalogObjectId, 'inventory_count.catalog_object_id')}|${str(c.locationId, 'inventory_count.location_id')}`, Number.parseInt(c.quantity ?? '0', 10));
        }
        cursor = page.response.cursor ?? undefined;
      } while (cursor);
      const adjustments: Square.InventoryAdjustment[] = [];
      do {
        const page = await call(api, 'inventory.batchGetChanges', () =>
          client.inventory.batchGetChanges({ locationIds, types: ['ADJUSTMENT'], updatedAfter: req.since.toISOString(), cursor, limit: Math.min(req.pageSize, 1000) }),
        );
        for (const ch of arr(page.response.changes, 'changes')) if (ch.adjustment) adjustments.push(ch.adjustment);
        cursor = page.response.cursor ?? undefined;
      } while (cursor);
      const t = (a: Square.InventoryAdjustment) => new Date(a.occurredAt ?? 0).getTime();
      const newestFirst = [...adjustments].sort((x, y) => t(y) - t(x) || String(y.id).localeCompare(String(x.id)));
      const balance = new Map(current);
      const records: AdjustmentWithBalance[] = [];
      for (const a of newestFirst) {
        const key = `${str(a.catalogObjectId, 'inventory_adjustment.catalog_object_id')}|${adjustmentLocation(a, `inventory_adjustment ${String(a.id)}`)}`;
        const delta = stockDelta(a, `inventory_adjustment ${String(a.id)}`);
        const after = balance.get(key) ?? 0;
        records.push({ adjustment: a, delta, availableAfter: after });
        balance.set(key, after - delta);
      }
      return { records: records.reverse(), nextPageToken: null };
    },
    cursorOf: (r) => (r.adjustment.occurredAt ? new Date(r.adjustment.occurredAt) : null),
    map: (r) => inventoryChangeRow(r, ctx.catalog),
  };

  return [locations, catalog, customers, orders, payments, refunds, inventory, inventoryChanges];
}
