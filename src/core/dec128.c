/*
 * dec128.c
 *	  Exact decimal arithmetic on scaled 128-bit integers (see dec128.h).
 *
 * Overflow is never silent: every operation that could leave 128 bits
 * returns false, and the caller redoes the step in numeric.  Coefficients
 * never take the value -2^127, so negation and absolute value are safe.
 * Division needs up to 256-bit intermediates; it uses Knuth's algorithm D on
 * 64-bit limbs (as in Hacker's Delight, divmnu), exact to the last bit.
 */
#include "dec128.h"

#include <string.h>

#define U64(x)	((uint64_t) (x))
#define pow10_table pm_dec_pow10

const pm_u128 pm_dec_pow10[39] = {
	(pm_u128) 1ULL,
	(pm_u128) 10ULL,
	(pm_u128) 100ULL,
	(pm_u128) 1000ULL,
	(pm_u128) 10000ULL,
	(pm_u128) 100000ULL,
	(pm_u128) 1000000ULL,
	(pm_u128) 10000000ULL,
	(pm_u128) 100000000ULL,
	(pm_u128) 1000000000ULL,
	(pm_u128) 10000000000ULL,
	(pm_u128) 100000000000ULL,
	(pm_u128) 1000000000000ULL,
	(pm_u128) 10000000000000ULL,
	(pm_u128) 100000000000000ULL,
	(pm_u128) 1000000000000000ULL,
	(pm_u128) 10000000000000000ULL,
	(pm_u128) 100000000000000000ULL,
	(pm_u128) 1000000000000000000ULL,
	(pm_u128) 10000000000000000000ULL,
	(pm_u128) 10000000000000000000ULL * 10,
	(pm_u128) 10000000000000000000ULL * 100,
	(pm_u128) 10000000000000000000ULL * 1000,
	(pm_u128) 10000000000000000000ULL * 10000,
	(pm_u128) 10000000000000000000ULL * 100000,
	(pm_u128) 10000000000000000000ULL * 1000000,
	(pm_u128) 10000000000000000000ULL * 10000000,
	(pm_u128) 10000000000000000000ULL * 100000000,
	(pm_u128) 10000000000000000000ULL * 1000000000,
	(pm_u128) 10000000000000000000ULL * 10000000000ULL,
	(pm_u128) 10000000000000000000ULL * 100000000000ULL,
	(pm_u128) 10000000000000000000ULL * 1000000000000ULL,
	(pm_u128) 10000000000000000000ULL * 10000000000000ULL,
	(pm_u128) 10000000000000000000ULL * 100000000000000ULL,
	(pm_u128) 10000000000000000000ULL * 1000000000000000ULL,
	(pm_u128) 10000000000000000000ULL * 10000000000000000ULL,
	(pm_u128) 10000000000000000000ULL * 100000000000000000ULL,
	(pm_u128) 10000000000000000000ULL * 1000000000000000000ULL,
	(pm_u128) 10000000000000000000ULL * 10000000000000000000ULL,
};


/* |x| as an unsigned magnitude, defined for -2^127 too. */
static pm_u128
uabs(pm_i128 x)
{
	return x < 0 ? (pm_u128) 0 - (pm_u128) x : (pm_u128) x;
}

/* A coefficient from a magnitude and sign, if it fits. */
static bool
make_coef(pm_u128 mag, bool negative, pm_i128 *out)
{
	if (mag > (pm_u128) PM_I128_MAX)
		return false;
	*out = negative ? -(pm_i128) mag : (pm_i128) mag;
	return true;
}

/* Number of decimal digits of a magnitude (1 for 0). */
static int
digits10(pm_u128 x)
{
	int			bits,
				n;

	if (x == 0)
		return 1;
	/* from the bit length: log10(2) ~ 1233 / 4096, off by at most one */
	bits = 128 - ((x >> 64) != 0 ? __builtin_clzll(U64(x >> 64)) : 64 + __builtin_clzll(U64(x)));
	n = (bits * 1233) >> 12;
	/* now 10^(n-1) <= x < 10^(n+1) */
	if (n < 39 && x >= pow10_table[n])
		n++;
	return n < 1 ? 1 : n;
}

