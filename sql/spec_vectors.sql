-- The worked numbers of spec section 5 that the scalar functions reproduce.

-- V2: marginal collateral tiers; 6,000 BTC at 20,000 USD is worth
-- 119,500,000 as collateral, not 117,000,000
SELECT pm.collateral_value(6000 * 20000,
         '0:1.00, 100000000:0.975, 120000000:0.95, 150000000:0.90, 180000000:0.85') AS v2;

-- V3: UM unrealized PnL, short +600 and long -414 USDT
SELECT pm.um_unrealized_pnl(-0.05, 52000, 40000) AS v3_short,
       pm.um_unrealized_pnl(0.04, 52350, 42000) AS v3_long;

-- V4: loan maintenance margin at 3x (MMR 0.10): 0.004 BTC and 1.5 ETH
SELECT pm.loan_maint_margin(0.04, 0, 0.10) AS v4_btc,
       pm.loan_maint_margin(15, 0, 0.10) AS v4_eth;

-- V5: BTCUSDT 2025 brackets; cum 0 / 300 / 1,500 / 12,000 / 132,000 and
-- MM 38,000 at notional 5,000,000
SELECT pm.cum('0:0.004, 300000:0.005, 800000:0.0065, 3000000:0.01, 12000000:0.02') AS v5_cum,
       pm.tiered(5000000, '0:0.004, 300000:0.005, 800000:0.0065, 3000000:0.01, 12000000:0.02') AS v5_mm,
       pm.um_maint_margin(100, 50000, '0:0.004, 300000:0.005, 800000:0.0065, 3000000:0.01, 12000000:0.02') AS v5_mm_position;

-- V6 parts that are scalar: CM PnL -0.05 BTC and the position MMs
SELECT pm.cm_unrealized_pnl(100, 100, 50000, 40000) AS v6_cm_pnl,
       pm.cm_maint_margin(100, 100, 40000, '0:0.005') AS v6_cm_mm,
       pm.um_maint_margin(-0.05, 40000, '0:0.005') + pm.um_maint_margin(0.04, 42000, '0:0.005') AS v6_um_mm;

-- V7: a liability is not haircut: E_BTC -0.01 at 40,000 with rate 0.95
-- contributes -400, not -380
SELECT pm.collateral_value(-0.01 * 40000, '0:0.95') AS v7;
