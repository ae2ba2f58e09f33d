-- pm.import_binance: Binance's answers, as the API returns them (numbers as
-- strings, empty strings, fields we do not use), into the tables.  An
-- account imported from answers is valued exactly as the same account
-- written into the tables by hand.
-- A database of its own: the answers name BTC, USDT, ... as Binance does,
-- which the other tests' rows would otherwise meet.
CREATE DATABASE pm_binance_import;
\c pm_binance_import
SET client_min_messages = warning;
CREATE EXTENSION portfolio_margin;
RESET client_min_messages;
\set VERBOSITY default

-- Reference answers, in an order that leaves symbols waiting: marks and
-- brackets before terms
SELECT pm.import_binance('/sapi/v1/portfolio/asset-index-price',
  '[{"asset": "BTC", "assetIndexPrice": "60000.12000000", "time": 1683518338121},
    {"asset": "ETH", "assetIndexPrice": "3000.5", "time": 1683518338121},
    {"asset": "USDT", "assetIndexPrice": "0.99980000", "time": 1683518338121}]') AS index_prices;
SELECT pm.import_binance('/fapi/v1/premiumIndex',
  '[{"symbol": "BTCUSDT", "markPrice": "60010.10000000", "indexPrice": "60000.0", "estimatedSettlePrice": "60001.2",
     "lastFundingRate": "0.00010000", "interestRate": "0.00010000", "nextFundingTime": 1597392000000, "time": 1597370495002},
    {"symbol": "ETHUSDT", "markPrice": "3001.25", "indexPrice": "3000.0", "estimatedSettlePrice": "3000.0",
     "lastFundingRate": "", "interestRate": "", "nextFundingTime": 0, "time": 1597370495002}]') AS um_marks;
SELECT pm.import_binance('/dapi/v1/premiumIndex',
  '[{"symbol": "BTCUSD_PERP", "pair": "BTCUSD", "markPrice": "60020.5", "indexPrice": "60000.0",
     "estimatedSettlePrice": "60000.0", "lastFundingRate": "0.00071003", "interestRate": "0.00010000",
     "nextFundingTime": 1596096000000, "time": 1596094042000}]') AS cm_marks;
SELECT pm.import_binance('/papi/v1/um/leverageBracket',
  '[{"symbol": "BTCUSDT", "notionalCoef": "1.0", "brackets": [
      {"bracket": 1, "initialLeverage": 125, "notionalCap": 50000, "notionalFloor": 0, "maintMarginRatio": 0.004, "cum": 0},
      {"bracket": 2, "initialLeverage": 100, "notionalCap": 600000, "notionalFloor": 50000, "maintMarginRatio": 0.005, "cum": 50}]},
    {"symbol": "ETHUSDT", "brackets": [
      {"bracket": 1, "initialLeverage": 75, "notionalCap": 10000, "notionalFloor": 0, "maintMarginRatio": 0.0065, "cum": 0},
      {"bracket": 2, "initialLeverage": 50, "notionalCap": 100000, "notionalFloor": 10000, "maintMarginRatio": 0.01, "cum": 35}]}]')
  AS um_brackets;
SELECT pm.import_binance('/papi/v1/cm/leverageBracket',
  '[{"symbol": "BTCUSD_PERP", "brackets": [
      {"bracket": 1, "initialLeverage": 125, "qtyCap": 5, "qtyFloor": 0, "maintMarginRatio": 0.004, "cum": 0.0},
      {"bracket": 2, "initialLeverage": 100, "qtyCap": 10, "qtyFloor": 5, "maintMarginRatio": 0.005, "cum": 0.005}]}]')
  AS cm_brackets;
-- marks and brackets, but no terms yet: nothing in pm.symbol
SELECT symbol, market, brackets_market, mark_price FROM pm.binance_symbol ORDER BY symbol;
SELECT count(*) AS symbols FROM pm.symbol;

