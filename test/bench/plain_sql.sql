-- test/bench/plain_sql.sql: pm.account_risk written the way a strong SQL
-- author would without the extension -- schedules as rows, cum derived with
-- window functions, range joins for brackets and tiers, numeric throughout --
-- the benchmark's (b).  It reads the same tables, but no pm function: the
-- schedules are first copied out of pm.tiers into plain rows (setup, not
-- timed), as such an author would keep them.

DROP SCHEMA IF EXISTS bench_plain CASCADE;
CREATE SCHEMA bench_plain;

-- Schedules as rows: floor, rate and cum (cum_j = sum of floor_k * (rate_k - rate_k-1)).
CREATE TABLE bench_plain.bracket AS
SELECT symbol, tier, floor, lead(floor) OVER (PARTITION BY symbol ORDER BY tier) AS cap, rate,
       sum(step) OVER (PARTITION BY symbol ORDER BY tier) AS cum
  FROM (SELECT s.symbol, t.tier, t.floor, t.rate,
               t.floor * (t.rate - coalesce(lag(t.rate) OVER (PARTITION BY s.symbol ORDER BY t.tier), t.rate)) AS step
          FROM pm.symbol s,
               unnest(pm.floors(s.brackets), pm.rates(s.brackets)) WITH ORDINALITY AS t(floor, rate, tier)) x;
CREATE TABLE bench_plain.collateral_tier AS
SELECT program, asset, tier, floor, lead(floor) OVER (PARTITION BY program, asset ORDER BY tier) AS cap, rate,
       sum(step) OVER (PARTITION BY program, asset ORDER BY tier) AS cum
  FROM (SELECT c.program, c.asset, t.tier, t.floor, t.rate,
               t.floor * (t.rate - coalesce(lag(t.rate) OVER (PARTITION BY c.program, c.asset ORDER BY t.tier), t.rate)) AS step
          FROM pm.collateral c,
               unnest(pm.floors(c.schedule), pm.rates(c.schedule)) WITH ORDINALITY AS t(floor, rate, tier)) x;
CREATE TABLE bench_plain.symbol AS
SELECT symbol, market, settle_asset, contract_size, mark_price FROM pm.symbol;
CREATE INDEX ON bench_plain.bracket (symbol, floor);
CREATE INDEX ON bench_plain.collateral_tier (program, asset, floor);
ANALYZE bench_plain.bracket;
ANALYZE bench_plain.collateral_tier;
ANALYZE bench_plain.symbol;

