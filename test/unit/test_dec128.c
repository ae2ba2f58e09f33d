/*
 * test_dec128.c
 *	  Unit tests of the scaled-int128 decimal core (src/core/dec128.c).
 *
 * Division is checked against an independent reference: plain binary long
 * division over 256 bits, one bit at a time, applying the same rounding rule.
 */
#include <stdlib.h>
#include <string.h>

#include "core/dec128.h"
#include "dec_ref.h"
#include "unit.h"

static pm_dec
D(const char *coef, int scale)
{
	pm_dec		d;
	pm_i128		c = 0;
	int			neg = *coef == '-';

	for (coef += neg; *coef; coef++)
		c = c * 10 + (*coef - '0');
	d.coef = neg ? -c : c;
	d.scale = scale;
	return d;
}

static int
eq(pm_dec a, const char *text)
{
	char		buf[64];

	pm_dec_to_string(a, buf, sizeof(buf));
	if (strcmp(buf, text) != 0)
		printf("#   got %s, want %s\n", buf, text);
	return strcmp(buf, text) == 0;
}

/* xorshift128+ for reproducible random values */
static uint64_t s0 = 0x9E3779B97F4A7C15ULL, s1 = 0xD1B54A32D192ED03ULL;
static uint64_t
rnd(void)
{
	uint64_t	x = s0,
				y = s1;

	s0 = y;
	x ^= x << 23;
	s1 = x ^ y ^ (x >> 17) ^ (y >> 26);
	return s1 + y;
}

/* a random coefficient with up to `digits` decimal digits */
static pm_i128
rnd_coef(int digits)
{
	pm_u128		c = 0;
	int			n = 1 + (int) (rnd() % digits),
				i;

	for (i = 0; i < n; i++)
		c = c * 10 + rnd() % 10;
	return (rnd() & 1) ? -(pm_i128) c : (pm_i128) c;
}

static void
test_basics(void)
{
	pm_dec		r;

	CHECK(pm_dec_add(D("150", 2), D("25", 1), &r) && eq(r, "4.00"), "add aligns scales: 1.50 + 2.5 = 4.00");
	CHECK(pm_dec_sub(D("1", 0), D("125", 3), &r) && eq(r, "0.875"), "sub: 1 - 0.125");
	CHECK(pm_dec_mul(D("-5", 2), D("52000", 0), &r) && eq(r, "-2600.00"), "mul adds scales: -0.05 * 52000");
	CHECK(pm_dec_cmp(D("1500", 3), D("15", 1)) == 0, "cmp ignores scale: 1.500 = 1.5");
	CHECK(pm_dec_cmp(D("-1", 0), D("1", 38)) < 0, "cmp with a side that cannot be rescaled");
	CHECK(pm_dec_cmp(D("170141183460469231731687303715884105727", 0), D("1", 30)) > 0,
		  "cmp: huge positive vs tiny");
	CHECK(pm_dec_exponent10(D("12345", 2)) == 2 && pm_dec_exponent10(D("5", 3)) == -3,
		  "exponent10 of 123.45 and 0.005");
	CHECK(!pm_dec_mul(D("100000000000000000000", 0), D("100000000000000000000", 0), &r),
		  "mul overflow is reported");
	CHECK(!pm_dec_add(D("170141183460469231731687303715884105727", 0), D("1", 0), &r),
		  "add overflow is reported");
	CHECK(!pm_dec_rescale(D("1", 0), 39, &r), "scale beyond 38 is refused");
}

