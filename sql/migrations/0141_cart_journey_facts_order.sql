-- The journey rows of a range are read by creation time; 0140's backfill rewrote every row once,
-- leaving a range's rows spread over the whole table (a 30-day read touched ~9 k pages for 41 k
-- rows). Rewritten once in creation order; later rows arrive in time order anyway.
CLUSTER cart_journey_facts USING cart_journey_facts_created_idx;
ANALYZE cart_journey_facts;
