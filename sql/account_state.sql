-- pm.account_state kept by triggers; pm.risk_event records every status
-- change a transaction commits; hysteresis; pm.refresh_account_state()
-- finds nothing to correct.

-- An empty book to start from: the tests before this one leave theirs
DELETE FROM pm.account;
DELETE FROM pm.symbol;
DELETE FROM pm.collateral;
DELETE FROM pm.asset;
DELETE FROM pm.risk_event;

INSERT INTO pm.asset VALUES ('USDT', 1), ('BTC', 40000), ('ETH', 3000);
INSERT INTO pm.collateral VALUES
  ('PM_PRO', 'USDT', '0:1'), ('PM_PRO', 'BTC', '0:1'), ('PM_PRO', 'ETH', '0:0.9'),
  ('PM', 'USDT', '0:1'), ('PM', 'BTC', '0:0.95');
INSERT INTO pm.symbol VALUES
  ('BTCUSDT', 'UM', 'BTC', 'USDT', NULL, 40000, '0:0.005'),
  ('ETHUSDT', 'UM', 'ETH', 'USDT', NULL, 3000, '0:0.01');

-- A new account gets its state at once
INSERT INTO pm.account VALUES (1, 'PM_PRO', 3);
SELECT account_id, program, uni_mmr, account_equity, status FROM pm.account_state;

-- Account 1 borrows 30,000 USDT (3x: MM 3,000) to hold 1 BTC at rate 1:
-- uniMMR = (P - 30,000) / 3,000 moves with the BTC price P
INSERT INTO pm.balance (account_id, asset, cross_free, cross_borrowed) VALUES
  (1, 'USDT', 0, 30000), (1, 'BTC', 1, 0);
SELECT account_id, uni_mmr, account_equity, adjusted_equity, maint_margin, status FROM pm.account_state;

-- Down the ladder tick by tick: each band exactly once, one event per change
CREATE TEMP TABLE ticks (n int, price numeric);
INSERT INTO ticks VALUES (1, 36000), (2, 34500), (3, 34000), (4, 33600), (5, 33500),
                         (6, 33150), (7, 33100), (8, 33000), (9, 32000), (10, 31000), (11, 40000);
CREATE TEMP TABLE seen (n int, price numeric, uni_mmr numeric, status text, events bigint);
-- each tick its own transaction (events are recorded at commit)
CREATE PROCEDURE pg_temp.walk() LANGUAGE plpgsql AS $$
DECLARE
  t record;
BEGIN
  FOR t IN SELECT * FROM ticks ORDER BY n LOOP
    UPDATE pm.asset SET index_price = t.price WHERE asset = 'BTC';
    COMMIT;
    INSERT INTO seen SELECT t.n, t.price, s.uni_mmr, s.status, (SELECT count(*) FROM pm.risk_event)
                       FROM pm.account_state s WHERE s.account_id = 1;
    COMMIT;
  END LOOP;
END $$;
CALL pg_temp.walk();
-- a ratio exactly on a threshold (34,500 -> 1.5; 33,600 -> 1.2; 33,150 ->
-- 1.05; 33,000 -> 1.0) is in the riskier band
SELECT * FROM seen ORDER BY n;
SELECT event_id, account_id, old_status, new_status, uni_mmr, adjusted_equity, maint_margin
  FROM pm.risk_event ORDER BY event_id;

-- A rolled-back change leaves no state and no event behind
BEGIN;
UPDATE pm.asset SET index_price = 20000 WHERE asset = 'BTC';
SELECT status FROM pm.account_state WHERE account_id = 1;
ROLLBACK;
SELECT status, (SELECT count(*) FROM pm.risk_event) AS events FROM pm.account_state WHERE account_id = 1;

-- Hysteresis: with an exit buffer of 0.1 on MARGIN_CALL, an account in it
-- needs uniMMR above 1.6 to be NORMAL again
UPDATE pm.status_threshold SET exit_buffer = 0.1 WHERE program = 'PM_PRO' AND status = 'MARGIN_CALL';
UPDATE pm.asset SET index_price = 34200 WHERE asset = 'BTC';   -- 1.4: MARGIN_CALL
UPDATE pm.asset SET index_price = 34650 WHERE asset = 'BTC';   -- 1.55: stays
SELECT uni_mmr, status FROM pm.account_state WHERE account_id = 1;
UPDATE pm.asset SET index_price = 34800 WHERE asset = 'BTC';   -- 1.6 exactly: stays
SELECT uni_mmr, status FROM pm.account_state WHERE account_id = 1;
UPDATE pm.asset SET index_price = 34803 WHERE asset = 'BTC';   -- 1.601: NORMAL
SELECT uni_mmr, status FROM pm.account_state WHERE account_id = 1;
-- entering a riskier band is immediate whatever the buffers
UPDATE pm.asset SET index_price = 34500 WHERE asset = 'BTC';
SELECT uni_mmr, status FROM pm.account_state WHERE account_id = 1;
UPDATE pm.status_threshold SET exit_buffer = 0 WHERE program = 'PM_PRO' AND status = 'MARGIN_CALL';

