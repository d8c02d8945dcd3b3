// The columns the journey tests insert into the raw carts, orders and recovery-email tables.
export const CART_COLS =
  'cart_id, created_at, customer_id, last_activity_at, subtotal_cents, order_id, recovery_email_sent_at, recovery_campaign_id, recovered_by_email, source, source_id';
export const ORDER_COLS = 'order_id, placed_at, customer_id, status, subtotal_cents, discount_cents, total_cents, traffic_source, source, source_id';
export const EMAIL_COLS = 'cart_id, step, sent_at, campaign_id, opened_at, clicked_at, source, source_id';
