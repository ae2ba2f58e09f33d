-- portfolio_margin demo: a generated exchange, its accounts' risk, the
-- riskiest accounts and why, and what a 15% fall of BTC does to them.  Run
-- by test/demo.sh from the repository root (psql -v accounts=N, 10,000 by
-- default; PM_DEMO_ACCOUNTS=N bash test/demo.sh).
CREATE EXTENSION portfolio_margin;
\pset footer off
\if :{?accounts}
\else
  \set accounts 10000
\endif

-- The order statuses are reported in, safest first.
CREATE TEMP TABLE status_order (status text PRIMARY KEY, pos int4 NOT NULL);
INSERT INTO status_order VALUES
  ('NORMAL', 1), ('MARGIN_CALL', 2), ('SUPPLY_MARGIN', 3), ('REDUCE_ONLY', 4),
  ('ACTIVE_LIQUIDATION', 5), ('FORCE_LIQUIDATION', 6);

\echo
\echo '== 1. A demo exchange of' :accounts 'accounts (test/gen/exchange.sql, seed 42) =='
\echo 'Assets, collateral schedules and USD-M brackets modelled on Binance''s published tables'
\echo '(test/data/); accounts, balances, positions and orders drawn at random, reproducibly.'
\i test/gen/exchange.sql
SELECT (SELECT count(*) FROM pm.asset) AS assets,
       (SELECT count(*) FROM pm.symbol WHERE market = 'UM') AS um_symbols,
       (SELECT count(*) FROM pm.symbol WHERE market = 'CM') AS cm_symbols,
       (SELECT count(*) FROM pm.account) AS accounts,
       (SELECT count(*) FROM pm.balance) AS balances,
       (SELECT count(*) FROM pm.position) AS positions,
       (SELECT count(*) FROM pm.open_order) AS open_orders;
\echo 'Collateral: PM Pro tiered by USD value, PM one flat rate; no row = not collateral.'
SELECT a.asset, a.index_price,
       pro.schedule AS pm_pro_schedule, pm.schedule AS pm_schedule
  FROM unnest(ARRAY['USDT', 'BTC', 'XRP', 'WIF', 'ZEC', 'PNUT']) WITH ORDINALITY AS l (asset, n)
  JOIN pm.asset a ON a.asset = l.asset
  LEFT JOIN pm.collateral pro ON pro.asset = a.asset AND pro.program = 'PM_PRO'
  LEFT JOIN pm.collateral pm ON pm.asset = a.asset AND pm.program = 'PM'
 ORDER BY l.n;

\echo
\echo '== 2. Every account''s risk (pm.account_risk), by program and status =='
CREATE TEMP TABLE risk_before AS SELECT * FROM pm.account_risk;
SELECT r.account_status,
       count(*) FILTER (WHERE r.program = 'PM_PRO') AS pm_pro,
       count(*) FILTER (WHERE r.program = 'PM') AS pm,
       count(*) AS total,
       round(100.0 * count(*) / sum(count(*)) OVER (), 2) AS "%",
       min(r.uni_mmr) AS lowest_uni_mmr
  FROM risk_before r JOIN status_order o ON o.status = r.account_status
 GROUP BY r.account_status, o.pos
 ORDER BY o.pos;
SELECT count(*) FILTER (WHERE uni_mmr IS NULL) AS without_maint_margin,
       percentile_disc(0.5) WITHIN GROUP (ORDER BY uni_mmr) AS median_uni_mmr,
       round(sum(actual_equity)) AS total_equity_usd,
       round(sum(account_maint_margin)) AS total_maint_margin_usd,
       round(sum(total_margin_open_loss)) AS total_open_loss_usd
  FROM risk_before;

\echo
\echo '== 3. The ten riskiest accounts (lowest uniMMR) and why =='
CREATE TEMP TABLE riskiest AS
SELECT row_number() OVER (ORDER BY uni_mmr NULLS LAST, account_id) AS rank, *
  FROM risk_before ORDER BY uni_mmr NULLS LAST, account_id LIMIT 10;
