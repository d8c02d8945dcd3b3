-- The recompute of a cart's journey is one large statement: its plan's cost estimate for the
-- generic plan (any number of cart_ids) stays above the custom plans' (one or two), so plpgsql
-- kept planning it anew on every row, ~4 ms of planning per cart or email written at a year of
-- 10× history. The generic plan probes per cart like the custom ones; one cached plan then costs
-- ~0.6-0.7 ms per row.
ALTER FUNCTION public.cart_journey_facts_refresh(text[]) SET plan_cache_mode = force_generic_plan;
