-- pm.tiers_from_binance: Binance's own answers for USD-M and COIN-M brackets
-- and PM Pro tiered collateral, checked against Binance's cum.

-- A real GET /fapi/v1/leverageBracket answer for BTCUSDT (captured no later
-- than 2023-11-28, test/data/binance_leverage_bracket_btcusdt.json)
\set btcusdt '[{"symbol":"BTCUSDT","brackets":[ {"bracket":1,"initialLeverage":125,"notionalCap":50000,"notionalFloor":0,"maintMarginRatio":0.004,"cum":0.0}, {"bracket":2,"initialLeverage":100,"notionalCap":250000,"notionalFloor":50000,"maintMarginRatio":0.005,"cum":50.0}, {"bracket":3,"initialLeverage":50,"notionalCap":3000000,"notionalFloor":250000,"maintMarginRatio":0.01,"cum":1300.0}, {"bracket":4,"initialLeverage":20,"notionalCap":20000000,"notionalFloor":3000000,"maintMarginRatio":0.025,"cum":46300.0}, {"bracket":5,"initialLeverage":10,"notionalCap":40000000,"notionalFloor":20000000,"maintMarginRatio":0.05,"cum":546300.0}, {"bracket":6,"initialLeverage":5,"notionalCap":100000000,"notionalFloor":40000000,"maintMarginRatio":0.1,"cum":2546300.0}, {"bracket":7,"initialLeverage":4,"notionalCap":120000000,"notionalFloor":100000000,"maintMarginRatio":0.125,"cum":5046300.0}, {"bracket":8,"initialLeverage":3,"notionalCap":200000000,"notionalFloor":120000000,"maintMarginRatio":0.15,"cum":8046300.0}, {"bracket":9,"initialLeverage":2,"notionalCap":300000000,"notionalFloor":200000000,"maintMarginRatio":0.25,"cum":28046300.0}, {"bracket":10,"initialLeverage":1,"notionalCap":500000000,"notionalFloor":300000000,"maintMarginRatio":0.5,"cum":103046300.0}]}]'
SELECT pm.tiers_from_binance(:'btcusdt');
SELECT * FROM pm.tiers_table(pm.tiers_from_binance(:'btcusdt'));
-- Binance's cum equals ours, bracket by bracket
SELECT pm.cum(pm.tiers_from_binance(:'btcusdt'))
       = ARRAY(SELECT (b->>'cum')::numeric FROM jsonb_array_elements(:'btcusdt'::jsonb->0->'brackets') b
               ORDER BY (b->>'notionalFloor')::numeric) AS cum_matches_binance;
-- The object alone, and the brackets in another order, give the same schedule
SELECT pm.tiers_from_binance(:'btcusdt'::jsonb->0)
       OPERATOR(pm.=) pm.tiers_from_binance(:'btcusdt') AS object_form,
       pm.tiers_from_binance(jsonb_build_object('symbol', 'BTCUSDT', 'brackets',
         (SELECT jsonb_agg(b ORDER BY (b->>'bracket')::int DESC)
            FROM jsonb_array_elements(:'btcusdt'::jsonb->0->'brackets') b)))
       OPERATOR(pm.=) pm.tiers_from_binance(:'btcusdt') AS any_order;
-- The position MM with the real brackets: notional 5,000,000 is in bracket 4
SELECT pm.um_maint_margin(100, 50000, pm.tiers_from_binance(:'btcusdt')) AS mm_5m;

-- COIN-M (GET /dapi/v2/leverageBracket): floors in coin, numbers as strings
SELECT pm.tiers_from_binance('[{"symbol": "BTCUSD_PERP", "brackets": [
  {"bracket": 1, "initialLeverage": 125, "qtyCap": "5", "qtyFloor": "0", "maintMarginRatio": "0.004", "cum": "0.0"},
  {"bracket": 2, "initialLeverage": 100, "qtyCap": "10", "qtyFloor": "5", "maintMarginRatio": "0.005", "cum": "0.005"},
  {"bracket": 3, "initialLeverage": 50, "qtyCap": "20", "qtyFloor": "10", "maintMarginRatio": "0.01", "cum": "0.055"}]}]') AS coin_m;

-- PM Pro tiered collateral: Binance's cum is the negative of ours
SELECT pm.tiers_from_binance('[{"asset": "XRP", "collateralInfo": [
  {"tierFloor": "0.0000", "tierCap": "3000000.0000", "collateralRate": "1.0000", "cum": "0.0000"},
  {"tierFloor": "3000000.0000", "tierCap": "6000000.0000", "collateralRate": "0.9500", "cum": "150000.0000"},
  {"tierFloor": "6000000.0000", "tierCap": "9999999999.0000", "collateralRate": "0.9000", "cum": "450000.0000"}]}]') AS xrp;
SELECT pm.cum(pm.tiers_from_binance('{"asset": "XRP", "collateralInfo": [
  {"tierFloor": 0, "collateralRate": 1}, {"tierFloor": 3000000, "collateralRate": 0.95}]}')) AS xrp_cum_without_binance_cum;

