-- The reference schema: constraints that reject what cannot be true, the
-- editable status ladder and loan MMR table, and the shipped rows.

SELECT * FROM pm.loan_mmr ORDER BY leverage;
SELECT program, status, uni_mmr_above, enabled FROM pm.status_threshold
 ORDER BY program, uni_mmr_above DESC NULLS LAST, status;

INSERT INTO pm.asset VALUES ('USDT', 1), ('BTC', 40000), ('ETH', 3000), ('NEW', NULL);
INSERT INTO pm.account VALUES (1, 'PM_PRO', 3), (2, 'PM', 5);
INSERT INTO pm.symbol VALUES
  ('BTCUSDT', 'UM', 'BTC', 'USDT', NULL, 40000, '0:0.004, 300000:0.005'),
  ('BTCUSD_PERP', 'CM', 'BTC', 'BTC', 100, 40000, '0:0.004, 50:0.005');

-- Each of these cannot be true and is rejected with a constraint that says why
INSERT INTO pm.account VALUES (3, 'VIP', 3); \echo :LAST_ERROR_SQLSTATE
INSERT INTO pm.account VALUES (3, 'PM', 7); \echo :LAST_ERROR_SQLSTATE
INSERT INTO pm.asset VALUES ('ZERO', 0); \echo :LAST_ERROR_SQLSTATE
INSERT INTO pm.asset VALUES ('NAN', 'NaN'); \echo :LAST_ERROR_SQLSTATE
INSERT INTO pm.asset VALUES ('INF', 'Infinity'); \echo :LAST_ERROR_SQLSTATE
INSERT INTO pm.asset VALUES ('', 1); \echo :LAST_ERROR_SQLSTATE
INSERT INTO pm.balance (account_id, asset, cross_free) VALUES (1, 'BTC', -1); \echo :LAST_ERROR_SQLSTATE
INSERT INTO pm.balance (account_id, asset, cross_borrowed) VALUES (1, 'BTC', -0.5); \echo :LAST_ERROR_SQLSTATE
INSERT INTO pm.balance (account_id, asset, um_wallet) VALUES (1, 'BTC', 'NaN'); \echo :LAST_ERROR_SQLSTATE
INSERT INTO pm.balance (account_id, asset) VALUES (1, 'DOGE'); \echo :LAST_ERROR_SQLSTATE
INSERT INTO pm.balance (account_id, asset) VALUES (99, 'BTC'); \echo :LAST_ERROR_SQLSTATE
INSERT INTO pm.balance (account_id, asset, um_wallet) VALUES (1, 'USDT', -250) RETURNING um_wallet AS negative_wallet_is_fine;
INSERT INTO pm.balance (account_id, asset) VALUES (1, 'USDT'); \echo :LAST_ERROR_SQLSTATE
INSERT INTO pm.position VALUES (1, 'NOPE', 'BOTH', 1, 100, 10); \echo :LAST_ERROR_SQLSTATE
INSERT INTO pm.position VALUES (1, 'BTCUSDT', 'LONG', -1, 100, 10); \echo :LAST_ERROR_SQLSTATE
INSERT INTO pm.position VALUES (1, 'BTCUSDT', 'SHORT', 1, 100, 10); \echo :LAST_ERROR_SQLSTATE
INSERT INTO pm.position VALUES (1, 'BTCUSDT', 'HEDGE', 1, 100, 10); \echo :LAST_ERROR_SQLSTATE
INSERT INTO pm.position VALUES (1, 'BTCUSDT', 'BOTH', 1, 0, 10); \echo :LAST_ERROR_SQLSTATE
INSERT INTO pm.position VALUES (1, 'BTCUSDT', 'BOTH', 1, 100, 0); \echo :LAST_ERROR_SQLSTATE
INSERT INTO pm.position VALUES (1, 'BTCUSDT', 'BOTH', 'Infinity', 100, 10); \echo :LAST_ERROR_SQLSTATE
INSERT INTO pm.symbol VALUES ('ETHUSDT', 'UM', 'ETH', 'USDT', NULL, 0, '0:0.005'); \echo :LAST_ERROR_SQLSTATE
INSERT INTO pm.symbol VALUES ('ETHUSDT', 'UM', 'ETH', 'USDT', 10, 3000, '0:0.005'); \echo :LAST_ERROR_SQLSTATE
INSERT INTO pm.symbol VALUES ('ETHUSD_PERP', 'CM', 'ETH', 'ETH', NULL, 3000, '0:0.005'); \echo :LAST_ERROR_SQLSTATE
INSERT INTO pm.symbol VALUES ('ETHUSD_PERP', 'CM', 'ETH', 'USDT', 10, 3000, '0:0.005'); \echo :LAST_ERROR_SQLSTATE
INSERT INTO pm.symbol VALUES ('ETHUSD_PERP', 'XM', 'ETH', 'ETH', 10, 3000, '0:0.005'); \echo :LAST_ERROR_SQLSTATE
INSERT INTO pm.collateral VALUES ('PM_PRO', 'BTC', '0:1.05'); \echo :LAST_ERROR_SQLSTATE
INSERT INTO pm.collateral VALUES ('PM', 'BTC', '0:1, 1000000:0.9'); \echo :LAST_ERROR_SQLSTATE
INSERT INTO pm.collateral VALUES ('PM_PRO', 'DOGE', '0:0.9'); \echo :LAST_ERROR_SQLSTATE
INSERT INTO pm.open_order VALUES (2, 1, 'BTC', 1, 'BTC', 1); \echo :LAST_ERROR_SQLSTATE
INSERT INTO pm.open_order VALUES (2, 1, 'BTC', 0, 'USDT', 1); \echo :LAST_ERROR_SQLSTATE
INSERT INTO pm.loan_mmr VALUES (1, 0.2); \echo :LAST_ERROR_SQLSTATE
INSERT INTO pm.loan_mmr VALUES (20, 1.5); \echo :LAST_ERROR_SQLSTATE
-- a symbol or account in use cannot disappear
INSERT INTO pm.position VALUES (1, 'BTCUSDT', 'BOTH', 1, 100, 10);
DELETE FROM pm.symbol WHERE symbol = 'BTCUSDT'; \echo :LAST_ERROR_SQLSTATE
DELETE FROM pm.loan_mmr WHERE leverage = 3; \echo :LAST_ERROR_SQLSTATE

