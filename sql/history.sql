-- History and risk as of a moment.  A book of 300 demo accounts goes
-- through transactions that change every input pm.account_risk depends on
-- -- positions, balances, orders, accounts, marks, index prices, brackets,
-- collateral schedules, loan rates, the status ladder -- and after each one
-- what the views print is kept with the moment it was printed.  Then every
-- moment is asked again: pm.account_risk_at, pm.asset_equity_at,
-- pm.position_risk_at, pm.stress_at and pm.liquidation_price_at must give
-- what was printed then, to the digit.
-- Runs last: the demo generator replaces the book.
\set ECHO none
\o /dev/null
\set accounts 300
\set seed 5
\i test/gen/exchange.sql
\o
\set ECHO all

-- An error's state and message, with moments (which vary) as <moment>
CREATE FUNCTION pg_temp.error_of(query text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
  msg text;
  detail text;
BEGIN
  EXECUTE query;
  RETURN 'no error';
EXCEPTION WHEN OTHERS THEN
  GET STACKED DIAGNOSTICS msg = MESSAGE_TEXT, detail = PG_EXCEPTION_DETAIL;
  RETURN SQLSTATE || ': ' || regexp_replace(msg || ' / ' || detail,
                                            '[A-Z][a-z]{2} [A-Z][a-z]{2} [0-9]{2} [0-9:.]+ [0-9]{4} [A-Z]+', '<moment>', 'g');
END
$$;

-- pm.liquidation_price's answer (now when at is NULL, else
-- pm.liquidation_price_at's), or the SQLSTATE of its error
CREATE FUNCTION pg_temp.liquidation(account_id int8, asset text, at timestamptz) RETURNS text
  LANGUAGE plpgsql AS $$
BEGIN
  IF at IS NULL THEN
    RETURN (SELECT l::text FROM pm.liquidation_price(account_id, asset) l);
  END IF;
  RETURN (SELECT l::text FROM pm.liquidation_price_at(account_id, asset, at) l);
EXCEPTION WHEN OTHERS THEN
  RETURN SQLSTATE;
END
$$;
-- a few accounts' stress and liquidation prices: one in 23, two closed
-- at step 8, the one opened then
CREATE FUNCTION pg_temp.few(account_id int8) RETURNS bool LANGUAGE sql AS $$
  SELECT account_id % 23 = 0 OR account_id IN (19, 38, 999001)
$$;

-- What the views printed, and when.
CREATE TEMP TABLE printed (at timestamptz, step text, view text, r text);
CREATE FUNCTION pg_temp.print(step text) RETURNS void LANGUAGE sql AS $$
  INSERT INTO printed SELECT statement_timestamp(), step, 'account_risk', r::text FROM pm.account_risk r;
  INSERT INTO printed SELECT statement_timestamp(), step, 'asset_equity', r::text FROM pm.asset_equity r;
  INSERT INTO printed SELECT statement_timestamp(), step, 'position_risk', r::text FROM pm.position_risk r;
  INSERT INTO printed
  SELECT statement_timestamp(), step, 'stress', s.scenario || ' ' || r::text
    FROM pm.account a CROSS JOIN (VALUES ('BTC -20%'), ('crypto -30%'), ('USDT de-peg -10%')) s(scenario)
   CROSS JOIN LATERAL pm.stress(a.account_id, s.scenario) r
   WHERE pg_temp.few(a.account_id);
  INSERT INTO printed
  SELECT statement_timestamp(), step, 'liquidation_price',
         a.account_id || ' ' || x.asset || ' ' || pg_temp.liquidation(a.account_id, x.asset, NULL)
    FROM pm.account a CROSS JOIN (VALUES ('BTC'), ('ETH')) x(asset)
   WHERE pg_temp.few(a.account_id);
$$;
-- the same asked of a moment
CREATE FUNCTION pg_temp.asked(at timestamptz) RETURNS TABLE (view text, r text) LANGUAGE sql AS $$
  SELECT 'stress', s.scenario || ' ' || r::text
    FROM pm.account_at(at) a CROSS JOIN (VALUES ('BTC -20%'), ('crypto -30%'), ('USDT de-peg -10%')) s(scenario)
   CROSS JOIN LATERAL pm.stress_at(a.account_id, s.scenario, at) r
   WHERE pg_temp.few(a.account_id)
  UNION ALL
  SELECT 'liquidation_price', a.account_id || ' ' || x.asset || ' ' || pg_temp.liquidation(a.account_id, x.asset, at)
    FROM pm.account_at(at) a CROSS JOIN (VALUES ('BTC'), ('ETH')) x(asset)
   WHERE pg_temp.few(a.account_id)
$$;

SELECT pg_temp.print('0 loaded');
UPDATE pm.position SET qty = qty * 2 WHERE account_id % 7 = 0;
SELECT pg_temp.print('1 positions doubled');
INSERT INTO pm.position (account_id, symbol, qty, entry_price)
SELECT a.account_id, 'ETHUSDT', -3, 2000 FROM pm.account a WHERE a.account_id % 11 = 0
ON CONFLICT DO NOTHING;
DELETE FROM pm.position WHERE account_id % 13 = 0 AND symbol = 'BTCUSDT';
SELECT pg_temp.print('2 positions opened and closed');
UPDATE pm.symbol SET mark_price = mark_price * 0.97;
SELECT pg_temp.print('3 marks -3%');
UPDATE pm.asset SET index_price = index_price * 0.95 WHERE asset <> 'USDT';
SELECT pg_temp.print('4 index prices -5%');
UPDATE pm.balance SET cross_borrowed = cross_borrowed + 100 WHERE asset = 'USDT' AND account_id % 5 = 0;
UPDATE pm.account SET loan_leverage = 5 WHERE account_id % 5 = 0;
SELECT pg_temp.print('5 loans and leverage');
UPDATE pm.symbol SET brackets = pm.tiers('{0,1000}', '{0.02,0.05}') WHERE symbol = 'BTCUSDT';
UPDATE pm.collateral SET schedule = pm.tiers('{0}', '{0.5}') WHERE asset = 'ETH' AND program = 'PM';
UPDATE pm.loan_mmr SET mmr = 0.09 WHERE leverage = 5;
UPDATE pm.status_threshold SET uni_mmr_above = 1.6 WHERE program = 'PM_PRO' AND status = 'NORMAL';
SELECT pg_temp.print('6 brackets, collateral, loan rate, ladder');
-- one transaction: the same rows written several times, a delete and a
-- re-insert, a price moved twice, and a savepoint rolled back
BEGIN;
UPDATE pm.position SET qty = qty + 1 WHERE account_id % 3 = 0 AND side = 'BOTH';
UPDATE pm.position SET qty = qty + 1 WHERE account_id % 3 = 0 AND side = 'BOTH';
DELETE FROM pm.balance WHERE account_id % 17 = 0 AND asset = 'USDT';
INSERT INTO pm.balance (account_id, asset, cross_free)
SELECT a.account_id, 'USDT', 12345.678 FROM pm.account a WHERE a.account_id % 17 = 0;
UPDATE pm.symbol SET mark_price = mark_price * 1.01 WHERE symbol = 'ETHUSDT';
UPDATE pm.symbol SET mark_price = mark_price * 1.01 WHERE symbol = 'ETHUSDT';
UPDATE pm.symbol SET brackets = brackets, position_limit = 1e9 WHERE symbol = 'ETHUSDT';
SAVEPOINT s;
UPDATE pm.asset SET index_price = 1 WHERE asset = 'BTC';
ROLLBACK TO SAVEPOINT s;
INSERT INTO pm.open_order (account_id, order_id, sell_asset, sell_qty, buy_asset, buy_qty)
SELECT a.account_id, 777, 'USDT', 500, 'BTC', 0.02 FROM pm.account a WHERE a.account_id % 9 = 0;
COMMIT;
SELECT pg_temp.print('7 one busy transaction');
DELETE FROM pm.account WHERE account_id % 19 = 0;
INSERT INTO pm.account (account_id, program) VALUES (999001, 'PM');
INSERT INTO pm.balance (account_id, asset, cross_free) VALUES (999001, 'BTC', 1);
INSERT INTO pm.asset (asset, index_price) VALUES ('NEWCOIN', 3);
UPDATE pm.asset SET index_price = 7.50 WHERE asset = 'USDC';
SELECT pg_temp.print('8 accounts closed and opened, an asset listed, a price rewritten');
-- a price rewritten with other digits only is a change (the values derived
-- from it print other digits); the same digits are none
UPDATE pm.asset SET index_price = index_price::numeric(30,10) WHERE asset = 'ETH';
UPDATE pm.symbol SET mark_price = mark_price WHERE symbol = 'BTCUSDT';
SELECT pg_temp.print('9 digits');
TRUNCATE pm.open_order;
SELECT pg_temp.print('10 orders truncated');

-- Every step changed what the views print, so a wrong moment would show.
SELECT p.step, p.view, count(*) AS rows,
       count(*) FILTER (WHERE NOT EXISTS (SELECT FROM printed q
                                           WHERE q.step = '0 loaded' AND q.view = p.view AND q.r = p.r)) AS unlike_step_0
  FROM printed p GROUP BY 1, 2 ORDER BY p.step COLLATE "C", 2;

-- What was printed, asked again: no row missing, none extra.
SELECT p.step,
       (SELECT count(*) FROM (SELECT q.r FROM printed q WHERE q.at = p.at AND q.view = 'account_risk'
                              EXCEPT ALL SELECT r::text FROM pm.account_risk_at(p.at) r) x) AS risk_missing,
       (SELECT count(*) FROM (SELECT r::text FROM pm.account_risk_at(p.at) r
                              EXCEPT ALL SELECT q.r FROM printed q WHERE q.at = p.at AND q.view = 'account_risk') x) AS risk_extra,
       (SELECT count(*) FROM ((SELECT q.r FROM printed q WHERE q.at = p.at AND q.view = 'asset_equity'
                               EXCEPT ALL SELECT r::text FROM pm.asset_equity_at(p.at) r)
                              UNION ALL
                              (SELECT r::text FROM pm.asset_equity_at(p.at) r
                               EXCEPT ALL SELECT q.r FROM printed q WHERE q.at = p.at AND q.view = 'asset_equity')) x) AS equity_differ,
       (SELECT count(*) FROM ((SELECT q.r FROM printed q WHERE q.at = p.at AND q.view = 'position_risk'
                               EXCEPT ALL SELECT r::text FROM pm.position_risk_at(p.at) r)
                              UNION ALL
                              (SELECT r::text FROM pm.position_risk_at(p.at) r
                               EXCEPT ALL SELECT q.r FROM printed q WHERE q.at = p.at AND q.view = 'position_risk')) x) AS positions_differ
  FROM (SELECT DISTINCT step, at FROM printed) p
 ORDER BY p.step COLLATE "C";

-- pm.stress and pm.liquidation_price asked again with pm.stress_at and
-- pm.liquidation_price_at: no row missing, none extra.
WITH asked AS MATERIALIZED (
  SELECT p.at, x.view, x.r FROM (SELECT DISTINCT at FROM printed) p, pg_temp.asked(p.at) x)
SELECT p.step,
       (SELECT count(*) FROM printed q WHERE q.at = p.at AND q.view IN ('stress', 'liquidation_price')) AS rows,
       (SELECT count(*) FROM ((SELECT q.view, q.r FROM printed q WHERE q.at = p.at AND q.view IN ('stress', 'liquidation_price')
                               EXCEPT ALL SELECT a.view, a.r FROM asked a WHERE a.at = p.at)
                              UNION ALL
                              (SELECT a.view, a.r FROM asked a WHERE a.at = p.at
                               EXCEPT ALL SELECT q.view, q.r FROM printed q WHERE q.at = p.at AND q.view IN ('stress', 'liquidation_price'))) x) AS differ
  FROM (SELECT DISTINCT step, at FROM printed) p
 ORDER BY p.step COLLATE "C";

-- One account at a time, as printed.
SELECT p.step, count(*) FILTER (WHERE a::text IS DISTINCT FROM p.r) AS differ, count(*) AS accounts
  FROM printed p
 CROSS JOIN LATERAL pm.account_risk_at((pg_catalog.split_part(pg_catalog.ltrim(p.r, '('), ',', 1))::int8, p.at) a
 WHERE p.view = 'account_risk' AND p.step IN ('5 loans and leverage', '7 one busy transaction')
 GROUP BY 1 ORDER BY 1;

-- An account closed since: its risk then, and its assets line by line.
SELECT (pm.account_risk_at(19, p.at)).account_status IS NOT NULL AS valued_then,
       (SELECT count(*) FROM pm.asset_equity_at(19, p.at)) > 0 AS assets_then,
       EXISTS (SELECT FROM pm.account WHERE account_id = 19) AS exists_now
  FROM printed p WHERE p.step = '7 one busy transaction' LIMIT 1;
-- one opened since: no row then
SELECT count(*) FROM printed p, pm.account_risk_at(999001, p.at) WHERE p.step = '7 one busy transaction';
-- one that never was: the same error as pm.account_risk_of
SELECT * FROM pm.account_risk_at(123456789, now());
-- one opened since, asked before it was: an error naming the moment; one
-- that never was: the error of pm.liquidation_price and pm.stress
SELECT pg_temp.error_of(format('SELECT pm.liquidation_price_at(999001, %L, %L)', 'BTC', p.at)),
       pg_temp.error_of(format('SELECT pm.stress_at(999001, %L, %L)', 'BTC -20%', p.at))
  FROM printed p WHERE p.step = '7 one busy transaction' LIMIT 1;
SELECT pg_temp.error_of('SELECT pm.liquidation_price_at(123456789, ''BTC'', now())'),
       pg_temp.error_of('SELECT pm.stress_at(123456789, ''BTC -20%'', now())');

-- The history kept: the first change of a key in a transaction only; a
-- price written twice kept once, with its value before the transaction.
SELECT count(*) AS eth_marks_kept
  FROM pm.mark_price_history h
 WHERE h.symbol = 'ETHUSDT'
   AND h.valid_until > (SELECT max(at) FROM printed WHERE step = '6 brackets, collateral, loan rate, ladder')
   AND h.valid_until < (SELECT max(at) FROM printed WHERE step = '7 one busy transaction');
-- and the brackets change after them in the same transaction: nothing more
SELECT count(*) AS eth_rows_kept
  FROM pm.symbol_history h
 WHERE h.symbol = 'ETHUSDT'
   AND h.valid_until > (SELECT max(at) FROM printed WHERE step = '6 brackets, collateral, loan rate, ladder')
   AND h.valid_until < (SELECT max(at) FROM printed WHERE step = '7 one busy transaction');
SELECT (SELECT mark_price FROM pm.symbol_at((SELECT max(at) FROM printed WHERE step = '6 brackets, collateral, loan rate, ladder'))
         WHERE symbol = 'ETHUSDT')
     = (SELECT h.mark_price FROM pm.mark_price_history h
         WHERE h.symbol = 'ETHUSDT'
           AND h.valid_until > (SELECT max(at) FROM printed WHERE step = '6 brackets, collateral, loan rate, ladder')
           AND h.valid_until < (SELECT max(at) FROM printed WHERE step = '7 one busy transaction')) AS value_before;
-- a balance deleted and inserted again: the old one kept; an absence only
-- for the keys that had none before
SELECT h.present, count(*) FROM pm.balance_history h
 WHERE h.account_id % 17 = 0 AND h.asset = 'USDT'
   AND h.valid_until > (SELECT max(at) FROM printed WHERE step = '6 brackets, collateral, loan rate, ladder')
   AND h.valid_until < (SELECT max(at) FROM printed WHERE step = '7 one busy transaction')
 GROUP BY 1 ORDER BY 1;
-- a rewrite with the same digits keeps nothing; other digits, the old ones
SELECT count(*) FROM pm.mark_price_history h
 WHERE h.symbol = 'BTCUSDT' AND h.valid_until > (SELECT max(at) FROM printed WHERE step = '8 accounts closed and opened, an asset listed, a price rewritten');
SELECT h.index_price FROM pm.asset_history h
 WHERE h.asset = 'ETH' AND h.valid_until > (SELECT max(at) FROM printed WHERE step = '8 accounts closed and opened, an asset listed, a price rewritten');

-- Inputs as of a moment, table by table: as the table is, at now().
SELECT (SELECT count(*) FROM (TABLE pm.account EXCEPT ALL SELECT * FROM pm.account_at(now())) x)
     + (SELECT count(*) FROM (TABLE pm.balance EXCEPT ALL SELECT * FROM pm.balance_at(now())) x)
     + (SELECT count(*) FROM (TABLE pm.position EXCEPT ALL SELECT * FROM pm.position_at(now())) x)
     + (SELECT count(*) FROM (TABLE pm.open_order EXCEPT ALL SELECT * FROM pm.open_order_at(now())) x)
     + (SELECT count(*) FROM (SELECT asset, index_price::text FROM pm.asset
                              EXCEPT ALL SELECT asset, index_price::text FROM pm.asset_at(now())) x)
     + (SELECT count(*) FROM (SELECT s::text FROM pm.symbol s EXCEPT ALL SELECT s::text FROM pm.symbol_at(now()) s) x)
     + (SELECT count(*) FROM (SELECT c::text FROM pm.collateral c EXCEPT ALL SELECT c::text FROM pm.collateral_at(now()) c) x)
     + (SELECT count(*) FROM (TABLE pm.loan_mmr EXCEPT ALL SELECT * FROM pm.loan_mmr_at(now())) x)
     + (SELECT count(*) FROM (TABLE pm.status_threshold EXCEPT ALL SELECT * FROM pm.status_threshold_at(now())) x)
       AS differ_now;
-- and at step 0: before every change above
SELECT (SELECT count(*) FROM pm.account_at(p.at)) AS accounts,
       (SELECT count(*) FROM pm.open_order_at(p.at)) AS orders,
       (SELECT index_price FROM pm.asset_at(p.at) WHERE asset = 'USDC') AS usdc,
       (SELECT count(*) FROM pm.asset_at(p.at) WHERE asset = 'NEWCOIN') AS newcoin,
       (SELECT mmr FROM pm.loan_mmr_at(p.at) WHERE leverage = 5) AS mmr_5x,
       (SELECT uni_mmr_above FROM pm.status_threshold_at(p.at) WHERE program = 'PM_PRO' AND status = 'NORMAL') AS normal_above
  FROM printed p WHERE p.step = '0 loaded' LIMIT 1;

-- Before history starts: an error, for every as-of function; NULL: nothing.
SELECT pg_temp.error_of('SELECT * FROM pm.account_risk_at(now() - interval ''1 day'')');
SELECT f, pg_temp.error_of(format('SELECT * FROM pm.%s(now() - interval ''1 day'')', f))
  FROM unnest('{account_at,balance_at,position_at,open_order_at,asset_at,symbol_at,collateral_at,loan_mmr_at,status_threshold_at,ledger_row_at,position_risk_at,asset_equity_at}'::text[]) f;
SELECT pg_temp.error_of('SELECT pm.stress_at(1, ''BTC -20%'', now() - interval ''1 day'')'),
       pg_temp.error_of('SELECT pm.liquidation_price_at(1, ''BTC'', now() - interval ''1 day'')');
SELECT count(*) FROM pm.account_risk_at(NULL);
SELECT pm.stress_at(1, 'BTC -20%', NULL) IS NULL AS stress_null, pm.liquidation_price_at(1, 'BTC', NULL) IS NULL AS liquidation_null;
SELECT count(*) FROM pm.balance_at(NULL);

-- portfolio_margin.as_of is the as-of functions' own: back to empty after
-- each, also after an error
SELECT count(*) > 0 FROM pm.account_risk_at(now());
SHOW portfolio_margin.as_of;
SELECT pg_temp.error_of('SELECT * FROM pm.asset_equity_at(now() - interval ''1 day'')');
SHOW portfolio_margin.as_of;
SELECT pm.liquidation_price_at(23, 'BTC', now()) IS NOT DISTINCT FROM pm.liquidation_price(23, 'BTC') AS liquidation_now,
       pm.stress_at(23, 'BTC -20%', now()) IS NOT DISTINCT FROM pm.stress(23, 'BTC -20%') AS stress_now;
SHOW portfolio_margin.as_of;

-- Set by hand it values the present rows at that moment's reference data:
-- the index prices of step 0 again
SELECT set_config('portfolio_margin.as_of', pm.as_of_setting(p.at), false) IS NOT NULL
  FROM printed p WHERE p.step = '0 loaded' LIMIT 1;
SELECT count(*) FILTER (WHERE e.index_price = h.index_price) AS at_step_0_prices, count(*) AS assets
  FROM pm.asset_equity e
  JOIN pm.asset_at((SELECT at FROM printed WHERE step = '0 loaded' LIMIT 1)) h USING (asset);
-- while the state triggers value at today's
UPDATE pm.position SET qty = qty WHERE account_id = 7;
RESET portfolio_margin.as_of;
SELECT pm.refresh_account_state() AS corrected;

-- History is read-only to everyone but the extension's triggers.
SET ROLE pm_writer;
INSERT INTO pm.balance_history (account_id, asset, present, valid_until) VALUES (1, 'BTC', false, now());
RESET ROLE;

-- How risk moved: samples of every account's state, in day partitions.
SELECT pm.sample_risk() = (SELECT count(*) FROM pm.account_state WHERE status <> '') AS every_account;
UPDATE pm.asset SET index_price = index_price * 0.8 WHERE asset IN ('BTC', 'ETH');
SELECT pm.sample_risk() > 0 AS sampled_again;
SELECT count(*) BETWEEN 1 AND 2 AS todays_partition, bool_and(c.relname ~ '^risk_sample_[0-9]{8}$') AS named_by_day
  FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = 'pm.risk_sample'::regclass;
-- each sample is what pm.account_risk gave at that moment (which prints
-- uniMMR to 8 decimals, as Binance does; the sample keeps every digit)
SELECT count(DISTINCT s.sampled_at) AS samples, count(*) AS rows,
       count(*) FILTER (WHERE round(s.uni_mmr, 8) IS DISTINCT FROM r.uni_mmr OR s.status <> r.account_status
                              OR s.program <> r.program) AS differ,
       count(*) FILTER (WHERE s.uni_mmr <> round(s.uni_mmr, 8)) > 0 AS more_digits_kept
  FROM pm.risk_sample s
  JOIN LATERAL pm.account_risk_at(s.account_id, s.sampled_at) r ON true;
-- the BI views: the move shows
SELECT b.accounts, b.at_risk > 0 AS some_at_risk,
       b.uni_mmr_min <= b.uni_mmr_p01 AND b.uni_mmr_p01 <= b.uni_mmr_p05 AND b.uni_mmr_p05 <= b.uni_mmr_p25
         AND b.uni_mmr_p25 <= b.uni_mmr_p50 AS percentiles_in_order,
       b.maint_margin = (SELECT sum(maint_margin) FROM pm.risk_sample r WHERE r.sampled_at = b.sampled_at) AS totals_add_up
  FROM pm.book_series b ORDER BY b.sampled_at;
SELECT (SELECT sum(accounts) FROM pm.status_series s WHERE s.sampled_at = b.sampled_at) = b.accounts AS statuses_add_up
  FROM pm.book_series b ORDER BY b.sampled_at;
SELECT count(*) AS rows, count(DISTINCT sampled_at) AS samples, bool_and(rank BETWEEN 1 AND 10) AS ranks
  FROM pm.nearest_liquidation_series;
SELECT bool_and(n.uni_mmr <= (SELECT min(r.uni_mmr) FROM pm.risk_sample r
                               WHERE r.sampled_at = n.sampled_at
                                 AND r.account_id NOT IN (SELECT m.account_id FROM pm.nearest_liquidation_series m
                                                           WHERE m.sampled_at = n.sampled_at))) AS nearest_first
  FROM pm.nearest_liquidation_series n;
-- retention: whole days older than keep go; keep must be positive
CREATE TABLE pm.risk_sample_20200101 PARTITION OF pm.risk_sample
  FOR VALUES FROM ('2020-01-01 00:00+00') TO ('2020-01-02 00:00+00');
SELECT pm.sample_risk(keep => interval '1 day') > 0 AS sampled;
SELECT to_regclass('pm.risk_sample_20200101') IS NULL AS old_day_dropped,
       (SELECT count(*) FROM pg_inherits WHERE inhparent = 'pm.risk_sample'::regclass) BETWEEN 1 AND 2 AS todays_kept;
SELECT pg_temp.error_of('SELECT pm.sample_risk(keep => interval ''0'')');
-- sampling is the owner's (a schedule's) job
SET ROLE pm_writer;
SELECT pg_temp.error_of('SELECT pm.sample_risk()');
SELECT count(*) > 0 AS writer_reads_samples FROM pm.book_series;
RESET ROLE;
