/*-------------------------------------------------------------------------
 *
 * number.h
 *	  The number layer: every number the engine computes with, and which
 *	  representation is used when.
 *
 * numeric   PostgreSQL's numeric.  Every input and every output is one, and
 *           it is the fallback for everything below: exact sums and
 *           products, and quotients by the one division rule (at least
 *           PM_DIV_SIG_DIGITS significant digits, half away from zero;
 *           docs/spec.md section 4).  number_numeric.c.
 *
 * dec       pm_dec, a 128-bit coefficient and a decimal scale
 *           (core/dec128.h, pure C, unit-tested and fuzzed): the fast path.
 *           Each operation gives the value and display scale numeric would
 *           give, or says it cannot (overflow, scale too large), and the
 *           caller falls back to numeric.  number_dec.c converts between
 *           decs and numerics, reading a stored numeric in place (its
 *           header: the section "A stored numeric's header" below), and
 *           holds the setting portfolio_margin.fast_path (off: numeric
 *           only, for tests that both paths agree).
 *
 * value     PmVal: a dec while it fits, a numeric after.  Every formula of
 *           the engine is written once, over values (line_math.c,
 *           ledger_complete.c); the operations below try the dec first.
 *           number_value.c.
 *
 * sum       PmSum: an exact running sum that stays a dec while it can and
 *           becomes a numeric for good when it cannot; unset until the
 *           first addition.  What accumulators keep per asset.
 *           number_sum.c.
 *
 * Where the fallback happens never changes an answer: both paths give the
 * same digits and the same display scale.
 *
 *-------------------------------------------------------------------------
 */
#ifndef PM_NUMBER_H
#define PM_NUMBER_H

#include "lib/stringinfo.h"
#include "utils/memutils.h"
#include "utils/numeric.h"

#include "compat.h"
#include "core/dec128.h"

/* --------------------------------------------------------------------
 * numeric: PostgreSQL's numbers and the division rule
 * --------------------------------------------------------------------
 */

/*
 * Every quotient we compute carries at least this many significant digits
 * (docs/spec.md §4 asks for at least 20), rounded half away from zero, with
 * trailing zeros removed.
 */
#define PM_DIV_SIG_DIGITS	20

/*
 * The most digits an amount in the extension's tables has before, and
 * after, the decimal point (pm.in_range): enough for any asset's units and
 * prices, and far inside what exact products and quotients of two amounts
 * need of numeric.
 */
#define PM_AMOUNT_DIGITS	40

extern Numeric pm_add(Numeric a, Numeric b);
extern Numeric pm_sub(Numeric a, Numeric b);
extern Numeric pm_mul(Numeric a, Numeric b);
extern Numeric pm_div(Numeric a, Numeric b);
extern Numeric pm_abs(Numeric a);
extern Numeric pm_neg(Numeric a);
extern Numeric pm_trim_scale(Numeric a);
extern int	pm_cmp(Numeric a, Numeric b);
extern int	pm_sign(Numeric a);
extern Numeric pm_zero(void);
extern Numeric pm_const_zero(void);
extern Numeric pm_numeric_in(const char *str);
extern char *pm_numeric_out(Numeric a);
extern Numeric pm_numeric_copy_plain(Numeric a);
struct JsonbValue;
extern Numeric pm_numeric_from_json(const struct JsonbValue *v);

extern void pm_send_numeric(StringInfo buf, Numeric n);
extern Numeric pm_recv_numeric(StringInfo buf, const char *type_name, const char *what);

extern void pm_check_finite(Numeric a, const char *what);
extern void pm_check_positive(Numeric a, const char *what);

/* --------------------------------------------------------------------
 * A stored numeric's header, read without converting it
 * --------------------------------------------------------------------
 */

#define PM_NUMERIC_SIGN_MASK	0xC000
#define PM_NUMERIC_NEG			0x4000
#define PM_NUMERIC_SHORT		0x8000
#define PM_NUMERIC_SPECIAL		0xC000
#define PM_NUMERIC_SHORT_SIGN_MASK			0x2000
#define PM_NUMERIC_SHORT_WEIGHT_SIGN_MASK	0x0040
#define PM_NUMERIC_SHORT_WEIGHT_MASK		0x003F
#define PM_NUMERIC_SHORT_DSCALE_MASK		0x1F80
#define PM_NUMERIC_SHORT_DSCALE_SHIFT		7
#define PM_NUMERIC_DSCALE_MASK				0x3FFF
#define PM_NUMERIC_DEC_DIGITS	4

/* First 16-bit word after the varlena header. */
static inline uint16
pm_numeric_header(Numeric num)
{
	return *(uint16 *) VARDATA(num);
}