-- Hysteresis starts from the committed status.  With an exit buffer of 0.1
-- on REDUCE_ONLY, an account in MARGIN_CALL that dips into REDUCE_ONLY and
-- comes back to 1.25 within one transaction is judged from MARGIN_CALL, the
-- band it had when the transaction began (step by step, it would need 1.3
-- to leave REDUCE_ONLY): it ends in MARGIN_CALL and records no event.
UPDATE pm.status_threshold SET exit_buffer = 0.1 WHERE program = 'PM_PRO' AND status = 'REDUCE_ONLY';
UPDATE pm.asset SET index_price = 34200 WHERE asset = 'BTC';   -- 1.4: MARGIN_CALL
SELECT max(event_id) AS last_event FROM pm.risk_event \gset
BEGIN;
UPDATE pm.asset SET index_price = 33450 WHERE asset = 'BTC';   -- 1.15: REDUCE_ONLY
SELECT uni_mmr, status, committed_status FROM pm.account_state WHERE account_id = 1;
UPDATE pm.asset SET index_price = 33750 WHERE asset = 'BTC';   -- 1.25
SELECT uni_mmr, status, committed_status FROM pm.account_state WHERE account_id = 1;
COMMIT;
SELECT status, committed_status, (SELECT count(*) FROM pm.risk_event WHERE event_id > :last_event) AS events
  FROM pm.account_state WHERE account_id = 1;
-- the same dip with a commit in between is an event, and leaving
-- REDUCE_ONLY then takes the buffer: at 1.25 the account stays in it
UPDATE pm.asset SET index_price = 33450 WHERE asset = 'BTC';
UPDATE pm.asset SET index_price = 33750 WHERE asset = 'BTC';
SELECT status, committed_status FROM pm.account_state WHERE account_id = 1;
SELECT old_status, new_status, uni_mmr FROM pm.risk_event WHERE event_id > :last_event ORDER BY event_id;
UPDATE pm.status_threshold SET exit_buffer = 0 WHERE program = 'PM_PRO' AND status = 'REDUCE_ONLY';
UPDATE pm.asset SET index_price = 40000 WHERE asset = 'BTC';

-- Every table that moves risk moves the state
INSERT INTO pm.account VALUES (2, 'PM', 5);
INSERT INTO pm.balance (account_id, asset, cross_free, um_wallet) VALUES (2, 'USDT', 1000, 500);
INSERT INTO pm.position VALUES (2, 'BTCUSDT', 'BOTH', 0.5, 39000, 20);
SELECT account_id, uni_mmr, maint_margin, status FROM pm.account_state WHERE account_id = 2;
UPDATE pm.symbol SET mark_price = 38000 WHERE symbol = 'BTCUSDT';         -- mark
SELECT account_id, uni_mmr, status FROM pm.account_state WHERE account_id = 2;
UPDATE pm.symbol SET brackets = '0:0.05' WHERE symbol = 'BTCUSDT';       -- brackets
SELECT account_id, uni_mmr, maint_margin, status FROM pm.account_state WHERE account_id = 2;
INSERT INTO pm.open_order VALUES (2, 7, 'USDT', 600, 'BTC', 0.015);      -- PM open loss
SELECT account_id, uni_mmr, adjusted_equity, status FROM pm.account_state WHERE account_id = 2;
DELETE FROM pm.open_order WHERE account_id = 2;
UPDATE pm.collateral SET schedule = '0:0.5' WHERE program = 'PM' AND asset = 'BTC';
UPDATE pm.position SET qty = 0.9 WHERE account_id = 2;
SELECT account_id, uni_mmr, status FROM pm.account_state WHERE account_id = 2;
UPDATE pm.loan_mmr SET mmr = 0.2 WHERE leverage = 3;                    -- loan MMR at 3x
SELECT account_id, uni_mmr, maint_margin, status FROM pm.account_state WHERE account_id = 1;
UPDATE pm.loan_mmr SET mmr = 0.10 WHERE leverage = 3;
UPDATE pm.account SET program = 'PM_PRO' WHERE account_id = 2;          -- program
SELECT account_id, program, uni_mmr, status FROM pm.account_state WHERE account_id = 2;
UPDATE pm.status_threshold SET uni_mmr_above = 3.5 WHERE program = 'PM_PRO' AND status = 'NORMAL';  -- ladder
SELECT account_id, uni_mmr, status FROM pm.account_state ORDER BY account_id;
UPDATE pm.status_threshold SET uni_mmr_above = 1.5 WHERE program = 'PM_PRO' AND status = 'NORMAL';
SELECT account_id, status FROM pm.account_state ORDER BY account_id;
DELETE FROM pm.position WHERE account_id = 2;
SELECT account_id, uni_mmr, maint_margin, status FROM pm.account_state WHERE account_id = 2;

