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

PmVal
pmv_dec(pm_dec d)
{
	PmVal		v;

	v.is_dec = true;
	v.d = d;
	v.n = NULL;
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
pmv_add(PmVal a, PmVal b)
{
	pm_dec		r;

	if (a.is_dec && b.is_dec && pm_dec_add(a.d, b.d, &r))
		return pmv_dec(r);
	return num(pm_add(pmv_to_numeric(a), pmv_to_numeric(b)));
}

PmVal
pmv_sub(PmVal a, PmVal b)
{
	pm_dec		r;

	if (a.is_dec && b.is_dec && pm_dec_sub(a.d, b.d, &r))
		return pmv_dec(r);
	return num(pm_sub(pmv_to_numeric(a), pmv_to_numeric(b)));
}

PmVal
pmv_mul(PmVal a, PmVal b)
{
	pm_dec		r;

	if (a.is_dec && b.is_dec && pm_dec_mul(a.d, b.d, &r))
		return pmv_dec(r);
	return num(pm_mul(pmv_to_numeric(a), pmv_to_numeric(b)));
}

/* The engine's one division rule, both ways (pm_div, pm_dec_div). */
PmVal
pmv_div(PmVal a, PmVal b)
{
	pm_dec		r;

	if (a.is_dec && b.is_dec && pm_dec_div(a.d, b.d, &r))
		return pmv_dec(r);
	return num(pm_div(pmv_to_numeric(a), pmv_to_numeric(b)));
}

PmVal
pmv_abs(PmVal a)
{
	if (a.is_dec)
		return pmv_dec(pm_dec_abs(a.d));
	return num(pm_abs(a.n));
}

PmVal
pmv_neg(PmVal a)
{
	if (a.is_dec)
		return pmv_dec(pm_dec_neg(a.d));
	return num(pm_neg(a.n));
}

int
pmv_cmp(PmVal a, PmVal b)
{
	if (a.is_dec && b.is_dec)
		return pm_dec_cmp(a.d, b.d);
	return pm_cmp(pmv_to_numeric(a), pmv_to_numeric(b));
}

int
pmv_sign(PmVal a)
{
	return a.is_dec ? pm_dec_sign(a.d) : pm_numeric_sign(a.n);
}

PmVal
pmv_tier_floor(PmTiers *t, int i)
{
	return pmv_numeric(PM_TIERS_FLOOR(t, i));
}

PmVal
pmv_tier_rate(PmTiers *t, int i)
{
	return pmv_numeric(PM_TIERS_RATE(t, i));
}

PmVal
pmv_tier_cum(PmTiers *t, int i)
{
	return pmv_numeric(PM_TIERS_CUM(t, i));
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
