/*-------------------------------------------------------------------------
 *
 * number_value.c
 *	  Values: a dec while it fits, a numeric after (number.h).
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "utils/fmgrprotos.h"

#include "compat.h"
#include "number.h"

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

/* A numeric as a value, as it is: no try at the fast path. */
static PmVal
num(Numeric n)
{
	PmVal		v;

	v.is_dec = false;
	v.n = n;
	return v;
}

/* pmv_add in numeric: an operand is a numeric, or the dec sum does not fit. */
PmVal
pmv_add_numeric(PmVal a, PmVal b)
{
	return num(pm_add(pmv_to_numeric(a), pmv_to_numeric(b)));
}

/* pmv_sub in numeric. */
PmVal
pmv_sub_numeric(PmVal a, PmVal b)
{
	return num(pm_sub(pmv_to_numeric(a), pmv_to_numeric(b)));
}

/* pmv_mul in numeric (pm_mul: exact, or an error). */
PmVal
pmv_mul_numeric(PmVal a, PmVal b)
{
	return num(pm_mul(pmv_to_numeric(a), pmv_to_numeric(b)));
}

/* pmv_div in numeric: the division rule of pm_div. */
PmVal
pmv_div_numeric(PmVal a, PmVal b)
{
	return num(pm_div(pmv_to_numeric(a), pmv_to_numeric(b)));
}

/* pmv_abs of a numeric value. */
PmVal
pmv_abs_numeric(PmVal a)
{
	return num(pm_abs(a.n));
}

/* pmv_neg of a numeric value. */
PmVal
pmv_neg_numeric(PmVal a)
{
	return num(pm_neg(a.n));
}

/* pmv_cmp when an operand is a numeric. */
int
pmv_cmp_numeric(PmVal a, PmVal b)
{
	return pm_cmp(pmv_to_numeric(a), pmv_to_numeric(b));
}

/* pmv_sign of a numeric value, read from its header. */
int
pmv_sign_numeric(PmVal a)
{
	return pm_numeric_sign(a.n);
}
