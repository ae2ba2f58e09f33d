/*-------------------------------------------------------------------------
 *
 * pm_value.c
 *	  Fast-path-or-numeric values (see pm_value.h).
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "compat.h"
#include "dec_numeric.h"
#include "numeric_raw.h"
#include "pm_numeric.h"
#include "pm_value.h"

/* A value from a numeric datum of any header. */
PmVal
pmv_numeric(Numeric n)
{
	PmVal		v;

	if (pm_dec_from_numeric(n, &v.d))
	{
		v.is_dec = true;
		v.n = NULL;
	}
	else
	{
		v.is_dec = false;
		v.n = DatumGetNumeric(PointerGetDatum(n));
	}
	return v;
}

/* v kept in mcxt: a numeric is copied there, a fast-path value needs nothing. */
PmVal
pmv_copy_in(MemoryContext mcxt, PmVal v)
{
	if (!v.is_dec)
	{
		MemoryContext old = MemoryContextSwitchTo(mcxt);

		v.n = pm_numeric_copy_plain(v.n);
		MemoryContextSwitchTo(old);
	}
	return v;
}

PmVal
pmv_int(int64 i)
{
	pm_dec		d;

	d.coef = i;
	d.scale = 0;
	if (pm_fast_path)
		return pmv_dec(d);
	{
		PmVal		v;

		v.is_dec = false;
		v.n = pm_dec_to_numeric(d);
		return v;
	}
}

PmVal
pmv_zero(void)
{
	return pmv_int(0);
}

/* The value as a numeric; fast-path values are built anew (palloc). */
Numeric
pmv_to_numeric(PmVal v)
{
	return v.is_dec ? pm_dec_to_numeric(v.d) : v.n;
}

static PmVal
num(Numeric n)
{
	PmVal		v;

	v.is_dec = false;
	v.n = n;
	return v;
}

PmVal
pmv_add_numeric(PmVal a, PmVal b)
{
	return num(pm_add(pmv_to_numeric(a), pmv_to_numeric(b)));
}

PmVal
pmv_sub_numeric(PmVal a, PmVal b)
{
	return num(pm_sub(pmv_to_numeric(a), pmv_to_numeric(b)));
}

PmVal
pmv_mul_numeric(PmVal a, PmVal b)
{
	return num(pm_mul(pmv_to_numeric(a), pmv_to_numeric(b)));
}

PmVal
pmv_div_numeric(PmVal a, PmVal b)
{
	return num(pm_div(pmv_to_numeric(a), pmv_to_numeric(b)));
}

PmVal
pmv_abs_numeric(PmVal a)
{
	return num(pm_abs(a.n));
}

PmVal
pmv_neg_numeric(PmVal a)
{
	return num(pm_neg(a.n));
}

int
pmv_cmp_numeric(PmVal a, PmVal b)
{
	return pm_cmp(pmv_to_numeric(a), pmv_to_numeric(b));
}

int
pmv_sign_numeric(PmVal a)
{
	return pm_numeric_sign(a.n);
}

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

PmVal
pmv_tier_floor(PmTiers *t, int i)
{
	return tier_part(t, 3 * i);
}

PmVal
pmv_tier_rate(PmTiers *t, int i)
{
	return tier_part(t, 3 * i + 1);
}

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

/* The marginal sum of t at x >= 0: x * rate_j - cum_j. */
PmVal
pmv_tiers_eval(PmTiers *t, PmVal x)
{
	int			j = pmv_tiers_find(t, x, NULL);

	return pmv_sub(pmv_mul(x, pmv_tier_rate(t, j)), pmv_tier_cum(t, j));
}