SELECT pm.import_binance('/fapi/v1/exchangeInfo',
  '{"timezone": "UTC", "serverTime": 1565246363776, "futuresType": "U_MARGINED", "rateLimits": [], "exchangeFilters": [],
    "assets": [{"asset": "USDT", "marginAvailable": true, "autoAssetExchange": "-10000"}],
    "symbols": [
      {"symbol": "BTCUSDT", "pair": "BTCUSDT", "contractType": "PERPETUAL", "deliveryDate": 4133404800000,
       "onboardDate": 1569398400000, "status": "TRADING", "maintMarginPercent": "2.5000", "requiredMarginPercent": "5.0000",
       "baseAsset": "BTC", "quoteAsset": "USDT", "marginAsset": "USDT", "pricePrecision": 2, "quantityPrecision": 3,
       "baseAssetPrecision": 8, "quotePrecision": 8, "underlyingType": "COIN", "underlyingSubType": [], "settlePlan": 0,
       "triggerProtect": "0.0500", "filters": [{"filterType": "PRICE_FILTER", "minPrice": "556.80", "maxPrice": "4529764", "tickSize": "0.10"}],
       "orderTypes": ["LIMIT", "MARKET"], "timeInForce": ["GTC"], "liquidationFee": "0.010000", "marketTakeBound": "0.30"},
      {"symbol": "ETHUSDT", "pair": "ETHUSDT", "contractType": "PERPETUAL", "status": "TRADING",
       "baseAsset": "ETH", "quoteAsset": "USDT", "marginAsset": "USDT"},
      {"symbol": "SOLUSDT", "pair": "SOLUSDT", "contractType": "PERPETUAL", "status": "TRADING",
       "baseAsset": "SOL", "quoteAsset": "USDT", "marginAsset": "USDT"}]}') AS um_terms;
SELECT pm.import_binance('/dapi/v1/exchangeInfo',
  '{"timezone": "UTC", "serverTime": 1597667052958, "rateLimits": [], "exchangeFilters": [],
    "symbols": [
      {"symbol": "BTCUSD_PERP", "pair": "BTCUSD", "contractType": "PERPETUAL", "deliveryDate": 4133404800000,
       "onboardDate": 1596006000000, "contractStatus": "TRADING", "contractSize": 100, "marginAsset": "BTC",
       "maintMarginPercent": "2.5000", "requiredMarginPercent": "5.0000", "baseAsset": "BTC", "quoteAsset": "USD",
       "pricePrecision": 1, "quantityPrecision": 0, "baseAssetPrecision": 8, "quotePrecision": 8, "equalQtyPrecision": 4,
       "filters": [], "orderTypes": ["LIMIT"], "timeInForce": ["GTC"]}]}') AS cm_terms;
-- SOLUSDT has terms only: it waits
SELECT * FROM pm.symbol ORDER BY symbol;
SELECT asset, index_price FROM pm.asset ORDER BY asset;

SELECT pm.import_binance('/sapi/v1/portfolio/collateralRate',
  '[{"asset": "USDT", "collateralRate": "1.0000"}, {"asset": "BTC", "collateralRate": "0.9500"},
    {"asset": "ETH", "collateralRate": "0.9000"}]') AS pm_collateral;
SELECT pm.import_binance('/sapi/v2/portfolio/collateralRate',
  '[{"asset": "BTC", "collateralInfo": [
      {"tierFloor": "0.0000", "tierCap": "1000000.0000", "collateralRate": "1.0000", "cum": "0.0000"},
      {"tierFloor": "1000000.0000", "tierCap": "2000000.0000", "collateralRate": "0.9500", "cum": "50000.0000"}]},
    {"asset": "USDT", "collateralInfo": [
      {"tierFloor": "0.0000", "tierCap": "9999999999.0000", "collateralRate": "1.0000", "cum": "0.0000"}]}]') AS pm_pro_collateral;
SELECT program, asset, schedule FROM pm.collateral ORDER BY program, asset;

-- The same answers again write nothing
SELECT pm.import_binance('/fapi/v1/premiumIndex',
  '{"symbol": "BTCUSDT", "markPrice": "60010.10000000", "indexPrice": "60000.0", "time": 1597370495002}') AS again;

