-- Beyond the exchange: stress scenarios, account-level liquidation prices,
-- withdrawal limits, what-if and what each position costs, on accounts
-- whose answers can be checked by hand, and every error.

TRUNCATE pm.open_order, pm.position, pm.balance, pm.account_state, pm.risk_event, pm.account,
         pm.symbol, pm.collateral, pm.asset;

INSERT INTO pm.asset VALUES ('USDT', 1), ('BTC', 40000), ('ETH', 3000);
INSERT INTO pm.collateral VALUES
  ('PM_PRO', 'USDT', '0:1'), ('PM_PRO', 'BTC', '0:1'), ('PM_PRO', 'ETH', '0:0.9'),
  ('PM', 'USDT', '0:1'), ('PM', 'BTC', '0:0.95'), ('PM', 'ETH', '0:0.9');
INSERT INTO pm.symbol VALUES
  ('BTCUSDT', 'UM', 'BTC', 'USDT', NULL, 40000, '0:0.005, 100000:0.01'),
  ('ETHUSDT', 'UM', 'ETH', 'USDT', NULL, 3000, '0:0.01');

-- Account 1 (PM_PRO, 3x) borrows 30,000 USDT to hold 1 BTC: MM 3,000, so
-- uniMMR = (P - 30,000) / 3,000 for a BTC price P.
INSERT INTO pm.account VALUES (1, 'PM_PRO', 3), (2, 'PM', 3), (3, 'PM_PRO', 3);
INSERT INTO pm.balance (account_id, asset, cross_free, cross_borrowed) VALUES
  (1, 'USDT', 0, 30000), (1, 'BTC', 1, 0);
-- Account 2 (PM) holds 10,000 USDT, is short 2 BTCUSDT (notional 80,000 in
-- the first bracket: MM 400) and has an order selling 1,000 USDT for 0.3 ETH
-- (open loss 1,000 - 0.3 x 3,000 x 0.9 = 190): uniMMR 9,810 / 400.
INSERT INTO pm.balance (account_id, asset, cross_free) VALUES (2, 'USDT', 10000);
INSERT INTO pm.position (account_id, symbol, qty, entry_price, leverage) VALUES (2, 'BTCUSDT', -2, 40000, 10);
INSERT INTO pm.open_order VALUES (2, 1, 'USDT', 1000, 'ETH', 0.3);
SELECT account_id, program, uni_mmr, account_equity, account_maint_margin, account_status
  FROM pm.account_risk ORDER BY account_id;

-- Scenarios: BTC -20% puts account 1 at (32,000 - 30,000) / 3,000
SELECT account_id, scenario, uni_mmr, account_equity, account_maint_margin, account_status
  FROM pm.stress_result WHERE account_id IN (1, 2) AND scenario IN ('BTC -20%', 'BTC +20%', 'crypto -30%', 'USDT de-peg -10%')
 ORDER BY account_id, scenario;
SELECT (pm.stress(1, 'BTC -20%')).*;
\set SHOW_CONTEXT never
SELECT pm.stress(99, 'BTC -20%');                     -- no such account: an error
\set SHOW_CONTEXT errors
-- the built-in set
SELECT count(DISTINCT scenario) AS scenarios, count(*) FILTER (WHERE asset = '*') AS default_moves
  FROM pm.scenario WHERE builtin;
-- a scenario of one's own: BTC -10% and ETH's collateral halved; an asset
-- nobody prices changes nothing
INSERT INTO pm.scenario (scenario, asset, price_shock, collateral) VALUES
  ('mine', 'BTC', -0.1, NULL), ('mine', 'ETH', 0, '0:0.45'), ('mine', 'NOSUCHCOIN', -0.99, NULL);
SELECT account_id, uni_mmr, account_equity FROM pm.stress_result WHERE scenario = 'mine' ORDER BY 1;

