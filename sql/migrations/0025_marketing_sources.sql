-- Columns and one table the marketing sources (GA4, SendGrid, Meta Ads) report and the KPI layer
-- reads. New columns have defaults, so rows written by the simulator and older loads stay valid.

-- ------------------------------------------------------------------ traffic_daily (GA4)
-- GA4 reports by date x session default channel group x source / medium x device category; the
-- channel column keeps the store's six channels (mapped from the group) and the group itself is
-- kept beside it. The natural key grows by the two new dimensions ('' where a source has none).
ALTER TABLE traffic_daily
  ADD COLUMN channel_group text NOT NULL DEFAULT '',
  ADD COLUMN source_medium text NOT NULL DEFAULT '',
  ADD COLUMN new_users integer NOT NULL DEFAULT 0 CHECK (new_users >= 0),
  ADD COLUMN purchase_revenue_cents bigint NOT NULL DEFAULT 0,
  -- GA4 marks reports that were sampled or had rows withheld by thresholding; kept with the rows.
  ADD COLUMN sampled boolean NOT NULL DEFAULT false,
  ADD COLUMN thresholded boolean NOT NULL DEFAULT false;
ALTER TABLE traffic_daily DROP CONSTRAINT traffic_daily_source_day_channel_device_key;
ALTER TABLE traffic_daily ADD CONSTRAINT traffic_daily_key UNIQUE (source, day, channel, device, channel_group, source_medium);

-- Distinct users over the dashboard's common ranges, as GA4 counts them. Users cannot be summed
-- across days (one person visiting on two days is one visitor of the range), so the range
-- figures are asked of GA4 itself on every run. start_day/end_day are days in the property's
-- time zone (stored with the row), inclusive. Rewritten by every GA4 run; a run that finds
-- the same figures writes nothing.
CREATE TABLE traffic_range_users (
  range_key          text NOT NULL CHECK (range_key IN ('today', '7d', '30d', '90d', 'mtd')),
  start_day          date NOT NULL,
  end_day            date NOT NULL CHECK (end_day >= start_day),
  users              integer NOT NULL CHECK (users >= 0),
  sessions           integer NOT NULL DEFAULT 0,
  add_to_cart_users  integer NOT NULL DEFAULT 0,
  checkout_users     integer NOT NULL DEFAULT 0,
  purchase_users     integer NOT NULL DEFAULT 0,
  time_zone          text NOT NULL,
  sampled            boolean NOT NULL DEFAULT false,
  thresholded        boolean NOT NULL DEFAULT false,
  source             text NOT NULL,
  source_id          text NOT NULL,
  PRIMARY KEY (source, range_key)
);

-- ------------------------------------------------------------------ email_stats (SendGrid)
-- scope says what a row counts: one campaign (a Single Send or one of its A/B variations), a
-- category, or all mail of the account (global); a sum across scopes would count mail twice.
ALTER TABLE email_stats
  ADD COLUMN spam_reports integer NOT NULL DEFAULT 0,
  ADD COLUMN scope text NOT NULL DEFAULT 'campaign' CHECK (scope IN ('campaign', 'category', 'global'));

-- ------------------------------------------------------------------ ad_insights (Meta Ads)
-- The attribution setting (e.g. 7-day click, 1-day view) decides what "purchases" means; it is
-- stored on every row because it can change between campaigns and over time.
ALTER TABLE ad_insights
  ADD COLUMN reach integer NOT NULL DEFAULT 0,
  ADD COLUMN engagements integer NOT NULL DEFAULT 0,
  ADD COLUMN attribution_setting text;
