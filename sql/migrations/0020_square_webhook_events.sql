-- Square webhook deliveries, one row per event_id: Square retries a delivery until it gets a
-- 2xx and may deliver the same event more than once, so the receiver records each event_id
-- before acting on it and a replay changes nothing.
CREATE TABLE square_webhook_events (
  event_id      text PRIMARY KEY,
  type          text NOT NULL,
  object_id     text,
  received_at   timestamptz NOT NULL DEFAULT now(),
  processed_at  timestamptz,
  error         text
);
CREATE INDEX square_webhook_events_received ON square_webhook_events (received_at DESC);
