/*-------------------------------------------------------------------------
 *
 * futures.c
 *	  SQL functions for UM and CM futures positions: unrealized PnL,
 *	  maintenance and initial margin, notional and bracket.  The formulas
 *	  live in line_math.c; these check the arguments.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "fmgr.h"

#include "compat.h"
#include "line_math.h"
#include "number.h"
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
	PmVal		qty = pm_arg_finite(fcinfo, 0, "qty");
	PmVal		entry = pm_arg_positive(fcinfo, 1, "entry_price");
	PmVal		mark = pm_arg_positive(fcinfo, 2, "mark_price");

	PG_RETURN_NUMERIC(pmv_to_numeric(pm_um_pnl(qty, entry, mark)));
}

/* pm.cm_unrealized_pnl(contracts, contract_size, entry_price, mark_price), coin. */
Datum
pm_cm_unrealized_pnl(PG_FUNCTION_ARGS)
{
	PmVal		contracts = pm_arg_finite(fcinfo, 0, "contracts");
	PmVal		size = pm_arg_positive(fcinfo, 1, "contract_size");
	PmVal		entry = pm_arg_positive(fcinfo, 2, "entry_price");
	PmVal		mark = pm_arg_positive(fcinfo, 3, "mark_price");

	PG_RETURN_NUMERIC(pmv_to_numeric(pm_cm_pnl(contracts, size, entry, mark)));
}

/* pm.um_maint_margin(qty, mark_price, brackets), settle-asset units. */
Datum
pm_um_maint_margin(PG_FUNCTION_ARGS)
{
	PmVal		qty = pm_arg_finite(fcinfo, 0, "qty");
	PmVal		mark = pm_arg_positive(fcinfo, 1, "mark_price");

	PG_RETURN_NUMERIC(pmv_to_numeric(pm_um_mm(qty, mark, PG_GETARG_PMTIERS(2))));
}

/* pm.cm_maint_margin(contracts, contract_size, mark_price, brackets), coin. */
Datum
pm_cm_maint_margin(PG_FUNCTION_ARGS)
{
	PmVal		contracts = pm_arg_finite(fcinfo, 0, "contracts");
	PmVal		size = pm_arg_positive(fcinfo, 1, "contract_size");
	PmVal		mark = pm_arg_positive(fcinfo, 2, "mark_price");

	PG_RETURN_NUMERIC(pmv_to_numeric(pm_cm_mm(contracts, size, mark, PG_GETARG_PMTIERS(3))));
}

/* pm.um_initial_margin(qty, mark_price, leverage) = |qty| * mark / leverage */
Datum
pm_um_initial_margin(PG_FUNCTION_ARGS)
{
	int32		leverage = PG_GETARG_INT32(2);
	PmVal		qty,
				mark;

	pm_check_leverage(leverage, 1, "leverage");
	qty = pm_arg_finite(fcinfo, 0, "qty");
	mark = pm_arg_positive(fcinfo, 1, "mark_price");
	PG_RETURN_NUMERIC(pmv_to_numeric(pm_um_im(qty, mark, leverage)));
}

/* pm.cm_initial_margin(contracts, contract_size, mark_price, leverage), coin. */
Datum
pm_cm_initial_margin(PG_FUNCTION_ARGS)
{
	int32		leverage = PG_GETARG_INT32(3);
	PmVal		contracts,
				size,
				mark;

	pm_check_leverage(leverage, 1, "leverage");
	contracts = pm_arg_finite(fcinfo, 0, "contracts");
	size = pm_arg_positive(fcinfo, 1, "contract_size");
	mark = pm_arg_positive(fcinfo, 2, "mark_price");
	PG_RETURN_NUMERIC(pmv_to_numeric(pm_cm_im(contracts, size, mark, leverage)));
}

/* pm.cm_notional(contracts, contract_size, mark_price): |contracts| * size / mark, coin. */
Datum
pm_cm_notional(PG_FUNCTION_ARGS)
{
	PmVal		contracts = pm_arg_finite(fcinfo, 0, "contracts");
	PmVal		size = pm_arg_positive(fcinfo, 1, "contract_size");
	PmVal		mark = pm_arg_positive(fcinfo, 2, "mark_price");

	PG_RETURN_NUMERIC(pmv_to_numeric(pm_cm_notional_of(contracts, size, mark)));
}

/* pm.cm_bracket(contracts, contract_size, mark_price, brackets): bracket number from 1. */
Datum
pm_cm_bracket(PG_FUNCTION_ARGS)
{
	PmVal		contracts = pm_arg_finite(fcinfo, 0, "contracts");
	PmVal		size = pm_arg_positive(fcinfo, 1, "contract_size");
	PmVal		mark = pm_arg_positive(fcinfo, 2, "mark_price");

	PG_RETURN_INT32(pm_cm_bracket_of(contracts, size, mark, PG_GETARG_PMTIERS(3)) + 1);
}