/* Decimal exponent of the leading digit of a non-zero value. */
int
pm_dec_exponent10(pm_dec a)
{
	return digits10(uabs(a.coef)) - 1 - a.scale;
}

#define DIV_POW10_CASE(k, p) case k: return u / UINT64_C(p)

/*
 * u / 10^k, 1 <= k <= 19, with the divisor a constant in each case: a
 * multiplication and a shift, where a division by a variable 10^k is a
 * divide instruction of tens of cycles (rounding nine fields per account
 * does this millions of times).
 */
static inline uint64_t
div_pow10_u64(uint64_t u, int k)
{
	switch (k)
	{
			DIV_POW10_CASE(1, 10);
			DIV_POW10_CASE(2, 100);
			DIV_POW10_CASE(3, 1000);
			DIV_POW10_CASE(4, 10000);
			DIV_POW10_CASE(5, 100000);
			DIV_POW10_CASE(6, 1000000);
			DIV_POW10_CASE(7, 10000000);
			DIV_POW10_CASE(8, 100000000);
			DIV_POW10_CASE(9, 1000000000);
			DIV_POW10_CASE(10, 10000000000);
			DIV_POW10_CASE(11, 100000000000);
			DIV_POW10_CASE(12, 1000000000000);
			DIV_POW10_CASE(13, 10000000000000);
			DIV_POW10_CASE(14, 100000000000000);
			DIV_POW10_CASE(15, 1000000000000000);
			DIV_POW10_CASE(16, 10000000000000000);
			DIV_POW10_CASE(17, 100000000000000000);
			DIV_POW10_CASE(18, 1000000000000000000);
			DIV_POW10_CASE(19, 10000000000000000000);
		default:
			return u / U64(pow10_table[k]);
	}
}

/*
 * a rounded to scale digits after the point, halves away from zero -- what
 * numeric's round(x, scale) gives, display scale included.  False when the
 * result does not fit (only when scale is above a's and the rescale
 * overflows).
 */
bool
pm_dec_round(pm_dec a, int32_t scale, pm_dec *out)
{
	pm_u128		u,
				p,
				q,
				r;

	if (scale < 0 || scale > PM_DEC_MAX_SCALE)
		return false;
	if (a.scale <= scale)
		return pm_dec_rescale(a, scale, out);
	u = uabs(a.coef);
	p = pow10_table[a.scale - scale];
	/* most amounts and every power up to 10^19 fit a 64-bit division */
	if ((u >> 64) == 0 && (p >> 64) == 0)
	{
		q = div_pow10_u64(U64(u), a.scale - scale);
		r = U64(u) - U64(q) * U64(p);
	}
	else
	{
		q = u / p;
		r = u - q * p;
	}
	if (r >= p - r)
		q++;
	out->coef = a.coef < 0 ? -(pm_i128) q : (pm_i128) q;
	out->scale = scale;
	return true;
}

/* ---------------------------------------------------------------------
 * 256-bit helpers for division: little-endian arrays of 64-bit limbs
 * ---------------------------------------------------------------------
 */

/* x * y into 4 limbs. */
static void
mul_128x128(pm_u128 x, pm_u128 y, uint64_t out[4])
{
	uint64_t	x0 = U64(x),
				x1 = U64(x >> 64),
				y0 = U64(y),
				y1 = U64(y >> 64);
	pm_u128		p00 = (pm_u128) x0 * y0;
	pm_u128		p01 = (pm_u128) x0 * y1;
	pm_u128		p10 = (pm_u128) x1 * y0;
	pm_u128		p11 = (pm_u128) x1 * y1;
	pm_u128		mid = (p00 >> 64) + U64(p01) + U64(p10);

	out[0] = U64(p00);
	out[1] = U64(mid);
	mid = (mid >> 64) + (p01 >> 64) + (p10 >> 64) + U64(p11);
	out[2] = U64(mid);
	out[3] = U64((mid >> 64) + (p11 >> 64));
}

