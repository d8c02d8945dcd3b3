-- Recovery emails by the instant they were sent, whatever their campaign: recovery by segment
-- picks the carts with an email in its range before following each cart (kpi.recovery_by_segment).
CREATE INDEX recovery_email_rows_sent_idx ON recovery_email_rows (sent_at);
