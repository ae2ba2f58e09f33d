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

/* Significant digits every quotient carries (see pm_div in pm_numeric.c). */
#define PM_DEC_DIV_DIGITS	20

extern bool pm_dec_rescale(pm_dec a, int32_t scale, pm_dec *out);
extern bool pm_dec_add(pm_dec a, pm_dec b, pm_dec *out);
extern bool pm_dec_sub(pm_dec a, pm_dec b, pm_dec *out);
extern bool pm_dec_mul(pm_dec a, pm_dec b, pm_dec *out);
extern bool pm_dec_div(pm_dec a, pm_dec b, pm_dec *out);
extern int	pm_dec_cmp(pm_dec a, pm_dec b);
extern int	pm_dec_sign(pm_dec a);
extern pm_dec pm_dec_abs(pm_dec a);
extern pm_dec pm_dec_neg(pm_dec a);
extern int	pm_dec_exponent10(pm_dec a);

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