-- An account from its answers, and its twin written by hand
INSERT INTO pm.account VALUES (9001, 'PM', 3), (9002, 'PM', 3);
SELECT pm.import_binance('/papi/v1/balance',
  '[{"asset": "USDT", "totalWalletBalance": "122607.35137903", "crossMarginAsset": "103.00000000",
     "crossMarginBorrowed": "10.00000000", "crossMarginFree": "100.00000000", "crossMarginInterest": "0.72469206",
     "crossMarginLocked": "3.00000000", "umWalletBalance": "5000.00000000", "umUnrealizedPNL": "23.72469206",
     "cmWalletBalance": "0.00000000", "cmUnrealizedPNL": "", "updateTime": 1617939110373, "negativeBalance": "0"},
    {"asset": "BTC", "totalWalletBalance": "0.5", "crossMarginAsset": "0.5", "crossMarginBorrowed": "0.0",
     "crossMarginFree": "0.5", "crossMarginInterest": "0.0", "crossMarginLocked": "0.0", "umWalletBalance": "0.0",
     "umUnrealizedPNL": "0.0", "cmWalletBalance": "0.01", "cmUnrealizedPNL": "0.0", "updateTime": 1708067615305,
     "negativeBalance": "0.0"},
    {"asset": "ETH", "totalWalletBalance": "0.0", "crossMarginAsset": "0.0", "crossMarginBorrowed": "0.0",
     "crossMarginFree": "0.0", "crossMarginInterest": "0.0", "crossMarginLocked": "0.0", "umWalletBalance": "0.0",
     "umUnrealizedPNL": "0.0", "cmWalletBalance": "0.0", "cmUnrealizedPNL": "0.0", "updateTime": 0,
     "negativeBalance": "0.0"}]', 9001) AS balances;
SELECT pm.import_binance('/papi/v1/um/positionRisk',
  '[{"symbol": "BTCUSDT", "positionAmt": "0.250", "entryPrice": "58000.0", "markPrice": "1.00000000",
     "unRealizedProfit": "502.52500000", "liquidationPrice": "0", "leverage": "10", "maxNotionalValue": "20000000",
     "positionSide": "LONG", "notional": "15002.52", "updateTime": 1655217461579},
    {"symbol": "BTCUSDT", "positionAmt": "0.000", "entryPrice": "0.0", "markPrice": "60010.1", "unRealizedProfit": "0.00000000",
     "liquidationPrice": "0", "leverage": "10", "maxNotionalValue": "20000000", "positionSide": "SHORT", "notional": "0",
     "updateTime": 0},
    {"symbol": "ETHUSDT", "positionAmt": "-2.000", "entryPrice": "3100.0", "markPrice": "3001.25", "unRealizedProfit": "197.5",
     "liquidationPrice": "0", "leverage": "20", "maxNotionalValue": "5000000", "positionSide": "BOTH", "notional": "-6002.5",
     "updateTime": 1655217461579}]', 9001) AS um_positions;
SELECT pm.import_binance('/papi/v1/cm/positionRisk',
  '[{"symbol": "BTCUSD_PERP", "positionAmt": "-3", "entryPrice": "61000.0", "markPrice": "60020.5",
     "unRealizedProfit": "0.00005866", "liquidationPrice": "0", "leverage": "20", "positionSide": "BOTH",
     "updateTime": 1627026881327, "maxQty": "50", "notionalValue": "-0.00499829"}]', 9001) AS cm_positions;
INSERT INTO pm.balance (account_id, asset, cross_free, cross_locked, cross_borrowed, cross_interest, um_wallet, cm_wallet)
VALUES (9002, 'USDT', 100, 3, 10, 0.72469206, 5000, 0), (9002, 'BTC', 0.5, 0, 0, 0, 0, 0.01);
INSERT INTO pm.position (account_id, symbol, side, qty, entry_price, leverage)
VALUES (9002, 'BTCUSDT', 'LONG', 0.25, 58000, 10), (9002, 'ETHUSDT', 'BOTH', -2, 3100, 20),
       (9002, 'BTCUSD_PERP', 'BOTH', -3, 61000, 20);
SELECT account_id, asset, cross_free, cross_locked, cross_borrowed, cross_interest, um_wallet, cm_wallet
  FROM pm.balance WHERE account_id = 9001 ORDER BY asset;
SELECT account_id, symbol, side, qty, entry_price, leverage FROM pm.position WHERE account_id = 9001 ORDER BY symbol, side;
SELECT account_id, uni_mmr, account_equity, account_maint_margin, account_status, error
  FROM pm.account_risk WHERE account_id IN (9001, 9002) ORDER BY account_id;