static void
test_division(void)
{
	pm_dec		r;

	CHECK(pm_dec_div(D("40", 0), D("21", 0), &r) && eq(r, "1.9047619047619047619"), "40/21 to 20 digits");
	CHECK(pm_dec_div(D("2", 0), D("3", 0), &r) && eq(r, "0.66666666666666666667"), "2/3 rounds up");
	CHECK(pm_dec_div(D("-2", 0), D("3", 0), &r) && eq(r, "-0.66666666666666666667"), "-2/3 away from zero");
	CHECK(pm_dec_div(D("200000000000000000001", 20), D("2", 0), &r) && eq(r, "1.00000000000000000001"),
		  "exact tie rounds away from zero");
	CHECK(pm_dec_div(D("-100000000", 0), D("2000000000", 0), &r) && eq(r, "-0.05"), "trailing zeros trimmed");
	CHECK(pm_dec_div(D("0", 5), D("7", 0), &r) && eq(r, "0"), "zero dividend gives 0 at scale 0");
	CHECK(!pm_dec_div(D("1", 0), D("0", 0), &r), "division by zero is refused");
	CHECK(pm_dec_div(D("1000000000000000000000000000000", 0), D("3", 0), &r) &&
		  eq(r, "333333333333333333333333333333"), "huge quotient keeps all integer digits");
}

/* Random operands of every size, against the slow reference. */
static void
test_division_random(void)
{
	int			i,
				bad = 0,
				fitted = 0;

	for (i = 0; i < 200000; i++)
	{
		pm_dec		a = {rnd_coef(38), (int) (rnd() % 20)};
		pm_dec		b = {rnd_coef(1 + (int) (rnd() % 38)), (int) (rnd() % 20)};
		pm_dec		got,
					want;
		bool		g,
					w;

		if (b.coef == 0)
			continue;
		g = pm_dec_div(a, b, &got);
		w = ref_div(a, b, &want);
		/* the fast path may refuse; when it answers, it answers right */
		if (g && (!w || got.coef != want.coef || got.scale != want.scale))
		{
			if (bad++ < 5)
			{
				char		x[64],
							y[64];

				pm_dec_to_string(a, x, 64);
				pm_dec_to_string(b, y, 64);
				printf("#   %s / %s differs from the reference\n", x, y);
			}
		}
		fitted += g;
	}
	CHECK(bad == 0, "200,000 random divisions equal the bitwise reference");
	CHECK(fitted > 150000, "the fast path answers most divisions");
}

/* Digits round trip, and the canonical form numeric stores. */
static void
test_digits(void)
{
	pm_dec_digits d;
	pm_dec		r;
	int			i,
				bad = 0;

	pm_dec_to_digits(D("12345", 2), &d);
	CHECK(d.sign == 1 && d.weight == 0 && d.ndigits == 2 && d.digits[0] == 123 &&
		  d.digits[1] == 4500 && d.dscale == 2, "123.45 is [123, 4500] at weight 0");
	pm_dec_to_digits(D("-100000000", 0), &d);
	CHECK(d.sign == -1 && d.weight == 2 && d.ndigits == 1 && d.digits[0] == 1,
		  "-100000000 is [1] at weight 2 (trailing zero digits stripped)");
	pm_dec_to_digits(D("5", 3), &d);
	CHECK(d.weight == -1 && d.ndigits == 1 && d.digits[0] == 50 && d.dscale == 3,
		  "0.005 is [50] at weight -1");
	pm_dec_to_digits(D("0", 4), &d);
	CHECK(d.sign == 0 && d.ndigits == 0 && d.dscale == 4, "zero keeps its scale and has no digits");
	{
		int16_t		big[] = {1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0};

		CHECK(!pm_dec_from_digits(1, 10, 0, 11, big, &r), "10000^10 does not fit");
	}
	{
		int16_t		bad_digit[] = {10000};

		CHECK(!pm_dec_from_digits(1, 0, 0, 1, bad_digit, &r), "a digit of 10000 is refused");
	}
	for (i = 0; i < 100000; i++)
	{
		pm_dec		a = {rnd_coef(38), (int) (rnd() % 39)};

		pm_dec_to_digits(a, &d);
		if (!pm_dec_from_digits(d.sign, d.weight, d.dscale, d.ndigits, d.digits, &r) ||
			r.coef != a.coef || r.scale != a.scale ||
			(d.ndigits > 0 && (d.digits[0] == 0 || d.digits[d.ndigits - 1] == 0)))
			bad++;
	}
	CHECK(bad == 0, "100,000 random values round trip through canonical digits");
}

int
main(void)
{
	test_basics();
	test_division();
	test_division_random();
	test_digits();
	return unit_done();
}
