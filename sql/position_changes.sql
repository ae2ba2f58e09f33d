-- Position changes: the pm.position triggers swap the changed rows in the
-- accounts' ledger totals (pm.ledger_totals_with_positions) instead of
-- reading the accounts' rows again.  The state stays equal to a from-scratch
-- pass, digit for digit and byte for byte.

\i sql/ledger_accounts.psql

SELECT * FROM state_vs_rows ORDER BY account_id;

-- The function: rows in and out, against the totals of the rows themselves
CREATE TEMP VIEW scratch_totals AS
SELECT l.account_id, pm.ledger_totals(l.kind, l.key, l.key2, l.a, l.b, l.c, l.d, l.e, l.f, l.n) AS totals
  FROM pm.ledger_row l WHERE l.account_id BETWEEN 20001 AND 20004 GROUP BY l.account_id;
CREATE TEMP TABLE kept AS SELECT account_id, ledger_totals FROM pm.account_state
 WHERE account_id BETWEEN 20001 AND 20004;
BEGIN;
ALTER TABLE pm.position DISABLE TRIGGER USER;
CREATE TEMP TABLE gone ON COMMIT DROP AS
  SELECT p FROM pm.position p WHERE p.account_id = 20001 AND p.side = 'SHORT';
DELETE FROM pm.position p WHERE p.account_id = 20001 AND p.side = 'SHORT';
CREATE TEMP TABLE came ON COMMIT DROP AS SELECT p FROM pm.position p WHERE false;
INSERT INTO pm.position (account_id, symbol, side, qty, entry_price, leverage) VALUES
  (20001, 'LTBUSDT', 'BOTH', 12.50, 2.45, 7), (20004, 'LTAUSDT', 'BOTH', -3, 10.00, 2);
INSERT INTO came SELECT p FROM pm.position p WHERE (p.account_id, p.symbol) IN ((20001, 'LTBUSDT'), (20004, 'LTAUSDT'));
UPDATE pm.position SET qty = 125.5 WHERE account_id = 20001 AND side = 'LONG'
RETURNING (SELECT count(*) FROM came) AS rows_added;
SELECT k.account_id,
       pm.ledger_totals_with_positions(k.ledger_totals, k.account_id,
         ARRAY(SELECT g.p FROM gone g UNION ALL
               SELECT ROW(20001, 'LTAUSDT', 'LONG', 120, 9.5, 10)::pm.position),
         ARRAY(SELECT c.p FROM came c UNION ALL
               SELECT p FROM pm.position p WHERE p.account_id = 20001 AND p.side = 'LONG'))
       = s.totals AS equals_scratch
  FROM kept k JOIN scratch_totals s USING (account_id) ORDER BY 1;
ROLLBACK;
-- nothing in, nothing out: the same bytes; out and in again: the same bytes
SELECT pm.ledger_totals_with_positions(k.ledger_totals, k.account_id, NULL, NULL) = k.ledger_totals AS untouched,
       pm.ledger_totals_with_positions(k.ledger_totals, k.account_id,
         ARRAY(SELECT p FROM pm.position p WHERE p.account_id = k.account_id),
         ARRAY(SELECT p FROM pm.position p WHERE p.account_id = k.account_id)) = k.ledger_totals AS swapped_back,
       pm.ledger_totals_with_positions(k.ledger_totals, 20004,
         ARRAY(SELECT p FROM pm.position p WHERE p.account_id = k.account_id), NULL) = k.ledger_totals AS others_passed
  FROM kept k WHERE k.account_id = 20001;
-- a removed row the totals do not hold: NULL, for a from-scratch recompute
SELECT pm.ledger_totals_with_positions(k.ledger_totals, 20001,
         ARRAY[ROW(20001, 'LTAUSDT', 'LONG', 121, 9.5, 10)::pm.position], NULL) IS NULL AS not_held,
       pm.ledger_totals_with_positions(k.ledger_totals, 20001,
         ARRAY[ROW(20001, 'LTAUSDT', 'LONG', 120.0, 9.5, 10)::pm.position], NULL) IS NULL AS other_scale_not_held,
       pm.ledger_totals_with_positions(k.ledger_totals, 20001,
         ARRAY(SELECT p FROM pm.position p WHERE p.account_id = 20001 AND p.side = 'LONG'
               UNION ALL SELECT p FROM pm.position p WHERE p.account_id = 20001 AND p.side = 'LONG'),
         NULL) IS NULL AS removed_twice,
       pm.ledger_totals_with_positions(k.ledger_totals, 20001, ARRAY[NULL::pm.position], NULL) IS NULL AS null_row,
       pm.ledger_totals_with_positions(k.ledger_totals, 20001, NULL,
         ARRAY[ROW(20001, 'LTAUSDT', 'LONG', NULL, 9.5, 10)::pm.position]) IS NULL AS null_qty,
       pm.ledger_totals_with_positions(NULL, 20001, NULL, NULL) IS NULL AS no_totals
  FROM kept k WHERE k.account_id = 20001;
