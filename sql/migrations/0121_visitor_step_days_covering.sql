-- The whole days of a short range are read from visitor_step_days by day (every cell of each day,
-- those with prev_day before the range's first day summed): with the count in the index that is
-- an index-only scan instead of a visit of each cell's heap page.
CREATE INDEX visitor_step_days_day_idx ON visitor_step_days (step, day, prev_day) INCLUDE (sessions);