SELECT (SELECT to_jsonb(r) - 'account_id' FROM pm.account_risk r WHERE account_id = 9001) =
       (SELECT to_jsonb(r) - 'account_id' FROM pm.account_risk r WHERE account_id = 9002) AS same_as_by_hand;
SELECT account_id, uni_mmr, status FROM pm.account_state WHERE account_id IN (9001, 9002) ORDER BY account_id;

-- Binance's own figures beside ours: an answer printed from our values
-- (8 decimals, one with thousands separators, two fields left "") agrees
-- everywhere but where a cent was added; the status as a word
SELECT * FROM pm.reconcile_binance(9001,
  (SELECT jsonb_build_object('uniMMR', round(uni_mmr, 8)::text, 'accountEquity', round(account_equity, 8)::text,
            'actualEquity', to_char(actual_equity, 'FM999,999,999,990.00000000'),
            'accountInitialMargin', round(account_initial_margin, 2)::text,
            'accountMaintMargin', (round(account_maint_margin, 8) + 0.01)::text, 'accountStatus', account_status,
            'virtualMaxWithdrawAmount', round(virtual_max_withdraw_amount, 8)::text, 'totalAvailableBalance', '',
            'totalMarginOpenLoss', '', 'updateTime', 1657707212154)
     FROM pm.account_risk WHERE account_id = 9001));
SELECT field, agrees FROM pm.reconcile_binance(9001, '{"accountStatus": "REDUCE_ONLY", "uniMMR": "344.2568"}');
\set VERBOSITY terse
SELECT * FROM pm.reconcile_binance(9001, '{"uniMMR": "5,1x"}');
SELECT * FROM pm.reconcile_binance(9001, '{"accountStatus": 3}');
SELECT * FROM pm.reconcile_binance(9001, '[{"uniMMR": "1"}]');
SELECT * FROM pm.reconcile_binance(424242, '{}');
\set VERBOSITY default

-- Position limits: each symbol's last bracket cap.  None is over its limit;
-- then brackets with lower caps put the ETH and the COIN-M positions of
-- both twins over theirs (the CM notional in coin: 3 x 100 / 60020.5)
SELECT symbol, position_limit FROM pm.symbol ORDER BY symbol;
SELECT count(*) AS over_limit FROM pm.position_over_limit;
SELECT pm.import_binance('/papi/v1/um/leverageBracket',
  '[{"symbol": "ETHUSDT", "brackets": [
      {"bracket": 1, "initialLeverage": 75, "notionalCap": 5000, "notionalFloor": 0, "maintMarginRatio": 0.0065, "cum": 0}]}]')
  AS eth_capped;
SELECT pm.import_binance('/papi/v1/cm/leverageBracket',
  '[{"symbol": "BTCUSD_PERP", "brackets": [
      {"bracket": 1, "initialLeverage": 125, "qtyCap": 0.004, "qtyFloor": 0, "maintMarginRatio": 0.004, "cum": 0.0}]}]')
  AS cm_capped;
SELECT * FROM pm.position_over_limit ORDER BY account_id, symbol, side;
-- positionRisk as Binance shows it, but with the account's portfolio-margin
-- liquidation price: below the mark for a long, above it for a short
SELECT symbol, "positionSide", "positionAmt", "markPrice", "liquidationPrice", liquidation_below, liquidation_above
  FROM pm.binance_position_risk WHERE account_id = 9001 ORDER BY symbol, "positionSide";
SELECT count(*) AS positions,
       count(*) FILTER (WHERE "liquidationPrice" IS NULL
                           OR ("positionAmt" > 0 AND "liquidationPrice" < "markPrice")
                           OR ("positionAmt" < 0 AND "liquidationPrice" > "markPrice")) AS on_the_losing_side
  FROM pm.binance_position_risk;
-- what-if reports a change that would breach a limit, and values it anyway
SELECT account_status FROM pm.whatif(9001, '{"positions": [{"symbol": "ETHUSDT", "qty": -1}, {"symbol": "BTCUSDT", "side": "LONG", "qty": 20}]}');
\set VERBOSITY terse
SELECT pm.import_binance('/papi/v1/um/leverageBracket',
  '[{"symbol": "ETHUSDT", "brackets": [
      {"bracket": 1, "initialLeverage": 75, "notionalCap": "lots", "notionalFloor": 0, "maintMarginRatio": 0.0065, "cum": 0}]}]');
