/*-------------------------------------------------------------------------
 *
 * futures.c
 *	  Unrealized PnL, maintenance and initial margin of UM and CM futures.
 *
 *	  UM (linear, settle asset):  pnl = qty * (mark - entry)
 *	                              MM  = tiered(|qty| * mark, brackets)
 *	                              IM  = |qty| * mark / leverage
 *	  CM (inverse, coin):         pnl = contracts * size * (1/entry - 1/mark)
 *	                              MM  = tiered(|contracts| * size / mark, brackets)
 *	                              IM  = |contracts| * size / mark / leverage
 *
 * The CM formulas are evaluated with one division each, so they round once
 * (pm_div) and never lose digits to cancellation; the CM bracket is chosen
 * exactly by comparing the USD notional with floor * mark.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "fmgr.h"
#include "utils/fmgrprotos.h"

#include "compat.h"
#include "numeric_raw.h"
#include "pm_numeric.h"
#include "tiers.h"

PG_FUNCTION_INFO_V1(pm_um_unrealized_pnl);
PG_FUNCTION_INFO_V1(pm_cm_unrealized_pnl);
PG_FUNCTION_INFO_V1(pm_um_maint_margin);
PG_FUNCTION_INFO_V1(pm_cm_maint_margin);
PG_FUNCTION_INFO_V1(pm_um_initial_margin);
PG_FUNCTION_INFO_V1(pm_cm_initial_margin);
PG_FUNCTION_INFO_V1(pm_cm_notional);
PG_FUNCTION_INFO_V1(pm_cm_bracket);

/* pm.um_unrealized_pnl(qty, entry_price, mark_price), settle-asset units. */
Datum
pm_um_unrealized_pnl(PG_FUNCTION_ARGS)
{
	Numeric		qty = PG_GETARG_NUMERIC(0);
	Numeric		entry = PG_GETARG_NUMERIC(1);
	Numeric		mark = PG_GETARG_NUMERIC(2);

	pm_check_finite(qty, "qty");
	pm_check_positive(entry, "entry_price");
	pm_check_positive(mark, "mark_price");
	PG_RETURN_NUMERIC(pm_mul(qty, pm_sub(mark, entry)));
}

/*
 * pm.cm_unrealized_pnl(contracts, contract_size, entry_price, mark_price),
 * in coin: contracts * size * (mark - entry) / (entry * mark).
 */
Datum
pm_cm_unrealized_pnl(PG_FUNCTION_ARGS)
{
	Numeric		contracts = PG_GETARG_NUMERIC(0);
	Numeric		size = PG_GETARG_NUMERIC(1);
	Numeric		entry = PG_GETARG_NUMERIC(2);
	Numeric		mark = PG_GETARG_NUMERIC(3);

	pm_check_finite(contracts, "contracts");
	pm_check_positive(size, "contract_size");
	pm_check_positive(entry, "entry_price");
	pm_check_positive(mark, "mark_price");
	PG_RETURN_NUMERIC(pm_div(pm_mul(pm_mul(contracts, size), pm_sub(mark, entry)),
							 pm_mul(entry, mark)));
}

/* pm.um_maint_margin(qty, mark_price, brackets), settle-asset units. */
Datum
pm_um_maint_margin(PG_FUNCTION_ARGS)
{
	Numeric		qty = PG_GETARG_NUMERIC(0);
	Numeric		mark = PG_GETARG_NUMERIC(1);
	PmTiers    *brackets = PG_GETARG_PMTIERS(2);

	pm_check_finite(qty, "qty");
	pm_check_positive(mark, "mark_price");
	PG_RETURN_NUMERIC(pm_tiers_eval(brackets, pm_mul(pm_abs(qty), mark)));
}

/*
 * pm.cm_maint_margin(contracts, contract_size, mark_price, brackets), coin.
 * With N = |contracts| * size (USD) and j the bracket holding N / mark:
 *
 *	  MM = N / mark * rate_j - cum_j = (N * rate_j - cum_j * mark) / mark
 */