/* Limbs in use (0 for zero). */
static int
limbs_used(const uint64_t *x, int n)
{
	while (n > 0 && x[n - 1] == 0)
		n--;
	return n;
}

/*
 * q = u / v, r = u % v for u of m limbs and v of n limbs (v[n-1] != 0,
 * m >= n, n <= 4, m <= 4): Knuth's algorithm D.
 */
static void
divmod_limbs(const uint64_t *u, int m, const uint64_t *v, int n,
			 uint64_t *q, uint64_t *r)
{
	uint64_t	un[5],
				vn[4];
	int			s,
				i,
				j;

	memset(q, 0, sizeof(uint64_t) * 4);
	memset(r, 0, sizeof(uint64_t) * 4);
	if (n == 1)
	{
		pm_u128		rem = 0;

		for (j = m - 1; j >= 0; j--)
		{
			pm_u128		cur = (rem << 64) | u[j];

			q[j] = U64(cur / v[0]);
			rem = cur % v[0];
		}
		r[0] = U64(rem);
		return;
	}

	s = __builtin_clzll(v[n - 1]);
	for (i = n - 1; i > 0; i--)
		vn[i] = (v[i] << s) | (s ? v[i - 1] >> (64 - s) : 0);
	vn[0] = v[0] << s;
	un[m] = s ? u[m - 1] >> (64 - s) : 0;
	for (i = m - 1; i > 0; i--)
		un[i] = (u[i] << s) | (s ? u[i - 1] >> (64 - s) : 0);
	un[0] = u[0] << s;

	for (j = m - n; j >= 0; j--)
	{
		pm_u128		num = ((pm_u128) un[j + n] << 64) | un[j + n - 1];
		pm_u128		qhat = num / vn[n - 1];
		pm_u128		rhat = num % vn[n - 1];
		pm_i128		k,
					t;

		while (qhat >> 64 ||
			   qhat * vn[n - 2] > ((rhat << 64) | un[j + n - 2]))
		{
			qhat--;
			rhat += vn[n - 1];
			if (rhat >> 64)
				break;
		}

		/* multiply and subtract */
		k = 0;
		for (i = 0; i < n; i++)
		{
			pm_u128		p = qhat * vn[i];

			t = (pm_i128) un[i + j] - k - (pm_i128) U64(p);
			un[i + j] = U64(t);
			k = (pm_i128) (p >> 64) - (t >> 64);
		}
		t = (pm_i128) un[j + n] - k;
		un[j + n] = U64(t);

		q[j] = U64(qhat);
		if (t < 0)
		{
			/* qhat was one too large: add back */
			pm_u128		carry = 0;

			q[j]--;
			for (i = 0; i < n; i++)
			{
				pm_u128		sum = (pm_u128) un[i + j] + vn[i] + carry;

				un[i + j] = U64(sum);
				carry = sum >> 64;
			}
			un[j + n] += U64(carry);
		}
	}
	for (i = 0; i < n; i++)
		r[i] = (un[i] >> s) | (s && i + 1 <= n ? un[i + 1] << (64 - s) : 0);
}

/* Compare two 4-limb numbers. */
static int
cmp_limbs(const uint64_t *x, const uint64_t *y)
{
	int			i;

	for (i = 3; i >= 0; i--)
		if (x[i] != y[i])
			return x[i] > y[i] ? 1 : -1;
	return 0;
}

/*
 * x's trailing decimal zeros, at most limit of them, divided out of x; the
 * count is returned.  The divisors are constants, so each test is a
 * multiplication, not a division instruction.
 */