\set VERBOSITY default

-- A re-import replaces what the last one wrote: ETH closed, BTC short leg
-- opened in hedge mode (Binance may send its amount unsigned), the CM
-- position untouched by a UM answer
SELECT pm.import_binance('/papi/v1/um/positionRisk',
  '[{"symbol": "BTCUSDT", "positionAmt": "0.250", "entryPrice": "58000.0", "leverage": "10", "positionSide": "LONG"},
    {"symbol": "BTCUSDT", "positionAmt": "0.100", "entryPrice": "60500.0", "leverage": "10", "positionSide": "SHORT"},
    {"symbol": "ETHUSDT", "positionAmt": "0", "entryPrice": "0.0", "leverage": "20", "positionSide": "BOTH"}]', 9001) AS rewritten;
SELECT symbol, side, qty, entry_price FROM pm.position WHERE account_id = 9001 ORDER BY symbol, side;
SELECT pm.import_binance('/papi/v1/balance',
  '{"asset": "USDT", "crossMarginBorrowed": "0", "crossMarginFree": "250.5", "crossMarginInterest": "0",
    "crossMarginLocked": "0", "umWalletBalance": "5000", "umUnrealizedPNL": "0", "cmWalletBalance": "0",
    "cmUnrealizedPNL": "", "updateTime": 1617939110373, "negativeBalance": "0"}', 9001) AS one_asset;
SELECT asset, cross_free, um_wallet FROM pm.balance WHERE account_id = 9001 ORDER BY asset;
SELECT account_id, uni_mmr, status FROM pm.account_state WHERE account_id = 9001;
SELECT s.account_id, s.uni_mmr = r.uni_mmr AS state_is_current
  FROM pm.account_state s JOIN pm.account_risk r USING (account_id) WHERE account_id = 9001;

-- Open orders: their two assets from the spot exchangeInfo; what is left of
-- each, at its limit price (a stop order's own price when it has none)
SELECT pm.import_binance('/api/v3/exchangeInfo',
  '{"timezone": "UTC", "serverTime": 1565246363776, "rateLimits": [], "exchangeFilters": [],
    "symbols": [
      {"symbol": "BTCUSDT", "status": "TRADING", "baseAsset": "BTC", "baseAssetPrecision": 8, "quoteAsset": "USDT",
       "quotePrecision": 8, "quoteAssetPrecision": 8, "orderTypes": ["LIMIT", "LIMIT_MAKER", "MARKET"],
       "icebergAllowed": true, "isSpotTradingAllowed": true, "isMarginTradingAllowed": true, "filters": [],
       "permissions": [], "permissionSets": [["SPOT", "MARGIN"]], "defaultSelfTradePreventionMode": "NONE",
       "allowedSelfTradePreventionModes": ["NONE"]},
      {"symbol": "ETHBTC", "status": "TRADING", "baseAsset": "ETH", "quoteAsset": "BTC"}]}') AS spot_symbols;
SELECT pm.import_binance('/papi/v1/margin/openOrders',
  '[{"clientOrderId": "qhcZw71gAkCCTv0t0k8LUK", "cummulativeQuoteQty": "0.00000000", "executedQty": "0.10000000",
     "icebergQty": "0.00000000", "isWorking": true, "orderId": 9211842552, "origQty": "0.30000000",
     "price": "59000.00000000", "side": "BUY", "status": "PARTIALLY_FILLED", "stopPrice": "0.00000000",
     "symbol": "BTCUSDT", "time": 1562040170089, "timeInForce": "GTC", "type": "LIMIT", "updateTime": 1562040170089,
     "accountId": 152950866, "selfTradePreventionMode": "EXPIRE_TAKER", "preventedMatchId": null, "preventedQuantity": null},
    {"orderId": 211842553, "symbol": "ETHBTC", "side": "SELL", "origQty": "1.5", "executedQty": "0", "price": "0.04800000",
     "stopPrice": "0.00000000", "type": "LIMIT"},
    {"orderId": "211842554", "symbol": "BTCUSDT", "side": "SELL", "origQty": "0.01", "executedQty": "0", "price": "0",
     "stopPrice": "55000", "type": "STOP_LOSS"},
    {"orderId": 211842555, "symbol": "BTCUSDT", "side": "SELL", "origQty": "0.01", "executedQty": "0.01", "price": "61000",
     "type": "LIMIT"}]', 9001) AS orders;
