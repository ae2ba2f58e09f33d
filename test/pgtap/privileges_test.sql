-- Privileges and isolation: what pm_reader and pm_writer may do, that the
-- rules of pm.account_access split every view, the event log and the
-- functions that take an account, that built-in scenarios are the owner's,
-- and that a hostile search_path changes no result and runs no code as
-- another user.  Roles are created inside the transaction, so the ROLLBACK
-- at the end removes them.
BEGIN;
CREATE EXTENSION IF NOT EXISTS pgtap;
CREATE EXTENSION portfolio_margin;
SELECT plan(72);

------------------------------------------------------------------------------
-- The roles and what they are granted
------------------------------------------------------------------------------
SELECT has_role('pm_reader', 'role pm_reader exists');
SELECT has_role('pm_writer', 'role pm_writer exists');
SELECT ok(pg_has_role('pm_writer', 'pm_reader', 'MEMBER'), 'pm_writer is a pm_reader');
SELECT ok(has_table_privilege('pm_reader', 'pm.account_risk', 'SELECT')
          AND has_table_privilege('pm_reader', 'pm.risk_event', 'SELECT'),
          'pm_reader reads the views and the event log');
SELECT is_empty($$
  SELECT c.relname || ' ' || p.priv FROM pg_class c,
         unnest(ARRAY['INSERT', 'UPDATE', 'DELETE', 'TRUNCATE']) p(priv)
   WHERE c.relnamespace = 'pm'::regnamespace AND c.relkind IN ('r', 'p')
     AND has_table_privilege('pm_reader', c.oid, p.priv)$$,
  'pm_reader writes no table');
SELECT is(ARRAY(
  SELECT c.relname || ' ' || p.priv FROM pg_class c,
         unnest(ARRAY['INSERT', 'UPDATE', 'DELETE', 'TRUNCATE']) p(priv)
   WHERE c.relnamespace = 'pm'::regnamespace AND c.relkind IN ('r', 'p')
     AND has_table_privilege('pm_writer', c.oid, p.priv) ORDER BY 1),
  ARRAY['account DELETE', 'account INSERT', 'account UPDATE',
        'account_remote DELETE', 'account_remote INSERT', 'account_remote UPDATE', 'asset INSERT', 'asset UPDATE',
        'balance DELETE', 'balance INSERT', 'balance UPDATE',
        'balance_remote DELETE', 'balance_remote INSERT', 'balance_remote UPDATE',
        'binance_spot_symbol DELETE', 'binance_spot_symbol INSERT', 'binance_spot_symbol UPDATE',
        'binance_symbol DELETE', 'binance_symbol INSERT', 'binance_symbol UPDATE',
        'open_order DELETE', 'open_order INSERT', 'open_order UPDATE',
        'open_order_remote DELETE', 'open_order_remote INSERT', 'open_order_remote UPDATE',
        'position DELETE', 'position INSERT', 'position UPDATE',
        'position_remote DELETE', 'position_remote INSERT', 'position_remote UPDATE',
        'scenario DELETE', 'scenario INSERT', 'scenario UPDATE', 'symbol INSERT', 'symbol UPDATE'],
  'pm_writer writes accounts, balances, positions, orders (here, and on a coordinator''s shards), prices, staged symbols and scenarios, and nothing else');
SELECT is_empty($$
  SELECT c.relname FROM pg_class c
   WHERE c.relnamespace = 'pm'::regnamespace AND c.relkind IN ('r', 'p', 'v', 'S')
     AND (has_table_privilege('public', c.oid, 'SELECT') OR has_table_privilege('public', c.oid, 'INSERT')
          OR has_table_privilege('public', c.oid, 'UPDATE') OR has_table_privilege('public', c.oid, 'DELETE'))$$,
  'PUBLIC has no right on any table, view or sequence');
SELECT is_empty($$
  SELECT p.oid::regprocedure::text FROM pg_proc p
   WHERE p.pronamespace = 'pm'::regnamespace AND p.provolatile = 'v'
     AND has_function_privilege('public', p.oid, 'EXECUTE')$$,
  'PUBLIC can call no function that writes');
