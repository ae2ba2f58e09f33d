/*
 * dec128.h
 *	  Exact decimal arithmetic on scaled 128-bit integers, the fast path of
 *	  the margin engine.
 *
 * A pm_dec is coef * 10^-scale with a signed 128-bit coefficient and a
 * display scale, exactly like a PostgreSQL numeric of that value and dscale.
 * Every operation produces the value and the scale numeric would produce
 * (add/sub: the larger scale; mul: the sum of scales; pm_dec_div: the
 * engine's one rounding rule), or reports that it does not fit, so callers
 * fall back to numeric and get the same answer either way.
 *
 * Pure C (no PostgreSQL headers): unit-tested and fuzzed on its own.
 */
#ifndef PM_DEC128_H
#define PM_DEC128_H

#include <stdbool.h>
#include <stdint.h>

/*
 * 8-byte alignment, as PostgreSQL's own int128: palloc only guarantees
 * MAXALIGN, and the compiler would otherwise use aligned 16-byte moves.
 */
typedef __int128 pm_i128 __attribute__((aligned(8)));
typedef unsigned __int128 pm_u128 __attribute__((aligned(8)));

typedef struct pm_dec
{
	pm_i128		coef;
	int32_t		scale;			/* digits after the point, >= 0 */
} pm_dec;

/* Largest scale we keep in the fast path; larger ones fall back. */
#define PM_DEC_MAX_SCALE	38

/* Significant digits every quotient carries (see pm_div in number_numeric.c). */
#define PM_DEC_DIV_DIGITS	20

/* Largest coefficient magnitude: 2^127 - 1 (so -coef always fits). */
#define PM_I128_MAX ((pm_i128) (((unsigned __int128) 1 << 127) - 1))

/* 10^0 .. 10^38 */
extern const pm_u128 pm_dec_pow10[39];

extern bool pm_dec_div(pm_dec a, pm_dec b, pm_dec *out);
extern int	pm_dec_exponent10(pm_dec a);
extern bool pm_dec_round(pm_dec a, int32_t scale, pm_dec *out);

/*
 * The operations every line of every account runs are inline: called out of
 * line, passing two 32-byte structs cost more than the arithmetic.
 */

/*
 * a * b, where b fits 64 bits (and is not INT64_MIN), in two 64-by-64-bit
 * multiplications: false when the product leaves PM_I128_MAX.  Much
 * cheaper than the compiler's generic 128-bit overflow check (a libgcc
 * call), and amounts times prices, rates or powers of ten are this case.
 */
static inline bool
pm_mul_i128_i64(pm_i128 a, int64_t b, pm_i128 *out)
{
	pm_u128		ua = a < 0 ? (pm_u128) 0 - (pm_u128) a : (pm_u128) a;
	uint64_t	ub = b < 0 ? (uint64_t) 0 - (uint64_t) b : (uint64_t) b;
	pm_u128		lo = (pm_u128) (uint64_t) ua * ub;
	pm_u128		hi = (pm_u128) (uint64_t) (ua >> 64) * ub;
	pm_u128		r;

	if ((hi >> 63) != 0)
		return false;
	r = lo + (hi << 64);
	if (r < lo || r > (pm_u128) PM_I128_MAX)
		return false;
	*out = ((a < 0) != (b < 0)) ? -(pm_i128) r : (pm_i128) r;
	return true;
}

/* a at a larger (or equal) scale, exactly. */
static inline bool
pm_dec_rescale(pm_dec a, int32_t scale, pm_dec *out)
{
	pm_i128		c;
	int			k = scale - a.scale;

	if (k == 0)
	{
		*out = a;
		return true;
	}
	if (k < 0 || scale > PM_DEC_MAX_SCALE)
		return false;
	/* both factors in 64 bits: the product always fits in 127 */
	if (a.coef >= INT64_MIN + 1 && a.coef <= INT64_MAX && k <= 19)
		c = (pm_i128) (int64_t) a.coef * (pm_i128) (uint64_t) pm_dec_pow10[k];
	else if (k <= 18)
	{
		if (!pm_mul_i128_i64(a.coef, (int64_t) pm_dec_pow10[k], &c))
			return false;
	}
	else if (__builtin_mul_overflow(a.coef, (pm_i128) pm_dec_pow10[k], &c) ||
			 c == -PM_I128_MAX - 1)
		return false;
	out->coef = c;
	out->scale = scale;
	return true;
}

