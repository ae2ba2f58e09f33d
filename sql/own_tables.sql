-- Risk over one's own tables: ledger entries, built by pm.account_entry,
-- pm.balance_entry, pm.position_entry and pm.order_entry with arguments
-- named for what they are, and pm.account_ledger_risk over them, grouped
-- by account.  The desk below keeps its book in tables of its own shape:
-- int4 client numbers, a tier instead of a program, one wallet row per
-- coin and wallet, hedge-mode futures, orders as a pair, a side and two
-- quantities.  It is filled from the pm tables that the earlier tests left
-- (and a few more accounts), so its risk must be pm.account_risk's, row
-- for row, under every plan.  Then rows no CHECK saw: each makes its
-- account one that cannot be valued, and no other.

CREATE SCHEMA desk;
CREATE TABLE desk.client (
  client_no int4 PRIMARY KEY,
  tier text NOT NULL,
  loan_lev int2 NOT NULL
);
CREATE TABLE desk.wallet (
  client_no int4 NOT NULL,
  coin text NOT NULL,
  wallet text NOT NULL CHECK (wallet IN ('cross', 'um', 'cm')),
  amount numeric NOT NULL,
  locked numeric NOT NULL DEFAULT 0,
  debt numeric NOT NULL DEFAULT 0,
  accrued numeric NOT NULL DEFAULT 0,
  PRIMARY KEY (client_no, coin, wallet)
);
CREATE TABLE desk.futures (
  client_no int4 NOT NULL,
  contract text NOT NULL,
  hedge_side text NOT NULL,
  net_qty numeric NOT NULL,
  avg_px numeric NOT NULL,
  lev int2 NOT NULL,
  PRIMARY KEY (client_no, contract, hedge_side)
);
CREATE TABLE desk.margin_order (
  client_no int4 NOT NULL,
  order_no int8 NOT NULL,
  base text NOT NULL,
  quote text NOT NULL,
  side text NOT NULL CHECK (side IN ('BUY', 'SELL')),
  base_qty numeric NOT NULL,
  quote_qty numeric NOT NULL,
  PRIMARY KEY (client_no, order_no)
);

-- a few more accounts: UM and CM wallets, a borrowed asset, hedge mode
INSERT INTO pm.account VALUES (7001, 'PM', 5), (7002, 'PM_PRO', 3), (7003, 'PM', 3);
INSERT INTO pm.balance (account_id, asset, cross_free, cross_locked, cross_borrowed, cross_interest, um_wallet, cm_wallet)
SELECT 7001, a.asset, 1000 / a.index_price, 0, 0, 0, 50, -0.25
  FROM pm.asset a WHERE a.index_price IS NOT NULL ORDER BY a.asset LIMIT 2;
INSERT INTO pm.balance (account_id, asset, cross_free, cross_borrowed, cross_interest)
SELECT 7002, a.asset, 5000 / a.index_price, 1200 / a.index_price, 0.5 / a.index_price
  FROM pm.asset a WHERE a.index_price IS NOT NULL ORDER BY a.asset DESC LIMIT 1;
INSERT INTO pm.balance (account_id, asset, um_wallet)
SELECT 7003, s.settle_asset, 2500 FROM pm.symbol s ORDER BY s.symbol LIMIT 1;
INSERT INTO pm.position (account_id, symbol, side, qty, entry_price, leverage)
SELECT 7003, s.symbol, v.side, v.qty, s.mark_price * 0.97, 10
  FROM (SELECT * FROM pm.symbol ORDER BY symbol LIMIT 1) s,
       (VALUES ('LONG', 2.5), ('SHORT', -1)) v(side, qty);
SELECT count(*) AS accounts FROM pm.account;