SELECT ok(NOT has_schema_privilege('public', 'pm', 'CREATE') AND NOT has_schema_privilege('pm_writer', 'pm', 'CREATE'),
          'nobody but the owner creates objects in schema pm');

------------------------------------------------------------------------------
-- Data: four accounts; analysts see the odd or the even ones
------------------------------------------------------------------------------
INSERT INTO pm.asset VALUES ('USDT', 1), ('BTC', 40000);
INSERT INTO pm.collateral VALUES ('PM_PRO', 'USDT', '0:1'), ('PM_PRO', 'BTC', '0:1');
INSERT INTO pm.symbol VALUES ('BTCUSDT', 'UM', 'BTC', 'USDT', NULL, 40000, '0:0.005');
INSERT INTO pm.account SELECT i, 'PM_PRO', 3 FROM generate_series(1, 4) i;
-- each account borrows to hold BTC: uniMMR = (P - loan) / (loan / 10)
INSERT INTO pm.balance (account_id, asset, cross_free, cross_borrowed)
  SELECT i, 'USDT', 0, 30000 + 500 * i FROM generate_series(1, 4) i
  UNION ALL SELECT i, 'BTC', 1, 0 FROM generate_series(1, 4) i;
INSERT INTO pm.position (account_id, symbol, qty, entry_price, leverage)
  VALUES (1, 'BTCUSDT', 0.1, 40000, 10), (2, 'BTCUSDT', -0.1, 40000, 10);
INSERT INTO pm.open_order (account_id, order_id, sell_asset, buy_asset, sell_qty, buy_qty)
  VALUES (3, 1, 'USDT', 'BTC', 100, 0.0025), (4, 1, 'USDT', 'BTC', 100, 0.0025);
-- a fall of BTC puts every account in a riskier band: events for all four,
-- recorded at commit -- or now, as this test runs in one transaction
UPDATE pm.asset SET index_price = 34000 WHERE asset = 'BTC';
SET CONSTRAINTS pm.state_at_commit IMMEDIATE;
SET CONSTRAINTS pm.state_at_commit DEFERRED;

-- who sees what is rows of pm.account_access; policies of one's own on
-- the extension's tables are refused (pg_dump would not keep them)
CREATE ROLE analyst_odd IN ROLE pm_reader;
CREATE ROLE analyst_even IN ROLE pm_reader;
INSERT INTO pm.account_access VALUES ('analyst_odd', '[1,1]'), ('analyst_odd', '[3,3]'),
                                     ('analyst_even', '[2,2]'), ('analyst_even', '[4,4]');
SELECT throws_ok($$CREATE POLICY mine ON pm.balance USING (account_id = 1)$$, '0A000',
                 'policies on pm.balance are not kept by pg_dump',
                 'a policy of one''s own on an extension table is refused');

SELECT is(pm.sample_risk(), 4::int8, 'the owner samples all four accounts');
CREATE TEMP TABLE everything AS SELECT * FROM pm.account_risk;
CREATE TEMP TABLE seen (analyst name, what text, account_id int8);
GRANT INSERT ON seen TO pm_reader;
SELECT is((SELECT count(DISTINCT account_id)::int FROM pm.risk_event), 4,
          'as the owner: events for all four accounts');

