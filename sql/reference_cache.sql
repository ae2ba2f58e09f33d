-- The session's cache of the reference tables (src/refcache.c): within one
-- session, every statement sees the reference data its snapshot shows --
-- its own transaction's changes, not those rolled back to a savepoint --
-- and a reader's rights are checked as if there were no cache.
-- (Other sessions' changes: test/isolation/specs/reference_cache.spec.)

-- from a clean slate
DELETE FROM pm.account;
DELETE FROM pm.open_order;
DELETE FROM pm.symbol;
DELETE FROM pm.collateral;
DELETE FROM pm.asset;
DELETE FROM pm.risk_event;

INSERT INTO pm.asset VALUES ('USDT', 1), ('BTC', 40000);
INSERT INTO pm.collateral VALUES ('PM_PRO', 'USDT', '0:1'), ('PM_PRO', 'BTC', '0:0.95');
INSERT INTO pm.symbol VALUES ('BTCUSDT', 'UM', 'BTC', 'USDT', NULL, 40000, '0:0.05');
INSERT INTO pm.account VALUES (1, 'PM_PRO', 3);
INSERT INTO pm.balance (account_id, asset, cross_free, cross_borrowed) VALUES
  (1, 'USDT', 0, 10000), (1, 'BTC', 1, 0);
INSERT INTO pm.position VALUES (1, 'BTCUSDT', 'BOTH', 0.1, 40000, 10);

CREATE VIEW risk AS
  SELECT account_id, round(uni_mmr, 6) AS uni_mmr, account_equity, account_status, error FROM pm.account_risk;

-- own changes, statement by statement, and savepoints
SELECT * FROM risk;
BEGIN;
UPDATE pm.asset SET index_price = 30000 WHERE asset = 'BTC';
SELECT * FROM risk;
SAVEPOINT s;
UPDATE pm.symbol SET mark_price = 30000;
UPDATE pm.collateral SET schedule = '0:0.5' WHERE asset = 'BTC';
SELECT * FROM risk;
ROLLBACK TO SAVEPOINT s;
SELECT * FROM risk;
UPDATE pm.symbol SET mark_price = 30000;
SELECT * FROM risk;
ROLLBACK;
SELECT * FROM risk;

-- a change and its undo within one transaction: the data is back, the
-- tuple versions are new
BEGIN;
UPDATE pm.asset SET index_price = 30000 WHERE asset = 'BTC';
UPDATE pm.asset SET index_price = 40000 WHERE asset = 'BTC';
SELECT * FROM risk;
COMMIT;

-- inside one function, each statement sees the prices before it
CREATE FUNCTION equity_at(prices numeric[]) RETURNS numeric[] LANGUAGE plpgsql AS $$
DECLARE
  p numeric;
  out numeric[] := '{}';
BEGIN
  FOREACH p IN ARRAY prices LOOP
    UPDATE pm.asset SET index_price = p WHERE asset = 'BTC';
    out := out || (SELECT account_equity FROM pm.account_risk WHERE account_id = 1);
  END LOOP;
  RETURN out;
END $$;
SELECT equity_at('{40000, 20000, 40000, 45000}');
SELECT * FROM risk;
UPDATE pm.asset SET index_price = 40000 WHERE asset = 'BTC';

-- rights: a reader who may read the ledger but not the prices is refused,
-- though this session has the prices cached (granted table by table, not
-- through pm_reader: pm.account_risk reads its shards' table too, empty here)
CREATE ROLE refcache_reader;
GRANT USAGE ON SCHEMA pm TO refcache_reader;
GRANT SELECT ON pm.account, pm.balance, pm.position, pm.open_order, pm.symbol,
  pm.collateral, pm.loan_mmr, pm.status_threshold, pm.ledger_row, pm.account_margin,
  pm.account_risk, pm.account_risk_remote TO refcache_reader;
GRANT SELECT ON risk TO refcache_reader;
SELECT * FROM risk;
SET ROLE refcache_reader;
SELECT * FROM risk;
RESET ROLE;
GRANT SELECT ON pm.asset TO refcache_reader;
SET ROLE refcache_reader;
SELECT * FROM risk;
RESET ROLE;

-- row-level security on a reference table: each reader sees its rows.
-- Policies of one's own on the extension's tables are refused (pg_dump
-- would not keep them) unless a superuser turns the event trigger off.
ALTER EVENT TRIGGER pm_refuse_own_policies DISABLE;
ALTER TABLE pm.asset ENABLE ROW LEVEL SECURITY;
CREATE POLICY no_btc ON pm.asset FOR SELECT TO refcache_reader USING (asset <> 'BTC');
SELECT * FROM risk;
SET ROLE refcache_reader;
SELECT * FROM risk;
RESET ROLE;
SELECT * FROM risk;
DROP POLICY no_btc ON pm.asset;
CREATE POLICY everything ON pm.asset FOR SELECT TO refcache_reader USING (true);
SET ROLE refcache_reader;
SELECT * FROM risk;
RESET ROLE;
DROP POLICY everything ON pm.asset;
ALTER TABLE pm.asset DISABLE ROW LEVEL SECURITY;
ALTER EVENT TRIGGER pm_refuse_own_policies ENABLE;

-- a table rewritten, and one truncated and refilled, then rolled back
SELECT * FROM risk;
VACUUM FULL pm.symbol;
SELECT * FROM risk;
BEGIN;
CREATE TEMP TABLE haircuts AS SELECT * FROM pm.collateral;
TRUNCATE pm.collateral;
INSERT INTO pm.collateral SELECT program, asset, CASE asset WHEN 'BTC' THEN '0:0.5'::pm.tiers ELSE schedule END
  FROM haircuts;
SELECT * FROM risk;
ROLLBACK;
SELECT * FROM risk;

-- the ladder: a status read right after its threshold moved
SELECT pm.status(1.4, 100, 'PM_PRO', NULL);
UPDATE pm.status_threshold SET uni_mmr_above = 1.35 WHERE program = 'PM_PRO' AND status = 'NORMAL';
SELECT pm.status(1.4, 100, 'PM_PRO', NULL);
UPDATE pm.status_threshold SET uni_mmr_above = 1.50 WHERE program = 'PM_PRO' AND status = 'NORMAL';
SELECT pm.status(1.4, 100, 'PM_PRO', NULL);

-- what the triggers kept matches a recomputation from scratch
SELECT pm.refresh_account_state();

-- without the cache, the same answers
CREATE TEMP TABLE cached AS SELECT * FROM pm.account_risk;
SET portfolio_margin.reference_cache = off;
SELECT count(*) AS same_rows FROM pm.account_risk r JOIN cached c USING (account_id)
 WHERE (r.*)::text = (c.*)::text;
UPDATE pm.asset SET index_price = 41000 WHERE asset = 'BTC';
SELECT * FROM risk;
RESET portfolio_margin.reference_cache;
SELECT * FROM risk;
UPDATE pm.asset SET index_price = 40000 WHERE asset = 'BTC';

-- memory: a cache that stops being current goes as soon as no query uses
-- it (one per kind is left: prices and schedules, and the ladder); an open
-- cursor keeps the one it read until it is closed
CREATE FUNCTION caches() RETURNS bigint LANGUAGE sql AS
  $$ SELECT count(*) FROM pg_catalog.pg_backend_memory_contexts WHERE name = 'pm reference cache' $$;
DO $$
BEGIN
  FOR i IN 1..200 LOOP
    UPDATE pm.asset SET index_price = 40000 + i WHERE asset = 'BTC';
    PERFORM * FROM pm.account_risk;
  END LOOP;
END $$;
SELECT caches();
BEGIN;
DECLARE c CURSOR FOR SELECT account_id, account_equity FROM pm.account_risk;
FETCH 1 FROM c;
UPDATE pm.asset SET index_price = 30000 WHERE asset = 'BTC';
SELECT account_id, account_equity FROM pm.account_risk;
SELECT caches();
CLOSE c;
SELECT caches();
ROLLBACK;
SELECT caches();
UPDATE pm.asset SET index_price = 40000 WHERE asset = 'BTC';

DROP FUNCTION caches();
DROP VIEW risk;
DROP FUNCTION equity_at(numeric[]);
REVOKE ALL ON pm.account, pm.balance, pm.position, pm.open_order, pm.symbol, pm.collateral,
  pm.loan_mmr, pm.status_threshold, pm.asset, pm.ledger_row, pm.account_margin, pm.account_risk,
  pm.account_risk_remote
  FROM refcache_reader;
REVOKE USAGE ON SCHEMA pm FROM refcache_reader;
DROP ROLE refcache_reader;
DELETE FROM pm.account;
DELETE FROM pm.symbol;
DELETE FROM pm.collateral;
DELETE FROM pm.asset;
DELETE FROM pm.risk_event;