SELECT order_id, sell_asset, sell_qty, buy_asset, buy_qty FROM pm.open_order WHERE account_id = 9001 ORDER BY order_id;
SELECT account_id, total_margin_open_loss > 0 AS has_open_loss FROM pm.account_risk WHERE account_id = 9001;
SELECT pm.import_binance('/papi/v1/margin/openOrders', '[]', 9001) AS all_cancelled;
SELECT count(*) AS orders FROM pm.open_order WHERE account_id = 9001;
\set VERBOSITY terse
SELECT pm.import_binance('/papi/v1/margin/openOrders',
  '[{"orderId": 1, "symbol": "DOGEUSDT", "side": "BUY", "origQty": "1", "price": "0.1"}]', 9001);
SELECT pm.import_binance('/papi/v1/margin/openOrders',
  '[{"orderId": 1, "symbol": "BTCUSDT", "side": "buy", "origQty": "1", "price": "0.1"}]', 9001);
SELECT pm.import_binance('/papi/v1/margin/openOrders',
  '[{"orderId": 1, "symbol": "BTCUSDT", "side": "BUY", "origQty": "1", "price": "0", "stopPrice": "0"}]', 9001);
SELECT pm.import_binance('/papi/v1/margin/openOrders',
  '[{"orderId": 1, "symbol": "BTCUSDT", "side": "BUY", "origQty": "1", "price": "1"},
    {"orderId": "1", "symbol": "BTCUSDT", "side": "SELL", "origQty": "1", "price": "1"}]', 9001);
SELECT pm.import_binance('/papi/v1/margin/openOrders',
  '[{"orderId": 1.5, "symbol": "BTCUSDT", "side": "BUY", "origQty": "1", "price": "1"}]', 9001);
SELECT pm.import_binance('/api/v3/exchangeInfo', '{"symbols": [{"symbol": "XX", "baseAsset": "X", "quoteAsset": "X"}]}');
\set VERBOSITY default

-- Malformed answers: an error naming the element and field, nothing written
\set VERBOSITY terse
SELECT pm.import_binance('/papi/v1/balance', '[{"asset": "USDT", "crossMarginFree": "1"}]');
SELECT pm.import_binance('/papi/v1/balance', '[{"asset": "USDT", "crossMarginFree": "12a"}]', 9001);
SELECT pm.import_binance('/papi/v1/balance',
  '[{"asset": "BTC", "crossMarginBorrowed": "0", "crossMarginFree": "1", "crossMarginInterest": "0",
     "crossMarginLocked": "0", "umWalletBalance": "0", "cmWalletBalance": "0"},
    {"asset": "USDT", "crossMarginBorrowed": "0", "crossMarginFree": "1", "crossMarginInterest": "0",
     "crossMarginLocked": "0", "cmWalletBalance": "0"}]', 9001);
SELECT pm.import_binance('/papi/v1/balance',
  '[{"asset": "BTC", "crossMarginBorrowed": "0", "crossMarginFree": "NaN", "crossMarginInterest": "0",
     "crossMarginLocked": "0", "umWalletBalance": "0", "cmWalletBalance": "0"}]', 9001);
SELECT pm.import_binance('/papi/v1/balance',
  '[{"asset": "BTC", "crossMarginBorrowed": "0", "crossMarginFree": "1", "crossMarginInterest": "0",
     "crossMarginLocked": "0", "umWalletBalance": "0", "cmWalletBalance": "0"},
    {"asset": "BTC", "crossMarginBorrowed": "0", "crossMarginFree": "2", "crossMarginInterest": "0",
     "crossMarginLocked": "0", "umWalletBalance": "0", "cmWalletBalance": "0"}]', 9001);
