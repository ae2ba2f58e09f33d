/*-------------------------------------------------------------------------
 *
 * tiered.c
 *	  Evaluate a marginal schedule: pm.tiered() and pm.collateral_value().
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "fmgr.h"

#include "compat.h"
#include "numeric_raw.h"
#include "pm_numeric.h"
#include "tiers.h"

PG_FUNCTION_INFO_V1(pm_tiered);
PG_FUNCTION_INFO_V1(pm_collateral_value);
PG_FUNCTION_INFO_V1(pm_tier_of);

/*
 * Index (0-based) of the tier holding x * scale's worth, where tier k covers
 * (floor_k, floor_k+1]: the last tier whose floor, times scale, lies below x.
 * scale may be NULL for 1; callers use it to compare a coin notional
 * N / mark with coin floors exactly, as N against floor * mark.
 * x must not be negative; 0 falls in the first tier.
 */
int
pm_tiers_find(PmTiers *t, Numeric x, Numeric scale)
{
	int			lo = 0;
	int			hi = t->ntiers - 1;

	/* invariant: floor_lo * scale < x or lo == 0; floor_hi+1 * scale >= x */
	while (lo < hi)
	{
		int			mid = lo + (hi - lo + 1) / 2;
		Numeric		f = PM_TIERS_FLOOR(t, mid);

		if (scale != NULL)
			f = pm_mul(f, scale);
		if (pm_cmp(f, x) < 0)
			lo = mid;
		else
			hi = mid - 1;
	}
	return lo;
}

/* The marginal sum of schedule t at x >= 0, exact: x * rate_j - cum_j. */
Numeric
pm_tiers_eval(PmTiers *t, Numeric x)
{
	int			j = pm_tiers_find(t, x, NULL);

	return pm_sub(pm_mul(x, PM_TIERS_RATE(t, j)), PM_TIERS_CUM(t, j));
}

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
							   pm_numeric_out(PM_TIERS_RATE(t, i)))));
}

/*
 * pm.tiered(amount, schedule): the marginal sum, like tax brackets.
 * A negative amount has no meaning for a schedule and is an error.
 */
Datum
pm_tiered(PG_FUNCTION_ARGS)
{
	Numeric		amount = PG_GETARG_NUMERIC(0);
	PmTiers    *t = PG_GETARG_PMTIERS(1);

	pm_check_finite(amount, "amount");
	if (pm_numeric_sign(amount) < 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("amount must not be negative"),
				 errdetail("The value given is %s.", pm_numeric_out(amount)),
				 errhint("A tier schedule applies to a size or a value of zero or more; pass the absolute value.")));
	PG_RETURN_NUMERIC(pm_tiers_eval(t, amount));
}

/*
 * pm.collateral_value(value_usd, schedule): what a USD value counts as
 * collateral.  A liability (V <= 0) counts in full; an asset is weighed by
 * its tiered schedule (spec section 2, V2 and V7).
 */
Datum
pm_collateral_value(PG_FUNCTION_ARGS)
{
	Numeric		value = PG_GETARG_NUMERIC(0);
	PmTiers    *t = PG_GETARG_PMTIERS(1);

	pm_check_finite(value, "value_usd");
	pm_check_collateral_schedule(t);
	if (pm_numeric_sign(value) <= 0)
		PG_RETURN_NUMERIC(value);
	PG_RETURN_NUMERIC(pm_tiers_eval(t, value));
}

/* pm.tier_of(amount, schedule): the number (from 1) of the tier holding amount. */
Datum
pm_tier_of(PG_FUNCTION_ARGS)
{
	Numeric		amount = PG_GETARG_NUMERIC(0);
	PmTiers    *t = PG_GETARG_PMTIERS(1);

	pm_check_finite(amount, "amount");
	if (pm_numeric_sign(amount) < 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("amount must not be negative"),
				 errdetail("The value given is %s.", pm_numeric_out(amount))));
	PG_RETURN_INT32(pm_tiers_find(t, amount, NULL) + 1);
}