INSERT INTO desk.client
SELECT account_id, CASE program WHEN 'PM_PRO' THEN 'pro' ELSE 'standard' END, loan_leverage FROM pm.account;
INSERT INTO desk.wallet
SELECT account_id, asset, 'cross', cross_free, cross_locked, cross_borrowed, cross_interest FROM pm.balance
UNION ALL
SELECT account_id, asset, 'um', um_wallet, 0, 0, 0 FROM pm.balance WHERE um_wallet <> 0
UNION ALL
SELECT account_id, asset, 'cm', cm_wallet, 0, 0, 0 FROM pm.balance WHERE cm_wallet <> 0;
INSERT INTO desk.futures SELECT account_id, symbol, side, qty, entry_price, leverage FROM pm.position;
-- even orders as BUY (the quote is sold), odd ones as SELL (the base is sold)
INSERT INTO desk.margin_order
SELECT account_id, order_id,
       CASE WHEN order_id % 2 = 0 THEN buy_asset ELSE sell_asset END,
       CASE WHEN order_id % 2 = 0 THEN sell_asset ELSE buy_asset END,
       CASE WHEN order_id % 2 = 0 THEN 'BUY' ELSE 'SELL' END,
       CASE WHEN order_id % 2 = 0 THEN buy_qty ELSE sell_qty END,
       CASE WHEN order_id % 2 = 0 THEN sell_qty ELSE buy_qty END
  FROM pm.open_order;
SELECT (SELECT count(*) FROM desk.client) AS clients, (SELECT count(*) FROM desk.wallet) AS wallets,
       (SELECT count(*) FROM desk.futures) AS futures, (SELECT count(*) FROM desk.margin_order) AS orders;
ANALYZE desk.client, desk.wallet, desk.futures, desk.margin_order;

-- The desk's risk, as an analyst writes it (README: "Risk over your own tables").
CREATE VIEW desk.client_risk AS
SELECT client_no, (pm.account_ledger_risk(entry)).*
  FROM (SELECT client_no,
               pm.account_entry(program => CASE tier WHEN 'pro' THEN 'PM_PRO' ELSE 'PM' END,
                                loan_leverage => loan_lev) AS entry
          FROM desk.client
        UNION ALL
        SELECT client_no,
               pm.balance_entry(asset => coin,
                                cross_free => CASE wallet WHEN 'cross' THEN amount ELSE 0 END,
                                cross_locked => locked, cross_borrowed => debt, cross_interest => accrued,
                                um_wallet => CASE wallet WHEN 'um' THEN amount ELSE 0 END,
                                cm_wallet => CASE wallet WHEN 'cm' THEN amount ELSE 0 END)
          FROM desk.wallet
        UNION ALL
        SELECT client_no, pm.position_entry(symbol => contract, qty => net_qty,
                                            entry_price => avg_px, leverage => lev)
          FROM desk.futures
        UNION ALL
        SELECT client_no,
               pm.order_entry(sell_asset => CASE side WHEN 'BUY' THEN quote ELSE base END,
                              sell_qty => CASE side WHEN 'BUY' THEN quote_qty ELSE base_qty END,
                              buy_asset => CASE side WHEN 'BUY' THEN base ELSE quote END,
                              buy_qty => CASE side WHEN 'BUY' THEN base_qty ELSE quote_qty END)
          FROM desk.margin_order) AS ledger
 GROUP BY client_no;

-- A session's first query gets the ledger merge node (the transition's
-- support function loads the library while it is planned).  The wallets
-- and orders compute their entries' columns in the scan; the futures'
-- are read from the stored tuple.
\c
SET max_parallel_workers_per_gather = 0;
EXPLAIN (COSTS OFF) SELECT * FROM desk.client_risk;
EXPLAIN (COSTS OFF, VERBOSE) SELECT client_no, account_status FROM desk.client_risk WHERE client_no = 7003;

-- Row for row pm.account_risk's, with the node and without it.
SELECT (SELECT count(*) FROM desk.client_risk) AS desk_rows,
       (SELECT count(*) FROM (SELECT * FROM desk.client_risk EXCEPT SELECT * FROM pm.account_risk) d) AS only_desk,
       (SELECT count(*) FROM (SELECT * FROM pm.account_risk EXCEPT SELECT * FROM desk.client_risk) d) AS only_pm;
