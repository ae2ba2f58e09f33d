------------------------------------------------------------------------------
-- portfolio_margin 0.11.0 -> 0.12.0: pm.account_risk from one aggregate call
-- per account.
--
-- pm.account_risk took each account's pm.margin_summary (laid out with
-- every asset's derived values and a copy of its collateral schedule) and
-- read its fields back through pm.risk_of: a dozen SQL-callable accessors,
-- each making a numeric, then round() of each.  The view needs only the
-- account's totals.  pm.account_ledger_risk is the same aggregate as
-- pm.account_ledger -- same transition, combine and (de)serialization, so
-- the same plans, serial and parallel -- whose final function computes the
-- totals of the settled state and returns the view's fields as one
-- pm.ledger_risk row, rounded in the fast path to the digits round() gives.
-- The program comes from the account row the aggregate reads anyway.
--
-- And the ledger transition's declared cost is now measured, not guessed.
-- At COST 100 (0.3.0) a 200,000-account pm.account_risk was estimated at
-- about 600,000, above jit_inline_above_cost and jit_optimize_above_cost,
-- so with the server's default jit = on every such query first spent about
-- 110 ms inlining and optimizing expressions that only call C; and with
-- parallel workers allowed the planner chose a partial hash aggregate that
-- spilled and ran slower than the serial plan.  Measured at 200,000
-- accounts, a transition costs about 11 times cpu_operator_cost (about 290
-- ns a row, against a floor of about 10 us per cost unit); COST 10 says so.
-- (pm.ledger_totals_sfunc keeps COST 100: the recompute paths that use it
-- run with jit = off, and their join plans were tuned against it.)
------------------------------------------------------------------------------

\echo Use "ALTER EXTENSION portfolio_margin UPDATE TO '0.12.0'" to load this file. \quit

ALTER FUNCTION pm.ledger_sfunc(pg_catalog.internal, pg_catalog."char", pg_catalog.text, pg_catalog.text,
                               pg_catalog.numeric, pg_catalog.numeric, pg_catalog.numeric,
                               pg_catalog.numeric, pg_catalog.numeric, pg_catalog.numeric,
                               pg_catalog.int4) COST 10;

CREATE TYPE pm.ledger_risk AS (
  program pg_catalog.text,
  uni_mmr pg_catalog.numeric,
  account_equity pg_catalog.numeric,
  actual_equity pg_catalog.numeric,
  account_initial_margin pg_catalog.numeric,
  account_maint_margin pg_catalog.numeric,
  account_status pg_catalog.text,
  virtual_max_withdraw_amount pg_catalog.numeric,
  total_available_balance pg_catalog.numeric,
  total_margin_open_loss pg_catalog.numeric
);
COMMENT ON TYPE pm.ledger_risk IS
  'an account''s program and the risk fields of pm.account_risk, as pm.account_ledger_risk returns them';

-- Reads the status ladder and, if the state has none, the reference tables.
CREATE FUNCTION pm.ledger_risk_final(pg_catalog.internal) RETURNS pm.ledger_risk
  AS 'MODULE_PATHNAME', 'pm_ledger_risk_final'
  LANGUAGE C STABLE STRICT PARALLEL SAFE;

-- SSPACE as pm.account_ledger's (see 0.7.0): steers the planner to the
-- sorted plan, which keeps one account's state in memory.
CREATE AGGREGATE pm.account_ledger_risk(kind pg_catalog."char", key pg_catalog.text, key2 pg_catalog.text,
                                        a pg_catalog.numeric, b pg_catalog.numeric, c pg_catalog.numeric,
                                        d pg_catalog.numeric, e pg_catalog.numeric, f pg_catalog.numeric,
                                        n pg_catalog.int4) (
  SFUNC = pm.ledger_sfunc,
  STYPE = pg_catalog.internal,
  SSPACE = 1048576,
  FINALFUNC = pm.ledger_risk_final,
  FINALFUNC_MODIFY = READ_WRITE,
  COMBINEFUNC = pm.ledger_combine,
  SERIALFUNC = pm.ledger_serialize,
  DESERIALFUNC = pm.ledger_deserialize,
  PARALLEL = SAFE
);
COMMENT ON AGGREGATE pm.account_ledger_risk(pg_catalog."char", pg_catalog.text, pg_catalog.text,
                                            pg_catalog.numeric, pg_catalog.numeric, pg_catalog.numeric,
                                            pg_catalog.numeric, pg_catalog.numeric, pg_catalog.numeric,
                                            pg_catalog.int4) IS
  'an account''s program and pm.account_risk fields from its raw rows (the rows of pm.account_ledger); '
  'equal to pm.risk_of over pm.account_ledger''s summary';

CREATE OR REPLACE VIEW pm.account_risk AS
SELECT m.account_id, (m.r).program, (m.r).uni_mmr, (m.r).account_equity, (m.r).actual_equity,
       (m.r).account_initial_margin, (m.r).account_maint_margin, (m.r).account_status,
       (m.r).virtual_max_withdraw_amount, (m.r).total_available_balance, (m.r).total_margin_open_loss
  FROM (SELECT l.account_id,
               pm.account_ledger_risk(l.kind, l.key, l.key2, l.a, l.b, l.c, l.d, l.e, l.f, l.n) AS r
          FROM pm.ledger_row l
         GROUP BY l.account_id) m;

-- CREATE OR REPLACE VIEW resets a view's options.
DO $$
BEGIN
  IF pg_catalog.current_setting('server_version_num')::pg_catalog.int4 >= 150000 THEN
    ALTER VIEW pm.account_risk SET (security_invoker = true);
  END IF;
END
$$;
