------------------------------------------------------------------------------
-- portfolio_margin 0.12.0 -> 0.13.0: pm.account_risk without a row per
-- account.
--
-- In 0.12.0 each account's fields came out of pm.account_ledger_risk as one
-- pm.ledger_risk row, which the view then took apart again: heap_form_tuple
-- for ten fields, then a FieldSelect (a walk of the row) for each column.
-- Measured on 200,000 accounts, that was about 7% of the view's time.
--
-- Now there is one aggregate per field, pm.ledger_risk_<column>.  All ten
-- have the same transition, combine and (de)serialization as
-- pm.account_ledger, and their final functions are FINALFUNC_MODIFY =
-- SHAREABLE, so in one query over the same rows PostgreSQL keeps a single
-- transition state for them: each row goes through pm.ledger_sfunc once.
-- The first final function to run settles the state and keeps the
-- account's totals in it; each then rounds its own field, the digits
-- pm.account_ledger_risk gives.  A query that reads fewer columns of the
-- view finalizes fewer fields.
--
-- pm.account_ledger_risk and pm.ledger_risk stay, for callers that want the
-- whole row.
------------------------------------------------------------------------------

\echo Use "ALTER EXTENSION portfolio_margin UPDATE TO '0.13.0'" to load this file. \quit

-- One final function and one aggregate per column of pm.ledger_risk.  The
-- final functions read the status ladder and, if the state has none, the
-- reference tables.  SSPACE as pm.account_ledger's (see 0.7.0).
DO $$
DECLARE
  f record;
BEGIN
  FOR f IN
    SELECT * FROM (VALUES
      ('program', 'text', 'program', 'the account''s program, PM or PM_PRO'),
      ('uni_mmr', 'numeric', 'uni_mmr', 'uniMMR rounded to 8 decimals, NULL without margin'),
      ('account_equity', 'numeric', 'account_equity', 'collateral-weighted equity rounded to 8 decimals'),
      ('actual_equity', 'numeric', 'actual_equity', 'equity at full value rounded to 8 decimals'),
      ('account_initial_margin', 'numeric', 'initial_margin', 'initial margin rounded to 8 decimals'),
      ('account_maint_margin', 'numeric', 'maint_margin', 'maintenance margin rounded to 8 decimals'),
      ('account_status', 'text', 'status', 'the status pm.status gives'),
      ('virtual_max_withdraw_amount', 'numeric', 'withdraw',
       'greatest(account equity - 1.2 maintenance margin, 0) rounded to 8 decimals'),
      ('total_available_balance', 'numeric', 'available',
       'account equity - initial margin rounded to 8 decimals'),
      ('total_margin_open_loss', 'numeric', 'open_loss', 'open-order loss rounded to 8 decimals')
    ) AS v(col, typ, symbol, what)
  LOOP
    EXECUTE pg_catalog.format(
      'CREATE FUNCTION pm.%I(pg_catalog.internal) RETURNS pg_catalog.%I '
      'AS %L, %L LANGUAGE C STABLE STRICT PARALLEL SAFE',
      'ledger_risk_' || f.col || '_final', f.typ, 'MODULE_PATHNAME', 'pm_ledger_risk_' || f.symbol || '_final');
    EXECUTE pg_catalog.format(
      'CREATE AGGREGATE pm.%I(kind pg_catalog."char", key pg_catalog.text, key2 pg_catalog.text, '
      'a pg_catalog.numeric, b pg_catalog.numeric, c pg_catalog.numeric, '
      'd pg_catalog.numeric, e pg_catalog.numeric, f pg_catalog.numeric, n pg_catalog.int4) ('
      'SFUNC = pm.ledger_sfunc, STYPE = pg_catalog.internal, SSPACE = 1048576, '
      'FINALFUNC = pm.%I, FINALFUNC_MODIFY = SHAREABLE, COMBINEFUNC = pm.ledger_combine, '
      'SERIALFUNC = pm.ledger_serialize, DESERIALFUNC = pm.ledger_deserialize, PARALLEL = SAFE)',
      'ledger_risk_' || f.col, 'ledger_risk_' || f.col || '_final');
    EXECUTE pg_catalog.format(
      'COMMENT ON AGGREGATE pm.%I(pg_catalog."char", pg_catalog.text, pg_catalog.text, '
      'pg_catalog.numeric, pg_catalog.numeric, pg_catalog.numeric, pg_catalog.numeric, '
      'pg_catalog.numeric, pg_catalog.numeric, pg_catalog.int4) IS %L',
      'ledger_risk_' || f.col,
      'an account''s ' || f.what || ', from its raw rows (the rows of pm.account_ledger): '
      'the ' || f.col || ' field of pm.account_ledger_risk; pm.ledger_risk_* aggregates over '
      'the same rows in one query share one transition state');
  END LOOP;
END
$$;

CREATE OR REPLACE VIEW pm.account_risk AS
SELECT l.account_id,
       pm.ledger_risk_program(l.kind, l.key, l.key2, l.a, l.b, l.c, l.d, l.e, l.f, l.n) AS program,
       pm.ledger_risk_uni_mmr(l.kind, l.key, l.key2, l.a, l.b, l.c, l.d, l.e, l.f, l.n) AS uni_mmr,
       pm.ledger_risk_account_equity(l.kind, l.key, l.key2, l.a, l.b, l.c, l.d, l.e, l.f, l.n)
         AS account_equity,
       pm.ledger_risk_actual_equity(l.kind, l.key, l.key2, l.a, l.b, l.c, l.d, l.e, l.f, l.n)
         AS actual_equity,
       pm.ledger_risk_account_initial_margin(l.kind, l.key, l.key2, l.a, l.b, l.c, l.d, l.e, l.f, l.n)
         AS account_initial_margin,
       pm.ledger_risk_account_maint_margin(l.kind, l.key, l.key2, l.a, l.b, l.c, l.d, l.e, l.f, l.n)
         AS account_maint_margin,
       pm.ledger_risk_account_status(l.kind, l.key, l.key2, l.a, l.b, l.c, l.d, l.e, l.f, l.n)
         AS account_status,
       pm.ledger_risk_virtual_max_withdraw_amount(l.kind, l.key, l.key2, l.a, l.b, l.c, l.d, l.e, l.f, l.n)
         AS virtual_max_withdraw_amount,
       pm.ledger_risk_total_available_balance(l.kind, l.key, l.key2, l.a, l.b, l.c, l.d, l.e, l.f, l.n)
         AS total_available_balance,
       pm.ledger_risk_total_margin_open_loss(l.kind, l.key, l.key2, l.a, l.b, l.c, l.d, l.e, l.f, l.n)
         AS total_margin_open_loss
  FROM pm.ledger_row l
 GROUP BY l.account_id;

-- CREATE OR REPLACE VIEW resets a view's options.
DO $$
BEGIN
  IF pg_catalog.current_setting('server_version_num')::pg_catalog.int4 >= 150000 THEN
    ALTER VIEW pm.account_risk SET (security_invoker = true);
  END IF;
END
$$;