-- Binance prints cum rounded; it is checked to the digits given
SELECT pm.tiers_from_binance('{"symbol": "X", "brackets": [
  {"notionalFloor": 0, "maintMarginRatio": 0.004, "cum": 0},
  {"notionalFloor": 333.333, "maintMarginRatio": 0.0051, "cum": 0.37}]}') AS rounded_cum_accepted;

-- Errors, each naming what is wrong
-- cum that does not match, naming the bracket
SELECT pm.tiers_from_binance(jsonb_set(:'btcusdt'::jsonb, '{0,brackets,2,cum}', '1300.5')); \echo :LAST_ERROR_SQLSTATE
SELECT pm.tiers_from_binance('{"asset": "XRP", "collateralInfo": [
  {"tierFloor": "0", "collateralRate": "1", "cum": "0"},
  {"tierFloor": "3000000", "collateralRate": "0.95", "cum": "-150000"}]}'); \echo :LAST_ERROR_SQLSTATE
-- the whole multi-symbol answer, or nothing
SELECT pm.tiers_from_binance('[{"symbol": "A", "brackets": []}, {"symbol": "B", "brackets": []}]'); \echo :LAST_ERROR_SQLSTATE
SELECT pm.tiers_from_binance('[]'); \echo :LAST_ERROR_SQLSTATE
SELECT pm.tiers_from_binance('[1]'); \echo :LAST_ERROR_SQLSTATE
SELECT pm.tiers_from_binance('42'); \echo :LAST_ERROR_SQLSTATE
SELECT pm.tiers_from_binance('{"symbol": "BTCUSDT"}'); \echo :LAST_ERROR_SQLSTATE
SELECT pm.tiers_from_binance('{"symbol": "BTCUSDT", "brackets": {}}'); \echo :LAST_ERROR_SQLSTATE
SELECT pm.tiers_from_binance('{"symbol": "BTCUSDT", "brackets": []}'); \echo :LAST_ERROR_SQLSTATE
SELECT pm.tiers_from_binance('{"symbol": "BTCUSDT", "brackets": ["x"]}'); \echo :LAST_ERROR_SQLSTATE
-- missing, malformed or non-finite fields
SELECT pm.tiers_from_binance('{"symbol": "BTCUSDT", "brackets": [{"bracket": 1, "maintMarginRatio": 0.004}]}'); \echo :LAST_ERROR_SQLSTATE
SELECT pm.tiers_from_binance('{"symbol": "BTCUSDT", "brackets": [{"bracket": 1, "notionalFloor": 0}]}'); \echo :LAST_ERROR_SQLSTATE
SELECT pm.tiers_from_binance('{"symbol": "BTCUSDT", "brackets": [{"bracket": 1, "notionalFloor": 0, "maintMarginRatio": "abc"}]}'); \echo :LAST_ERROR_SQLSTATE
SELECT pm.tiers_from_binance('{"symbol": "BTCUSDT", "brackets": [{"bracket": 1, "notionalFloor": 0, "maintMarginRatio": "NaN"}]}'); \echo :LAST_ERROR_SQLSTATE
SELECT pm.tiers_from_binance('{"symbol": "BTCUSDT", "brackets": [{"bracket": 1, "notionalFloor": 0, "maintMarginRatio": true}]}'); \echo :LAST_ERROR_SQLSTATE
SELECT pm.tiers_from_binance('{"symbol": "BTCUSDT", "brackets": [{"bracket": 1, "notionalFloor": 0, "maintMarginRatio": " 0.004"}]}'); \echo :LAST_ERROR_SQLSTATE
-- the schedule's own rules, and brackets that do not meet
SELECT pm.tiers_from_binance('{"symbol": "BTCUSDT", "brackets": [{"bracket": 1, "notionalFloor": 50000, "maintMarginRatio": 0.004}]}'); \echo :LAST_ERROR_SQLSTATE
SELECT pm.tiers_from_binance('{"symbol": "BTCUSDT", "brackets": [{"bracket": 1, "notionalFloor": 0, "maintMarginRatio": -0.004}]}'); \echo :LAST_ERROR_SQLSTATE
SELECT pm.tiers_from_binance('{"symbol": "BTCUSDT", "brackets": [
  {"bracket": 1, "notionalFloor": 0, "maintMarginRatio": 0.004},
  {"bracket": 2, "notionalFloor": 0, "maintMarginRatio": 0.005}]}'); \echo :LAST_ERROR_SQLSTATE
SELECT pm.tiers_from_binance('{"symbol": "BTCUSDT", "brackets": [
  {"bracket": 1, "notionalFloor": 0, "notionalCap": 40000, "maintMarginRatio": 0.004},
  {"bracket": 2, "notionalFloor": 50000, "maintMarginRatio": 0.005}]}'); \echo :LAST_ERROR_SQLSTATE
SELECT pm.tiers_from_binance('{"symbol": "BTCUSDT", "brackets": [{"bracket": 1, "tierFloor": 0, "maintMarginRatio": 0.004}]}'); \echo :LAST_ERROR_SQLSTATE
