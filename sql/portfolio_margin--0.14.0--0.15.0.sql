------------------------------------------------------------------------------
-- portfolio_margin 0.14.0 -> 0.15.0: no second range where no parallel plan
-- can run.
--
-- In 0.14.0 each range of pm.account_risk compared account_id with
-- pm.account_risk_split().  A query that cannot run in parallel -- workers
-- off, a cursor, an INSERT ... SELECT -- paid for the ranges and got
-- nothing: two GroupAggregates, two JIT compiles, and a key test on every
-- index tuple.  Measured on 200,000 accounts with
-- max_parallel_workers_per_gather = 0, that was ~3% of the whole-book time.
--
-- Now each range's qual is pm.account_risk_range(account_id, upper).  Its
-- planner support function turns it into account_id < split or
-- account_id >= split, as before, when the query may run in parallel, and
-- into false (lower) and true (upper) when it may not: the lower range is
-- then an empty Result (One-Time Filter: false).  See src/risk_split.c.
------------------------------------------------------------------------------

\echo Use "ALTER EXTENSION portfolio_margin UPDATE TO '0.15.0'" to load this file. \quit

CREATE FUNCTION pm.account_risk_range_support(pg_catalog.internal) RETURNS pg_catalog.internal
  AS 'MODULE_PATHNAME', 'pm_account_risk_range_support' LANGUAGE C STABLE STRICT PARALLEL SAFE;

CREATE FUNCTION pm.account_risk_range(account_id pg_catalog.int8, upper pg_catalog.bool)
  RETURNS pg_catalog.bool
  AS 'MODULE_PATHNAME', 'pm_account_risk_range' LANGUAGE C STABLE STRICT PARALLEL SAFE
  SUPPORT pm.account_risk_range_support;
COMMENT ON FUNCTION pm.account_risk_range(pg_catalog.int8, pg_catalog.bool) IS
  'whether account_id is in pm.account_risk''s upper range (from pm.account_risk_split() on) or, '
  'upper false, in the lower; when a query is planned, the comparison with the split as a constant, '
  'or false and true (one range of every account) when the query cannot run in parallel';

-- The view's quals change, nothing else: its columns, in order, are the
-- fields, each the aggregate pm.ledger_risk_<column> of the ledger rows.
DO $$
DECLARE
  ledger_args CONSTANT text := 'l.kind, l.key, l.key2, l.a, l.b, l.c, l.d, l.e, l.f, l.n';
  aggs text := (
    SELECT pg_catalog.string_agg(pg_catalog.format('pm.%I(%s) AS %I', 'ledger_risk_' || a.attname,
                                                   ledger_args, a.attname), ', ' ORDER BY a.attnum)
      FROM pg_catalog.pg_attribute a
     WHERE a.attrelid = 'pm.account_risk'::pg_catalog.regclass AND a.attnum > 1
       AND NOT a.attisdropped);
BEGIN
  -- The options are given again (CREATE OR REPLACE VIEW replaces them);
  -- security_invoker exists from PostgreSQL 15 on.
  EXECUTE pg_catalog.format(
    'CREATE OR REPLACE VIEW pm.account_risk %2$s AS '
    'SELECT l.account_id, %1$s FROM pm.ledger_row l '
    'WHERE pm.account_risk_range(l.account_id, false) GROUP BY l.account_id '
    'UNION ALL '
    'SELECT l.account_id, %1$s FROM pm.ledger_row l '
    'WHERE pm.account_risk_range(l.account_id, true) GROUP BY l.account_id',
    aggs,
    CASE WHEN pg_catalog.current_setting('server_version_num')::pg_catalog.int4 >= 150000
         THEN 'WITH (security_invoker = true)' ELSE '' END);
END
$$;
COMMENT ON VIEW pm.account_risk IS
  'per account, what GET /papi/v1/account answers (amounts rounded to 8 decimals, as Binance '
  'prints them; pm.account_margin.summary has them exact), in two ranges of account ids that a '
  'parallel plan runs side by side: below pm.account_risk_split() and from it on; one range when '
  'the query cannot run in parallel (pm.account_risk_range)';
