export type OrderStatus = 'completed' | 'pending_verification' | 'refunded' | 'other';

export interface FeedOptions {
  /** How many of the latest orders to show. */
  maxOrders: number;
  /** ISO 4217 code used to format totals. */
  currency: string;
  /** Totals arrive in cents (minor units) rather than in currency units. */
  minorUnits: boolean;
  /** Orders with a total above this get a badge. */
  badgeAbove: number;
  /** How long a newly arrived or changed order stays highlighted. */
  highlightSeconds: number;
  /** Optional Grafana Live channel to subscribe to directly, e.g. "stream/orders/events". */
  channel: string;
  /** Field names, when the query's columns are not called what the panel expects. Empty = auto. */
  fieldOrderId: string;
  fieldPlacedAt: string;
  fieldCustomer: string;
  fieldItems: string;
  fieldTotal: string;
  fieldStatus: string;
}

export const defaultOptions: FeedOptions = {
  maxOrders: 20,
  currency: 'USD',
  minorUnits: false,
  badgeAbove: 200,
  highlightSeconds: 5,
  channel: '',
  fieldOrderId: '',
  fieldPlacedAt: '',
  fieldCustomer: '',
  fieldItems: '',
  fieldTotal: '',
  fieldStatus: '',
};

export interface Order {
  id: string;
  /** Epoch milliseconds; null when the source did not say. */
  placedAt: number | null;
  customer: string | null;
  items: string | null;
  total: number | null;
  status: OrderStatus;
  /** The status as the source spelled it, for display of unknown states. */
  rawStatus: string | null;
  /** When this version of the order was recorded, if the source says (updated_at / event_time). */
  updatedAt: number | null;
}

export type FieldMapping = Pick<
  FeedOptions,
  'fieldOrderId' | 'fieldPlacedAt' | 'fieldCustomer' | 'fieldItems' | 'fieldTotal' | 'fieldStatus'
>;