-- added rows are checked as pm.ledger_totals checks them; totals on read
SELECT pm.ledger_totals_with_positions(ledger_totals, 20001, NULL,
         ARRAY[ROW(20001, 'LTAUSDT', 'LONG', 1, 0, 10)::pm.position]) FROM kept WHERE account_id = 20001;
SELECT pm.ledger_totals_with_positions(ledger_totals, 20001, NULL,
         ARRAY[ROW(20001, 'LTAUSDT', 'LONG', 1, 10, 126)::pm.position]) FROM kept WHERE account_id = 20001;
SELECT pm.ledger_totals_with_positions(ledger_totals, 20001, NULL,
         ARRAY[ROW(20001, 'LTAUSDT', 'LONG', 'NaN', 10, 10)::pm.position]) FROM kept WHERE account_id = 20001;
SELECT pm.ledger_totals_with_positions(ledger_totals, 20001, NULL,
         ARRAY[[ROW(20001, 'LTAUSDT', 'LONG', 1, 10, 10)::pm.position]]) FROM kept WHERE account_id = 20001;
SELECT pm.ledger_totals_with_positions('\x0101000000000001 0158 01000101 01000101 00'::bytea, 1, NULL, NULL);

-- The triggers: inserts, updates of every kind, deletes, one row and many,
-- a row moved to another account; after each, the state is a from-scratch pass
INSERT INTO pm.position (account_id, symbol, side, qty, entry_price, leverage) VALUES
  (20004, 'LTAUSDT', 'BOTH', -3, 10.00, 2);
SELECT * FROM state_vs_rows ORDER BY account_id;
UPDATE pm.position SET qty = qty * 2 WHERE account_id = 20001 AND side = 'LONG';
UPDATE pm.position SET entry_price = 9.90 WHERE account_id = 20003 AND symbol = 'LTAUSD_PERP';
UPDATE pm.position SET leverage = 3 WHERE account_id = 20002 AND symbol = 'LTBUSDT';
SELECT * FROM state_vs_rows ORDER BY account_id;
UPDATE pm.position SET qty = qty + 1 WHERE account_id IN (20001, 20002, 20004) AND symbol = 'LTAUSDT';
UPDATE pm.position SET account_id = 20004 WHERE account_id = 20002 AND symbol = 'LTBUSDT';
SELECT * FROM state_vs_rows ORDER BY account_id;
DELETE FROM pm.position WHERE account_id = 20004 AND symbol = 'LTBUSDT';
INSERT INTO pm.position (account_id, symbol, side, qty, entry_price, leverage) VALUES
  (20002, 'LTBUSDT', 'BOTH', 200, 2.4, 10), (20004, 'LTBUSDT', 'BOTH', 0.5, 2.6, 4);
-- rows written back as they were: nothing to revalue, the state row is not
-- rewritten (as a from-scratch recompute would leave it); the same value in
-- another display scale is a change
SELECT xmin AS state_version FROM pm.account_state WHERE account_id = 20003 \gset
UPDATE pm.position SET qty = qty WHERE account_id = 20003;
SELECT xmin = :'state_version' AS not_rewritten FROM pm.account_state WHERE account_id = 20003;
UPDATE pm.position SET qty = qty::numeric(20, 4) WHERE account_id = 20003 AND symbol = 'LTAUSD_PERP';
SELECT xmin = :'state_version' AS not_rewritten FROM pm.account_state WHERE account_id = 20003;
SELECT * FROM state_vs_rows ORDER BY account_id;
SELECT account_id, uni_mmr, account_equity, maint_margin, status
  FROM pm.account_state WHERE account_id BETWEEN 20001 AND 20004 ORDER BY 1;

