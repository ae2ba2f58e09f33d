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
	CHECK(pm_dec_div(D("123456789", 4), D("20", 0), &r) && eq(r, "617.283945"),
		  "over a leverage of twos and fives: the exact product, zeros trimmed");
	CHECK(pm_dec_div(D("-7", 0), D("128", 0), &r) && eq(r, "-0.0546875"), "over 2^7, negative");
	CHECK(pm_dec_div(D("12345678901234567891", 0), D("8", 0), &r) && eq(r, "1543209862654320986.4"),
		  "an exact quotient longer than 20 digits is rounded as any other");
	CHECK(!pm_dec_div(D("1", 0), D("0", 0), &r), "division by zero is refused");
	CHECK(pm_dec_div(D("1000000000000000000000000000000", 0), D("3", 0), &r) &&
		  eq(r, "333333333333333333333333333333"), "huge quotient keeps all integer digits");
}

/* Products and rescales of every size, against the compiler's own check. */
static void
test_mul_random(void)
{
	int			i,
				bad = 0,
				fitted = 0;

	for (i = 0; i < 200000; i++)
	{
		pm_dec		a = {rnd_coef(1 + (int) (rnd() % 38)), (int) (rnd() % 19)};
		pm_dec		b = {rnd_coef(1 + (int) (rnd() % 38)), (int) (rnd() % 19)};
		int			k = (int) (rnd() % 20);
		pm_i128		want;
		bool		w = !__builtin_mul_overflow(a.coef, b.coef, &want) && want != -PM_I128_MAX - 1;
		pm_dec		got;
		bool		g = pm_dec_mul(a, b, &got);

		if (g != w || (g && (got.coef != want || got.scale != a.scale + b.scale)))
			bad++;
		fitted += g;
		w = !__builtin_mul_overflow(a.coef, (pm_i128) pm_dec_pow10[k], &want) &&
			want != -PM_I128_MAX - 1 && a.scale + k <= PM_DEC_MAX_SCALE;
		g = pm_dec_rescale(a, a.scale + k, &got);
		if (g != w || (g && (got.coef != want || got.scale != a.scale + k)))
			bad++;
	}
	CHECK(bad == 0, "200,000 random products and rescales equal the overflow-checked reference");
	CHECK(fitted > 50000, "many random products fit");
}

/*
 * a / b against the slow reference: the fast path may refuse, and when it
 * answers it must answer right.  Counts a wrong answer in *bad (the first
 * five printed) and returns whether the fast path answered, its result in
 * *got.
 */
static bool
division_checked(pm_dec a, pm_dec b, pm_dec *got, int *bad)
{
	pm_dec		want;
	bool		g = pm_dec_div(a, b, got);
	bool		w = ref_div(a, b, &want);

	if (g && (!w || got->coef != want.coef || got->scale != want.scale) && (*bad)++ < 5)
	{
		char		x[64],
					y[64];

		pm_dec_to_string(a, x, 64);
		pm_dec_to_string(b, y, 64);
		printf("#   %s / %s differs from the reference\n", x, y);
	}
	return g;
}

/*
 * Quotients that end in zeros -- a dividend with zeros of its own over a
 * divisor of twos and fives, as a notional over a leverage -- at every
 * size, so trimming meets every count of zeros on both sides of 2^64.
 */