SELECT pm.import_binance('/papi/v1/balance', '"USDT"', 9001);
SELECT pm.import_binance('/papi/v1/balance', '[1, 2]', 9001);
SELECT pm.import_binance('/papi/v1/balance', '[]', 424242);
SELECT pm.import_binance('/papi/v1/um/positionRisk',
  '[{"symbol": "XYZUSDT", "positionAmt": "1", "entryPrice": "1", "leverage": "10", "positionSide": "BOTH"}]', 9001);
SELECT pm.import_binance('/papi/v1/um/positionRisk',
  '[{"symbol": "SOLUSDT", "positionAmt": "1", "entryPrice": "1", "leverage": "10", "positionSide": "BOTH"}]', 9001);
SELECT pm.import_binance('/papi/v1/cm/positionRisk',
  '[{"symbol": "BTCUSDT", "positionAmt": "1", "entryPrice": "1", "leverage": "10", "positionSide": "BOTH"}]', 9001);
SELECT pm.import_binance('/papi/v1/um/positionRisk',
  '[{"symbol": "BTCUSDT", "positionAmt": "1", "entryPrice": "1", "leverage": "10.5", "positionSide": "BOTH"}]', 9001);
SELECT pm.import_binance('/papi/v1/um/positionRisk',
  '[{"symbol": "BTCUSDT", "positionAmt": "1", "entryPrice": "1", "leverage": "10", "positionSide": "both"}]', 9001);
SELECT pm.import_binance('/papi/v1/um/positionRisk',
  '[{"symbol": "BTCUSDT", "positionAmt": "1", "entryPrice": "0", "leverage": "10", "positionSide": "BOTH"}]', 9001);
SELECT pm.import_binance('/papi/v1/um/leverageBracket',
  '[{"symbol": "ETHUSDT", "notionalCoef": "4.0", "brackets": [
      {"bracket": 1, "initialLeverage": 75, "notionalCap": 10000, "notionalFloor": 0, "maintMarginRatio": 0.0065, "cum": 0}]}]');
SELECT pm.import_binance('/papi/v1/cm/leverageBracket',
  '[{"symbol": "BTCUSDT", "brackets": [
      {"bracket": 1, "initialLeverage": 125, "qtyCap": 5, "qtyFloor": 0, "maintMarginRatio": 0.004, "cum": 0.0}]}]');
SELECT pm.import_binance('/fapi/v1/premiumIndex', '{"symbol": "BTCUSDT", "markPrice": "-1"}');
SELECT pm.import_binance('/fapi/v1/premiumIndex', '{"symbol": "BTCUSDT", "markPrice": ""}');
SELECT pm.import_binance('/fapi/v1/exchangeInfo', '[{"symbol": "BTCUSDT"}]');
SELECT pm.import_binance('/dapi/v1/exchangeInfo',
  '{"symbols": [{"symbol": "ETHUSD_PERP", "baseAsset": "ETH", "marginAsset": "USDT", "contractSize": 10}]}');
SELECT pm.import_binance('/sapi/v1/portfolio/asset-index-price', '[{"asset": "BTC"}]');
SELECT pm.import_binance('/sapi/v1/portfolio/asset-index-price', '[{"asset": "BTC", "assetIndexPrice": "1e99999"}]');
SELECT pm.import_binance('/sapi/v2/portfolio/collateralRate', '[{"asset": "BTC", "collateralRate": "0.9"}]');
SELECT pm.import_binance('/sapi/v1/portfolio/collateralRate', '[{"asset": "BTC", "collateralRate": "1.5"}]');
SELECT pm.import_binance('/papi/v1/margin/unknown', '[]');
SELECT pm.import_binance('/papi/v1/balance/' || repeat('x', 500), '[]');
\set VERBOSITY default
SELECT count(*) AS positions, sum(qty) AS qty FROM pm.position WHERE account_id = 9001;
SELECT count(*) AS balances, sum(cross_free) AS free FROM pm.balance WHERE account_id = 9001;

-- An asset Binance gives no index price: the account cannot be valued, the
-- others can
SELECT pm.import_binance('/papi/v1/balance',
  '[{"asset": "ZZUNPRICED", "crossMarginBorrowed": "0", "crossMarginFree": "7", "crossMarginInterest": "0",
     "crossMarginLocked": "0", "umWalletBalance": "0", "cmWalletBalance": "0"}]', 9002) AS unpriced;
