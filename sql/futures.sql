-- Futures and loans: UM/CM unrealized PnL and maintenance margin, loan MM,
-- exact CM bracket choice, the single rounding of CM division, and errors.

-- UM PnL: exact, long and short
SELECT pm.um_unrealized_pnl(0.04, 52350, 42000) AS long_loss,
       pm.um_unrealized_pnl(-0.05, 52000, 40000) AS short_gain,
       pm.um_unrealized_pnl(0, 1, 2) AS flat,
       pm.um_unrealized_pnl(1.5, 0.00012345, 0.00012346) AS tiny_prices;

-- CM PnL: contracts * size * (1/entry - 1/mark), one rounding to >= 20
-- significant digits, trailing zeros removed
SELECT pm.cm_unrealized_pnl(100, 100, 50000, 40000) AS exact_loss,
       pm.cm_unrealized_pnl(-100, 100, 50000, 40000) AS exact_gain,
       pm.cm_unrealized_pnl(1, 10, 3, 7) AS repeating,
       pm.cm_unrealized_pnl(1, 10, 7, 3) AS repeating_neg,
       pm.cm_unrealized_pnl(7, 10, 3000, 3000) AS unchanged;
-- no cancellation: entry and mark a hair apart still give 20 digits
SELECT pm.cm_unrealized_pnl(1, 100, 40000, 40000.000001) AS hair;
-- rounded to nearest, half away from zero: 2/3 ends in ...67 both ways
SELECT pm.cm_unrealized_pnl(1, 1, 1, 3) AS two_thirds,
       pm.cm_unrealized_pnl(-1, 1, 1, 3) AS minus_two_thirds;
-- an exact tie: 2.00000000000000000001 * (2 - 1) / (1 * 2) is
-- 1.000000000000000000005, 22 digits; the 21st rounds away from zero
SELECT pm.cm_unrealized_pnl(2.00000000000000000001, 1, 1, 2) AS tie_up,
       pm.cm_unrealized_pnl(-2.00000000000000000001, 1, 1, 2) AS tie_down;

-- UM MM: tiered(|qty| * mark), same for longs and shorts
SELECT pm.um_maint_margin(100, 50000, '0:0.004, 300000:0.005, 800000:0.0065, 3000000:0.01, 12000000:0.02') AS mm,
       pm.um_maint_margin(-100, 50000, '0:0.004, 300000:0.005, 800000:0.0065, 3000000:0.01, 12000000:0.02') AS mm_short,
       pm.um_maint_margin(0, 50000, '0:0.004') AS none;

-- CM MM in coin, brackets in coin: notional 1,000,000 USD at mark 40,000 is
-- 25 BTC.  With a floor exactly at 25 the position is still in the lower
-- bracket (tier k covers (floor_k, floor_k+1]); one contract more moves it up.
SELECT pm.cm_maint_margin(10000, 100, 40000, '0:0.004, 25:0.005, 100:0.01') AS on_floor,
       pm.tiered(25, '0:0.004, 25:0.005, 100:0.01') AS same_via_tiered,
       pm.cm_maint_margin(10001, 100, 40000, '0:0.004, 25:0.005, 100:0.01') AS above_floor;
-- 1/3 BTC of notional: rounded once
SELECT pm.cm_maint_margin(1, 100, 300, '0:0.005') AS third_of_coin;
SELECT pm.cm_maint_margin(-1, 100, 300, '0:0.005') AS short_same;

-- Loan MM: (borrowed + interest) * MMR
SELECT pm.loan_maint_margin(0.04, 0, 0.10) AS btc, pm.loan_maint_margin(14.9, 0.1, 0.10) AS eth,
       pm.loan_maint_margin(0, 0, 0.05) AS none;

-- Errors: prices and contract sizes must be finite and positive, quantities finite
SELECT pm.um_unrealized_pnl(1, 0, 100); \echo :LAST_ERROR_SQLSTATE
SELECT pm.um_unrealized_pnl(1, 100, -1); \echo :LAST_ERROR_SQLSTATE
SELECT pm.um_unrealized_pnl('NaN', 100, 100); \echo :LAST_ERROR_SQLSTATE
SELECT pm.um_unrealized_pnl(1, 'Infinity', 100); \echo :LAST_ERROR_SQLSTATE
SELECT pm.cm_unrealized_pnl(1, 0, 100, 100); \echo :LAST_ERROR_SQLSTATE
SELECT pm.cm_unrealized_pnl(1, -100, 100, 100); \echo :LAST_ERROR_SQLSTATE
SELECT pm.cm_unrealized_pnl(1, 100, 0, 100); \echo :LAST_ERROR_SQLSTATE
SELECT pm.cm_unrealized_pnl(1, 100, 100, 'NaN'); \echo :LAST_ERROR_SQLSTATE
SELECT pm.cm_unrealized_pnl('-Infinity', 100, 100, 100); \echo :LAST_ERROR_SQLSTATE
SELECT pm.um_maint_margin(1, 0, '0:0.004'); \echo :LAST_ERROR_SQLSTATE
SELECT pm.um_maint_margin('Infinity', 1, '0:0.004'); \echo :LAST_ERROR_SQLSTATE
SELECT pm.cm_maint_margin(1, 100, -5, '0:0.004'); \echo :LAST_ERROR_SQLSTATE
SELECT pm.cm_maint_margin(1, 'NaN', 5, '0:0.004'); \echo :LAST_ERROR_SQLSTATE
SELECT pm.loan_maint_margin(-0.04, 0, 0.1); \echo :LAST_ERROR_SQLSTATE
SELECT pm.loan_maint_margin(1, -0.1, 0.1); \echo :LAST_ERROR_SQLSTATE
SELECT pm.loan_maint_margin(1, 0, 1.5); \echo :LAST_ERROR_SQLSTATE
SELECT pm.loan_maint_margin(1, 0, 'NaN'); \echo :LAST_ERROR_SQLSTATE