-- Liquidation price: account 1 reaches 1.05 at P = 30,000 + 1.05 x 3,000 =
-- 33,150 and never above; account 2 (short) only above, where
-- 9,810 - 2 (P - 40,000) = 1.05 x 0.005 x 2P: P = 89,810 / 2.0105
SELECT * FROM pm.liquidation_price(1, 'BTC');
SELECT * FROM pm.liquidation_price(2, 'BTC');
SELECT * FROM pm.liquidation_price(1, 'ETH');      -- ETH moves nothing: no crossing
SELECT * FROM pm.liquidation_price(3, 'BTC');      -- an empty account: never
\set SHOW_CONTEXT never
SELECT * FROM pm.liquidation_price(99, 'BTC');     -- no such account
\set SHOW_CONTEXT errors
SELECT pm.div(89810, 2.0105) AS by_hand;
-- at the price found, uniMMR is the threshold
SELECT round(pm.uni_mmr(u.summary), 15) AS uni_mmr_there
  FROM pm.liquidation_price(2, 'BTC') l,
       pm.summary_under(2, ARRAY['BTC'], ARRAY[pm.div(l.above, 40000) - 1], ARRAY[NULL::text]) u;

-- Withdrawal: account 1 keeps uniMMR >= 1.5 while BTC is worth 34,500:
-- 0.1375 BTC can leave; to 1.2, while it is worth 33,600: 0.16.  Account 2
-- must keep 1.2 x 400 + 190 of open loss: 9,330 of its 10,000 USDT can leave
SELECT pm.max_withdraw(1, 'BTC') AS btc_to_1_5, pm.max_withdraw(1, 'BTC', 1.2) AS btc_to_1_2,
       pm.max_withdraw(1, 'USDT') AS usdt_none_free, pm.max_withdraw(2, 'USDT') AS usdt;

-- What-if: 1,000 USDT in, a BTC long, a loan, a new order; nothing is written
SELECT account_id, uni_mmr, account_equity, account_maint_margin, account_status
  FROM pm.whatif(1, '{"transfers": [{"asset": "USDT", "amount": 1000}]}');
SELECT account_id, uni_mmr, account_equity, account_maint_margin, account_status
  FROM pm.whatif(1, '{"positions": [{"symbol": "BTCUSDT", "qty": 0.5}]}');
SELECT account_id, uni_mmr, account_equity, account_maint_margin, account_status
  FROM pm.whatif(2, '{"positions": [{"symbol": "BTCUSDT", "qty": 0}], "loans": [{"asset": "USDT", "amount": 5000}],
                      "orders": [{"sell_asset": "USDT", "sell_qty": 100, "buy_asset": "BTC", "buy_qty": 0.0025}]}');
SELECT account_id, uni_mmr FROM pm.whatif(1, '{}');
SELECT count(*) AS balances, (SELECT count(*) FROM pm.position) AS positions FROM pm.balance;

-- What each position costs
INSERT INTO pm.position (account_id, symbol, qty, entry_price, leverage) VALUES (1, 'ETHUSDT', 10, 2900, 10);
SELECT * FROM pm.position_impact(1);
SELECT * FROM pm.position_impact(2);

-- Errors
SELECT pm.stress(1, 'no such scenario');
INSERT INTO pm.scenario VALUES ('bad', 'BTC', -1);
INSERT INTO pm.scenario VALUES ('bad', 'BTC', 'NaN');
INSERT INTO pm.scenario VALUES ('bad', 'BTC', 0, '0:1.5');
SELECT pm.max_withdraw(1, 'NOPE');
SELECT pm.max_withdraw(1, 'BTC', -1);
SELECT pm.liquidation_price(1, 'NOPE');
SELECT pm.whatif(1, '[]');
SELECT pm.whatif(1, '{"trades": []}');
SELECT pm.whatif(1, '{"positions": {}}');
SELECT pm.whatif(1, '{"positions": [1]}');
SELECT pm.whatif(1, '{"positions": [{"symbol": "BTCUSDT", "qty": 1, "price": 5}]}');
SELECT pm.whatif(1, '{"positions": [{"symbol": "BTCUSDT"}]}');
SELECT pm.whatif(1, '{"positions": [{"symbol": "NOPE", "qty": 1}]}');
SELECT pm.whatif(1, '{"transfers": [{"asset": "BTC", "amount": -2}]}');
SELECT pm.whatif(1, '{"loans": [{"asset": "USDT", "amount": -40000}]}');
SELECT pm.whatif(1, '{"transfers": [{"asset": "USDT", "amount": 1, "wallet": "spot"}]}');
SELECT pm.whatif(1, '{"transfers": [{"asset": "USDT", "amount": "lots"}]}');
-- the raw aggregate: scenario rows must come first, once per asset, above
-- -1; otherwise the account cannot be valued and its error says why
SELECT pm.account_ledger(k, key, NULL, a, b, NULL, NULL, NULL, NULL, n ORDER BY ord) AS summary,
       pm.ledger_risk_error(k, key, NULL, a, b, NULL, NULL, NULL, NULL, n ORDER BY ord) AS error
  FROM (VALUES (1, 'a'::"char", 'PM_PRO', NULL::numeric, NULL::numeric, 3),
               (2, 'p', 'BTCUSDT', 1, 40000, 10), (3, 's', 'BTC', -0.1, NULL, NULL)) v(ord, k, key, a, b, n);