-- What the totals cannot serve is recomputed from scratch: no totals,
-- unreadable totals, an error, a row changed behind the triggers' back
UPDATE pm.account_state SET ledger_totals = NULL WHERE account_id = 20002;
UPDATE pm.account_state SET ledger_totals = '\x09' WHERE account_id = 20001;
UPDATE pm.position SET qty = qty - 1 WHERE account_id IN (20001, 20002) AND symbol = 'LTAUSDT';
SELECT * FROM state_vs_rows ORDER BY account_id;
ALTER TABLE pm.position DISABLE TRIGGER USER;
UPDATE pm.position SET entry_price = 9.75 WHERE account_id = 20001 AND side = 'LONG';
ALTER TABLE pm.position ENABLE TRIGGER USER;
UPDATE pm.position SET leverage = 12 WHERE account_id = 20001 AND side = 'LONG';
SELECT * FROM state_vs_rows ORDER BY account_id;
-- an account that cannot be valued keeps the reason; the write goes through
UPDATE pm.asset SET index_price = NULL WHERE asset = 'LTB';
UPDATE pm.position SET qty = 150 WHERE account_id = 20002 AND symbol = 'LTBUSDT';
SELECT account_id, error FROM pm.account_state WHERE account_id BETWEEN 20001 AND 20004 ORDER BY 1;
UPDATE pm.asset SET index_price = 2.6 WHERE asset = 'LTB';
UPDATE pm.position SET qty = 100 WHERE account_id = 20002 AND symbol = 'LTBUSDT';
SELECT * FROM state_vs_rows ORDER BY account_id;
SELECT account_id, error FROM pm.account_state WHERE account_id BETWEEN 20001 AND 20004 ORDER BY 1;

-- A status change driven by a position is an event
SELECT count(*) AS events_before FROM pm.risk_event WHERE account_id = 20003;
UPDATE pm.position SET qty = -200 WHERE account_id = 20003 AND symbol = 'LTAUSD_PERP';
SELECT account_id, old_status, new_status, uni_mmr FROM pm.risk_event
 WHERE account_id = 20003 ORDER BY event_id DESC LIMIT 1;
UPDATE pm.position SET qty = 7 WHERE account_id = 20003 AND symbol = 'LTAUSD_PERP';
SELECT account_id, old_status, new_status FROM pm.risk_event
 WHERE account_id = 20003 ORDER BY event_id DESC LIMIT 1;
SELECT * FROM state_vs_rows ORDER BY account_id;

-- Over 64 accounts in one statement: from scratch, in one pass
INSERT INTO pm.account SELECT g, 'PM', 3 FROM generate_series(20100, 20169) g;
INSERT INTO pm.position (account_id, symbol, side, qty, entry_price, leverage)
SELECT g, 'LTAUSDT', 'BOTH', g - 20135, 10, 5 FROM generate_series(20100, 20169) g;
UPDATE pm.position SET qty = qty + 0.5 WHERE account_id BETWEEN 20100 AND 20169;
SELECT count(*) AS accounts,
       count(*) FILTER (WHERE s.ledger_totals = t.totals AND s.maint_margin::text = pm.maint_margin(m.summary)::text)
         AS equal_to_scratch
  FROM pm.account_state s
  JOIN pm.account_margin m USING (account_id)
  JOIN (SELECT l.account_id, pm.ledger_totals(l.kind, l.key, l.key2, l.a, l.b, l.c, l.d, l.e, l.f, l.n) AS totals
          FROM pm.ledger_row l GROUP BY l.account_id) t USING (account_id)
 WHERE s.account_id BETWEEN 20100 AND 20169;
DELETE FROM pm.position WHERE account_id BETWEEN 20100 AND 20169;
DELETE FROM pm.account WHERE account_id BETWEEN 20100 AND 20169;

-- The trigger function fires only as the statement trigger on pm.position
CREATE TEMP TABLE not_positions (account_id int8);
CREATE TRIGGER misplaced AFTER INSERT ON not_positions
  FOR EACH STATEMENT EXECUTE FUNCTION pm.state_after_position_change();
INSERT INTO not_positions VALUES (1);
DROP TRIGGER misplaced ON not_positions;
CREATE TRIGGER misplaced AFTER INSERT ON not_positions
  FOR EACH ROW EXECUTE FUNCTION pm.state_after_position_change();
INSERT INTO not_positions VALUES (1);
DROP TABLE not_positions;
SELECT pm.refresh_account_state() AS corrected;

DELETE FROM pm.account WHERE account_id BETWEEN 20001 AND 20004;
DELETE FROM pm.symbol WHERE symbol IN ('LTAUSDT', 'LTAUSD_PERP', 'LTBUSDT');
