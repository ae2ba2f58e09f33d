/*-------------------------------------------------------------------------
 *
 * pm_value.h
 *	  A number that is a fast-path pm_dec while it fits and a numeric when it
 *	  does not, so each formula of the margin engine is written once.
 *
 * Every operation tries the scaled-int128 path first and, if an operand is
 * already numeric or the result would not fit, does the same operation in
 * numeric.  Both give the same value and display scale (core/dec128.h), so
 * where the fallback happens never changes an answer.
 *
 *-------------------------------------------------------------------------
 */
#ifndef PM_VALUE_H
#define PM_VALUE_H

#include "utils/numeric.h"

#include "core/dec128.h"
#include "dec_numeric.h"
#include "tiers.h"

typedef struct PmVal
{
	bool		is_dec;
	pm_dec		d;
	Numeric		n;				/* when !is_dec: detoasted, 4-byte header */
} PmVal;

extern PmVal pmv_numeric_general(Numeric n);
extern PmVal pmv_int_numeric(int64 i);
extern PmVal pmv_copy_in(MemoryContext mcxt, PmVal v);
extern Numeric pmv_to_numeric(PmVal v);
extern Numeric pmv_round_into(PmVal v, int32 scale, void *buf);

/* numeric fallbacks of the operations below */
extern PmVal pmv_add_numeric(PmVal a, PmVal b);
extern PmVal pmv_sub_numeric(PmVal a, PmVal b);
extern PmVal pmv_mul_numeric(PmVal a, PmVal b);
extern PmVal pmv_div_numeric(PmVal a, PmVal b);
extern PmVal pmv_abs_numeric(PmVal a);
extern PmVal pmv_neg_numeric(PmVal a);
extern int	pmv_cmp_numeric(PmVal a, PmVal b);
extern int	pmv_sign_numeric(PmVal a);

static inline PmVal
pmv_dec(pm_dec d)
{
	PmVal		v;

	v.is_dec = true;
	v.d = d;
	v.n = NULL;
	return v;
}

/* An integer as a value (a numeric when the fast path is off). */
static inline PmVal
pmv_int(int64 i)
{
	pm_dec		d;

	if (unlikely(!pm_fast_path))
		return pmv_int_numeric(i);
	d.coef = i;
	d.scale = 0;
	return pmv_dec(d);
}

static inline PmVal
pmv_zero(void)
{
	return pmv_int(0);
}

/*
 * A value from a numeric datum of any header.  Inline for the short format
 * that nearly every stored amount has (pm_dec_from_short_numeric).
 */
static inline PmVal
pmv_numeric(Numeric n)
{
	PmVal		v;

	if (likely(pm_fast_path) && pm_dec_from_short_numeric(n, &v.d))
	{
		v.is_dec = true;
		v.n = NULL;
		return v;
	}
	return pmv_numeric_general(n);
}

/* The operations: fast path inline, numeric out of line. */
static inline PmVal
pmv_add(PmVal a, PmVal b)
{
	pm_dec		r;

	if (likely(a.is_dec && b.is_dec) && pm_dec_add(a.d, b.d, &r))
		return pmv_dec(r);
	return pmv_add_numeric(a, b);
}

static inline PmVal
pmv_sub(PmVal a, PmVal b)
{
	pm_dec		r;

	if (likely(a.is_dec && b.is_dec) && pm_dec_sub(a.d, b.d, &r))
		return pmv_dec(r);
	return pmv_sub_numeric(a, b);
}

static inline PmVal
pmv_mul(PmVal a, PmVal b)
{
	pm_dec		r;

	if (likely(a.is_dec && b.is_dec) && pm_dec_mul(a.d, b.d, &r))
		return pmv_dec(r);
	return pmv_mul_numeric(a, b);
}

/* The engine's one division rule, both ways (pm_div, pm_dec_div). */
static inline PmVal
pmv_div(PmVal a, PmVal b)
{
	pm_dec		r;

	if (likely(a.is_dec && b.is_dec) && pm_dec_div(a.d, b.d, &r))
		return pmv_dec(r);
	return pmv_div_numeric(a, b);
}

static inline PmVal
pmv_abs(PmVal a)
{
	if (likely(a.is_dec))
		return pmv_dec(pm_dec_abs(a.d));
	return pmv_abs_numeric(a);
}

static inline PmVal
pmv_neg(PmVal a)
{
	if (likely(a.is_dec))
		return pmv_dec(pm_dec_neg(a.d));
	return pmv_neg_numeric(a);
}

static inline int
pmv_cmp(PmVal a, PmVal b)
{
	if (likely(a.is_dec && b.is_dec))
		return pm_dec_cmp(a.d, b.d);
	return pmv_cmp_numeric(a, b);
}

static inline int
pmv_sign(PmVal a)
{
	if (likely(a.is_dec))
		return pm_dec_sign(a.d);
	return pmv_sign_numeric(a);
}

extern int	pmv_tiers_find(PmTiers *t, PmVal x, const PmVal *scale);
extern PmVal pmv_tiers_eval(PmTiers *t, PmVal x);
extern PmVal pmv_tier_floor(PmTiers *t, int i);
extern PmVal pmv_tier_rate(PmTiers *t, int i);
extern PmVal pmv_tier_cum(PmTiers *t, int i);

#endif							/* PM_VALUE_H */