SELECT * FROM desk.client_risk WHERE client_no >= 7001 ORDER BY client_no;
SET portfolio_margin.ledger_merge = off;
EXPLAIN (COSTS OFF) SELECT * FROM desk.client_risk;
SELECT count(*) AS differ FROM (SELECT * FROM desk.client_risk EXCEPT SELECT * FROM pm.account_risk) d;
RESET portfolio_margin.ledger_merge;

-- In parallel: partial accumulators cross as bytes, combined by account.
SET parallel_setup_cost = 0;
SET parallel_tuple_cost = 0;
SET min_parallel_table_scan_size = 0;
SET max_parallel_workers_per_gather = 2;
SET enable_indexscan = off;
SET enable_bitmapscan = off;
EXPLAIN (COSTS OFF) SELECT * FROM desk.client_risk;
SELECT count(*) AS differ FROM (SELECT * FROM desk.client_risk EXCEPT SELECT * FROM pm.account_risk) d;
RESET ALL;

-- An entry the planner cannot see built (a subquery with a LIMIT): the
-- node takes each entry apart as it comes.
SET max_parallel_workers_per_gather = 0;
EXPLAIN (COSTS OFF)
SELECT client_no, (pm.account_ledger_risk(entry)).uni_mmr
  FROM (SELECT client_no, pm.account_entry(CASE tier WHEN 'pro' THEN 'PM_PRO' ELSE 'PM' END, loan_lev) AS entry
          FROM desk.client
        UNION ALL
        SELECT * FROM (SELECT client_no, pm.position_entry(contract, net_qty, avg_px, lev) AS entry
                         FROM desk.futures ORDER BY client_no LIMIT 1000000) f) AS ledger
 GROUP BY client_no;
SELECT count(*) AS differ
  FROM (SELECT client_no, (pm.account_ledger_risk(entry)).uni_mmr
          FROM (SELECT client_no, pm.account_entry(CASE tier WHEN 'pro' THEN 'PM_PRO' ELSE 'PM' END, loan_lev) AS entry
                  FROM desk.client
                UNION ALL
                SELECT * FROM (SELECT client_no, pm.position_entry(contract, net_qty, avg_px, lev) AS entry
                                 FROM desk.futures ORDER BY client_no LIMIT 1000000) f) AS ledger
         GROUP BY client_no
        EXCEPT
        SELECT account_id, pm.ledger_risk_uni_mmr(kind, key, key2, a, b, c, d, e, f, n)
          FROM pm.ledger_row WHERE kind IN ('a', 'p') GROUP BY account_id) d;

-- pm.account_ledger over entries: the summary pm.account_ledger gives
-- over pm.ledger_row, byte for byte.
SELECT count(*) AS accounts, count(*) FILTER (WHERE e.summary::text = l.summary::text) AS same
  FROM (SELECT client_no AS account_id, pm.account_ledger(entry) AS summary
          FROM (SELECT client_no, pm.account_entry(CASE tier WHEN 'pro' THEN 'PM_PRO' ELSE 'PM' END, loan_lev) AS entry FROM desk.client
                UNION ALL
                SELECT client_no, pm.balance_entry(coin, CASE wallet WHEN 'cross' THEN amount ELSE 0 END, locked, debt, accrued,
                                                   CASE wallet WHEN 'um' THEN amount ELSE 0 END,
                                                   CASE wallet WHEN 'cm' THEN amount ELSE 0 END) FROM desk.wallet
                UNION ALL
                SELECT client_no, pm.position_entry(contract, net_qty, avg_px, lev) FROM desk.futures) x
         WHERE client_no >= 7001 GROUP BY client_no) e
  JOIN (SELECT account_id, pm.account_ledger(kind, key, key2, a, b, c, d, e, f, n) AS summary
          FROM pm.ledger_row WHERE kind <> 'o' AND account_id >= 7001 GROUP BY account_id) l USING (account_id);

-- The constructors' defaults: amounts left out are 0, leverage 20, loan leverage 3.
SELECT pm.account_entry('PM'), pm.balance_entry('USDT', cross_free => 5),
       pm.position_entry('BTCUSDT', -1, 40000), pm.order_entry('USDT', 100, 'BTC', 0.0025);