-- A literal list, so the views compute these ten accounts only.
SELECT string_agg(account_id::text, ', ') AS riskiest_ids FROM riskiest \gset
SELECT r.rank AS "#", r.account_id, r.program, r.account_status, r.uni_mmr,
       round(r.account_equity, 2) AS account_equity, round(r.account_maint_margin, 2) AS maint_margin,
       round(r.total_margin_open_loss, 2) AS open_loss,
       p.positions, round(p.notional_usd) AS notional_usd, p.biggest,
       round(coalesce(l.loans_usd, 0)) AS loans_usd
  FROM riskiest r
  LEFT JOIN (SELECT pr.account_id, count(*) AS positions,
                    sum(pr.notional * x.index_price) AS notional_usd,
                    (array_agg(pr.symbol || ' ' || pr.qty || ' @' || pr.leverage || 'x'
                               ORDER BY pr.notional * x.index_price DESC))[1] AS biggest
               FROM pm.position_risk pr JOIN pm.asset x ON x.asset = pr.settle_asset
              WHERE pr.account_id IN (:riskiest_ids)
              GROUP BY pr.account_id) p ON p.account_id = r.account_id
  LEFT JOIN (SELECT b.account_id, sum((b.cross_borrowed + b.cross_interest) * x.index_price) AS loans_usd
               FROM pm.balance b JOIN pm.asset x ON x.asset = b.asset
              WHERE b.account_id IN (:riskiest_ids) AND b.cross_borrowed + b.cross_interest > 0
              GROUP BY b.account_id) l ON l.account_id = r.account_id
 ORDER BY r.rank;
\echo 'Their equity per asset (pm.asset_equity, USD): a debt counts in full, a holding after its haircut;'
\echo 'every asset with margin or open loss, and the largest holdings.'
SELECT r.rank AS "#", e.account_id, e.asset,
       round(e.equity, 8) AS equity, round(e.value_usd, 2) AS value_usd,
       round(e.collateral_value_usd, 2) AS collateral_usd, round(e.maint_margin_usd, 2) AS maint_margin_usd,
       round(e.open_loss_usd, 2) AS open_loss_usd
  FROM (SELECT a.*, row_number() OVER (PARTITION BY a.account_id ORDER BY abs(a.value_usd) DESC, a.asset) AS n
          FROM pm.asset_equity a WHERE a.account_id IN (:riskiest_ids)) e
  JOIN riskiest r ON r.account_id = e.account_id
 WHERE e.maint_margin_usd <> 0 OR e.open_loss_usd <> 0 OR (e.n <= 3 AND e.equity <> 0)
 ORDER BY r.rank, abs(e.value_usd) DESC, e.asset;
\echo 'Their positions (pm.position_risk; PnL and margin in the settle asset).'
SELECT r.rank AS "#", p.account_id, p.symbol, p.qty, p.entry_price, p.mark_price, p.leverage AS lev,
       round(p.unrealized_pnl, 8) AS pnl, round(p.maint_margin, 8) AS maint_margin,
       p.bracket, p.bracket_rate, p.settle_asset AS unit
  FROM pm.position_risk p JOIN riskiest r ON r.account_id = p.account_id
 WHERE p.account_id IN (:riskiest_ids)
 ORDER BY r.rank, p.maint_margin * p.mark_price DESC;

\echo
\echo '== 3b. Where they break: account-level liquidation prices and the worst stress scenario =='
\echo 'pm.liquidation_price: the BTC and ETH prices (index and marks moving together, all else fixed)'
\echo 'at which each account reaches its liquidation threshold (uniMMR 1.05), nearest below and above'
\echo '(for an account already past it: the prices at which it would get back above it);'
\echo 'pm.stress_result: every built-in scenario re-evaluated (brackets and tiers, not linearised).'
SELECT r.rank AS "#", r.account_id, r.uni_mmr,
       round(btc.below) AS btc_below, round(btc.above) AS btc_above,
       round(eth.below, 2) AS eth_below, round(eth.above, 2) AS eth_above,
       w.scenario AS worst_scenario, w.uni_mmr AS worst_uni_mmr, w.account_status AS worst_status
  FROM riskiest r
  CROSS JOIN LATERAL pm.liquidation_price(r.account_id, 'BTC') btc
  CROSS JOIN LATERAL pm.liquidation_price(r.account_id, 'ETH') eth
  LEFT JOIN LATERAL (SELECT s.scenario, s.uni_mmr, s.account_status FROM pm.stress_result s
                      WHERE s.account_id = r.account_id
                      ORDER BY s.uni_mmr NULLS LAST, s.scenario LIMIT 1) w ON true
 ORDER BY r.rank;
\echo 'What to reduce first in the riskiest account (pm.position_impact: margin each position adds,'
\echo 'collateral-weighted equity it adds, uniMMR without it), and the most BTC it could still take out:'
SELECT i.* FROM riskiest r CROSS JOIN LATERAL pm.position_impact(r.account_id) i WHERE r.rank = 1;
SELECT r.account_id, pm.max_withdraw(r.account_id, 'USDT') AS max_usdt_out,
       pm.max_withdraw(r.account_id, 'BTC') AS max_btc_out
  FROM riskiest r WHERE r.rank <= 3 ORDER BY r.rank;

