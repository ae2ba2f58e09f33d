/*-------------------------------------------------------------------------
 *
 * dec_numeric.h
 *	  Between PostgreSQL numeric and the scaled-int128 fast path (core/dec128).
 *
 * pm_dec_from_numeric reads a numeric datum in place -- short or 4-byte
 * header, no detoasting, no allocation -- and fails (returns false) for
 * NaN, infinities, compressed or out-of-line values and anything that does
 * not fit; pm_dec_to_numeric builds the exact, canonical numeric that
 * numeric's own arithmetic would have produced.  Callers then fall back to
 * numeric, so the fast path changes speed, never results.
 *
 * The GUC portfolio_margin.fast_path (default on) switches the fast path
 * off, so tests can check that both paths give identical answers.
 *
 *-------------------------------------------------------------------------
 */
#ifndef PM_DEC_NUMERIC_H
#define PM_DEC_NUMERIC_H

#include "utils/numeric.h"

#include "core/dec128.h"
#include "numeric_raw.h"

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

/*
 * An exact sum that stays in the fast path while it can and moves to
 * numeric, for good, when it cannot.  Unset means no value was added yet.
 */
typedef struct PmAcc
{
	bool		is_set;
	bool		is_numeric;
	pm_dec		dec;
	Numeric		num;			/* when is_numeric; in the owner's context */
} PmAcc;

extern void pm_acc_add(MemoryContext mcxt, PmAcc *acc, Numeric x);
extern void pm_acc_add_dec(MemoryContext mcxt, PmAcc *acc, pm_dec x);
struct PmVal;
extern void pm_acc_add_val(MemoryContext mcxt, PmAcc *acc, const struct PmVal *x);
extern void pm_acc_merge(MemoryContext mcxt, PmAcc *acc, const PmAcc *other);
extern Numeric pm_acc_value(const PmAcc *acc);

#endif							/* PM_DEC_NUMERIC_H */