-- Rows no CHECK saw.  Each account below has one bad row beside a good
-- balance; each cannot be valued, says why, and leaves the others alone.
-- A NULL entry (an outer join's) is no row.
CREATE TEMP TABLE bad (account_id int8, entry pm.ledger_entry);
INSERT INTO bad
SELECT g, pm.account_entry('PM', 3) FROM generate_series(9001, 9019) g WHERE g NOT IN (9012, 9013, 9016)
UNION ALL
SELECT g, pm.balance_entry('USDT', 1000) FROM generate_series(9001, 9019) g
UNION ALL
VALUES (9001, pm.account_entry('VIP', 3)),
       (9002, pm.balance_entry('USDT', cross_free => -1)),
       (9003, pm.balance_entry('USDT', cross_borrowed => 'NaN')),
       (9004, pm.balance_entry('USDT', um_wallet => 'Infinity')),
       (9005, pm.order_entry('USDT', 100, 'BTC', -0.0025)),
       (9006, pm.position_entry('BTCUSDT', 1, 0, 10)),
       (9007, pm.position_entry('BTCUSDT', 1, 40000, 0)),
       (9008, pm.position_entry('BTCUSDT', 1, 40000, 200)),
       (9009, pm.order_entry('USDT', 100, 'USDT', 100)),
       (9010, pm.order_entry('USDT', 0, 'BTC', 0.0025)),
       (9011, pm.position_entry('NOSUCHUSDT', 1, 1, 10)),
       (9012, NULL),
       (9014, pm.balance_entry('NOSUCHCOIN', 1)),
       (9015, pm.balance_entry('USDT', NULL)),
       (9016, pm.account_entry('PM_PRO', 3)),
       (9016, pm.account_entry('PM_PRO', 3)),
       (9017, pm.position_entry('BTCUSDT', 1, 40000, NULL)),
       (9018, ROW('z', 'USDT', NULL, 1, NULL, NULL, NULL, NULL, NULL, NULL)::pm.ledger_entry),
       (9019, NULL);
SELECT account_id, (r).program, (r).account_status, (r).account_equity, (r).error
  FROM (SELECT account_id, pm.account_ledger_risk(entry) AS r FROM bad GROUP BY account_id) x
 ORDER BY account_id;
-- the same through the ledger merge node, sorted input of one's own
SET enable_hashagg = off;
EXPLAIN (COSTS OFF) SELECT account_id, pm.account_ledger_risk(entry) FROM bad GROUP BY account_id;
SELECT count(*) AS differ FROM (
  SELECT account_id, (pm.account_ledger_risk(entry)).* FROM bad GROUP BY account_id
  EXCEPT
  SELECT account_id, (pm.account_ledger_risk(entry)).* FROM (SELECT * FROM bad ORDER BY account_id OFFSET 0) b GROUP BY account_id) d;
SET portfolio_margin.ledger_merge = off;
SELECT count(*) AS differ FROM (
  SELECT account_id, (pm.account_ledger_risk(entry)).* FROM bad GROUP BY account_id
  EXCEPT
  SELECT account_id, (pm.account_ledger_risk(entry)).* FROM (SELECT * FROM bad ORDER BY account_id OFFSET 0) b GROUP BY account_id) d;
RESET ALL;

-- The flat ledger aggregates hold their rows to the same rules.
SELECT pm.ledger_risk_error(k, key, key2, a, b, c, d, e, f, n)
  FROM (VALUES ('a'::"char", 'PM', NULL::text, NULL::numeric, NULL::numeric, NULL::numeric, NULL::numeric, NULL::numeric, NULL::numeric, 3),
               ('b', 'USDT', NULL, 10, -2, 0, 0, 0, 0, NULL)) v(k, key, key2, a, b, c, d, e, f, n);

DROP SCHEMA desk CASCADE;
DELETE FROM pm.account WHERE account_id BETWEEN 7001 AND 7003;