static int
strip10_u64(uint64_t *x, int limit)
{
	int			n = 0;

	if (limit >= 16 && *x % UINT64_C(10000000000000000) == 0)
	{
		*x /= UINT64_C(10000000000000000);
		n += 16;
		limit -= 16;
	}
	if (limit >= 8 && *x % 100000000 == 0)
	{
		*x /= 100000000;
		n += 8;
		limit -= 8;
	}
	if (limit >= 4 && *x % 10000 == 0)
	{
		*x /= 10000;
		n += 4;
		limit -= 4;
	}
	if (limit >= 2 && *x % 100 == 0)
	{
		*x /= 100;
		n += 2;
		limit -= 2;
	}
	if (limit >= 1 && *x % 10 == 0)
	{
		*x /= 10;
		n += 1;
	}
	return n;
}

/*
 * A rounded quotient magnitude at rescale as the result: trailing zeros
 * removed, as numeric's trim_scale does (never below scale 0).  A quotient
 * carries 20 digits, so most end in many zeros.  10^k divides quot only if
 * 2^k does, so the binary zeros bound k; a magnitude beyond 64 bits is split
 * once at 10^19, and its zeros are those of the low part unless that is 0.
 */
static bool
div_finish(pm_u128 quot, int32_t rscale, bool negative, pm_dec *out)
{
	int			limit;

	if (quot == 0)
		rscale = 0;
	else if (quot <= (pm_u128) PM_I128_MAX)
	{
		limit = U64(quot) != 0 ? __builtin_ctzll(U64(quot)) : 64 + __builtin_ctzll(U64(quot >> 64));
		if (limit > rscale)
			limit = rscale;
		if (limit > 0 && (quot >> 64) == 0)
		{
			uint64_t	x = U64(quot);

			rscale -= strip10_u64(&x, limit);
			quot = x;
		}
		else if (limit > 0)
		{
			/* quot < 2^127, so hi < 2^127 / 10^19 < 2^64 */
			uint64_t	hi = U64(quot / pow10_table[19]);
			uint64_t	lo = U64(quot - (pm_u128) hi * pow10_table[19]);

			if (lo != 0)
			{
				/* lo < 10^19 has at most 18 zeros: quot has the same */
				int			t = strip10_u64(&lo, limit);

				quot = (pm_u128) hi * pow10_table[19 - t] + lo;
				rscale -= t;
			}
			else if (limit < 19)
			{
				quot = (pm_u128) hi * pow10_table[19 - limit];
				rscale -= limit;
			}
			else
			{
				rscale -= 19 + strip10_u64(&hi, limit - 19);
				quot = hi;
			}
		}
	}
	if (!make_coef(quot, negative, &out->coef))
		return false;
	out->scale = rscale;
	return true;
}

/*
 * a / b by the engine's rule (pm_div in number_numeric.c): rounded half away
 * from zero at scale 20 - (exp10(a) - exp10(b)) (at least 0), then trailing
 * zeros removed.  False when b is 0 or the result or scale does not fit.
 */
