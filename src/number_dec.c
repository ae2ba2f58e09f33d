/*-------------------------------------------------------------------------
 *
 * number_dec.c
 *	  Between numerics and decs, the scaled-int128 fast path (number.h).
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "utils/guc.h"
#include "utils/memutils.h"

#include "compat.h"
#include "number.h"

bool		pm_fast_path = true;

/* Register portfolio_margin.fast_path (called from _PG_init). */
void
pm_define_gucs(void)
{
	DefineCustomBoolVariable("portfolio_margin.fast_path",
							 "Computes in scaled 128-bit integers where values fit.",
							 "Off computes everything in numeric; results are identical either way.",
							 &pm_fast_path,
							 true,
							 PGC_USERSET,
							 0,
							 NULL, NULL, NULL);
}

/* Read a numeric's header and digits in place, any varlena header. */
bool
pm_dec_from_numeric(Numeric num, pm_dec *out)
{
	if (!pm_fast_path)
		return false;
	return pm_dec_from_short_numeric(num, out) || pm_dec_from_digits_of(num, out);
}

/* The same, whatever portfolio_margin.fast_path says (for stored forms). */
bool
pm_dec_from_digits_of(Numeric num, pm_dec *out)
{
	const char *data;
	Size		len;
	uint16		h;
	int			weight,
				dscale,
				sign,
				ndigits;
	int16		digits[12];

	if (VARATT_IS_EXTERNAL(num) || VARATT_IS_COMPRESSED(num))
		return false;
	data = VARDATA_ANY(num);
	len = VARSIZE_ANY_EXHDR(num);
	if (len < sizeof(uint16))
		return false;
	memcpy(&h, data, sizeof(uint16));
	if ((h & PM_NUMERIC_SIGN_MASK) == PM_NUMERIC_SPECIAL)
		return false;
	if ((h & PM_NUMERIC_SIGN_MASK) == PM_NUMERIC_SHORT)
	{
		sign = (h & PM_NUMERIC_SHORT_SIGN_MASK) ? -1 : 1;
		dscale = (h & PM_NUMERIC_SHORT_DSCALE_MASK) >> PM_NUMERIC_SHORT_DSCALE_SHIFT;
		weight = h & PM_NUMERIC_SHORT_WEIGHT_MASK;
		if (h & PM_NUMERIC_SHORT_WEIGHT_SIGN_MASK)
			weight |= ~PM_NUMERIC_SHORT_WEIGHT_MASK;
		data += sizeof(uint16);
		len -= sizeof(uint16);
	}
	else
	{
		int16		w;

		if (len < 2 * sizeof(uint16))
			return false;
		sign = (h & PM_NUMERIC_SIGN_MASK) == PM_NUMERIC_NEG ? -1 : 1;
		dscale = h & PM_NUMERIC_DSCALE_MASK;
		memcpy(&w, data + sizeof(uint16), sizeof(int16));
		weight = w;
		data += 2 * sizeof(uint16);
		len -= 2 * sizeof(uint16);
	}
	ndigits = len / sizeof(int16);
	if (ndigits > lengthof(digits))
		return false;
	memcpy(digits, data, ndigits * sizeof(int16));
	return pm_dec_from_digits(sign, weight, dscale, ndigits, digits, out);
}

/*
 * pm_dec_to_numeric_into for a magnitude that fits 64 bits at a scale that
 * is a multiple of 4 (the 8 of every rounded amount): base-10000 groups by
 * constant divisions, aligned on the point, no general digit walk.
 */