\echo
\echo '== 4. BTC falls 15%: index and marks of every BTC contract x 0.85 =='
-- Before the fall: each account's BTC futures in USD at entry (BTCUSDT
-- qty x entry price, BTCUSD_PERP contracts x 100 USD; long > 0).  A basis
-- account is long one and short the other for about the same notional.
CREATE TEMP TABLE btc_futures AS
SELECT p.account_id,
       sum(p.qty * p.entry_price) FILTER (WHERE p.symbol = 'BTCUSDT') AS um_usd,
       sum(p.qty * s.contract_size) FILTER (WHERE p.symbol = 'BTCUSD_PERP') AS cm_usd,
       bool_or(p.symbol NOT IN ('BTCUSDT', 'BTCUSD_PERP')) AS other_futures
  FROM pm.position p JOIN pm.symbol s ON s.symbol = p.symbol
 GROUP BY p.account_id;
-- One BTC basis account to follow through the fall: the largest already in
-- a warning band (0, showing nothing, if there is none), and its lines now.
SELECT coalesce((SELECT b.account_id
                   FROM risk_before b JOIN btc_futures f ON f.account_id = b.account_id
                  WHERE f.um_usd > 0 AND f.cm_usd < 0 AND abs(f.um_usd + f.cm_usd) <= 0.1 * f.um_usd
                    AND b.account_status IN ('MARGIN_CALL', 'REDUCE_ONLY')
                  ORDER BY b.actual_equity DESC, b.account_id LIMIT 1), 0) AS basis_account \gset
CREATE TEMP TABLE basis_before AS SELECT * FROM pm.asset_equity WHERE account_id = :basis_account;

UPDATE pm.asset SET index_price = index_price * 0.85 WHERE asset = 'BTC';
UPDATE pm.symbol SET mark_price = mark_price * 0.85 WHERE base_asset = 'BTC';
CREATE TEMP TABLE risk_after AS SELECT * FROM pm.account_risk;
\echo 'Status before (rows) and after (columns):'
SELECT b.program, b.account_status AS before,
       count(*) FILTER (WHERE a.account_status = 'NORMAL') AS "NORMAL",
       count(*) FILTER (WHERE a.account_status = 'MARGIN_CALL') AS "MARGIN_CALL",
       count(*) FILTER (WHERE a.account_status = 'REDUCE_ONLY') AS "REDUCE_ONLY",
       count(*) FILTER (WHERE a.account_status = 'ACTIVE_LIQUIDATION') AS "ACTIVE_LIQ",
       count(*) FILTER (WHERE a.account_status = 'FORCE_LIQUIDATION') AS "FORCE_LIQ",
       count(*) AS total
  FROM risk_before b
  JOIN risk_after a ON a.account_id = b.account_id
  JOIN status_order o ON o.status = b.account_status
 GROUP BY b.program, b.account_status, o.pos
 ORDER BY b.program DESC, o.pos;
SELECT count(*) FILTER (WHERE oa.pos > ob.pos) AS worse,
       count(*) FILTER (WHERE oa.pos = ob.pos) AS same,
       count(*) FILTER (WHERE oa.pos < ob.pos) AS better,
       count(*) FILTER (WHERE a.account_status LIKE '%LIQUIDATION' AND b.account_status NOT LIKE '%LIQUIDATION')
         AS newly_liquidating,
       round(sum(b.actual_equity - a.actual_equity)) AS equity_lost_usd
  FROM risk_before b
  JOIN risk_after a ON a.account_id = b.account_id
  JOIN status_order ob ON ob.status = b.account_status
  JOIN status_order oa ON oa.status = a.account_status;

-- The accounts newly in liquidation, and what they held in BTC.
CREATE TEMP TABLE moved AS
SELECT b.account_id, b.program, b.account_status AS status_before, a.account_status AS status_after,
       b.uni_mmr AS uni_mmr_before, a.uni_mmr AS uni_mmr_after,
       round(b.actual_equity) AS actual_equity_before, round(a.actual_equity) AS actual_equity_after,
       CASE
         WHEN f.um_usd > 0 AND f.cm_usd < 0 AND abs(f.um_usd + f.cm_usd) <= 0.1 * f.um_usd
           THEN 'basis: long BTCUSDT, short BTCUSD_PERP'
         WHEN coalesce(f.um_usd, 0) + coalesce(f.cm_usd, 0) > 0 THEN 'net long BTC futures'
         WHEN coalesce(f.um_usd, 0) + coalesce(f.cm_usd, 0) < 0 THEN 'net short BTC futures'
         WHEN f.other_futures THEN 'BTC held against other futures'
         ELSE 'BTC bought on a loan'
       END AS profile
  FROM risk_before b
  JOIN risk_after a ON a.account_id = b.account_id
  LEFT JOIN btc_futures f ON f.account_id = b.account_id
 WHERE a.account_status LIKE '%LIQUIDATION' AND b.account_status NOT LIKE '%LIQUIDATION';
