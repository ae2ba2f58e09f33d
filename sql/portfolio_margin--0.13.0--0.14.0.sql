------------------------------------------------------------------------------
-- portfolio_margin 0.13.0 -> 0.14.0: pm.account_risk in two account ranges,
-- so a parallel plan divides the work.
--
-- Until 0.13.0 the view was one GroupAggregate over a Merge Append of the
-- four ledger tables' primary keys.  PostgreSQL 15 has no ordered partial
-- append, so a parallel plan could only deal each table's blocks to the
-- workers: an account's balances and positions landed in different
-- workers, and the leader alone combined and finalized the partial states.
-- The planner rightly kept the serial plan.
--
-- Now the view is a UNION ALL of two such GroupAggregates, one for the
-- accounts below pm.account_risk_split() and one for the rest.  The
-- planner runs them as a Parallel Append of non-partial children: each
-- range goes whole to one process.  Measured on 200,000 accounts (two
-- cores), a whole-book query takes ~0.58x the serial time with two workers
-- allowed.  Serially it costs one more JIT compile (~7 ms).
--
-- The ranges are complementary whatever the split is; the split only
-- balances them.  It is the middle of pm.account's smallest and largest id
-- under the query's snapshot, folded into a constant when the query is
-- planned (a planner support function), so every process of one query
-- uses the same value and a query for one account excludes the other
-- range at plan time.  See src/risk_split.c.
--
-- The price is in single-account reads through the view: the planner plans
-- both ranges (one of them empty).  pm.account_risk_of(account_id) reads one
-- account with a plan the session keeps.
------------------------------------------------------------------------------

\echo Use "ALTER EXTENSION portfolio_margin UPDATE TO '0.14.0'" to load this file. \quit

CREATE FUNCTION pm.account_risk_split_support(pg_catalog.internal) RETURNS pg_catalog.internal
  AS 'MODULE_PATHNAME', 'pm_account_risk_split_support' LANGUAGE C STABLE STRICT PARALLEL SAFE;

CREATE FUNCTION pm.account_risk_split() RETURNS pg_catalog.int8
  AS 'MODULE_PATHNAME', 'pm_account_risk_split' LANGUAGE C STABLE PARALLEL SAFE
  SUPPORT pm.account_risk_split_support;
COMMENT ON FUNCTION pm.account_risk_split() IS
  'the account id at which pm.account_risk''s two ranges meet: the middle of pm.account''s smallest '
  'and largest account_id under the query''s snapshot, folded into a constant when a query is planned; '
  'the smallest int8 (all accounts in the upper range) when the caller may not read account_id or '
  'the transaction is serializable';

-- The view's two ranges and pm.account_risk_of have the same ten aggregates
-- over the same rows; the list is written once here.
DO $$
DECLARE
  aggs text;
BEGIN
  SELECT pg_catalog.string_agg(pg_catalog.format(
           'pm.%I(l.kind, l.key, l.key2, l.a, l.b, l.c, l.d, l.e, l.f, l.n) AS %I',
           'ledger_risk_' || col, col), E',\n       ' ORDER BY ord)
    INTO aggs
    FROM pg_catalog.unnest(ARRAY['program', 'uni_mmr', 'account_equity', 'actual_equity',
                                 'account_initial_margin', 'account_maint_margin', 'account_status',
                                 'virtual_max_withdraw_amount', 'total_available_balance',
                                 'total_margin_open_loss']) WITH ORDINALITY AS c(col, ord);
  EXECUTE pg_catalog.format(
    'CREATE OR REPLACE VIEW pm.account_risk AS '
    'SELECT l.account_id, %1$s FROM pm.ledger_row l '
    'WHERE l.account_id OPERATOR(pg_catalog.<) pm.account_risk_split() GROUP BY l.account_id '
    'UNION ALL '
    'SELECT l.account_id, %1$s FROM pm.ledger_row l '
    'WHERE l.account_id OPERATOR(pg_catalog.>=) pm.account_risk_split() GROUP BY l.account_id', aggs);
  -- One account, planned once per session (PL/pgSQL keeps the plan): a
  -- query of the view by id plans both ranges every time.
  EXECUTE pg_catalog.format(
    'CREATE FUNCTION pm.account_risk_of(account_id pg_catalog.int8) RETURNS SETOF pm.account_risk '
    'LANGUAGE plpgsql STABLE STRICT PARALLEL SAFE ROWS 1 SET search_path = pg_catalog, pg_temp AS %L',
    pg_catalog.format(
      E'BEGIN\n'
      '  RETURN QUERY SELECT l.account_id, %s FROM pm.ledger_row l '
      'WHERE l.account_id OPERATOR(pg_catalog.=) account_risk_of.account_id GROUP BY l.account_id;\n'
      'END', aggs));
  -- CREATE OR REPLACE VIEW resets a view's options.
  IF pg_catalog.current_setting('server_version_num')::pg_catalog.int4 >= 150000 THEN
    ALTER VIEW pm.account_risk SET (security_invoker = true);
  END IF;
END
$$;
COMMENT ON VIEW pm.account_risk IS
  'per account, the fields of GET /papi/v1/account, rounded to 8 decimals as Binance prints them; '
  'exact values: pm.account_margin.summary; computed in two account ranges split at '
  'pm.account_risk_split(), which a parallel plan runs side by side';
COMMENT ON FUNCTION pm.account_risk_of(pg_catalog.int8) IS
  'one account''s row of pm.account_risk (none for an account without rows), read with a plan the '
  'session keeps: for reading single accounts often';