bool
pm_dec_div(pm_dec a, pm_dec b, pm_dec *out)
{
	int32_t		rscale,
				k;
	uint64_t	N[4] = {0},
				D[4] = {0},
				q[4],
				r[4],
				r2[4];
	pm_u128		ua = uabs(a.coef),
				ub = uabs(b.coef),
				quot;
	int			m,
				n;

	if (b.coef == 0)
		return false;
	if (a.coef == 0)
	{
		out->coef = 0;
		out->scale = 0;
		return true;
	}
	rscale = PM_DEC_DIV_DIGITS - (pm_dec_exponent10(a) - pm_dec_exponent10(b));
	if (rscale < 0)
		rscale = 0;
	if (rscale > PM_DEC_MAX_SCALE)
		return false;

	/* |a| * 10^rscale / |b| = ua * 10^k / ub with k = rscale + b.scale - a.scale */
	k = rscale + b.scale - a.scale;
	if (k > 38 || k < -38)
		return false;

	/*
	 * The common case -- the scaled dividend fits 128 bits and the divisor
	 * 64 (a notional over a leverage, an equity over a margin) -- is one
	 * 128-by-64-bit division; the rest takes the long road below.
	 */
	if (k >= 0 && (ub >> 64) == 0 && !__builtin_mul_overflow(ua, pow10_table[k], &quot))
	{
		uint64_t	d = U64(ub);
		uint64_t	rem;
		pm_u128		num = quot;

		quot = num / d;
		rem = U64(num - quot * d);
		if (rem >= d - rem)
			quot++;
		return div_finish(quot, rscale, (a.coef < 0) != (b.coef < 0), out);
	}
	if (k >= 0)
	{
		mul_128x128(ua, pow10_table[k], N);
		D[0] = U64(ub);
		D[1] = U64(ub >> 64);
	}
	else
	{
		N[0] = U64(ua);
		N[1] = U64(ua >> 64);
		mul_128x128(ub, pow10_table[-k], D);
	}

	m = limbs_used(N, 4);
	n = limbs_used(D, 4);
	if (m < n)
	{
		memset(q, 0, sizeof(q));
		memcpy(r, N, sizeof(r));
	}
	else
		divmod_limbs(N, m, D, n, q, r);
	if (q[2] != 0 || q[3] != 0)
		return false;
	quot = ((pm_u128) q[1] << 64) | q[0];

	/* round half away from zero: up when 2r >= D */
	r2[3] = (r[3] << 1) | (r[2] >> 63);
	r2[2] = (r[2] << 1) | (r[1] >> 63);
	r2[1] = (r[1] << 1) | (r[0] >> 63);
	r2[0] = r[0] << 1;
	if ((r[3] >> 63) != 0 || cmp_limbs(r2, D) >= 0)
	{
		if (quot == ~(pm_u128) 0)
			return false;
		quot++;
	}
	return div_finish(quot, rscale, (a.coef < 0) != (b.coef < 0), out);
}

/* ---------------------------------------------------------------------
 * Conversion from and to numeric's base-10000 digits
 * ---------------------------------------------------------------------
 */

/*
 * Digit i of a numeric's ndigits base-10000 digits as (d, width): the digit
 * and how many decimal places it adds.  The last digit drops the decimal
 * digits beyond dscale (shift < 0), which numeric keeps as zeros; false for
 * a digit out of range or a dropped digit that is not zero.
 */
static inline bool
digit_at(const int16_t *digits, int i, int ndigits, int shift, uint32_t *d, int *width)
{
	if (digits[i] < 0 || digits[i] > 9999)
		return false;
	*d = (uint32_t) digits[i];
	*width = 4;
	if (i == ndigits - 1 && shift < 0)
	{
		uint32_t	div;

		if (shift < -3)
			return false;
		div = (uint32_t) pow10_table[-shift];
		if (*d % div != 0)
			return false;
		*d /= div;
		*width = 4 + shift;
	}
	return true;
}

/*
 * value = sign * sum(digits[i] * 10000^(weight - i)) with display scale
 * dscale.  False when it does not fit (or dscale is beyond the fast path).
 */
bool
pm_dec_from_digits(int sign, int weight, int dscale, int ndigits,
				   const int16_t *digits, pm_dec *out)
{
	uint64_t	lo = 0;
	pm_u128		acc;
	int			shift,
				i;

	if (dscale < 0 || dscale > PM_DEC_MAX_SCALE || ndigits < 0)
		return false;
	/* decimal digits of the last base-10000 digit that lie beyond dscale */
	shift = ndigits > 0 ? dscale - 4 * (ndigits - 1 - weight) : 0;
	/* four base-10000 digits (16 decimal ones) fit 64 bits: most amounts */
	for (i = 0; i < ndigits && i < 4; i++)
	{
		uint32_t	d;
		int			width;

		if (!digit_at(digits, i, ndigits, shift, &d, &width))
			return false;
		lo = lo * (uint64_t) pow10_table[width] + d;
	}
	acc = lo;
	for (; i < ndigits; i++)
	{
		uint32_t	d;
		int			width;

		if (!digit_at(digits, i, ndigits, shift, &d, &width))
			return false;
		/* acc * 10^width + d must stay within PM_I128_MAX (no u128 division) */
		if (__builtin_mul_overflow(acc, pow10_table[width], &acc) ||
			__builtin_add_overflow(acc, (pm_u128) d, &acc) || acc > (pm_u128) PM_I128_MAX)
			return false;
	}
	/* acc now holds value * 10^min(dscale, 4 * (ndigits - 1 - weight)) */
	if (shift > 0)
	{
		if (shift > 38)
			return false;
		/* both factors in 64 bits: one multiplication, no overflow */
		if ((acc >> 64) == 0 && shift <= 19)
			acc = (pm_u128) U64(acc) * (pm_u128) U64(pow10_table[shift]);
		else if (__builtin_mul_overflow(acc, pow10_table[shift], &acc))
			return false;
		if (acc > (pm_u128) PM_I128_MAX)
			return false;
	}
	if (!make_coef(acc, sign < 0, &out->coef))
		return false;
	out->scale = dscale;
	return true;
}

