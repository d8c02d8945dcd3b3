-- kpi.referrals_daily is filtered on its `time`, the start of the referral's local day; that is
-- an expression of sent_at, so without an index on it every referral ever sent was read and had
-- its day computed. The expression is written out (kpi.day_start(kpi.local_day(sent_at)) as the
-- planner sees it once those two SQL functions are inlined) so that the index matches the view's
-- filter and does not depend on the view set's functions, which are re-created with the views.
CREATE INDEX referrals_sent_day_start_idx ON referrals
  ((((sent_at AT TIME ZONE {{STORE_TIMEZONE}})::date)::timestamp AT TIME ZONE {{STORE_TIMEZONE}}));