SELECT pm.account_ledger(k, key, NULL, a, b, NULL, NULL, NULL, NULL, n) AS summary,
       pm.ledger_risk_error(k, key, NULL, a, b, NULL, NULL, NULL, NULL, n) AS error
  FROM (VALUES ('s'::"char", 'BTC', -0.1::numeric, NULL::numeric, NULL::int), ('s', 'BTC', 0.1, NULL, NULL),
               ('a', 'PM_PRO', NULL, NULL, 3)) v(k, key, a, b, n);
SELECT pm.account_ledger(k, key, NULL, a, b, NULL, NULL, NULL, NULL, n) AS summary,
       pm.ledger_risk_error(k, key, NULL, a, b, NULL, NULL, NULL, NULL, n) AS error
  FROM (VALUES ('s'::"char", '*', -1::numeric, NULL::numeric, NULL::int), ('a', 'PM_PRO', NULL, NULL, 3)) v(k, key, a, b, n);

-- pm.tiered_inverse reaches its target even when the division rounds down
-- (1 / 0.3 = 3.33...: the 20-digit quotient falls short, one unit more does
-- not), and one unit of its 20th digit less does not
SELECT x, pm.tiered(x, s) >= t AS reaches,
       pm.tiered(x - ('1e' || (floor(log(x)) - 19)::int)::numeric, s) >= t AS one_unit_less_reaches
  FROM (VALUES (1::numeric, '0:0.3'::pm.tiers), (1, '0:0.5'), (950, '0:0.8, 398000:0.70349'),
               (400000, '0:0.8, 398000:0.70349')) v(t, s),
       LATERAL (SELECT pm.tiered_inverse(t, s) AS x) i;

-- Account 4 (PM) has nothing but an order selling 0.1 BTC for 5,000 USDT: no
-- maintenance margin, adjusted equity 0 (NORMAL) until the BTC it sells is
-- worth more as collateral than what it buys, 0.1 x 0.95 P > 5,000.  It
-- enters liquidation above P = 1,000,000 / 19, and never below
INSERT INTO pm.account VALUES (4, 'PM', 3);
INSERT INTO pm.open_order VALUES (4, 1, 'BTC', 0.1, 'USDT', 5000);
SELECT * FROM pm.liquidation_price(4, 'BTC');
SELECT pm.div(1000000, 19) AS by_hand;
SELECT m, l.gap, l.side,
       pm.status(u.summary, 'PM') AS status
  FROM unnest('{0.5, 1, 1.3157894736842105263, 1.3157894736842105264, 2}'::numeric[]) m,
       LATERAL pm.liquidation_side(4, 'BTC', m, 1.05) l,
       LATERAL pm.summary_under(4, ARRAY['BTC'], ARRAY[m - 1], ARRAY[NULL::text]) u;
-- at twice the price it is in liquidation and leaves it below the same price
UPDATE pm.asset SET index_price = 80000 WHERE asset = 'BTC';
SELECT * FROM pm.liquidation_price(4, 'BTC');
UPDATE pm.asset SET index_price = 40000 WHERE asset = 'BTC';
