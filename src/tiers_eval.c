/*-------------------------------------------------------------------------
 *
 * tiers_eval.c
 *	  A schedule evaluated on values: its tiers' floors, rates and cums as
 *	  values (decoded once when the schedule was built), the tier holding an
 *	  amount, and the marginal sum (tiers.h).
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "number.h"
#include "tiers.h"

/* Part k (3 * tier + 0 floor, 1 rate, 2 cum) of a schedule, pre-decoded. */
static PmVal
tier_part(PmTiers *t, int k)
{
	const PmTierFast *fast = PM_TIERS_FAST(t, k);
	int32		scale;

	memcpy(&scale, &fast->scale, sizeof(int32));
	if (scale >= 0 && pm_fast_path)
	{
		pm_dec		d;

		memcpy(&d.coef, fast->coef, sizeof(d.coef));
		d.scale = scale;
		return pmv_dec(d);
	}
	return pmv_numeric((Numeric) ((char *) t + t->offsets[k]));
}

/* Tier i's floor (0-based i), as a value. */
PmVal
pmv_tier_floor(PmTiers *t, int i)
{
	return tier_part(t, 3 * i);
}

/* Tier i's rate, as a value. */
PmVal
pmv_tier_rate(PmTiers *t, int i)
{
	return tier_part(t, 3 * i + 1);
}

/* Tier i's cum, as a value. */
PmVal
pmv_tier_cum(PmTiers *t, int i)
{
	return tier_part(t, 3 * i + 2);
}

/*
 * Index (0-based) of the tier holding x, where tier k covers (floor_k,
 * floor_k+1]: the last tier whose floor (times scale, when given) lies
 * below x.  scale compares a coin notional N / mark with coin floors
 * exactly, as N against floor * mark.  x must not be negative.
 */
int
pmv_tiers_find(PmTiers *t, PmVal x, const PmVal *scale)
{
	int			lo = 0;
	int			hi = t->ntiers - 1;

	/* most amounts lie in the first tier: one comparison decides them */
	if (hi > 0)
	{
		PmVal		f = pmv_tier_floor(t, 1);

		if (scale != NULL)
			f = pmv_mul(f, *scale);
		if (pmv_cmp(f, x) >= 0)
			return 0;
		lo = 1;
	}
	while (lo < hi)
	{
		int			mid = lo + (hi - lo + 1) / 2;
		PmVal		f = pmv_tier_floor(t, mid);

		if (scale != NULL)
			f = pmv_mul(f, *scale);
		if (pmv_cmp(f, x) < 0)
			lo = mid;
		else
			hi = mid - 1;
	}
	return lo;
}

/* Part k of a schedule in the fast path; false when it is held as numeric. */
static inline bool
tier_dec(PmTiers *t, int k, pm_dec *out)
{
	const PmTierFast *fast = PM_TIERS_FAST(t, k);
	int32		scale;

	memcpy(&scale, &fast->scale, sizeof(int32));
	if (scale < 0)
		return false;
	memcpy(&out->coef, fast->coef, sizeof(out->coef));
	out->scale = scale;
	return true;
}

/*
 * pmv_tiers_eval on pm_dec alone, for a fast-path x: the first tier whose
 * next floor is not below x (most amounts lie in the first tiers), then
 * x * rate_j - cum_j.  False when a part is held as numeric or a step does
 * not fit, and the caller takes the general way -- same value either way.
 */
static bool
tiers_eval_dec(PmTiers *t, pm_dec x, pm_dec *out)
{
	pm_dec		floor,
				rate,
				cum,
				prod;
	int			j;

	for (j = 0; j < t->ntiers - 1; j++)
	{
		if (!tier_dec(t, 3 * (j + 1), &floor))
			return false;
		if (pm_dec_cmp(floor, x) >= 0)
			break;
	}
	return tier_dec(t, 3 * j + 1, &rate) && tier_dec(t, 3 * j + 2, &cum) &&
		pm_dec_mul(x, rate, &prod) && pm_dec_sub(prod, cum, out);
}

/* The marginal sum of t at x >= 0: x * rate_j - cum_j. */
PmVal
pmv_tiers_eval(PmTiers *t, PmVal x)
{
	int			j;
	pm_dec		r;

	if (x.is_dec && pm_fast_path && tiers_eval_dec(t, x.d, &r))
		return pmv_dec(r);
	j = pmv_tiers_find(t, x, NULL);
	return pmv_sub(pmv_mul(x, pmv_tier_rate(t, j)), pmv_tier_cum(t, j));
}