CREATE VIEW bench_plain.account_risk AS
WITH position_line AS (
  -- a position's notional decides its bracket: tier k covers (floor_k, cap_k]
  SELECT p.account_id, s.settle_asset AS asset,
         CASE s.market WHEN 'UM' THEN p.qty * (s.mark_price - p.entry_price)
              ELSE p.qty * s.contract_size * (s.mark_price - p.entry_price) / (p.entry_price * s.mark_price)
         END AS equity,
         CASE s.market WHEN 'UM' THEN abs(p.qty) * s.mark_price * b.rate - b.cum
              ELSE (abs(p.qty) * s.contract_size * b.rate - b.cum * s.mark_price) / s.mark_price
         END AS maint_margin,
         CASE s.market WHEN 'UM' THEN abs(p.qty) * s.mark_price / p.leverage
              ELSE abs(p.qty) * s.contract_size / (s.mark_price * p.leverage)
         END AS initial_margin
    FROM pm.position p
    JOIN bench_plain.symbol s ON s.symbol = p.symbol
    JOIN bench_plain.bracket b ON b.symbol = p.symbol
     AND CASE s.market WHEN 'UM' THEN abs(p.qty) * s.mark_price ELSE abs(p.qty) * s.contract_size END
         > CASE s.market WHEN 'UM' THEN b.floor ELSE b.floor * s.mark_price END
         OR (b.floor = 0 AND p.qty = 0 AND b.symbol = p.symbol)
   WHERE b.cap IS NULL
      OR CASE s.market WHEN 'UM' THEN abs(p.qty) * s.mark_price ELSE abs(p.qty) * s.contract_size END
         <= CASE s.market WHEN 'UM' THEN b.cap ELSE b.cap * s.mark_price END
), balance_line AS (
  SELECT b.account_id, b.asset,
         b.cross_free + b.cross_locked - b.cross_borrowed - b.cross_interest + b.um_wallet + b.cm_wallet AS equity,
         (b.cross_borrowed + b.cross_interest) * r.mmr AS maint_margin,
         b.cross_borrowed / (a.loan_leverage - 1) AS initial_margin
    FROM pm.balance b
    JOIN pm.account a ON a.account_id = b.account_id
    JOIN pm.loan_mmr r ON r.leverage = a.loan_leverage
), order_line AS (
  -- PM only: the collateral value given up less the value received, at flat rates
  SELECT o.account_id, o.sell_asset AS asset,
         greatest(o.sell_qty * xs.index_price * coalesce(cs.rate, 0)
                  - o.buy_qty * xb.index_price * coalesce(cb.rate, 0), 0) AS open_loss
    FROM pm.open_order o
    JOIN pm.account a ON a.account_id = o.account_id AND a.program = 'PM'
    JOIN pm.asset xs ON xs.asset = o.sell_asset
    JOIN pm.asset xb ON xb.asset = o.buy_asset
    LEFT JOIN bench_plain.collateral_tier cs ON cs.program = 'PM' AND cs.asset = o.sell_asset
    LEFT JOIN bench_plain.collateral_tier cb ON cb.program = 'PM' AND cb.asset = o.buy_asset
), asset_total AS (
  -- equity netted per asset across wallets and PnL, before any haircut
  SELECT l.account_id, l.asset, sum(l.equity) AS equity, sum(l.maint_margin) AS maint_margin,
         sum(l.initial_margin) AS initial_margin, sum(l.open_loss) AS open_loss
    FROM (SELECT account_id, asset, equity, maint_margin, initial_margin, 0 AS open_loss FROM balance_line
          UNION ALL SELECT account_id, asset, equity, maint_margin, initial_margin, 0 FROM position_line
          UNION ALL SELECT account_id, asset, 0, 0, 0, open_loss FROM order_line) l
   GROUP BY l.account_id, l.asset
), asset_value AS (
  SELECT t.account_id, a.program, t.equity * x.index_price AS value_usd,
         t.maint_margin * x.index_price AS maint_margin_usd,
         t.initial_margin * x.index_price AS initial_margin_usd, t.open_loss, t.asset
    FROM asset_total t
    JOIN pm.account a ON a.account_id = t.account_id
    JOIN pm.asset x ON x.asset = t.asset
), asset_collateral AS (
  SELECT v.*,
         CASE WHEN v.value_usd <= 0 THEN v.value_usd
              ELSE coalesce(v.value_usd * ct.rate - ct.cum, 0) END AS collateral_usd
    FROM asset_value v
    LEFT JOIN bench_plain.collateral_tier ct
      ON ct.program = v.program AND ct.asset = v.asset AND v.value_usd > 0
     AND (v.value_usd > ct.floor OR ct.floor = 0) AND (ct.cap IS NULL OR v.value_usd <= ct.cap)
), account_total AS (
  SELECT a.account_id, a.program,
         coalesce(sum(c.collateral_usd), 0) AS account_equity,
         coalesce(sum(c.value_usd), 0) AS actual_equity,
         coalesce(sum(c.maint_margin_usd), 0) AS maint_margin,
         coalesce(sum(c.initial_margin_usd), 0) AS initial_margin,
         coalesce(sum(c.open_loss), 0) AS open_loss
    FROM pm.account a
    LEFT JOIN asset_collateral c ON c.account_id = a.account_id
   GROUP BY a.account_id, a.program
)
SELECT t.account_id, t.program,
       round((t.account_equity - t.open_loss) / nullif(t.maint_margin, 0), 8) AS uni_mmr,
       round(t.account_equity, 8) AS account_equity,
       round(t.actual_equity, 8) AS actual_equity,
       round(t.initial_margin, 8) AS account_initial_margin,
       round(t.maint_margin, 8) AS account_maint_margin,
       coalesce((SELECT st.status FROM pm.status_threshold st
                  WHERE st.program = t.program AND st.enabled AND t.maint_margin > 0
                    AND (st.uni_mmr_above IS NULL
                         OR (t.account_equity - t.open_loss) / t.maint_margin > st.uni_mmr_above)
                  ORDER BY st.uni_mmr_above DESC NULLS LAST LIMIT 1),
                CASE WHEN t.account_equity - t.open_loss < 0 THEN 'ACTIVE_LIQUIDATION' ELSE 'NORMAL' END)
         AS account_status,
       round(greatest(t.account_equity - 1.2 * t.maint_margin, 0), 8) AS virtual_max_withdraw_amount,
       round(t.account_equity - t.initial_margin, 8) AS total_available_balance,
       round(t.open_loss, 8) AS total_margin_open_loss,
       NULL::text AS error           -- as pm.account_risk: every account here can be valued
  FROM account_total t;
