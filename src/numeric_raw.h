/*-------------------------------------------------------------------------
 *
 * numeric_raw.h
 *	  Read-only access to the header of a stored numeric value.
 *
 * numeric.c keeps its layout private, but the layout is the on-disk format
 * that pg_upgrade preserves, unchanged from PostgreSQL 9.1 to 17.  We read
 * only the header word(s): sign, special-value flags and the base-10000
 * weight, plus the first digit, to learn a value's decimal magnitude
 * without converting it.  Every value passed in must be detoasted (a
 * 4-byte varlena header), as DatumGetNumeric() returns.
 *
 *-------------------------------------------------------------------------
 */
#ifndef PM_NUMERIC_RAW_H
#define PM_NUMERIC_RAW_H

#include "utils/numeric.h"

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

#endif							/* PM_NUMERIC_RAW_H */
