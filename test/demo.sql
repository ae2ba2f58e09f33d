-- portfolio_margin demo: Binance's published parameters through the exact
-- margin math.  Run by test/demo.sh from the repository root.
CREATE EXTENSION portfolio_margin;
\pset footer off

\echo
\echo '== 1. A real Binance answer: GET /fapi/v1/leverageBracket for BTCUSDT (2023) =='
\echo 'pm.tiers_from_binance reads it and checks Binance''s own cum against the floors and rates.'
\set btcusdt `cat test/data/binance_leverage_bracket_btcusdt.json`
SELECT * FROM pm.tiers_table(pm.tiers_from_binance(:'btcusdt'));

\echo
\echo '== 2. USD-M maintenance margin with the 2025-08-19 brackets (test/data/um_brackets.csv) =='
CREATE TEMP TABLE um_bracket (symbol text, published date, floor numeric, mmr numeric, max_leverage int);
\copy um_bracket FROM 'test/data/um_brackets.csv' WITH (FORMAT csv, HEADER)
CREATE TEMP TABLE um_schedule AS
  SELECT symbol, pm.tiers(array_agg(floor ORDER BY floor), array_agg(mmr ORDER BY floor)) AS brackets
    FROM um_bracket GROUP BY symbol;
SELECT symbol,
       notional,
       pm.tiered(notional, brackets) AS maint_margin,
       round(100 * pm.tiered(notional, brackets) / notional, 4) AS "effective %"
  FROM um_schedule,
       unnest('{100000, 1000000, 10000000, 100000000, 1000000000}'::numeric[]) AS notional
 ORDER BY symbol, notional;

\echo
\echo '== 3. PM Pro tiered collateral by rank (test/data/collateral_tiers.csv) =='
\echo 'Marginal, like tax brackets: only the part of a holding above a floor gets that floor''s rate.'
CREATE TEMP TABLE collateral_tier (rank int, published date, floor numeric, rate numeric, assets_seen text);
\copy collateral_tier FROM 'test/data/collateral_tiers.csv' WITH (FORMAT csv, HEADER)
CREATE TEMP TABLE collateral_schedule AS
  SELECT rank, min(assets_seen) AS assets,
         pm.tiers(array_agg(floor ORDER BY floor), array_agg(rate ORDER BY floor)) AS schedule
    FROM collateral_tier GROUP BY rank;
SELECT rank, assets, schedule FROM collateral_schedule ORDER BY rank;
SELECT rank,
       holding_usd,
       pm.collateral_value(holding_usd, schedule) AS counts_as_usd,
       round(100 - 100 * pm.collateral_value(holding_usd, schedule) / holding_usd, 2) AS "haircut %"
  FROM collateral_schedule,
       unnest('{1000000, 5000000, 20000000, 100000000}'::numeric[]) AS holding_usd
 ORDER BY rank, holding_usd;
\echo 'A debt is never haircut: -1,000,000 USD counts in full whatever the rank.'
SELECT rank, pm.collateral_value(-1000000, schedule) AS debt_counts_as
  FROM collateral_schedule ORDER BY rank LIMIT 3;

\echo
\echo '== 4. Flat PM collateral rates (test/data/collateral_rates.csv): 250,000 USD of each =='
CREATE TEMP TABLE collateral_rate (asset text, rate numeric, effective date);
\copy collateral_rate FROM 'test/data/collateral_rates.csv' WITH (FORMAT csv, HEADER)
SELECT asset, rate, effective,
       pm.collateral_value(250000, pm.tiers(ARRAY[0], ARRAY[rate])) AS counts_as_usd
  FROM collateral_rate ORDER BY rate DESC, asset;

\echo
\echo '== 5. The spec''s worked account (V6): positions, PnL and maintenance margin =='
SELECT position, pnl, pnl_unit, maint_margin, mm_unit FROM (VALUES
  (1, 'UM BTCUSDT short 0.05 @ 52,000, mark 40,000',
      pm.um_unrealized_pnl(-0.05, 52000, 40000), 'USDT', pm.um_maint_margin(-0.05, 40000, '0:0.005'), 'USDT'),
  (2, 'UM BTCUSDT long 0.04 @ 52,350, mark 42,000',
      pm.um_unrealized_pnl(0.04, 52350, 42000), 'USDT', pm.um_maint_margin(0.04, 42000, '0:0.005'), 'USDT'),
  (3, 'CM BTCUSD long 100 x 100 USD @ 50,000, mark 40,000',
      pm.cm_unrealized_pnl(100, 100, 50000, 40000), 'BTC', pm.cm_maint_margin(100, 100, 40000, '0:0.005'), 'BTC'),
  (4, 'cross loan 0.04 BTC at 3x',
      NULL, NULL, pm.loan_maint_margin(0.04, 0, 0.10), 'BTC'),
  (5, 'cross loan 15 ETH at 3x',
      NULL, NULL, pm.loan_maint_margin(15, 0, 0.10), 'ETH')
) AS v(n, position, pnl, pnl_unit, maint_margin, mm_unit) ORDER BY n;
\echo 'Inverse PnL and coin notionals are divided once and carried to at least 20 significant digits:'
SELECT pm.cm_unrealized_pnl(1, 100, 43210.5, 43987.25) AS cm_pnl_btc,
       pm.cm_maint_margin(12345, 100, 43987.25,
         '0:0.004, 5:0.005, 10:0.01, 20:0.025') AS cm_maint_margin_btc;