-- What each analyst sees, through each view and the event log
CREATE FUNCTION pg_temp.look() RETURNS void LANGUAGE sql AS $$
  INSERT INTO seen SELECT current_user, 'account_risk', account_id FROM pm.account_risk;
  INSERT INTO seen SELECT current_user, 'account_margin', account_id FROM pm.account_margin;
  INSERT INTO seen SELECT current_user, 'position_risk', account_id FROM pm.position_risk;
  INSERT INTO seen SELECT current_user, 'binance_position_risk', account_id FROM pm.binance_position_risk;
  INSERT INTO seen SELECT current_user, 'position_over_limit', account_id FROM pm.position_over_limit;
  INSERT INTO seen SELECT current_user, 'margin_line', account_id FROM pm.margin_line;
  INSERT INTO seen SELECT current_user, 'account_state', account_id FROM pm.account_state;
  INSERT INTO seen SELECT current_user, 'risk_event', account_id FROM pm.risk_event;
  INSERT INTO seen SELECT current_user, 'open_order', account_id FROM pm.open_order;
  INSERT INTO seen SELECT current_user, 'account', account_id FROM pm.account;
  -- history, and risk as of a moment (this transaction's now(): its rows)
  INSERT INTO seen SELECT current_user, 'account_risk_at', account_id FROM pm.account_risk_at(now());
  INSERT INTO seen SELECT current_user, 'asset_equity_at', account_id FROM pm.asset_equity_at(now());
  INSERT INTO seen SELECT current_user, 'position_risk_at', account_id FROM pm.position_risk_at(now());
  INSERT INTO seen SELECT current_user, 'ledger_row_at', account_id FROM pm.ledger_row_at(now());
  INSERT INTO seen SELECT current_user, 'balance_history', account_id FROM pm.balance_history;
  INSERT INTO seen SELECT current_user, 'account_history', account_id FROM pm.account_history;
  INSERT INTO seen SELECT current_user, 'changed_since', pg_catalog.unnest(pm.changed_since(now() - interval '1 microsecond'));
  INSERT INTO seen SELECT current_user, 'risk_sample', account_id FROM pm.risk_sample;
  INSERT INTO seen SELECT current_user, 'nearest_liquidation_series', account_id FROM pm.nearest_liquidation_series;
$$;
SET LOCAL ROLE analyst_odd;
SELECT pg_temp.look();
RESET ROLE;
SET LOCAL ROLE analyst_even;
SELECT pg_temp.look();
RESET ROLE;

SELECT is(ARRAY(SELECT DISTINCT account_id FROM seen WHERE analyst = 'analyst_odd' ORDER BY 1),
          ARRAY[1, 3]::int8[], 'the odd analyst sees accounts 1 and 3 everywhere');
SELECT is(ARRAY(SELECT DISTINCT account_id FROM seen WHERE analyst = 'analyst_even' ORDER BY 1),
          ARRAY[2, 4]::int8[], 'the even analyst sees accounts 2 and 4 everywhere');
SELECT is(ARRAY(SELECT what FROM seen WHERE analyst = 'analyst_odd' GROUP BY what
                HAVING array_agg(DISTINCT account_id ORDER BY account_id) = ARRAY[1, 3]::int8[]
                ORDER BY 1),
          ARRAY['account', 'account_history', 'account_margin', 'account_risk', 'account_risk_at',
                'account_state', 'asset_equity_at', 'balance_history', 'changed_since', 'ledger_row_at',
                'margin_line', 'nearest_liquidation_series', 'risk_event', 'risk_sample'],
          'every view, the state, the event log and the history show the odd analyst both their accounts');
SELECT is(ARRAY(SELECT account_id FROM seen WHERE what = 'open_order' ORDER BY 1),
          ARRAY[3, 4]::int8[], 'each analyst sees the open order of their own account only');
-- the aggregates of the series count only the accounts a desk may see
SET LOCAL ROLE analyst_odd;
SELECT is((SELECT sum(accounts)::int FROM pm.status_series), 2, 'the odd analyst''s status series counts its two accounts');
SELECT is((SELECT accounts::int FROM pm.book_series), 2, 'and so does its book series');
RESET ROLE;
SELECT is_empty($$SELECT o.what, o.account_id FROM seen o JOIN seen e USING (what, account_id)
                   WHERE o.analyst = 'analyst_odd' AND e.analyst = 'analyst_even'$$,
                'the two analysts see disjoint accounts');
SELECT results_eq($$SELECT * FROM everything WHERE account_id IN (1, 3) ORDER BY account_id$$,
                  $$SELECT e.* FROM everything e JOIN seen s USING (account_id)
                     WHERE s.analyst = 'analyst_odd' AND s.what = 'account_risk' ORDER BY account_id$$,
                  'an analyst''s accounts have the same risk as the owner sees');

-- the rules themselves: each desk reads its own; a role that no rule names
-- sees every account; a rule on a group binds its members
SET LOCAL ROLE analyst_odd;
SELECT is(ARRAY(SELECT accounts::text FROM pm.account_access ORDER BY 1), ARRAY['[1,2)', '[3,4)'],
          'a desk reads its own rules and no one else''s');
RESET ROLE;
CREATE ROLE auditor IN ROLE pm_reader;
SET LOCAL ROLE auditor;
SELECT is((SELECT count(*)::int FROM pm.account_risk), 4, 'a reader no rule names sees every account');
RESET ROLE;
CREATE ROLE desk_two NOLOGIN;
CREATE ROLE trader_two IN ROLE desk_two, pm_reader;
INSERT INTO pm.account_access VALUES ('desk_two', '[2,2]');
SET LOCAL ROLE trader_two;
SELECT is(ARRAY(SELECT account_id FROM pm.account_risk ORDER BY 1), ARRAY[2]::int8[],
          'a rule on a group role binds its members');
RESET ROLE;
UPDATE pm.account_access SET accounts = '[2,3]' WHERE grantee = 'desk_two'::regrole;
SET LOCAL ROLE trader_two;
SELECT is(ARRAY(SELECT account_id FROM pm.account_state ORDER BY 1), ARRAY[2, 3]::int8[],
          'a changed rule applies at the next statement');
RESET ROLE;

-- functions that take an account: one the caller may not see is the same
-- error as one that does not exist
SET LOCAL ROLE analyst_odd;
SELECT throws_ok($$SELECT pm.stress(2, 'BTC -20%')$$, '42704', 'account 2 does not exist',
                 'an account the caller may not see does not exist for pm.stress');
SELECT throws_ok($$SELECT pm.stress(99, 'BTC -20%')$$, '42704', 'account 99 does not exist',
                 'the same error as for an account that does not exist');
SELECT throws_ok($$SELECT * FROM pm.liquidation_price(2, 'BTC')$$, '42704', 'account 2 does not exist',
                 'nor for pm.liquidation_price');
SELECT throws_ok($$SELECT pm.max_withdraw(2, 'USDT')$$, '42704', 'account 2 does not exist',
                 'nor for pm.max_withdraw');
SELECT throws_ok($$SELECT pm.whatif(2, '{}')$$, '42704', 'account 2 does not exist',
                 'nor for pm.whatif');
SELECT throws_ok($$SELECT * FROM pm.position_impact(2)$$, '42704', 'account 2 does not exist',
                 'nor for pm.position_impact');
SELECT throws_ok($$SELECT * FROM pm.account_risk_of(2)$$, '42704', 'account 2 does not exist',
                 'nor for pm.account_risk_of');
SELECT throws_ok($$SELECT * FROM pm.account_risk_at(2, now())$$, '42704', 'account 2 does not exist',
                 'nor for pm.account_risk_at');
SELECT throws_ok($$SELECT * FROM pm.asset_equity_at(2, now())$$, '42704', 'account 2 does not exist',
                 'nor for pm.asset_equity_at');
SELECT throws_ok($$SELECT pm.stress_at(2, 'BTC -20%', now())$$, '42704', 'account 2 does not exist',
                 'nor for pm.stress_at');
SELECT throws_ok($$SELECT * FROM pm.liquidation_price_at(2, 'BTC', now())$$, '42704', 'account 2 does not exist',
                 'nor for pm.liquidation_price_at');
SELECT lives_ok($$SELECT pm.stress(1, 'BTC -20%')$$, 'an account the caller sees is stressed');
SELECT lives_ok($$SELECT pm.stress_at(1, 'BTC -20%', now()), pm.liquidation_price_at(1, 'BTC', now())$$,
                'and stressed and priced as of a moment');
-- the whole book's liquidation prices and ladder hold the caller's accounts only
SELECT is(ARRAY(SELECT account_id FROM pm.liquidation_prices('BTC') ORDER BY 1), '{1,3}'::int8[],
          'pm.liquidation_prices holds only the accounts the caller sees');
SELECT is((SELECT coalesce(sum(l.accounts), 0) FROM pm.liquidation_ladder('BTC', 1000) l)::int8,
          (SELECT count(p.below) + count(p.above) FROM pm.liquidation_prices('BTC') p),
          'pm.liquidation_ladder counts only those');
RESET ROLE;
SET LOCAL ROLE analyst_even;
SELECT is(ARRAY(SELECT account_id FROM pm.liquidation_prices('BTC') ORDER BY 1), '{2,4}'::int8[],
          'the other analyst''s whole-book prices hold the other accounts');
RESET ROLE;

-- pm.account_risk's two ranges (0.14.0) meet at the middle of all account
-- ids, row security or not; with workers, each range applies the analyst's
-- policies, and the odd analyst (accounts 1 and 3, one in each range) reads
-- the same rows as serially.
\ir plan_of.psql
GRANT SELECT ON everything TO pm_reader;
ANALYZE pm.account, pm.balance, pm.position, pm.open_order;
SET LOCAL ROLE analyst_odd;
SET LOCAL parallel_setup_cost = 0;
SET LOCAL parallel_tuple_cost = 0;
SET LOCAL max_parallel_workers_per_gather = 2;
SET LOCAL enable_seqscan = off;
SELECT is(pm.account_risk_split(), 3::int8, 'the split is the middle of all four accounts'' ids');
SELECT matches(pg_temp.plan_of('SELECT * FROM pm.account_risk'), 'Gather.*Parallel Append',
               'an analyst''s whole-book read runs the ranges in parallel');
SELECT results_eq($$SELECT * FROM pm.account_risk ORDER BY account_id$$,
                  $$SELECT * FROM everything WHERE account_id IN (1, 3) ORDER BY account_id$$,
                  'with workers, the odd analyst reads accounts 1 and 3 with the owner''s risk');
SELECT results_eq($$SELECT * FROM pm.account_risk_of(3)$$,
                  $$SELECT * FROM everything WHERE account_id = 3$$,
                  'pm.account_risk_of reads the odd analyst''s account 3');
RESET enable_seqscan;
RESET max_parallel_workers_per_gather;
RESET parallel_tuple_cost;
RESET parallel_setup_cost;
RESET ROLE;

-- A reader cannot write, not even the state
SET LOCAL ROLE analyst_odd;
SELECT throws_ok($$UPDATE pm.balance SET cross_free = 1 WHERE account_id = 1$$, '42501', NULL,
                 'a reader cannot change a balance');
SELECT throws_ok($$INSERT INTO pm.risk_event (account_id, new_status, at) VALUES (1, 'NORMAL', now())$$,
                 '42501', NULL, 'a reader cannot forge a risk event');
SELECT throws_ok($$SELECT pm.refresh_account_state()$$, '42501', NULL,
                 'a reader cannot run the state refresh');
RESET ROLE;

------------------------------------------------------------------------------
-- A writer: writes data, and the state follows through the owner's triggers
------------------------------------------------------------------------------
CREATE ROLE desk IN ROLE pm_writer;
CREATE TABLE public.desk_table (id int8);
ALTER TABLE public.desk_table OWNER TO desk;
SET LOCAL ROLE desk;
SELECT lives_ok($$UPDATE pm.asset SET index_price = 40000 WHERE asset = 'BTC'$$,
                'a writer updates a price');
SELECT lives_ok($$UPDATE pm.balance SET cross_borrowed = 38000 WHERE account_id = 4 AND asset = 'USDT'$$,
                'a writer updates a balance');
SELECT throws_ok($$UPDATE pm.account_state SET status = 'NORMAL' WHERE account_id = 4$$, '42501', NULL,
                 'a writer cannot set a status');
SELECT throws_ok($$INSERT INTO pm.risk_event (account_id, new_status, at) VALUES (4, 'NORMAL', now())$$,
                 '42501', NULL, 'a writer cannot forge a risk event');
SELECT throws_ok($$UPDATE pm.collateral SET schedule = '0:1' WHERE asset = 'BTC'$$, '42501', NULL,
                 'a writer cannot change a collateral schedule');
SELECT throws_ok($$CREATE TRIGGER t AFTER INSERT ON public.desk_table
                   FOR EACH STATEMENT EXECUTE FUNCTION pm.state_after_insert()$$, '42501', NULL,
                 'nobody else can attach the owner''s trigger functions');
-- scenarios: its own, yes; the built-in ones, no
SELECT lives_ok($$INSERT INTO pm.scenario (scenario, asset, price_shock) VALUES ('desk view', 'BTC', -0.15);
                  UPDATE pm.scenario SET price_shock = -0.25 WHERE scenario = 'desk view'$$,
                'a writer adds and edits a scenario of its own');
SELECT throws_ok($$INSERT INTO pm.scenario (scenario, asset, price_shock, builtin) VALUES ('fake', 'BTC', -0.5, true)$$,
                 '42501', NULL, 'a writer cannot add a built-in scenario');
UPDATE pm.scenario SET price_shock = 0.99 WHERE builtin;
DELETE FROM pm.scenario WHERE builtin;
RESET ROLE;
SELECT is((SELECT count(*)::int FROM pm.scenario WHERE builtin AND price_shock <> 0.99), 58,
          'a writer''s UPDATE and DELETE of the built-in scenarios change none of them');
UPDATE pm.scenario SET price_shock = -0.21 WHERE scenario = 'BTC -20%';
SELECT is((SELECT price_shock FROM pm.scenario WHERE scenario = 'BTC -20%'), -0.21::numeric,
          'the owner edits a built-in scenario');

-- a writer's feed that revalues at commit: the owner's deferred trigger
-- does it (fired here with SET CONSTRAINTS: this test never commits)
SET LOCAL ROLE desk;
SET LOCAL portfolio_margin.revalue_at = commit;
SELECT lives_ok($$UPDATE pm.asset SET index_price = 38000 WHERE asset = 'BTC';
                  SET CONSTRAINTS pm.revalue_at_commit IMMEDIATE$$,
                'a writer''s price change with revalue_at = commit is revalued by the owner''s trigger');
SELECT throws_ok($$SELECT * FROM pm.revalue_pending$$, '42501', NULL,
                 'a writer cannot read or write the pending price changes');
RESET ROLE;
SET LOCAL portfolio_margin.revalue_at = statement;
SELECT is(pm.refresh_account_state(), 0::int8, 'and the state it left is exact');
UPDATE pm.asset SET index_price = 40000 WHERE asset = 'BTC';

-- a writer bound to accounts 1 and 3 writes only those
CREATE ROLE desk_odd IN ROLE pm_writer;
INSERT INTO pm.account_access VALUES ('desk_odd', '[1,1]'), ('desk_odd', '[3,3]');
SET LOCAL ROLE desk_odd;
SELECT throws_ok($$INSERT INTO pm.balance (account_id, asset, cross_free) VALUES (2, 'BTC', 1)
                   ON CONFLICT DO NOTHING$$, '42501', NULL,
                 'a bound writer cannot write a balance of an account it may not see');
SELECT throws_ok($$INSERT INTO pm.account VALUES (5, 'PM', 3)$$, '42501', NULL,
                 'nor add an account outside its rules');
UPDATE pm.position SET qty = 1 WHERE account_id = 2;
RESET ROLE;
SELECT is((SELECT qty FROM pm.position WHERE account_id = 2), -0.1::numeric,
          'nor change a position of one');
SET LOCAL ROLE desk_odd;
SELECT lives_ok($$UPDATE pm.balance SET cross_free = 2 WHERE account_id = 3 AND asset = 'BTC'$$,
                'and writes its own');
RESET ROLE;
SELECT is((SELECT uni_mmr FROM pm.account_state WHERE account_id = 4), 0.52631578947368421053,
          'the writer''s change reached pm.account_state: uniMMR (40,000 - 38,000) / 3,800');
SELECT is((SELECT pm.refresh_account_state()), 0::int8,
          'and pm.refresh_account_state finds nothing to correct');

------------------------------------------------------------------------------
-- A hostile search_path: shadowing functions, operators and tables change
-- no result and run nothing, for a reader or for the owner's triggers
------------------------------------------------------------------------------
CREATE SCHEMA evil;
GRANT USAGE ON SCHEMA evil TO PUBLIC;
CREATE TABLE evil.trap_log (who name, what text);
GRANT INSERT ON evil.trap_log TO PUBLIC;
CREATE FUNCTION evil.sprung(what text) RETURNS void LANGUAGE sql
  AS $$ INSERT INTO evil.trap_log VALUES (current_user, what) $$;
CREATE FUNCTION evil.round(numeric, integer) RETURNS numeric LANGUAGE sql
  AS $$ SELECT evil.sprung('round'); SELECT 0::numeric $$;
CREATE FUNCTION evil.abs(numeric) RETURNS numeric LANGUAGE sql
  AS $$ SELECT evil.sprung('abs'); SELECT 0::numeric $$;
CREATE FUNCTION evil.greatest_lie(numeric, numeric) RETURNS numeric LANGUAGE sql
  AS $$ SELECT evil.sprung('-'); SELECT 0::numeric $$;
CREATE OPERATOR evil.- (LEFTARG = numeric, RIGHTARG = numeric, FUNCTION = evil.greatest_lie);
CREATE FUNCTION evil.int8_eq_lie(int8, int8) RETURNS boolean LANGUAGE sql
  AS $$ SELECT evil.sprung('='); SELECT true $$;
CREATE OPERATOR evil.= (LEFTARG = int8, RIGHTARG = int8, FUNCTION = evil.int8_eq_lie);
CREATE FUNCTION evil.text_eq_lie(text, text) RETURNS boolean LANGUAGE sql
  AS $$ SELECT evil.sprung('text ='); SELECT true $$;
CREATE OPERATOR evil.= (LEFTARG = text, RIGHTARG = text, FUNCTION = evil.text_eq_lie);
CREATE TABLE evil.balance (LIKE pm.balance);
CREATE TABLE evil.asset (asset text, index_price numeric);
INSERT INTO evil.asset VALUES ('BTC', 1);
GRANT SELECT ON evil.balance, evil.asset TO PUBLIC;
CREATE TEMP TABLE before AS SELECT * FROM pm.account_risk;
CREATE TEMP TABLE reader_saw (account_id int8, uni_mmr numeric);
GRANT INSERT ON reader_saw TO pm_reader;
SET LOCAL search_path = evil, pg_catalog, public;
CREATE TEMP TABLE live AS SELECT 1::int8 = 2::int8 AS lie;
SET LOCAL search_path TO DEFAULT;
SELECT ok((SELECT lie FROM live) AND (SELECT count(*) FROM evil.trap_log) = 1,
          'the traps are live for unqualified SQL');
DELETE FROM evil.trap_log;

-- Only the statements under test run with the hostile search_path (pgTAP's
-- own functions are not hardened against it); their own comparisons are
-- written OPERATOR(pg_catalog.=) so that any trap that springs is ours.
SET LOCAL search_path = evil, pg_catalog, public;
CREATE TEMP TABLE owner_saw AS SELECT * FROM pm.account_risk;
SET LOCAL ROLE analyst_odd;
INSERT INTO reader_saw SELECT account_id, uni_mmr FROM pm.account_risk;
RESET ROLE;
SET LOCAL ROLE desk;
UPDATE pm.asset SET index_price = 36000 WHERE asset OPERATOR(pg_catalog.=) 'BTC';
UPDATE pm.balance SET cross_free = 5 WHERE account_id OPERATOR(pg_catalog.=) 1 AND asset OPERATOR(pg_catalog.=) 'USDT';
RESET ROLE;
SET LOCAL search_path TO DEFAULT;

SELECT results_eq($$SELECT * FROM owner_saw ORDER BY account_id$$,
                  $$SELECT * FROM before ORDER BY account_id$$,
                  'pm.account_risk is unchanged under a hostile search_path');
SELECT results_eq($$SELECT * FROM reader_saw ORDER BY account_id$$,
                  $$SELECT account_id, uni_mmr FROM before WHERE account_id IN (1, 3) ORDER BY account_id$$,
                  'and for a reader under row-level security');
SELECT is((SELECT index_price FROM pm.asset WHERE asset = 'BTC'), 36000::numeric,
          'a writer with a hostile search_path updated a price');
SELECT is_empty($$SELECT * FROM evil.trap_log$$, 'no trap ran, in any view, policy or trigger');
SELECT is((SELECT pm.refresh_account_state()), 0::int8,
          'the state the triggers wrote under the hostile search_path is right');

SELECT * FROM finish();
ROLLBACK;
