-- test/bench/own_tables.sql: the book of pm's tables copied into tables
-- of a desk's own shape (as sql/own_tables.sql has them: int4 client
-- numbers, a tier for the program, one wallet row per coin and wallet,
-- hedge-mode futures, orders as a pair, a side and two quantities, each
-- with its primary key), and the risk an analyst writes over them with
-- ledger entries, for test/bench/run.sh's (e).
DROP SCHEMA IF EXISTS bench_desk CASCADE;
CREATE SCHEMA bench_desk;
CREATE TABLE bench_desk.client (client_no int4 PRIMARY KEY, tier text NOT NULL, loan_lev int2 NOT NULL);
CREATE TABLE bench_desk.wallet (
  client_no int4 NOT NULL, coin text NOT NULL, wallet text NOT NULL, amount numeric NOT NULL,
  locked numeric NOT NULL DEFAULT 0, debt numeric NOT NULL DEFAULT 0, accrued numeric NOT NULL DEFAULT 0,
  PRIMARY KEY (client_no, coin, wallet));
CREATE TABLE bench_desk.futures (
  client_no int4 NOT NULL, contract text NOT NULL, hedge_side text NOT NULL,
  net_qty numeric NOT NULL, avg_px numeric NOT NULL, lev int2 NOT NULL,
  PRIMARY KEY (client_no, contract, hedge_side));
CREATE TABLE bench_desk.margin_order (
  client_no int4 NOT NULL, order_no int8 NOT NULL, base text NOT NULL, quote text NOT NULL,
  side text NOT NULL, base_qty numeric NOT NULL, quote_qty numeric NOT NULL,
  PRIMARY KEY (client_no, order_no));

INSERT INTO bench_desk.client
SELECT account_id, CASE program WHEN 'PM_PRO' THEN 'pro' ELSE 'standard' END, loan_leverage
  FROM pm.account ORDER BY account_id;
INSERT INTO bench_desk.wallet
SELECT * FROM (
  SELECT account_id, asset, 'cross', cross_free, cross_locked, cross_borrowed, cross_interest FROM pm.balance
  UNION ALL
  SELECT account_id, asset, 'um', um_wallet, 0, 0, 0 FROM pm.balance WHERE um_wallet <> 0
  UNION ALL
  SELECT account_id, asset, 'cm', cm_wallet, 0, 0, 0 FROM pm.balance WHERE cm_wallet <> 0) w
 ORDER BY 1, 2, 3;
INSERT INTO bench_desk.futures
SELECT account_id, symbol, side, qty, entry_price, leverage FROM pm.position ORDER BY 1, 2, 3;
INSERT INTO bench_desk.margin_order
SELECT account_id, order_id,
       CASE WHEN order_id % 2 = 0 THEN buy_asset ELSE sell_asset END,
       CASE WHEN order_id % 2 = 0 THEN sell_asset ELSE buy_asset END,
       CASE WHEN order_id % 2 = 0 THEN 'BUY' ELSE 'SELL' END,
       CASE WHEN order_id % 2 = 0 THEN buy_qty ELSE sell_qty END,
       CASE WHEN order_id % 2 = 0 THEN sell_qty ELSE buy_qty END
  FROM pm.open_order ORDER BY 1, 2;

CREATE VIEW bench_desk.client_risk AS
SELECT client_no, (pm.account_ledger_risk(entry)).*
  FROM (SELECT client_no,
               pm.account_entry(program => CASE tier WHEN 'pro' THEN 'PM_PRO' ELSE 'PM' END,
                                loan_leverage => loan_lev) AS entry
          FROM bench_desk.client
        UNION ALL
        SELECT client_no,
               pm.balance_entry(asset => coin,
                                cross_free => CASE wallet WHEN 'cross' THEN amount ELSE 0 END,
                                cross_locked => locked, cross_borrowed => debt, cross_interest => accrued,
                                um_wallet => CASE wallet WHEN 'um' THEN amount ELSE 0 END,
                                cm_wallet => CASE wallet WHEN 'cm' THEN amount ELSE 0 END)
          FROM bench_desk.wallet
        UNION ALL
        SELECT client_no, pm.position_entry(symbol => contract, qty => net_qty,
                                            entry_price => avg_px, leverage => lev)
          FROM bench_desk.futures
        UNION ALL
        SELECT client_no,
               pm.order_entry(sell_asset => CASE side WHEN 'BUY' THEN quote ELSE base END,
                              sell_qty => CASE side WHEN 'BUY' THEN quote_qty ELSE base_qty END,
                              buy_asset => CASE side WHEN 'BUY' THEN base ELSE quote END,
                              buy_qty => CASE side WHEN 'BUY' THEN base_qty ELSE quote_qty END)
          FROM bench_desk.margin_order) AS ledger
 GROUP BY client_no;
