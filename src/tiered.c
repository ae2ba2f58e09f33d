/*-------------------------------------------------------------------------
 *
 * tiered.c
 *	  SQL functions over a schedule: pm.tiered(), pm.collateral_value(),
 *	  pm.tier_of().  Evaluation itself is pmv_tiers_eval (tiers_eval.c).
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "fmgr.h"

#include "compat.h"
#include "excerpt.h"
#include "number.h"
#include "line_math.h"
#include "tiers.h"

PG_FUNCTION_INFO_V1(pm_tiered);
PG_FUNCTION_INFO_V1(pm_collateral_value);
PG_FUNCTION_INFO_V1(pm_tier_of);

/* A collateral schedule never gives more than the value it weighs. */
void
pm_check_collateral_schedule(PmTiers *t)
{
	int			i;
	Numeric		one;

	if ((t->flags & PM_TIERS_RATE_ABOVE_ONE) == 0)
		return;
	one = pm_numeric_in("1");
	for (i = 0; i < t->ntiers; i++)
		if (pm_cmp(PM_TIERS_RATE(t, i), one) > 0)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("a collateral rate cannot be above 1"),
					 errdetail("Tier %d has rate %s.", i + 1,
							   pm_numeric_excerpt(PM_TIERS_RATE(t, i)))));
}

/* A non-negative finite amount argument for a schedule. */
static PmVal
amount_arg(FunctionCallInfo fcinfo, bool hint)
{
	PmVal		amount = pm_arg_finite(fcinfo, 0, "amount");

	if (pmv_sign(amount) < 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("amount must not be negative"),
				 errdetail("The value given is %s.", pm_numeric_excerpt(pmv_to_numeric(amount))),
				 hint ? errhint("A tier schedule applies to a size or a value of zero or more; pass the absolute value.") : 0));
	return amount;
}

/* pm.tiered(amount, schedule): the marginal sum, like tax brackets. */
Datum
pm_tiered(PG_FUNCTION_ARGS)
{
	PmVal		amount = amount_arg(fcinfo, true);

	PG_RETURN_NUMERIC(pmv_to_numeric(pmv_tiers_eval(PG_GETARG_PMTIERS(1), amount)));
}

/*
 * pm.collateral_value(value_usd, schedule): what a USD value counts as
 * collateral.  A liability (V <= 0) counts in full; an asset is weighed by
 * its tiered schedule (docs/spec.md §2.3, §2.4; worked numbers V2 and V7 in §5).
 */
Datum
pm_collateral_value(PG_FUNCTION_ARGS)
{
	PmVal		value = pm_arg_finite(fcinfo, 0, "value_usd");
	PmTiers    *t = PG_GETARG_PMTIERS(1);

	pm_check_collateral_schedule(t);
	PG_RETURN_NUMERIC(pmv_to_numeric(pm_collateral_of(value, t)));
}

/* pm.tier_of(amount, schedule): the number (from 1) of the tier holding amount. */
Datum
pm_tier_of(PG_FUNCTION_ARGS)
{
	PmVal		amount = amount_arg(fcinfo, false);

	PG_RETURN_INT32(pmv_tiers_find(PG_GETARG_PMTIERS(1), amount, NULL) + 1);
}
