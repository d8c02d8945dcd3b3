-- Raw tables of the abandoned-cart journey (docs/kpi-spec.md "Abandoned-cart recovery"): a cart's
-- lines (what was in it) and every recovery email sent for it (step 1/2/3 with open and click
-- times), as an email platform's flow events report them. The journey, recovery by segment and
-- step, ROI for a range and cart products are views in sql/views/recovery.sql.

-- ------------------------------------------------------------------ raw tables
CREATE TABLE cart_lines (
  cart_id              text NOT NULL,
  line_no              integer NOT NULL,
  created_at           timestamptz NOT NULL, -- the cart's created_at (partitioning column)
  sku                  text NOT NULL,
  quantity             integer NOT NULL CHECK (quantity > 0),
  unit_price_cents     bigint NOT NULL CHECK (unit_price_cents >= 0),
  line_subtotal_cents  bigint NOT NULL CHECK (line_subtotal_cents >= 0),
  source               text NOT NULL,
  source_id            text NOT NULL,
  UNIQUE (cart_id, line_no, created_at)
);
SELECT create_hypertable('cart_lines', by_range('created_at', INTERVAL '7 days'));
CREATE INDEX cart_lines_cart_idx ON cart_lines (cart_id);

CREATE TABLE cart_recovery_emails (
  cart_id      text NOT NULL,
  step         smallint NOT NULL CHECK (step >= 1),
  sent_at      timestamptz NOT NULL,
  campaign_id  text,
  opened_at    timestamptz,
  clicked_at   timestamptz,
  source       text NOT NULL,
  source_id    text NOT NULL,
  UNIQUE (cart_id, step, sent_at)
);
SELECT create_hypertable('cart_recovery_emails', by_range('sent_at', INTERVAL '30 days'));
CREATE INDEX cart_recovery_emails_cart_idx ON cart_recovery_emails (cart_id);
REVOKE ALL ON cart_lines, cart_recovery_emails FROM PUBLIC;
