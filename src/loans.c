/*-------------------------------------------------------------------------
 *
 * loans.c
 *	  Margin of a cross-margin loan (spec section 2, V4), in the asset's units:
 *
 *	  MM = (borrowed + interest) * loanMMR(leverage)
 *	  IM = borrowed / (leverage - 1)
 *
 * The MMR for a leverage is parameter data (pm.loan_mmr in later versions);
 * this function only applies it.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "fmgr.h"
#include "utils/fmgrprotos.h"

#include "compat.h"
#include "numeric_raw.h"
#include "pm_numeric.h"

PG_FUNCTION_INFO_V1(pm_loan_maint_margin);
PG_FUNCTION_INFO_V1(pm_loan_initial_margin);

/* A balance that can only be zero or more. */
static void
check_not_negative(Numeric a, const char *what)
{
	pm_check_finite(a, what);
	if (pm_numeric_sign(a) < 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s must not be negative", what),
				 errdetail("The value given is %s.", pm_numeric_out(a))));
}

/* pm.loan_maint_margin(borrowed, interest, loan_mmr) */
Datum
pm_loan_maint_margin(PG_FUNCTION_ARGS)
{
	Numeric		borrowed = PG_GETARG_NUMERIC(0);
	Numeric		interest = PG_GETARG_NUMERIC(1);
	Numeric		mmr = PG_GETARG_NUMERIC(2);

	check_not_negative(borrowed, "borrowed");
	check_not_negative(interest, "interest");
	check_not_negative(mmr, "loan_mmr");
	if (pm_cmp(mmr, pm_numeric_in("1")) > 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("loan_mmr must be between 0 and 1"),
				 errdetail("The value given is %s.", pm_numeric_out(mmr))));
	PG_RETURN_NUMERIC(pm_mul(pm_add(borrowed, interest), mmr));
}

/* pm.loan_initial_margin(borrowed, leverage) = borrowed / (leverage - 1) */
Datum
pm_loan_initial_margin(PG_FUNCTION_ARGS)
{
	Numeric		borrowed = PG_GETARG_NUMERIC(0);
	int32		leverage = PG_GETARG_INT32(1);

	check_not_negative(borrowed, "borrowed");
	if (leverage < 2)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("loan leverage must be at least 2"),
				 errdetail("The value given is %d.", leverage)));
	PG_RETURN_NUMERIC(pm_div(borrowed,
							 DatumGetNumeric(DirectFunctionCall1(int4_numeric,
																 Int32GetDatum(leverage - 1)))));
}