static Numeric
small_to_numeric_into(uint64 mag, bool negative, int scale, void *buf)
{
	int16		rev[5];			/* 2^64 has 20 digits: 5 groups */
	int			n = 0,
				lo = 0,
				weight,
				i;
	Numeric		result = (Numeric) buf;
	char	   *p = VARDATA(result);
	uint16		h;

	while (mag != 0)
	{
		rev[n++] = (int16) (mag % 10000);
		mag /= 10000;
	}
	while (lo < n && rev[lo] == 0)
		lo++;
	weight = n == 0 ? 0 : n - 1 - scale / 4;
	h = PM_NUMERIC_SHORT
		| (negative && n > 0 ? PM_NUMERIC_SHORT_SIGN_MASK : 0)
		| (uint16) (scale << PM_NUMERIC_SHORT_DSCALE_SHIFT)
		| (weight < 0 ? PM_NUMERIC_SHORT_WEIGHT_SIGN_MASK : 0)
		| (uint16) (weight & PM_NUMERIC_SHORT_WEIGHT_MASK);
	memcpy(p, &h, sizeof(uint16));
	for (i = n - 1; i >= lo; i--)
		memcpy(p + sizeof(uint16) * (n - i), &rev[i], sizeof(int16));
	SET_VARSIZE(result, VARHDRSZ + sizeof(uint16) * (1 + n - lo));
	return result;
}

/*
 * The numeric of value d with display scale d.scale, laid out as numeric's
 * make_result does -- short header when scale and weight allow, digits
 * stripped of leading and trailing zeros -- written into buf, which holds
 * PM_DEC_NUMERIC_MAX bytes.  Returns buf.  For callers that copy the value
 * on at once (into a tuple), so nothing is allocated per value.
 */
Numeric
pm_dec_to_numeric_into(pm_dec d, void *buf)
{
	pm_dec_digits g;
	bool		can_be_short;
	Size		hdr,
				len;
	Numeric		result = (Numeric) buf;
	char	   *p;

	/* short format: weight of 20 digits at most is within its range */
	if (d.scale % 4 == 0 && d.scale <= 60 &&
		d.coef > -(pm_i128) UINT64_MAX && d.coef < (pm_i128) UINT64_MAX)
		return small_to_numeric_into((uint64) (d.coef < 0 ? -d.coef : d.coef), d.coef < 0,
									 d.scale, buf);
	pm_dec_to_digits(d, &g);
	can_be_short = g.dscale <= 63 && g.weight <= 63 && g.weight >= -64;
	hdr = can_be_short ? sizeof(uint16) : 2 * sizeof(uint16);
	len = VARHDRSZ + hdr + g.ndigits * sizeof(int16);
	Assert(len <= PM_DEC_NUMERIC_MAX);
	SET_VARSIZE(result, len);
	p = VARDATA(result);
	if (can_be_short)
	{
		uint16		h = PM_NUMERIC_SHORT
			| (g.sign < 0 ? PM_NUMERIC_SHORT_SIGN_MASK : 0)
			| (uint16) (g.dscale << PM_NUMERIC_SHORT_DSCALE_SHIFT)
			| (g.weight < 0 ? PM_NUMERIC_SHORT_WEIGHT_SIGN_MASK : 0)
			| (uint16) (g.weight & PM_NUMERIC_SHORT_WEIGHT_MASK);

		memcpy(p, &h, sizeof(uint16));
	}
	else
	{
		uint16		sd = (g.sign < 0 ? PM_NUMERIC_NEG : 0) | (uint16) (g.dscale & PM_NUMERIC_DSCALE_MASK);
		int16		w = (int16) g.weight;

		memcpy(p, &sd, sizeof(uint16));
		memcpy(p + sizeof(uint16), &w, sizeof(int16));
	}
	memcpy(p + hdr, g.digits, g.ndigits * sizeof(int16));
	return result;
}

/* The same numeric, palloc'd. */
Numeric
pm_dec_to_numeric(pm_dec d)
{
	union
	{
		char		bytes[PM_DEC_NUMERIC_MAX];
		int32		align;
	}			buf;
	Numeric		n = pm_dec_to_numeric_into(d, buf.bytes);
	Numeric		result = (Numeric) palloc(VARSIZE(n));

	memcpy(result, n, VARSIZE(n));
	return result;
}
