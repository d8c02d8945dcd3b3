-- Dashboard queries are short reads over many chunks: PostgreSQL's JIT compiles one function per
-- chunk scan once a plan's estimated cost passes jit_above_cost, which on a year of weekly chunks
-- took longer (about 2 s at 10x) than the query itself. The KPI roles read without JIT; the
-- setting applies at login, as the other role settings of 0012.
ALTER ROLE kpi_admin   SET jit = off;
ALTER ROLE kpi_manager SET jit = off;
ALTER ROLE kpi_public  SET jit = off;
