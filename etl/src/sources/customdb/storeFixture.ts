/**
 * A store-like back-office schema and data with hand-checkable answers, for the tests and the
 * demo. Its shape deliberately differs from ours (other names, local timestamps without zone,
 * first replies found among helpdesk messages) so that only the mapping file bridges the two.
 * Times below are UTC unless marked local (America/New_York, EDT = UTC−4 after 2026-03-08).
 */
export const STORE_SCHEMA = `
CREATE TABLE id_check (
  id serial PRIMARY KEY, order_number text NOT NULL, state text NOT NULL,
  created timestamp NOT NULL, passed_at timestamp, modified timestamp NOT NULL
);
CREATE TABLE referral (code text PRIMARY KEY, referrer text NOT NULL, invited_customer text, sent timestamptz NOT NULL, modified timestamptz NOT NULL);
CREATE TABLE points_ledger (id bigserial PRIMARY KEY, customer text NOT NULL, delta integer NOT NULL, reason text NOT NULL, at timestamptz NOT NULL, modified timestamptz NOT NULL);
CREATE TABLE helpdesk_ticket (id integer PRIMARY KEY, customer text, via text, opened timestamptz NOT NULL, closed timestamptz, modified timestamptz NOT NULL);
CREATE TABLE helpdesk_message (id serial PRIMARY KEY, ticket_id integer NOT NULL, author_kind text NOT NULL, sent timestamptz NOT NULL);
`;

/**
 * Orders O1..O5 are in the KPI database (from the commerce source); the store's checks refer
 * to them by number. Local times of id_check (EDT):
 *   O1 placed 03-10 14:00Z, check passed 03-10 16:00 local = 20:00Z → 6 h
 *   O2 placed 03-11 15:00Z, check passed 03-12 09:00 local = 13:00Z → 22 h
 *   O3 placed 03-12 12:00Z, check rejected
 *   O5 placed 03-19 12:00Z, check still new
 * Tickets: 1 → agent after 1.5 h, 2 → after 3 h, 3 → no agent reply yet.
 * Referrals: R1 C1→C4 (C4's first order 03-13, after: converted), R2 C2→C9 (no order),
 * R3 C1→nobody yet, R4 C3→C2 (C2 had ordered before: not converted) → 1 of 4.
 */
export const STORE_DATA = `
INSERT INTO id_check (order_number, state, created, passed_at, modified) VALUES
  ('O1', 'passed',   '2026-03-10 10:05', '2026-03-10 16:00', '2026-03-10 16:00'),
  ('O2', 'passed',   '2026-03-11 11:05', '2026-03-12 09:00', '2026-03-12 09:00'),
  ('O3', 'rejected', '2026-03-12 08:05', NULL,               '2026-03-12 18:00'),
  ('O5', 'new',      '2026-03-19 08:05', NULL,               '2026-03-19 08:05');
INSERT INTO referral (code, referrer, invited_customer, sent, modified) VALUES
  ('R1', 'C1', 'C4', '2026-03-05T12:00:00Z', '2026-03-05T12:00:00Z'),
  ('R2', 'C2', 'C9', '2026-03-06T12:00:00Z', '2026-03-06T12:00:00Z'),
  ('R3', 'C1', NULL, '2026-03-07T12:00:00Z', '2026-03-07T12:00:00Z'),
  ('R4', 'C3', 'C2', '2026-03-12T00:00:00Z', '2026-03-12T00:00:00Z');
INSERT INTO points_ledger (customer, delta, reason, at, modified) VALUES
  ('C1',  70, 'purchase', '2026-03-10T14:00:00Z', '2026-03-10T14:00:00Z'),
  ('C1', -50, 'reward',   '2026-03-11T10:00:00Z', '2026-03-11T10:00:00Z'),
  ('C2',  22, 'purchase', '2026-03-11T15:00:00Z', '2026-03-11T15:00:00Z'),
  ('C3', -10, 'expiry',   '2026-03-14T00:00:00Z', '2026-03-14T00:00:00Z');
INSERT INTO helpdesk_ticket (id, customer, via, opened, closed, modified) VALUES
  (1, 'C1', 'email', '2026-03-14T10:00:00Z', '2026-03-14T12:00:00Z', '2026-03-14T12:00:00Z'),
  (2, 'C2', 'chat',  '2026-03-15T09:00:00Z', NULL,                   '2026-03-15T09:00:00Z'),
  (3, NULL, 'phone', '2026-03-16T08:00:00Z', NULL,                   '2026-03-16T08:00:00Z');
INSERT INTO helpdesk_message (ticket_id, author_kind, sent) VALUES
  (1, 'customer', '2026-03-14T10:00:00Z'), (1, 'agent', '2026-03-14T11:30:00Z'), (1, 'agent', '2026-03-14T11:45:00Z'),
  (2, 'customer', '2026-03-15T09:00:00Z'), (2, 'agent', '2026-03-15T12:00:00Z'),
  (3, 'customer', '2026-03-16T08:00:00Z');
`;

/** The orders as the commerce source loaded them into the KPI database. */
export const KPI_ORDERS = [
  { order_id: 'O1', placed_at: '2026-03-10T14:00:00Z', customer_id: 'C1', requires_verification: true },
  { order_id: 'O2', placed_at: '2026-03-11T15:00:00Z', customer_id: 'C2', requires_verification: true },
  { order_id: 'O3', placed_at: '2026-03-12T12:00:00Z', customer_id: 'C3', requires_verification: true },
  { order_id: 'O4', placed_at: '2026-03-13T12:00:00Z', customer_id: 'C4', requires_verification: false },
  { order_id: 'O5', placed_at: '2026-03-19T12:00:00Z', customer_id: 'C1', requires_verification: true },
].map((o) => ({ ...o, status: 'completed', subtotal_cents: 5000, total_cents: 5000, source: 'square', source_id: o.order_id }));
