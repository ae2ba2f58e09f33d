-- portfolio_margin.revalue_at = 'commit': the price changes a transaction
-- commits revalue each account they move once, at commit, however many rows
-- and statements moved it.  At every commit the statuses, the events and
-- the exact state values are those of a recomputation from scratch, as with
-- 'statement' (each statement revalues what it moved).  State rows written
-- are counted inside the transaction (pg_stat_get_xact_tuples_updated),
-- after firing the deferred revaluation with SET CONSTRAINTS.
\set ECHO none
\o /dev/null
\set accounts 300
\set seed 17
\i test/gen/exchange.sql
\o
\set ECHO all

SHOW portfolio_margin.revalue_at;
SET portfolio_margin.revalue_at = 'sometimes';

-- State rows written so far in this transaction.
CREATE FUNCTION pg_temp.written() RETURNS bigint LANGUAGE sql
AS $$ SELECT pg_stat_get_xact_tuples_updated('pm.account_state'::regclass) $$;
-- Accounts whose state differs from a valuation from scratch now (the
-- values as text: the same digits; the status graded from the committed
-- one, as the state's is).
CREATE FUNCTION pg_temp.stale() RETURNS bigint LANGUAGE sql
AS $$
  WITH fresh AS (
    SELECT l.account_id, pm.ledger_totals_values(pm.ledger_totals(l.kind, l.key, l.key2, l.a, l.b, l.c, l.d, l.e, l.f, l.n)) AS v
      FROM pm.ledger_row l GROUP BY l.account_id
  )
  SELECT count(*) FROM pm.account_state s JOIN fresh f USING (account_id)
   WHERE (s.uni_mmr::text, s.account_equity::text, s.adjusted_equity::text, s.maint_margin::text, s.status)
         IS DISTINCT FROM
         ((f.v).uni_mmr::text, (f.v).account_equity::text, (f.v).adjusted_equity::text, (f.v).maint_margin::text,
          pm.status((f.v).uni_mmr, (f.v).adjusted_equity, s.program, s.committed_status))
$$;
CREATE TEMP TABLE moved AS
SELECT cardinality(pm.accounts_moved_by(ARRAY(SELECT symbol FROM pm.symbol), '{}')) AS by_marks,
       cardinality(pm.accounts_moved_by('{}', ARRAY(SELECT asset FROM pm.asset WHERE index_price IS NOT NULL))) AS by_prices,
       cardinality(pm.accounts_moved_by(ARRAY(SELECT symbol FROM pm.symbol),
                                        ARRAY(SELECT asset FROM pm.asset WHERE index_price IS NOT NULL))) AS by_both;
SELECT by_marks > 100 AND by_prices > 250 AND by_both = (SELECT count(*) FROM pm.account) AS most_accounts_move FROM moved;

-- 'statement': each statement revalues the accounts it moved, so inside the
-- transaction the state is current; a tick of every mark and every index
-- price writes the accounts holding positions twice.
BEGIN;
SELECT pg_temp.written() AS w0 \gset
UPDATE pm.symbol SET mark_price = round(mark_price * 1.0015, 8);
UPDATE pm.asset SET index_price = round(index_price * 0.9985, 8) WHERE index_price IS NOT NULL;
SELECT pg_temp.stale() AS stale_inside;
SELECT pg_temp.written() - :w0 = by_marks + by_prices AS each_statement_revalued FROM moved;
COMMIT;
SELECT pg_temp.stale() AS stale_after_commit, pm.refresh_account_state() AS corrected;

-- 'commit': the same tick in three statements (a mark moved twice) leaves
-- the state as it was until commit, and the accounts it moved wait in
-- pm.revalue_pending; firing the deferred trigger revalues each once.
SET portfolio_margin.revalue_at = commit;
CREATE TEMP TABLE before AS SELECT * FROM pm.account_state;
BEGIN;
SELECT pg_temp.written() AS w0 \gset
UPDATE pm.symbol SET mark_price = round(mark_price * 0.999, 8);
UPDATE pm.asset SET index_price = round(index_price * 1.001, 8) WHERE index_price IS NOT NULL;
UPDATE pm.symbol SET mark_price = round(mark_price * 0.9995, 8) WHERE symbol = 'BTCUSDT';
SELECT pg_temp.written() - :w0 AS written_before_commit,
       (SELECT count(*) FROM pm.account_state s JOIN before b USING (account_id)
         WHERE (s.*)::text IS DISTINCT FROM (b.*)::text) AS changed_before_commit,
       pg_temp.stale() = (SELECT count(*) FROM pm.account) AS all_stale_inside;
SELECT cardinality(symbols) = (SELECT count(*) FROM pm.symbol) AS every_symbol,
       cardinality(assets) = (SELECT count(*) FROM pm.asset WHERE index_price IS NOT NULL) AS every_asset
  FROM pm.revalue_pending WHERE xact_id = pg_current_xact_id();
SET CONSTRAINTS pm.revalue_at_commit IMMEDIATE;
SELECT pg_temp.written() - :w0 = by_both AS each_account_once FROM moved;
SELECT count(*) AS pending FROM pm.revalue_pending;
SELECT pg_temp.stale() AS stale_after_revaluation;
COMMIT;
SELECT pg_temp.stale() AS stale_after_commit, pm.refresh_account_state() AS corrected;

-- A transaction that moves no price leaves nothing pending and writes
-- nothing; one that rolls back leaves nothing either; a price moved in a
-- savepoint rolled back is not revalued for, and the one after is.
BEGIN;
SELECT pg_temp.written() AS w0 \gset
UPDATE pm.asset SET index_price = index_price WHERE asset = 'ETH';
SELECT pg_temp.written() - :w0 AS written, (SELECT count(*) FROM pm.revalue_pending) AS pending;
UPDATE pm.asset SET index_price = index_price * 2 WHERE asset = 'ETH';
ROLLBACK;
SELECT count(*) AS pending_after_rollback FROM pm.revalue_pending;
SELECT pg_temp.stale() AS stale_after_rollback;
BEGIN;
SAVEPOINT s;
UPDATE pm.asset SET index_price = index_price * 0.5 WHERE asset = 'BTC';
ROLLBACK TO SAVEPOINT s;
SELECT count(*) AS pending_after_savepoint FROM pm.revalue_pending;
UPDATE pm.asset SET index_price = index_price * 1.01 WHERE asset = 'ETH';
SELECT symbols, assets FROM pm.revalue_pending;
COMMIT;
SELECT pg_temp.stale() AS stale_after_commit, pm.refresh_account_state() AS corrected;

-- Revalued early (SET CONSTRAINTS ... IMMEDIATE), then moved again: again
-- at commit.
BEGIN;
UPDATE pm.asset SET index_price = index_price * 1.01 WHERE asset = 'BNB';
SET CONSTRAINTS pm.revalue_at_commit IMMEDIATE;
SET CONSTRAINTS pm.revalue_at_commit DEFERRED;
UPDATE pm.asset SET index_price = index_price * 0.98 WHERE asset = 'BNB';
SELECT assets FROM pm.revalue_pending;
COMMIT;
SELECT pg_temp.stale() AS stale_after_commit, pm.refresh_account_state() AS corrected;

-- Events are of the status at commit, one per account and transaction,
-- even when a statement before the deferred tick already changed the
-- status (its event is queued before the revaluation is): account 9001
-- borrows into MARGIN_CALL, then BTC falls and it is at commit in
-- liquidation -- one event, from NORMAL.
SET portfolio_margin.revalue_at = statement;
UPDATE pm.asset SET index_price = 66000 WHERE asset = 'BTC';
UPDATE pm.asset SET index_price = 1 WHERE asset = 'USDT';
INSERT INTO pm.account VALUES (9001, 'PM_PRO', 3);
INSERT INTO pm.balance (account_id, asset, cross_free, cross_borrowed) VALUES (9001, 'BTC', 1, 0), (9001, 'USDT', 0, 40000);
SELECT status, committed_status FROM pm.account_state WHERE account_id = 9001;
SET portfolio_margin.revalue_at = commit;
CREATE TEMP TABLE statuses AS SELECT account_id, status FROM pm.account_state;
SELECT max(event_id) AS e0 FROM pm.risk_event \gset
BEGIN;
UPDATE pm.balance SET cross_borrowed = 55500 WHERE account_id = 9001 AND asset = 'USDT';
SELECT status, committed_status FROM pm.account_state WHERE account_id = 9001;
UPDATE pm.asset SET index_price = 60000 WHERE asset = 'BTC';
UPDATE pm.symbol SET mark_price = 60000 WHERE symbol = 'BTCUSDT';
UPDATE pm.asset SET index_price = 59000 WHERE asset = 'BTC';
SELECT status, committed_status FROM pm.account_state WHERE account_id = 9001;
COMMIT;
SELECT account_id, old_status, new_status FROM pm.risk_event WHERE event_id > :e0 AND account_id = 9001;
-- every account: one event per status changed, from the status before to
-- the status at commit
SELECT count(*) AS events,
       count(DISTINCT e.account_id) AS accounts,
       count(*) FILTER (WHERE (e.old_status, e.new_status) IS DISTINCT FROM (b.status, s.status)) AS wrong
  FROM pm.risk_event e JOIN statuses b USING (account_id) JOIN pm.account_state s USING (account_id)
 WHERE e.event_id > :e0;
SELECT count(*) AS status_changes_without_event
  FROM pm.account_state s JOIN statuses b USING (account_id)
 WHERE s.status IS DISTINCT FROM b.status
   AND NOT EXISTS (SELECT FROM pm.risk_event e WHERE e.event_id > :e0 AND e.account_id = s.account_id);
SELECT pg_temp.stale() AS stale_after_commit, pm.refresh_account_state() AS corrected;

-- Replication: a shard applies its coordinator's reference rows with
-- session_replication_role = replica, which fires row triggers only (and
-- those enabled for replica sessions).  The statement triggers stay
-- silent; the replica row triggers keep what moved and the accounts are
-- revalued once at commit, events recorded -- whatever revalue_at says.
SET portfolio_margin.revalue_at = statement;
CREATE TEMP TABLE replica_before AS SELECT account_id, status FROM pm.account_state;
SELECT max(event_id) AS e0 FROM pm.risk_event \gset
BEGIN;
SET LOCAL session_replication_role = replica;
SELECT pg_temp.written() AS w0 \gset
UPDATE pm.symbol SET mark_price = round(mark_price * 0.93, 8);
UPDATE pm.asset SET index_price = round(index_price * 0.93, 8) WHERE index_price IS NOT NULL AND asset <> 'USDT';
UPDATE pm.asset SET index_price = index_price WHERE asset = 'USDT';
SELECT pg_temp.written() - :w0 AS written_before_commit,
       cardinality(symbols) = (SELECT count(*) FROM pm.symbol) AS every_symbol,
       cardinality(assets) = (SELECT count(*) - 1 FROM pm.asset WHERE index_price IS NOT NULL) AS every_moved_asset
  FROM pm.revalue_pending;
SET CONSTRAINTS pm.revalue_at_commit IMMEDIATE;
SELECT pg_temp.written() - :w0 = cardinality(pm.accounts_moved_by(ARRAY(SELECT symbol FROM pm.symbol),
                                   ARRAY(SELECT asset FROM pm.asset WHERE index_price IS NOT NULL AND asset <> 'USDT')))
       AS each_account_once;
COMMIT;
SELECT count(*) AS events, count(DISTINCT e.account_id) AS accounts,
       count(*) FILTER (WHERE (e.old_status, e.new_status) IS DISTINCT FROM (b.status, s.status)) AS wrong
  FROM pm.risk_event e JOIN replica_before b USING (account_id) JOIN pm.account_state s USING (account_id)
 WHERE e.event_id > :e0;
SELECT count(*) AS status_changes_without_event
  FROM pm.account_state s JOIN replica_before b USING (account_id)
 WHERE s.status IS DISTINCT FROM b.status
   AND NOT EXISTS (SELECT FROM pm.risk_event e WHERE e.event_id > :e0 AND e.account_id = s.account_id);
SELECT pg_temp.stale() AS stale_after_commit, pm.refresh_account_state() AS corrected;

-- A collateral schedule, a loan rate and a ladder band applied the same way.
CREATE TEMP TABLE reference_before AS SELECT account_id, uni_mmr, status FROM pm.account_state;
BEGIN;
SET LOCAL session_replication_role = replica;
WITH c AS (UPDATE pm.collateral SET schedule = '0:0.5' WHERE program = 'PM' AND asset = 'ETH' RETURNING 1),
     l AS (UPDATE pm.loan_mmr SET mmr = 0.12 WHERE leverage = 3 RETURNING 1)
SELECT (SELECT count(*) FROM c) AS schedules, (SELECT count(*) FROM l) AS loan_rates;
UPDATE pm.status_threshold SET uni_mmr_above = 1.6 WHERE program = 'PM_PRO' AND status = 'NORMAL';
COMMIT;
SELECT count(*) FILTER (WHERE s.uni_mmr IS DISTINCT FROM b.uni_mmr) > 0 AS values_moved,
       count(*) FILTER (WHERE s.status IS DISTINCT FROM b.status) > 0 AS statuses_moved
  FROM pm.account_state s JOIN reference_before b USING (account_id);
SELECT pg_temp.stale() AS stale_after_commit, pm.refresh_account_state() AS corrected;

-- The shipped loan rate and ladder back, for the tests after this one.
UPDATE pm.loan_mmr SET mmr = 0.10 WHERE leverage = 3;
UPDATE pm.status_threshold SET uni_mmr_above = 1.50 WHERE program = 'PM_PRO' AND status = 'NORMAL';
RESET portfolio_margin.revalue_at;