\echo 'Accounts newly in liquidation, by what they held:'
SELECT profile, count(*) AS accounts,
       round(avg(uni_mmr_before), 2) AS avg_uni_mmr_before,
       count(*) FILTER (WHERE status_before = 'NORMAL') AS were_normal
  FROM moved GROUP BY profile ORDER BY count(*) DESC;
\echo 'The largest of them (by equity before, USD without haircuts):'
SELECT account_id, program, status_before, status_after,
       round(uni_mmr_before, 4) AS uni_mmr_before, round(uni_mmr_after, 4) AS uni_mmr_after,
       actual_equity_before, actual_equity_after, profile
  FROM moved ORDER BY actual_equity_before DESC, account_id LIMIT 8;

\echo 'Why a delta-neutral basis account is hit (the largest in a warning band before the fall):'
\echo 'its USD-M loss is in USDT and counts in full, its equal COIN-M gain is in BTC and counts'
\echo 'after the BTC haircut, and the COIN-M notional, in BTC, grows as BTC falls.'
SELECT b.account_id, b.program, b.account_status AS status_before, a.account_status AS status_after,
       b.uni_mmr AS uni_mmr_before, a.uni_mmr AS uni_mmr_after
  FROM risk_before b JOIN risk_after a ON a.account_id = b.account_id
 WHERE b.account_id = :basis_account;
SELECT coalesce(a.asset, b.asset) AS asset,
       round(b.equity, 4) AS equity_before, round(a.equity, 4) AS equity_after,
       round(b.collateral_value_usd) AS collateral_usd_before, round(a.collateral_value_usd) AS collateral_usd_after,
       round(b.maint_margin_usd) AS maint_margin_usd_before, round(a.maint_margin_usd) AS maint_margin_usd_after
  FROM basis_before b
  FULL JOIN (SELECT * FROM pm.asset_equity WHERE account_id = :basis_account) a ON a.asset = b.asset
 ORDER BY abs(coalesce(a.value_usd, b.value_usd)) DESC, 1;
SELECT symbol, qty, entry_price, mark_price, round(unrealized_pnl, 8) AS pnl_after, settle_asset AS unit,
       round(notional, 4) AS notional_after, bracket
  FROM pm.position_risk WHERE account_id = :basis_account ORDER BY symbol;

\echo
\echo 'Meanwhile the triggers kept pm.account_state current: the two UPDATEs above recomputed exactly the'
\echo 'accounts holding BTC or a BTC contract, and each commit recorded one row of pm.risk_event per account'
\echo 'whose status it changed (and announced itself on channel pm_risk, for applications that LISTEN):'
SELECT old_status, new_status, count(*) AS events, round(min(uni_mmr), 8) AS lowest_uni_mmr
  FROM pm.risk_event GROUP BY 1, 2 ORDER BY 3 DESC, 1, 2 LIMIT 12;
SELECT count(*) AS accounts_in_state,
       count(*) FILTER (WHERE status IN ('ACTIVE_LIQUIDATION', 'FORCE_LIQUIDATION')) AS in_liquidation,
       pm.refresh_account_state() AS rows_a_full_recomputation_corrects
  FROM pm.account_state;

\echo
\echo '== 5. A real Binance answer: GET /fapi/v1/leverageBracket for BTCUSDT (2023) =='
\echo 'pm.tiers_from_binance reads it and checks Binance''s own cum against the floors and rates;'
\echo 'maintenance margin then and with the 2025-08-19 brackets the exchange above uses:'
\set btcusdt `cat test/data/binance_leverage_bracket_btcusdt.json`
SELECT notional,
       round(pm.tiered(notional, pm.tiers_from_binance(:'btcusdt')), 2) AS maint_margin_2023,
       round(pm.tiered(notional, (SELECT brackets FROM pm.symbol WHERE symbol = 'BTCUSDT')), 2) AS maint_margin_2025
  FROM unnest('{100000, 1000000, 10000000, 100000000}'::numeric[]) AS notional;
