/*
 * dec_ref.h
 *	  An independent reference for the decimal core's division rule: plain
 *	  binary long division over 320 bits, one bit at a time.  Shared by the
 *	  unit tests and the fuzzer.  Include once per program.
 */
#ifndef PM_DEC_REF_H
#define PM_DEC_REF_H

#include <stdbool.h>
#include <stdint.h>

#include "core/dec128.h"

typedef struct
{
	uint64_t	w[5];
} u320;

static void
u_shl1(u320 *x)
{
	int			i;

	for (i = 4; i > 0; i--)
		x->w[i] = (x->w[i] << 1) | (x->w[i - 1] >> 63);
	x->w[0] <<= 1;
}

static int
u_cmp(const u320 *a, const u320 *b)
{
	int			i;

	for (i = 4; i >= 0; i--)
		if (a->w[i] != b->w[i])
			return a->w[i] > b->w[i] ? 1 : -1;
	return 0;
}

static void
u_sub(u320 *a, const u320 *b)
{
	int			i;
	uint64_t	borrow = 0;

	for (i = 0; i < 5; i++)
	{
		uint64_t	t = a->w[i] - b->w[i] - borrow;

		borrow = (a->w[i] < b->w[i]) || (a->w[i] - b->w[i] < borrow);
		a->w[i] = t;
	}
}

static void
u_mul_small(u320 *a, uint64_t m)
{
	pm_u128		carry = 0;
	int			i;

	for (i = 0; i < 5; i++)
	{
		pm_u128		t = (pm_u128) a->w[i] * m + carry;

		a->w[i] = (uint64_t) t;
		carry = t >> 64;
	}
}

static u320
u_from(pm_u128 x)
{
	u320		r = {{(uint64_t) x, (uint64_t) (x >> 64), 0, 0, 0}};

	return r;
}

static int
ndig(pm_u128 x)
{
	int			n = 1;

	while (x >= 10)
	{
		x /= 10;
		n++;
	}
	return n;
}

/* The rule, computed the slow way; false when it does not fit. */
static bool
ref_div(pm_dec a, pm_dec b, pm_dec *out)
{
	pm_u128		ua = a.coef < 0 ? (pm_u128) 0 - (pm_u128) a.coef : (pm_u128) a.coef;
	pm_u128		ub = b.coef < 0 ? (pm_u128) 0 - (pm_u128) b.coef : (pm_u128) b.coef;
	int			ea = ndig(ua) - 1 - a.scale,
				eb = ndig(ub) - 1 - b.scale;
	int			rscale = 20 - (ea - eb),
				k,
				bit,
				i;
	u320		N,
				Dv,
				R = {{0}},
				Q = {{0}};

	if (a.coef == 0)
	{
		out->coef = 0;
		out->scale = 0;
		return true;
	}
	if (rscale < 0)
		rscale = 0;
	if (rscale > PM_DEC_MAX_SCALE)
		return false;
	k = rscale + b.scale - a.scale;
	N = u_from(ua);
	Dv = u_from(ub);
	for (i = 0; i < (k > 0 ? k : -k); i++)
		u_mul_small(k > 0 ? &N : &Dv, 10);
	for (bit = 319; bit >= 0; bit--)
	{
		u_shl1(&R);
		R.w[0] |= (N.w[bit / 64] >> (bit % 64)) & 1;
		u_shl1(&Q);
		if (u_cmp(&R, &Dv) >= 0)
		{
			u_sub(&R, &Dv);
			Q.w[0] |= 1;
		}
	}
	u_shl1(&R);
	if (u_cmp(&R, &Dv) >= 0)
	{
		/* Q += 1 */
		for (i = 0; i < 5; i++)
			if (++Q.w[i] != 0)
				break;
	}
	if (Q.w[2] || Q.w[3] || Q.w[4] || (Q.w[1] >> 63))
		return false;
	out->coef = (pm_i128) (((pm_u128) Q.w[1] << 64) | Q.w[0]);
	if ((a.coef < 0) != (b.coef < 0))
		out->coef = -out->coef;
	out->scale = rscale;
	while (out->scale > 0 && out->coef % 10 == 0)
	{
		out->coef /= 10;
		out->scale--;
	}
	return true;
}


#endif							/* PM_DEC_REF_H */
