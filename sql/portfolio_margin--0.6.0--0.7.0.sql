------------------------------------------------------------------------------
-- portfolio_margin 0.6.0 -> 0.7.0: pm.account_risk plans as a sorted
-- aggregate.
--
-- pm.account_margin (and so pm.account_risk) groups pm.ledger_row, a UNION
-- ALL view, by account.  The planner has no statistics for a UNION ALL
-- column and assumes 200 groups; with the aggregate's default state size it
-- then believes every account fits in work_mem and picks a hash aggregate,
-- which at 200,000 accounts spills nearly every input row to disk (229
-- batches, 133 MB) -- 20-25% of the query.  The sorted plan (GroupAggregate
-- over a Merge Append of the tables' primary keys) reads each account's
-- rows together and keeps one account's state in memory at a time.
--
-- An account's state is about 4 kB (measured: a hash table of 200,000
-- states, work_mem 2 GB, takes 766 MB -- and is slower than the sorted plan).  The declared transition space is 64 kB so that the
-- planner's estimate for those 200 assumed groups (12.5 MB) exceeds the
-- default hash memory (work_mem 4 MB x hash_mem_multiplier 2) and it costs
-- the hash aggregate's spill, as it would if it could count the accounts.
-- ALTER AGGREGATE cannot change SSPACE, and recreating the aggregate would
-- drop the views built on it, so the catalog row is updated in place.

\echo Use "ALTER EXTENSION portfolio_margin UPDATE TO '0.7.0'" to load this file. \quit

UPDATE pg_catalog.pg_aggregate
   SET aggtransspace = 65536
 WHERE aggfnoid OPERATOR(pg_catalog.=)
       'pm.account_ledger(pg_catalog."char", pg_catalog.text, pg_catalog.text, pg_catalog.numeric, '
       'pg_catalog.numeric, pg_catalog.numeric, pg_catalog.numeric, pg_catalog.numeric, pg_catalog.numeric, '
       'pg_catalog.int4)'::pg_catalog.regprocedure;
