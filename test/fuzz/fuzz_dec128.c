/*
 * fuzz_dec128.c
 *	  Fuzz target: the scaled-int128 decimal core (src/core/dec128.c).
 *
 * The input is read as two numbers in numeric's base-10000 digit form
 * (arbitrary, possibly invalid) and an operation.  Checks: digits that are
 * accepted round-trip exactly through the canonical form; add, sub and mul
 * agree with each other (a + b - b == a, a * b == b * a); division agrees
 * with a bit-by-bit reference of the same rounding rule whenever the fast
 * path answers.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/dec128.h"
#include "dec_ref.h"

/* One number from the input: sign, weight, dscale, up to 12 digits. */
static int
take_number(const uint8_t **p, size_t *n, pm_dec *out)
{
	int16_t		digits[12];
	int			sign,
				weight,
				dscale,
				nd,
				i;
	pm_dec_digits back;
	pm_dec		again;

	if (*n < 4)
		return 0;
	sign = ((*p)[0] & 1) ? -1 : 1;
	weight = (int8_t) (*p)[1];
	dscale = (*p)[2] % 48;
	nd = (*p)[3] % 13;
	*p += 4;
	*n -= 4;
	if (*n < (size_t) nd * 2)
		return 0;
	for (i = 0; i < nd; i++)
	{
		digits[i] = (int16_t) (((*p)[0] | ((*p)[1] << 8)) % 10050);	/* some invalid */
		*p += 2;
		*n -= 2;
	}
	if (!pm_dec_from_digits(sign, weight, dscale, nd, digits, out))
		return 0;
	/* accepted: the canonical form reads back to the same value and scale */
	pm_dec_to_digits(*out, &back);
	if (!pm_dec_from_digits(back.sign, back.weight, back.dscale, back.ndigits, back.digits, &again) ||
		again.coef != out->coef || again.scale != out->scale)
		abort();
	if (back.ndigits > 0 && (back.digits[0] == 0 || back.digits[back.ndigits - 1] == 0))
		abort();
	return 1;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *p = data;
	size_t		n = size;
	pm_dec		a,
				b,
				r,
				s,
				want;
	char		text[64];

	if (!take_number(&p, &n, &a) || !take_number(&p, &n, &b))
		return 0;
	if (pm_dec_to_string(a, text, sizeof(text)) < 0)
		abort();
	if (pm_dec_add(a, b, &r))
	{
		if (!pm_dec_sub(r, b, &s) || pm_dec_cmp(s, a) != 0)
			abort();
		if (!pm_dec_add(b, a, &s) || s.coef != r.coef || s.scale != r.scale)
			abort();
	}
	if (pm_dec_mul(a, b, &r))
	{
		if (!pm_dec_mul(b, a, &s) || s.coef != r.coef || s.scale != r.scale)
			abort();
	}
	if (b.coef != 0 && pm_dec_div(a, b, &r))
	{
		if (!ref_div(a, b, &want) || want.coef != r.coef || want.scale != r.scale)
			abort();
	}
	(void) pm_dec_cmp(a, b);
	return 0;
}