static void
test_division_zeros(void)
{
	static const int64_t divisors[] = {1, 2, 4, 5, 8, 10, 16, 20, 25, 40, 50, 64, 100, 125, 200, 1000, 3, 7};
	int			i,
				bad = 0,
				trimmed = 0;

	for (i = 0; i < 200000; i++)
	{
		int			z = (int) (rnd() % 20);
		pm_dec		a = {rnd_coef(1 + (int) (rnd() % 19)), (int) (rnd() % 20)};
		pm_dec		b = {divisors[rnd() % (sizeof(divisors) / sizeof(divisors[0]))], (int) (rnd() % 4)};
		pm_dec		got;

		a.coef *= (pm_i128) pm_dec_pow10[z];
		if (division_checked(a, b, &got, &bad))
			trimmed += got.scale < 20;
	}
	CHECK(bad == 0, "200,000 divisions ending in zeros equal the bitwise reference");
	CHECK(trimmed > 100000, "most of them are trimmed");
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
		pm_dec		got;

		if (b.coef == 0)
			continue;
		fitted += division_checked(a, b, &got, &bad);
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

/*
 * Round a decimal string to scale digits, halves away from zero, by hand on
 * its characters: the reference for pm_dec_round.
 */
static void
ref_round(const char *in, int scale, char *out)
{
	char		digits[96];
	int			n = 0,
				frac = -1,
				neg = in[0] == '-',
				keep,
				i;
	const char *c;

	for (c = in + neg; *c; c++)
	{
		if (*c == '.')
			frac = 0;
		else
		{
			digits[n++] = *c;
			if (frac >= 0)
				frac++;
		}
	}
	if (frac < 0)
		frac = 0;
	while (frac < scale)
	{
		digits[n++] = '0';
		frac++;
	}
	keep = n - (frac - scale);
	if (keep < n && digits[keep] >= '5')
	{
		for (i = keep - 1; i >= 0 && digits[i] == '9'; i--)
			digits[i] = '0';
		if (i < 0)
		{
			memmove(digits + 1, digits, keep);
			digits[0] = '1';
			keep++;
		}
		else
			digits[i]++;
	}
	n = 0;
	/* strip leading zeros of the integer part, keep one */
	i = 0;
	while (i < keep - scale - 1 && digits[i] == '0')
		i++;
	if (neg)
	{
		int			j,
					zero = 1;

		for (j = i; j < keep; j++)
			if (digits[j] != '0')
				zero = 0;
		if (!zero)
			out[n++] = '-';
	}
	if (keep - scale <= 0)
		out[n++] = '0';
	for (; i < keep; i++)
	{
		if (i == keep - scale)
			out[n++] = '.';
		out[n++] = digits[i];
	}
	out[n] = '\0';
}

static void
test_round(void)
{
	pm_dec		r;
	int			i,
				bad = 0;

	CHECK(pm_dec_round(D("123456789", 9), 8, &r) && eq(r, "0.12345679"), "0.123456789 rounds up at 8");
	CHECK(pm_dec_round(D("-5", 9), 8, &r) && eq(r, "-0.00000001"), "a negative half rounds away from zero");
	CHECK(pm_dec_round(D("-4", 9), 8, &r) && eq(r, "0.00000000"), "a small negative rounds to zero");
	CHECK(pm_dec_round(D("15", 1), 8, &r) && eq(r, "1.50000000"), "a shorter scale is padded");
	CHECK(!pm_dec_round(D("170141183460469231731687303715884105727", 0), 8, &r),
		  "padding that overflows is refused");
	CHECK(pm_dec_round(D("99999999999999999999999999999999999995", 38), 37, &r) &&
		  eq(r, "1.0000000000000000000000000000000000000"), "a carry through every digit");
	for (i = 0; i < 200000; i++)
	{
		pm_dec		a = {rnd_coef(1 + (int) (rnd() % 38)), (int) (rnd() % 39)};
		int			scale = (int) (rnd() % 20);
		char		x[64],
					got[96],
					want[96];

		if (!pm_dec_round(a, scale, &r))
			continue;
		pm_dec_to_string(a, x, 64);
		ref_round(x, scale, want);
		pm_dec_to_string(r, got, 96);
		if (strcmp(got, want) != 0 || r.scale != scale)
		{
			if (bad++ < 5)
				printf("#   round(%s, %d) gave %s, want %s\n", x, scale, got, want);
		}
	}
	CHECK(bad == 0, "200,000 random roundings equal rounding by hand");
}

int
main(void)
{
	test_basics();
	test_mul_random();
	test_division();
	test_division_random();
	test_division_zeros();
	test_digits();
	test_round();
	return unit_done();
}