/* NaN, +Infinity or -Infinity (on PostgreSQL 13, only NaN exists). */
static inline bool
pm_numeric_is_special(Numeric num)
{
	return (pm_numeric_header(num) & PM_NUMERIC_SIGN_MASK) == PM_NUMERIC_SPECIAL;
}

/* Display scale (digits after the decimal point) of a finite value. */
static inline int
pm_numeric_dscale(Numeric num)
{
	uint16		h = pm_numeric_header(num);

	if ((h & PM_NUMERIC_SIGN_MASK) == PM_NUMERIC_SHORT)
		return (h & PM_NUMERIC_SHORT_DSCALE_MASK) >> PM_NUMERIC_SHORT_DSCALE_SHIFT;
	return h & PM_NUMERIC_DSCALE_MASK;
}

/* Number of base-10000 digits; 0 means the value is zero. */
static inline int
pm_numeric_ndigits(Numeric num)
{
	uint16		h = pm_numeric_header(num);
	int			hdr = sizeof(uint16) + ((h & PM_NUMERIC_SHORT) ? 0 : sizeof(int16));

	return (VARSIZE(num) - VARHDRSZ - hdr) / sizeof(int16);
}

/* -1, 0 or 1 for a finite value. */
static inline int
pm_numeric_sign(Numeric num)
{
	uint16		h = pm_numeric_header(num);

	Assert(!pm_numeric_is_special(num));
	if (pm_numeric_ndigits(num) == 0)
		return 0;
	if ((h & PM_NUMERIC_SIGN_MASK) == PM_NUMERIC_SHORT)
		return (h & PM_NUMERIC_SHORT_SIGN_MASK) ? -1 : 1;
	return (h & PM_NUMERIC_SIGN_MASK) == PM_NUMERIC_NEG ? -1 : 1;
}

/*
 * Decimal exponent of the leading digit of a finite non-zero value:
 * 0 for 1..9, 2 for 123.4, -3 for 0.005.
 */
static inline int
pm_numeric_exponent10(Numeric num)
{
	uint16		h = pm_numeric_header(num);
	const char *p = VARDATA(num) + sizeof(uint16);
	int			weight;
	int16		first;
	int			extra;

	Assert(pm_numeric_ndigits(num) > 0 && !pm_numeric_is_special(num));
	if ((h & PM_NUMERIC_SIGN_MASK) == PM_NUMERIC_SHORT)
	{
		weight = (h & PM_NUMERIC_SHORT_WEIGHT_MASK);
		if (h & PM_NUMERIC_SHORT_WEIGHT_SIGN_MASK)
			weight |= ~PM_NUMERIC_SHORT_WEIGHT_MASK;
	}
	else
	{
		int16		w;

		memcpy(&w, p, sizeof(int16));
		weight = w;
		p += sizeof(int16);
	}
	memcpy(&first, p, sizeof(int16));
	extra = first >= 1000 ? 3 : first >= 100 ? 2 : first >= 10 ? 1 : 0;
	return weight * PM_NUMERIC_DEC_DIGITS + extra;
}

/* --------------------------------------------------------------------
 * decs and numerics
 * --------------------------------------------------------------------
 */

extern bool pm_fast_path;

extern bool pm_dec_from_numeric(Numeric num, pm_dec *out);

/*
 * The common case of pm_dec_from_digits_of, inline: a numeric in the short
 * format (what numeric stores for every value with dscale <= 63 and a small
 * weight) of at most four base-10000 digits, under any varlena header that
 * is not compressed or external.  Four digits fit 64 bits, and the scale
 * adjustment is one multiplication or an exact division by 10, 100 or
 * 1000.  Returns false for anything else, which the general reader then
 * takes -- same value, same scale, so only the speed differs.
 */