Datum
pm_cm_maint_margin(PG_FUNCTION_ARGS)
{
	Numeric		contracts = PG_GETARG_NUMERIC(0);
	Numeric		size = PG_GETARG_NUMERIC(1);
	Numeric		mark = PG_GETARG_NUMERIC(2);
	PmTiers    *brackets = PG_GETARG_PMTIERS(3);
	Numeric		usd;
	int			j;

	pm_check_finite(contracts, "contracts");
	pm_check_positive(size, "contract_size");
	pm_check_positive(mark, "mark_price");
	usd = pm_mul(pm_abs(contracts), size);
	j = pm_tiers_find(brackets, usd, mark);
	PG_RETURN_NUMERIC(pm_div(pm_sub(pm_mul(usd, PM_TIERS_RATE(brackets, j)),
									pm_mul(PM_TIERS_CUM(brackets, j), mark)),
							 mark));
}

/* A leverage is a whole number from 1 up. */
static Numeric
leverage_numeric(int32 leverage)
{
	if (leverage < 1)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("leverage must be at least 1"),
				 errdetail("The value given is %d.", leverage)));
	return DatumGetNumeric(DirectFunctionCall1(int4_numeric, Int32GetDatum(leverage)));
}

/* pm.um_initial_margin(qty, mark_price, leverage) = |qty| * mark / leverage */
Datum
pm_um_initial_margin(PG_FUNCTION_ARGS)
{
	Numeric		qty = PG_GETARG_NUMERIC(0);
	Numeric		mark = PG_GETARG_NUMERIC(1);
	Numeric		leverage = leverage_numeric(PG_GETARG_INT32(2));

	pm_check_finite(qty, "qty");
	pm_check_positive(mark, "mark_price");
	PG_RETURN_NUMERIC(pm_div(pm_mul(pm_abs(qty), mark), leverage));
}

/*
 * pm.cm_initial_margin(contracts, contract_size, mark_price, leverage), coin:
 * |contracts| * size / (mark * leverage), one division.
 */
Datum
pm_cm_initial_margin(PG_FUNCTION_ARGS)
{
	Numeric		contracts = PG_GETARG_NUMERIC(0);
	Numeric		size = PG_GETARG_NUMERIC(1);
	Numeric		mark = PG_GETARG_NUMERIC(2);
	Numeric		leverage = leverage_numeric(PG_GETARG_INT32(3));

	pm_check_finite(contracts, "contracts");
	pm_check_positive(size, "contract_size");
	pm_check_positive(mark, "mark_price");
	PG_RETURN_NUMERIC(pm_div(pm_mul(pm_abs(contracts), size), pm_mul(mark, leverage)));
}

/* pm.cm_notional(contracts, contract_size, mark_price): |contracts| * size / mark, coin. */
Datum
pm_cm_notional(PG_FUNCTION_ARGS)
{
	Numeric		contracts = PG_GETARG_NUMERIC(0);
	Numeric		size = PG_GETARG_NUMERIC(1);
	Numeric		mark = PG_GETARG_NUMERIC(2);

	pm_check_finite(contracts, "contracts");
	pm_check_positive(size, "contract_size");
	pm_check_positive(mark, "mark_price");
	PG_RETURN_NUMERIC(pm_div(pm_mul(pm_abs(contracts), size), mark));
}

/*
 * pm.cm_bracket(contracts, contract_size, mark_price, brackets): the number
 * (from 1) of the bracket holding the coin notional, chosen exactly.
 */
Datum
pm_cm_bracket(PG_FUNCTION_ARGS)
{
	Numeric		contracts = PG_GETARG_NUMERIC(0);
	Numeric		size = PG_GETARG_NUMERIC(1);
	Numeric		mark = PG_GETARG_NUMERIC(2);
	PmTiers    *brackets = PG_GETARG_PMTIERS(3);

	pm_check_finite(contracts, "contracts");
	pm_check_positive(size, "contract_size");
	pm_check_positive(mark, "mark_price");
	PG_RETURN_INT32(pm_tiers_find(brackets, pm_mul(pm_abs(contracts), size), mark) + 1);
}
