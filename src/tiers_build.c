/*-------------------------------------------------------------------------
 *
 * tiers_build.c
 *	  Validate a schedule and lay it out as a pm.tiers value.
 *
 * Every way of making a schedule (text, binary, arrays, Binance JSON) ends
 * here, so the rules of docs/spec.md §2.4 are checked in exactly one place.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "miscadmin.h"
#include "utils/memutils.h"

#include "compat.h"
#include "excerpt.h"
#include "number.h"
#include "tiers.h"

/* Reject an empty or absurdly long schedule before any work is done. */
void
pm_tiers_check_count(int64 ntiers)
{
	if (ntiers < 1)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("a tier schedule needs at least one tier")));
	if (ntiers > PM_TIERS_MAX)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("a tier schedule can have at most %d tiers", PM_TIERS_MAX),
				 errdetail("The schedule given has " INT64_FORMAT " tiers.", ntiers)));
}

/* NaN and infinities are never a floor or a rate. */
static void
check_finite_part(Numeric n, int tier, const char *part)
{
	if (pm_numeric_is_special(n))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("tier %d has a %s that is not a finite number", tier, part),
				 errdetail("The %s given is %s.", part, pm_numeric_excerpt(n))));
}

/* Check the rules of a schedule; tiers are numbered from 1 in messages. */
static void
check_schedule(Numeric *floors, Numeric *rates, int ntiers)
{
	int			i;

	for (i = 0; i < ntiers; i++)
	{
		check_finite_part(floors[i], i + 1, "floor");
		check_finite_part(rates[i], i + 1, "rate");
	}
	if (pm_sign(floors[0]) != 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("the first tier must start at 0"),
				 errdetail("The first floor given is %s.", pm_numeric_excerpt(floors[0]))));
	for (i = 1; i < ntiers; i++)
	{
		if (pm_cmp(floors[i], floors[i - 1]) <= 0)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("tier floors must be strictly increasing"),
					 errdetail("Tier %d starts at %s, which is not above the floor %s of tier %d.",
							   i + 1, pm_numeric_excerpt(floors[i]),
							   pm_numeric_excerpt(floors[i - 1]), i)));
	}
	for (i = 0; i < ntiers; i++)
	{
		if (pm_sign(rates[i]) < 0)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("tier rates must not be negative"),
					 errdetail("Tier %d has rate %s.", i + 1, pm_numeric_excerpt(rates[i]))));
	}
}

/* Copy a numeric into the value being built, with a 4-byte header. */
static Size
put_numeric(char *dest, Numeric n)
{
	Size		datalen = VARSIZE_ANY_EXHDR(n);

	SET_VARSIZE(dest, datalen + VARHDRSZ);
	memcpy(VARDATA(dest), VARDATA_ANY(n), datalen);
	return datalen + VARHDRSZ;
}

/*
 * Build a pm.tiers from parallel arrays of detoasted numerics, checking the
 * schedule's rules and deriving cum:
 *
 *	  cum_1 = 0,  cum_j = cum_j-1 + floor_j * (rate_j - rate_j-1)
 *
 * cum is exact; trailing zeros are trimmed so it prints as Binance does.
 */
PmTiers *
pm_tiers_build(Numeric *floors, Numeric *rates, int ntiers)
{
	Numeric    *cums;
	Numeric		one;
	Size		size;
	Size		pos;
	PmTiers    *result;
	uint8		flags = 0;
	int			i;

	pm_tiers_check_count(ntiers);
	check_schedule(floors, rates, ntiers);

	cums = palloc(sizeof(Numeric) * ntiers);
	cums[0] = pm_zero();
	for (i = 1; i < ntiers; i++)
		cums[i] = pm_trim_scale(pm_add(cums[i - 1],
									   pm_mul(floors[i],
											  pm_sub(rates[i], rates[i - 1]))));

	one = pm_numeric_in("1");
	for (i = 0; i < ntiers; i++)
		if (pm_cmp(rates[i], one) > 0)
			flags |= PM_TIERS_RATE_ABOVE_ONE;

	size = offsetof(PmTiers, offsets) + sizeof(uint32) * 3 * (Size) ntiers;
	for (i = 0; i < ntiers; i++)
	{
		CHECK_FOR_INTERRUPTS();
		size = INTALIGN(size) + VARSIZE_ANY(floors[i]);
		size = INTALIGN(size) + VARSIZE_ANY(rates[i]);
		size = INTALIGN(size) + VARSIZE_ANY(cums[i]);
	}
	size = INTALIGN(size) + sizeof(PmTierFast) * 3 * (Size) ntiers;
	if (size > MaxAllocSize)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("tier schedule is too large"),
				 errdetail("It would take %zu bytes; the limit is %zu.",
						   (size_t) size, (size_t) MaxAllocSize)));

	result = palloc0(size);
	SET_VARSIZE(result, size);
	result->version = PM_TIERS_VERSION;
	result->flags = flags;
	result->ntiers = ntiers;

	pos = offsetof(PmTiers, offsets) + sizeof(uint32) * 3 * (Size) ntiers;
	for (i = 0; i < ntiers; i++)
	{
		Numeric		parts[3] = {floors[i], rates[i], cums[i]};
		int			k;

		CHECK_FOR_INTERRUPTS();
		for (k = 0; k < 3; k++)
		{
			pos = INTALIGN(pos);
			result->offsets[3 * i + k] = (uint32) pos;
			pos += put_numeric((char *) result + pos, parts[k]);
		}
	}
	pos = INTALIGN(pos);
	result->fast_off = (uint32) pos;
	for (i = 0; i < 3 * ntiers; i++)
	{
		PmTierFast	fast;
		pm_dec		d;

		memset(&fast, 0, sizeof(fast));
		fast.scale = -1;
		if (pm_dec_from_digits_of((Numeric) ((char *) result + result->offsets[i]), &d))
		{
			fast.scale = d.scale;
			memcpy(fast.coef, &d.coef, sizeof(d.coef));
		}
		memcpy((char *) result + pos, &fast, sizeof(fast));
		pos += sizeof(fast);
	}
	Assert(pos == size);
	pfree(cums);
	return result;
}