-- One statement touching many rows of one account recomputes it once:
-- one event for the whole statement
SELECT count(*) AS events_before FROM pm.risk_event WHERE account_id = 1;
UPDATE pm.balance SET cross_borrowed = cross_borrowed * 1.3 WHERE account_id = 1;
SELECT e.old_status, e.new_status FROM pm.risk_event e WHERE e.account_id = 1
 ORDER BY e.event_id DESC LIMIT 1;

-- The triggers were right: a full recomputation corrects nothing...
SELECT pm.refresh_account_state() AS corrected;
-- ...and corrects a row that was wrong, with the event its status change needs
UPDATE pm.account_state SET uni_mmr = 99, status = 'NORMAL' WHERE account_id = 1;
SELECT pm.refresh_account_state() AS corrected;
SELECT old_status, new_status FROM pm.risk_event ORDER BY event_id DESC LIMIT 1;

-- Every status change has its event and every event is a change
SELECT count(*) AS events_without_change
  FROM pm.risk_event WHERE old_status IS NOT DISTINCT FROM new_status;

-- An account that cannot be valued does not block writes: it keeps its last
-- values and says why; a price clears it
INSERT INTO pm.asset VALUES ('NEWCOIN', NULL);
INSERT INTO pm.balance (account_id, asset, cross_free) VALUES (1, 'NEWCOIN', 10);
SELECT account_id, uni_mmr, status, error FROM pm.account_state WHERE account_id = 1;
-- ...the views show it with its reason and value the others...
SELECT account_id, uni_mmr, account_status, error FROM pm.account_risk ORDER BY account_id;
-- ...and a refresh that finds the same reason changes nothing
SELECT pm.refresh_account_state() AS first_refresh, pm.refresh_account_state() AS second_refresh;
UPDATE pm.asset SET index_price = 2 WHERE asset = 'NEWCOIN';
SELECT account_id, uni_mmr, status, error FROM pm.account_state WHERE account_id = 1;
DELETE FROM pm.balance WHERE asset = 'NEWCOIN';

-- A deleted account takes its state along
DELETE FROM pm.account WHERE account_id = 2;
SELECT account_id FROM pm.account_state ORDER BY account_id;

-- Statements that touch more than 64 accounts take the batch path (custom
-- plans, no nested loops); its planner settings end with the batch
INSERT INTO pm.account SELECT g, 'PM', 10 FROM generate_series(1001, 1070) g;
INSERT INTO pm.balance (account_id, asset, cross_free)
SELECT g, 'USDT', g FROM generate_series(1001, 1070) g;
SELECT count(*) AS accounts, sum(account_equity) AS equity, min(status) AS status
  FROM pm.account_state WHERE account_id BETWEEN 1001 AND 1070;
SELECT current_setting('enable_nestloop') AS enable_nestloop,
       current_setting('plan_cache_mode') AS plan_cache_mode,
       (SELECT s.setting = s.reset_val FROM pg_catalog.pg_settings s WHERE s.name = 'jit') AS jit_unchanged;
DELETE FROM pm.account WHERE account_id BETWEEN 1001 AND 1070;
-- and compiles no JIT code: a tick or a refresh paid ~0.3 s of LLVM per batch
-- statement for expressions that are not where its time goes
SELECT p.proconfig AS recompute_batch_settings
  FROM pg_catalog.pg_proc p WHERE p.oid = 'pm.recompute_batch(pg_catalog.int8[])'::pg_catalog.regprocedure;
SELECT count(*) AS states_left FROM pm.account_state WHERE account_id BETWEEN 1001 AND 1070;

-- A single-row change reads its account's state row by index, not the whole
-- state table, on an exchange of a few thousand accounts too (the generic
-- plan the triggers use once sequentially scanned pm.account_state per update)
INSERT INTO pm.account SELECT g, 'PM', 10 FROM generate_series(10001, 13000) g;
INSERT INTO pm.balance (account_id, asset, cross_free, cross_borrowed)
SELECT g, a, g % 97, CASE a WHEN 'USDT' THEN g % 13 ELSE 0 END
  FROM generate_series(10001, 13000) g, (VALUES ('USDT'), ('BTC')) v(a);
INSERT INTO pm.position (account_id, symbol, side, qty, entry_price, leverage)
SELECT g, 'BTCUSDT', 'BOTH', (g % 5 - 2) * 0.01, 40000, 10 FROM generate_series(10001, 13000) g;
ANALYZE pm.account, pm.balance, pm.position, pm.account_state;
SELECT pg_stat_force_next_flush();  -- this transaction's counts start at 0
BEGIN;
UPDATE pm.position SET qty = qty + 0.001 WHERE account_id = 12345;
UPDATE pm.balance SET cross_free = cross_free + 1 WHERE account_id = 11111 AND asset = 'USDT';
SELECT seq_scan AS state_seq_scans, idx_scan > 0 AS state_read_by_index
  FROM pg_stat_xact_user_tables WHERE relid = 'pm.account_state'::regclass;
COMMIT;
SELECT pm.refresh_account_state() AS corrected;
DELETE FROM pm.account WHERE account_id BETWEEN 10001 AND 13000;