-- An account with no price for an asset it holds cannot be valued: its row
-- says why, and the other accounts are valued as ever
INSERT INTO pm.balance (account_id, asset, cross_free) VALUES (2, 'NEW', 5);
SELECT * FROM pm.account_risk WHERE account_id = 2;
SELECT account_id, uni_mmr, error FROM pm.account_risk ORDER BY account_id;
UPDATE pm.asset SET index_price = 2 WHERE asset = 'NEW';
SELECT account_id, account_equity, account_status FROM pm.account_risk WHERE account_id = 2;

-- The loan MMR table: inserting an existing leverage replaces its rate (so a
-- dump of edited rows restores over the shipped ones)
INSERT INTO pm.loan_mmr VALUES (3, 0.12), (20, 0.03);
SELECT * FROM pm.loan_mmr ORDER BY leverage;
UPDATE pm.loan_mmr SET mmr = 0.10 WHERE leverage = 3;

-- The status ladder is editable...
UPDATE pm.status_threshold SET uni_mmr_above = 1.25 WHERE program = 'PM' AND status = 'NORMAL';
SELECT pm.status(pm.margin('USDT', 122, 100, 1, '0:1'), 'PM') AS at_1_22;
-- ...a band can be switched on (the older five-band ladder's second call)...
UPDATE pm.status_threshold SET uni_mmr_above = 1.35, enabled = true
 WHERE program = 'PM_PRO' AND status = 'SUPPLY_MARGIN';
SELECT pm.status(pm.margin('USDT', 130, 100, 1, '0:1'), 'PM_PRO') AS at_1_30,
       pm.status(pm.margin('USDT', 140, 100, 1, '0:1'), 'PM_PRO') AS at_1_40;
-- ...inserting an existing band replaces it...
INSERT INTO pm.status_threshold VALUES ('PM_PRO', 'SUPPLY_MARGIN', NULL, false);
INSERT INTO pm.status_threshold VALUES ('PM', 'NORMAL', 1.20, true);
SELECT program, status, uni_mmr_above, enabled FROM pm.status_threshold
 ORDER BY program, uni_mmr_above DESC NULLS LAST, status;
-- ...but it must stay a ladder, and its rows stay
UPDATE pm.status_threshold SET uni_mmr_above = 1.2 WHERE program = 'PM_PRO' AND status = 'REDUCE_ONLY'; \echo :LAST_ERROR_SQLSTATE
UPDATE pm.status_threshold SET uni_mmr_above = 0.9 WHERE program = 'PM' AND status = 'ACTIVE_LIQUIDATION'; \echo :LAST_ERROR_SQLSTATE
UPDATE pm.status_threshold SET enabled = false WHERE program = 'PM' AND status = 'ACTIVE_LIQUIDATION'; \echo :LAST_ERROR_SQLSTATE
UPDATE pm.status_threshold SET uni_mmr_above = 5 WHERE program = 'PM' AND status = 'REDUCE_ONLY'; \echo :LAST_ERROR_SQLSTATE
UPDATE pm.status_threshold SET uni_mmr_above = 0 WHERE program = 'PM' AND status = 'REDUCE_ONLY'; \echo :LAST_ERROR_SQLSTATE
DELETE FROM pm.status_threshold WHERE status = 'MARGIN_CALL'; \echo :LAST_ERROR_SQLSTATE
TRUNCATE pm.status_threshold; \echo :LAST_ERROR_SQLSTATE
INSERT INTO pm.status_threshold VALUES ('PM', 'BANKRUPTED', NULL, true); \echo :LAST_ERROR_SQLSTATE
SELECT count(*) AS ladder_rows FROM pm.status_threshold;

-- Every table holding rows is registered for pg_dump
SELECT c.relname FROM pg_extension e, unnest(e.extconfig) AS t(oid)
  JOIN pg_class c ON c.oid = t.oid
 WHERE e.extname = 'portfolio_margin' ORDER BY 1;

-- Every view is security_invoker and every view column has a comment
SELECT c.relname, c.reloptions FROM pg_class c
 WHERE c.relnamespace = 'pm'::regnamespace AND c.relkind = 'v' ORDER BY 1;
SELECT c.relname, a.attname FROM pg_class c JOIN pg_attribute a ON a.attrelid = c.oid
 WHERE c.relnamespace = 'pm'::regnamespace AND c.relkind IN ('v', 'r') AND a.attnum > 0
   AND col_description(c.oid, a.attnum) IS NULL;