static inline bool
pm_dec_from_short_numeric(Numeric num, pm_dec *out)
{
	const char *data;
	int			len;
	uint16		h,
				d;
	uint64		value = 0;
	int			nd,
				dscale,
				weight,
				t,
				i;

	if (VARATT_IS_1B(num))
	{
		if (VARATT_IS_1B_E(num))
			return false;
		data = VARDATA_1B(num);
		len = VARSIZE_1B(num) - VARHDRSZ_SHORT;
	}
	else
	{
		if (!VARATT_IS_4B_U(num))
			return false;
		data = VARDATA_4B(num);
		len = VARSIZE_4B(num) - VARHDRSZ;
	}
	if (len < (int) sizeof(uint16))
		return false;
	memcpy(&h, data, sizeof(uint16));
	if ((h & PM_NUMERIC_SIGN_MASK) != PM_NUMERIC_SHORT)
		return false;
	nd = (len - (int) sizeof(uint16)) / (int) sizeof(uint16);
	if (nd > 4)
		return false;
	dscale = (h & PM_NUMERIC_SHORT_DSCALE_MASK) >> PM_NUMERIC_SHORT_DSCALE_SHIFT;
	if (dscale > PM_DEC_MAX_SCALE)
		return false;
	weight = h & PM_NUMERIC_SHORT_WEIGHT_MASK;
	if (h & PM_NUMERIC_SHORT_WEIGHT_SIGN_MASK)
		weight |= ~PM_NUMERIC_SHORT_WEIGHT_MASK;
	for (i = 0; i < nd; i++)
	{
		memcpy(&d, data + sizeof(uint16) * (i + 1), sizeof(uint16));
		if (d > 9999)
			return false;
		value = value * 10000 + d;
	}
	/* value * 10^(4 * (weight - nd + 1)) is the number; coef = it * 10^dscale */
	t = nd > 0 ? 4 * (weight - nd + 1) + dscale : 0;
	if (t >= 0)
	{
		pm_u128		c;

		if (t > 19)
			return false;
		c = (pm_u128) value * (uint64) pm_dec_pow10[t];	/* 10^19 fits 64 bits */
		out->coef = (h & PM_NUMERIC_SHORT_SIGN_MASK) ? -(pm_i128) c : (pm_i128) c;
	}
	else
	{
		/* numeric keeps only zeros beyond dscale, in its last digit */
		uint64		q;

		switch (t)
		{
			case -1:
				q = value / 10;
				break;
			case -2:
				q = value / 100;
				break;
			case -3:
				q = value / 1000;
				break;
			default:
				return false;
		}
		if (q * (uint64) pm_dec_pow10[-t] != value)
			return false;
		out->coef = (h & PM_NUMERIC_SHORT_SIGN_MASK) ? -(pm_i128) q : (pm_i128) q;
	}
	out->scale = dscale;
	return true;
}
extern bool pm_dec_from_digits_of(Numeric num, pm_dec *out);
extern Numeric pm_dec_to_numeric(pm_dec d);

/* Bytes of the largest numeric pm_dec_to_numeric_into writes. */
#define PM_DEC_NUMERIC_MAX	(VARHDRSZ + 2 * sizeof(uint16) + 12 * sizeof(int16))
extern Numeric pm_dec_to_numeric_into(pm_dec d, void *buf);
extern void pm_define_gucs(void);

/* --------------------------------------------------------------------
 * values
 * --------------------------------------------------------------------
 */

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

/* A dec as a value. */
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

/* Zero as a value (scale 0). */
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

/* a - b. */
static inline PmVal
pmv_sub(PmVal a, PmVal b)
{
	pm_dec		r;

	if (likely(a.is_dec && b.is_dec) && pm_dec_sub(a.d, b.d, &r))
		return pmv_dec(r);
	return pmv_sub_numeric(a, b);
}

/* a * b, exactly. */
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

/* |a|. */
static inline PmVal
pmv_abs(PmVal a)
{
	if (likely(a.is_dec))
		return pmv_dec(pm_dec_abs(a.d));
	return pmv_abs_numeric(a);
}

/* -a. */
static inline PmVal
pmv_neg(PmVal a)
{
	if (likely(a.is_dec))
		return pmv_dec(pm_dec_neg(a.d));
	return pmv_neg_numeric(a);
}

/* -1, 0 or 1 as a is below, equal to or above b, by value. */
static inline int
pmv_cmp(PmVal a, PmVal b)
{
	if (likely(a.is_dec && b.is_dec))
		return pm_dec_cmp(a.d, b.d);
	return pmv_cmp_numeric(a, b);
}

/* -1, 0 or 1: the sign of a. */
static inline int
pmv_sign(PmVal a)
{
	if (likely(a.is_dec))
		return pm_dec_sign(a.d);
	return pmv_sign_numeric(a);
}

/* --------------------------------------------------------------------
 * sums
 * --------------------------------------------------------------------
 */

/*
 * An exact sum that stays in the fast path while it can and moves to
 * numeric, for good, when it cannot.  Unset means no value was added yet.
 */
typedef struct PmSum
{
	bool		is_set;
	bool		is_numeric;
	pm_dec		dec;
	Numeric		num;			/* when is_numeric; in the owner's context */
} PmSum;

extern void pm_sum_add(MemoryContext mcxt, PmSum *acc, Numeric x);
extern void pm_sum_add_dec(MemoryContext mcxt, PmSum *acc, pm_dec x);
extern void pm_sum_add_val(MemoryContext mcxt, PmSum *acc, const PmVal *x);
extern void pm_sum_combine(MemoryContext mcxt, PmSum *acc, const PmSum *other);
extern Numeric pm_sum_value(const PmSum *acc);

#endif							/* PM_NUMBER_H */