/* a + b at the larger scale, as numeric adds; false when it does not fit. */
static inline bool
pm_dec_add(pm_dec a, pm_dec b, pm_dec *out)
{
	int32_t		s = a.scale > b.scale ? a.scale : b.scale;
	pm_i128		c;

	if (!pm_dec_rescale(a, s, &a) || !pm_dec_rescale(b, s, &b))
		return false;
	if (__builtin_add_overflow(a.coef, b.coef, &c) || c == -PM_I128_MAX - 1)
		return false;
	out->coef = c;
	out->scale = s;
	return true;
}

/* -a; it always fits (|coef| <= PM_I128_MAX). */
static inline pm_dec
pm_dec_neg(pm_dec a)
{
	a.coef = -a.coef;
	return a;
}

/* a - b, as pm_dec_add. */
static inline bool
pm_dec_sub(pm_dec a, pm_dec b, pm_dec *out)
{
	return pm_dec_add(a, pm_dec_neg(b), out);
}

/* a * b at the sum of the scales, as numeric does; false when it does not fit. */
static inline bool
pm_dec_mul(pm_dec a, pm_dec b, pm_dec *out)
{
	pm_i128		c;

	if (a.scale + b.scale > PM_DEC_MAX_SCALE)
		return false;
	/* both in 64 bits (not INT64_MIN): the product always fits in 127 */
	if (a.coef > INT64_MIN && a.coef <= INT64_MAX && b.coef > INT64_MIN && b.coef <= INT64_MAX)
		c = (pm_i128) (int64_t) a.coef * (int64_t) b.coef;
	else if (b.coef > INT64_MIN && b.coef <= INT64_MAX)
	{
		if (!pm_mul_i128_i64(a.coef, (int64_t) b.coef, &c))
			return false;
	}
	else if (a.coef > INT64_MIN && a.coef <= INT64_MAX)
	{
		if (!pm_mul_i128_i64(b.coef, (int64_t) a.coef, &c))
			return false;
	}
	else if (__builtin_mul_overflow(a.coef, b.coef, &c) || c == -PM_I128_MAX - 1)
		return false;
	out->coef = c;
	out->scale = a.scale + b.scale;
	return true;
}

/* -1, 0 or 1: the sign of a. */
static inline int
pm_dec_sign(pm_dec a)
{
	return (a.coef > 0) - (a.coef < 0);
}

/* |a|. */
static inline pm_dec
pm_dec_abs(pm_dec a)
{
	if (a.coef < 0)
		a.coef = -a.coef;
	return a;
}

/*
 * Compare by value.  When one side cannot be brought to the other's scale,
 * its magnitude is the larger one, so its sign decides.
 */
static inline int
pm_dec_cmp(pm_dec a, pm_dec b)
{
	int32_t		s = a.scale > b.scale ? a.scale : b.scale;
	pm_dec		x,
				y;
	bool		okx = pm_dec_rescale(a, s, &x);
	bool		oky = pm_dec_rescale(b, s, &y);

	if (okx && oky)
		return (x.coef > y.coef) - (x.coef < y.coef);
	if (!okx)
		return pm_dec_sign(a);
	return -pm_dec_sign(b);
}

/* Base-10000 digits, as numeric stores them. */
typedef struct pm_dec_digits
{
	int			sign;			/* -1, 0, 1 */
	int			weight;			/* weight of digits[0] */
	int			dscale;
	int			ndigits;		/* 0 for zero; no leading/trailing zero digits */
	int16_t		digits[12];		/* enough for 38 decimal digits + alignment */
} pm_dec_digits;

extern bool pm_dec_from_digits(int sign, int weight, int dscale, int ndigits,
							   const int16_t *digits, pm_dec *out);
extern void pm_dec_to_digits(pm_dec a, pm_dec_digits *out);
extern int	pm_dec_to_string(pm_dec a, char *buf, int buflen);

#endif							/* PM_DEC128_H */
