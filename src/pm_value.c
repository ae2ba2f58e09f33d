/*-------------------------------------------------------------------------
 *
 * pm_value.c
 *	  Fast-path-or-numeric values (see pm_value.h).
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "utils/fmgrprotos.h"

#include "compat.h"
#include "dec_numeric.h"
#include "numeric_raw.h"
#include "pm_numeric.h"
#include "pm_value.h"

/* pmv_numeric's general case: any form, fast path when it fits. */
PmVal
pmv_numeric_general(Numeric n)
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

/* pmv_int's case without the fast path: the numeric of i. */
PmVal
pmv_int_numeric(int64 i)
{
	pm_dec		d;
	PmVal		v;

	d.coef = i;
	d.scale = 0;
	v.is_dec = false;
	v.n = pm_dec_to_numeric(d);
	return v;
}

/* The value as a numeric; fast-path values are built anew (palloc). */
Numeric
pmv_to_numeric(PmVal v)
{
	return v.is_dec ? pm_dec_to_numeric(v.d) : v.n;
}

/*
 * v rounded to scale digits as numeric's round(v, scale) gives it, display
 * scale included: in the fast path when it fits (written into buf, which
 * holds PM_DEC_NUMERIC_MAX bytes), else by numeric_round (palloc'd).
 */
Numeric
pmv_round_into(PmVal v, int32 scale, void *buf)
{
	pm_dec		r;

	if (v.is_dec && pm_dec_round(v.d, scale, &r))
		return pm_dec_to_numeric_into(r, buf);
	return DatumGetNumeric(DirectFunctionCall2(numeric_round,
											   NumericGetDatum(pmv_to_numeric(v)),
											   Int32GetDatum(scale)));
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

	/* most amounts lie in the first tier: one comparison settles them */
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
