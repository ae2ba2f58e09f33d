/*-------------------------------------------------------------------------
 *
 * loans.c
 *	  SQL functions for cross-margin loans (docs/spec.md §2.5, §2.8; worked number V4 in §5), in the
 *	  asset's units:
 *
 *	  MM = (borrowed + interest) * loanMMR(leverage)
 *	  IM = borrowed / (leverage - 1)
 *
 * The MMR for a leverage is parameter data (pm.loan_mmr); these only apply it.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "fmgr.h"

#include "compat.h"
#include "excerpt.h"
#include "line_math.h"
#include "number.h"

PG_FUNCTION_INFO_V1(pm_loan_maint_margin);
PG_FUNCTION_INFO_V1(pm_loan_initial_margin);

/* pm.loan_maint_margin(borrowed, interest, loan_mmr) */
Datum
pm_loan_maint_margin(PG_FUNCTION_ARGS)
{
	PmVal		borrowed = pm_arg_not_negative(fcinfo, 0, "borrowed");
	PmVal		interest = pm_arg_not_negative(fcinfo, 1, "interest");
	PmVal		mmr = pm_arg_not_negative(fcinfo, 2, "loan_mmr");

	if (pmv_cmp(mmr, pmv_int(1)) > 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("loan_mmr must be between 0 and 1"),
				 errdetail("The value given is %s.", pm_numeric_excerpt(pmv_to_numeric(mmr)))));
	PG_RETURN_NUMERIC(pmv_to_numeric(pm_loan_mm(borrowed, interest, mmr)));
}

/* pm.loan_initial_margin(borrowed, leverage) = borrowed / (leverage - 1) */
Datum
pm_loan_initial_margin(PG_FUNCTION_ARGS)
{
	PmVal		borrowed = pm_arg_not_negative(fcinfo, 0, "borrowed");
	int32		leverage = PG_GETARG_INT32(1);

	pm_check_leverage(leverage, 2, "loan leverage");
	PG_RETURN_NUMERIC(pmv_to_numeric(pm_loan_im(borrowed, leverage)));
}