SELECT account_id, uni_mmr IS NULL AS no_uni_mmr, error FROM pm.account_risk WHERE account_id IN (9001, 9002) ORDER BY 1;

-- Across a role boundary: a desk that may see account 9001 only imports
-- into it, and of account 9002 learns nothing, not even that it exists
CREATE ROLE regress_pm_desk IN ROLE pm_writer;
INSERT INTO pm.account_access (grantee, accounts) VALUES ('regress_pm_desk', '[9001,9001]');
SET ROLE regress_pm_desk;
\set VERBOSITY terse
SELECT pm.import_binance('/papi/v1/balance',
  '[{"asset": "USDT", "crossMarginBorrowed": "0", "crossMarginFree": "1", "crossMarginInterest": "0",
     "crossMarginLocked": "0", "umWalletBalance": "0", "cmWalletBalance": "0"}]', 9002);
SELECT pm.import_binance('/papi/v1/balance',
  '[{"asset": "USDT", "crossMarginBorrowed": "0", "crossMarginFree": "1", "crossMarginInterest": "0",
     "crossMarginLocked": "0", "umWalletBalance": "0", "cmWalletBalance": "0"}]', 424242);
SELECT pm.import_binance('/sapi/v1/portfolio/collateralRate', '[{"asset": "BTC", "collateralRate": "0.5"}]');
SELECT * FROM pm.reconcile_binance(9002, '{"uniMMR": "1"}');
\set VERBOSITY default
SELECT pm.import_binance('/papi/v1/balance',
  '[{"asset": "USDT", "crossMarginBorrowed": "0", "crossMarginFree": "260", "crossMarginInterest": "0",
     "crossMarginLocked": "0", "umWalletBalance": "5000", "cmWalletBalance": "0"}]', 9001) AS own_account;
SELECT account_id, asset, cross_free FROM pm.balance ORDER BY 1, 2;
SELECT account_id, symbol, over_by FROM pm.position_over_limit ORDER BY 1, 2;
SELECT DISTINCT account_id FROM pm.binance_position_risk ORDER BY 1;
RESET ROLE;
-- an account that cannot be valued shows why, and the others read on
SELECT account_id, count(*) AS positions, count("liquidationPrice") AS priced, max(error) AS error
  FROM pm.binance_position_risk GROUP BY 1 ORDER BY 1;
SELECT account_id, count(*) AS balances FROM pm.balance GROUP BY 1 ORDER BY 1;
DELETE FROM pm.account_access WHERE grantee = 'regress_pm_desk'::regrole;
DROP ROLE regress_pm_desk;

-- 10,000 symbols in one answer
SELECT pm.import_binance('/fapi/v1/premiumIndex',
  (SELECT jsonb_agg(jsonb_build_object('symbol', 'S' || g || 'USDT', 'markPrice', (g * 0.5)::text, 'time', 1))
     FROM generate_series(1, 10000) g)) AS marks_written;
SELECT pm.import_binance('/fapi/v1/exchangeInfo',
  jsonb_build_object('symbols', (SELECT jsonb_agg(jsonb_build_object('symbol', 'S' || g || 'USDT', 'baseAsset', 'S' || g,
                                                                      'marginAsset', 'USDT', 'status', 'TRADING'))
                                   FROM generate_series(1, 10000) g))) AS terms_written;
SELECT pm.import_binance('/papi/v1/um/leverageBracket',
  (SELECT jsonb_agg(jsonb_build_object('symbol', 'S' || g || 'USDT', 'brackets',
                    '[{"bracket": 1, "initialLeverage": 20, "notionalCap": 5000, "notionalFloor": 0, "maintMarginRatio": 0.025, "cum": 0},
                      {"bracket": 2, "initialLeverage": 10, "notionalCap": 25000, "notionalFloor": 5000, "maintMarginRatio": 0.05, "cum": 125}]'::jsonb))
     FROM generate_series(1, 10000) g)) AS brackets_and_symbols_written;
SELECT count(*) AS symbols, min(mark_price), max(mark_price) FROM pm.symbol WHERE symbol LIKE 'S%USDT';

\c contrib_regression
DROP DATABASE pm_binance_import;