/* Numeric's canonical base-10000 form of a. */
void
pm_dec_to_digits(pm_dec a, pm_dec_digits *out)
{
	pm_u128		mag = uabs(a.coef);
	int16_t		rev[12];		/* groups, least significant first */
	int			n = 0,
				part,
				i;

	memset(out, 0, sizeof(*out));
	out->dscale = a.scale;
	if (mag == 0)
		return;
	out->sign = a.coef < 0 ? -1 : 1;

	/*
	 * Groups are aligned on the decimal point: when the scale is not a
	 * multiple of 4, the lowest group holds the last (scale % 4) digits,
	 * shifted left.
	 */
	part = a.scale % 4;
	if (part != 0)
	{
		uint32_t	p = (uint32_t) pow10_table[part];
		uint32_t	low;

		/* a 64-bit division when the value allows: most do */
		if ((mag >> 64) == 0)
		{
			low = (uint32_t) (U64(mag) % p);
			mag = U64(mag) / p;
		}
		else
		{
			pm_u128		q = mag / p;

			low = (uint32_t) (mag - q * p);
			mag = q;
		}
		rev[n++] = (int16_t) (low * (uint32_t) pow10_table[4 - part]);
	}
	/* 16 digits at a time while the value is wide, then 64-bit steps */
	while (mag > (pm_u128) UINT64_MAX)
	{
		pm_u128		q = mag / (pm_u128) 10000000000000000ULL;
		uint64_t	chunk = U64(mag - q * (pm_u128) 10000000000000000ULL);

		mag = q;
		for (i = 0; i < 4; i++)
		{
			rev[n++] = (int16_t) (chunk % 10000);
			chunk /= 10000;
		}
	}
	{
		uint64_t	m = (uint64_t) mag;

		while (m != 0)
		{
			rev[n++] = (int16_t) (m % 10000);
			m /= 10000;
		}
	}
	/* drop leading zero groups (from the 16-digit chunks) */
	while (n > 0 && rev[n - 1] == 0)
		n--;
	/* weight of the top group: groups below the point are ceil(scale / 4) */
	out->weight = n - 1 - (a.scale + 3) / 4;
	/* most significant first, trailing zero groups stripped */
	{
		int			lo = 0;

		while (lo < n && rev[lo] == 0)
			lo++;
		for (i = n - 1; i >= lo; i--)
			out->digits[out->ndigits++] = rev[i];
	}
}

/* Plain decimal text of a (no exponent); returns the length written. */
int
pm_dec_to_string(pm_dec a, char *buf, int buflen)
{
	char		tmp[48];
	pm_u128		mag = uabs(a.coef);
	int			len = 0,
				n = 0,
				i;

	do
	{
		tmp[len++] = (char) ('0' + (int) (mag % 10));
		mag /= 10;
	} while (mag != 0);
	while (len <= a.scale)
		tmp[len++] = '0';
	if (buflen < len + 3)
		return -1;
	if (a.coef < 0)
		buf[n++] = '-';
	for (i = len - 1; i >= 0; i--)
	{
		buf[n++] = tmp[i];
		if (i == a.scale && a.scale > 0)
			buf[n++] = '.';
	}
	buf[n] = '\0';
	return n;
}
