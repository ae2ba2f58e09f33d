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
-- states, work_mem 2 GB, takes 766 MB -- and is slower than the sorted plan).
-- The declared transition space is 1 MB, a planner hint rather than a size:
-- for the 200 groups it assumes, the planner then expects 200 MB of hash
-- table, more than the hash memory of any work_mem up to 64 MB (times the
-- default hash_mem_multiplier 2), and costs the spill, as it would if it
-- could count the accounts.  (64 kB, tried first, held only at the default
-- 4 MB.)  Where the planner can count groups, a large state only steers it
-- to the sorted plan, which keeps one account in memory.
-- ALTER AGGREGATE cannot change SSPACE, and recreating the aggregate would
-- drop the views built on it, so the catalog row is updated in place.

\echo Use "ALTER EXTENSION portfolio_margin UPDATE TO '0.7.0'" to load this file. \quit

UPDATE pg_catalog.pg_aggregate
   SET aggtransspace = 1048576
 WHERE aggfnoid OPERATOR(pg_catalog.=)
       'pm.account_ledger(pg_catalog."char", pg_catalog.text, pg_catalog.text, pg_catalog.numeric, '
       'pg_catalog.numeric, pg_catalog.numeric, pg_catalog.numeric, pg_catalog.numeric, pg_catalog.numeric, '
       'pg_catalog.int4)'::pg_catalog.regprocedure;

------------------------------------------------------------------------------
-- pm.recompute_batch for many accounts joins them by hash or merge.
--
-- Found at 1,000,000 accounts: right after a bulk load (no statistics yet),
-- the planner joined the batch's fresh summaries to pm.account_state with a
-- nested loop over the materialized (spilled) aggregate -- 10,000 x 10,000
-- tuple reads per batch -- and pm.refresh_account_state() ran for hours.
-- Equality joins of up to 10,000 accounts never need a nested loop; single
-- accounts (triggers, generic plan) keep their index nested loops.
------------------------------------------------------------------------------

CREATE OR REPLACE FUNCTION pm.recompute_batch(ids pg_catalog.int8[]) RETURNS pg_catalog.int4
  LANGUAGE plpgsql
  SET search_path = pg_catalog, pg_temp
  SET plan_cache_mode = force_generic_plan
AS $$
DECLARE
  changed int4;
BEGIN
  IF cardinality(ids) > 64 THEN
    PERFORM set_config('plan_cache_mode', 'force_custom_plan', true);
    PERFORM set_config('enable_nestloop', 'off', true);
  END IF;
  WITH fresh AS (
    SELECT m.account_id, m.program, m.summary
      FROM pm.account_margin m
     WHERE m.account_id = ANY (ids)
  ), calc AS (
    SELECT f.account_id, f.program,
           pm.uni_mmr(f.summary) AS uni_mmr,
           pm.account_equity(f.summary) AS account_equity,
           pm.adjusted_equity(f.summary) AS adjusted_equity,
           pm.maint_margin(f.summary) AS maint_margin,
           pm.status(f.summary, f.program, NULLIF(s.status, '')) AS status,
           NULLIF(s.status, '') AS old_status
      FROM fresh f
      JOIN pm.account_state s ON s.account_id = f.account_id AND s.account_id = ANY (ids)
  ), upd AS (
    UPDATE pm.account_state s
       SET program = c.program, uni_mmr = c.uni_mmr, account_equity = c.account_equity,
           adjusted_equity = c.adjusted_equity, maint_margin = c.maint_margin, status = c.status,
           status_since = CASE WHEN c.status IS DISTINCT FROM c.old_status THEN now() ELSE s.status_since END,
           updated_at = now(), error = NULL
      FROM calc c
     WHERE s.account_id = c.account_id AND s.account_id = ANY (ids)
       AND (s.program, s.uni_mmr, s.account_equity, s.adjusted_equity, s.maint_margin, s.status, s.error)
           IS DISTINCT FROM (c.program, c.uni_mmr, c.account_equity, c.adjusted_equity, c.maint_margin, c.status, NULL)
    RETURNING c.account_id, c.old_status, c.status, c.uni_mmr, c.adjusted_equity, c.maint_margin
  ), ev AS (
    -- a change of status, or a first status that is not NORMAL
    INSERT INTO pm.risk_event (account_id, old_status, new_status, uni_mmr, adjusted_equity, maint_margin, at)
    SELECT u.account_id, u.old_status, u.status, u.uni_mmr, u.adjusted_equity, u.maint_margin, now()
      FROM upd u
     WHERE u.status IS DISTINCT FROM u.old_status AND (u.old_status IS NOT NULL OR u.status <> 'NORMAL')
  )
  SELECT count(*) INTO changed FROM upd;
  RETURN changed;
END
$$;
