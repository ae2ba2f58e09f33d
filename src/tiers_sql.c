/*-------------------------------------------------------------------------
 *
 * tiers_sql.c
 *	  pm.tiers from arrays, its accessors, equality and hashing.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "fmgr.h"
#include "utils/array.h"
#include "utils/fmgrprotos.h"
#include "utils/lsyscache.h"

#include "compat.h"
#include "number.h"
#include "tiers.h"

PG_FUNCTION_INFO_V1(pm_tiers_make);
PG_FUNCTION_INFO_V1(pm_tiers_floors);
PG_FUNCTION_INFO_V1(pm_tiers_rates);
PG_FUNCTION_INFO_V1(pm_tiers_cum);
PG_FUNCTION_INFO_V1(pm_tiers_cmp);
PG_FUNCTION_INFO_V1(pm_tiers_eq);
PG_FUNCTION_INFO_V1(pm_tiers_ne);
PG_FUNCTION_INFO_V1(pm_tiers_lt);
PG_FUNCTION_INFO_V1(pm_tiers_le);
PG_FUNCTION_INFO_V1(pm_tiers_gt);
PG_FUNCTION_INFO_V1(pm_tiers_ge);
PG_FUNCTION_INFO_V1(pm_tiers_hash);

/*
 * Unpack a one-dimensional numeric[] without NULLs into detoasted values.
 * what names the argument in errors.
 */
static Numeric *
numeric_array_values(ArrayType *arr, const char *what, int *count)
{
	Datum	   *elems;
	bool	   *nulls;
	Numeric    *values;
	int			n;
	int			i;

	if (ARR_NDIM(arr) > 1)
		ereport(ERROR,
				(errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
				 errmsg("%s must be a one-dimensional array", what),
				 errdetail("The array given has %d dimensions.", ARR_NDIM(arr))));
	deconstruct_array(arr, NUMERICOID, -1, false, TYPALIGN_INT,
					  &elems, &nulls, &n);
	values = palloc(sizeof(Numeric) * Max(n, 1));
	for (i = 0; i < n; i++)
	{
		if (nulls[i])
			ereport(ERROR,
					(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
					 errmsg("%s must not contain NULL", what),
					 errdetail("Element %d is NULL.", i + 1)));
		values[i] = DatumGetNumeric(elems[i]);
	}
	*count = n;
	return values;
}

/* pm.tiers(floors numeric[], rates numeric[]) */
Datum
pm_tiers_make(PG_FUNCTION_ARGS)
{
	ArrayType  *floors_arr = PG_GETARG_ARRAYTYPE_P(0);
	ArrayType  *rates_arr = PG_GETARG_ARRAYTYPE_P(1);
	int			nfloors,
				nrates;
	Numeric    *floors = numeric_array_values(floors_arr, "floors", &nfloors);
	Numeric    *rates = numeric_array_values(rates_arr, "rates", &nrates);

	if (nfloors != nrates)
		ereport(ERROR,
				(errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
				 errmsg("floors and rates must have the same length"),
				 errdetail("floors has %d elements and rates has %d.", nfloors, nrates)));
	PG_RETURN_PMTIERS(pm_tiers_build(floors, rates, nfloors));
}

/* One part (0 floor, 1 rate, 2 cum) of every tier as numeric[]. */
static ArrayType *
tiers_part_array(PmTiers *t, int part)
{
	Datum	   *elems = palloc(sizeof(Datum) * t->ntiers);
	int			i;

	for (i = 0; i < t->ntiers; i++)
		elems[i] = PointerGetDatum((char *) t + t->offsets[3 * i + part]);
	return construct_array(elems, t->ntiers, NUMERICOID, -1, false, TYPALIGN_INT);
}

/* pm.floors(t) */
Datum
pm_tiers_floors(PG_FUNCTION_ARGS)
{
	PG_RETURN_ARRAYTYPE_P(tiers_part_array(PG_GETARG_PMTIERS(0), 0));
}

/* pm.rates(t) */
Datum
pm_tiers_rates(PG_FUNCTION_ARGS)
{
	PG_RETURN_ARRAYTYPE_P(tiers_part_array(PG_GETARG_PMTIERS(0), 1));
}

/* pm.cum(t): Binance's cum for brackets, the negative of it for collateral. */
Datum
pm_tiers_cum(PG_FUNCTION_ARGS)
{
	PG_RETURN_ARRAYTYPE_P(tiers_part_array(PG_GETARG_PMTIERS(0), 2));
}

/*
 * Total order on schedules, consistent with equality by value (0.95 equals
 * 0.950): tier by tier, floor then rate, a prefix before the longer
 * schedule.  The order means nothing financially; it lets schedules be
 * sorted, indexed, compared and used in DISTINCT.
 */
int
pm_tiers_compare(PmTiers *a, PmTiers *b)
{
	int			n = Min(a->ntiers, b->ntiers);
	int			i;
	int			c;

	for (i = 0; i < n; i++)
	{
		c = pm_cmp(PM_TIERS_FLOOR(a, i), PM_TIERS_FLOOR(b, i));
		if (c != 0)
			return c;
		c = pm_cmp(PM_TIERS_RATE(a, i), PM_TIERS_RATE(b, i));
		if (c != 0)
			return c;
	}
	return (a->ntiers > b->ntiers) - (a->ntiers < b->ntiers);
}

/*
 * pm.tiers_cmp(pm.tiers, pm.tiers): the btree support function, -1, 0 or 1
 * by pm_tiers_compare's order (tier by tier, floor then rate, by value).
 */
Datum
pm_tiers_cmp(PG_FUNCTION_ARGS)
{
	PG_RETURN_INT32(pm_tiers_compare(PG_GETARG_PMTIERS(0), PG_GETARG_PMTIERS(1)));
}

/* pm.tiers_eq(pm.tiers, pm.tiers), operator pm.=: equal by value. */
Datum
pm_tiers_eq(PG_FUNCTION_ARGS)
{
	PG_RETURN_BOOL(pm_tiers_compare(PG_GETARG_PMTIERS(0), PG_GETARG_PMTIERS(1)) == 0);
}

/* pm.tiers_ne(pm.tiers, pm.tiers), operator pm.<>. */
Datum
pm_tiers_ne(PG_FUNCTION_ARGS)
{
	PG_RETURN_BOOL(pm_tiers_compare(PG_GETARG_PMTIERS(0), PG_GETARG_PMTIERS(1)) != 0);
}

/* pm.tiers_lt(pm.tiers, pm.tiers), operator pm.<. */
Datum
pm_tiers_lt(PG_FUNCTION_ARGS)
{
	PG_RETURN_BOOL(pm_tiers_compare(PG_GETARG_PMTIERS(0), PG_GETARG_PMTIERS(1)) < 0);
}

/* pm.tiers_le(pm.tiers, pm.tiers), operator pm.<=. */
Datum
pm_tiers_le(PG_FUNCTION_ARGS)
{
	PG_RETURN_BOOL(pm_tiers_compare(PG_GETARG_PMTIERS(0), PG_GETARG_PMTIERS(1)) <= 0);
}

/* pm.tiers_gt(pm.tiers, pm.tiers), operator pm.>. */
Datum
pm_tiers_gt(PG_FUNCTION_ARGS)
{
	PG_RETURN_BOOL(pm_tiers_compare(PG_GETARG_PMTIERS(0), PG_GETARG_PMTIERS(1)) > 0);
}

/* pm.tiers_ge(pm.tiers, pm.tiers), operator pm.>=. */
Datum
pm_tiers_ge(PG_FUNCTION_ARGS)
{
	PG_RETURN_BOOL(pm_tiers_compare(PG_GETARG_PMTIERS(0), PG_GETARG_PMTIERS(1)) >= 0);
}

/* Hash consistent with equality: numeric's hash ignores display scale. */
Datum
pm_tiers_hash(PG_FUNCTION_ARGS)
{
	PmTiers    *t = PG_GETARG_PMTIERS(0);
	uint32		h = (uint32) t->ntiers;
	int			i;

	for (i = 0; i < t->ntiers; i++)
	{
		h = hash_combine(h, DatumGetUInt32(DirectFunctionCall1(hash_numeric,
															   NumericGetDatum(PM_TIERS_FLOOR(t, i)))));
		h = hash_combine(h, DatumGetUInt32(DirectFunctionCall1(hash_numeric,
															   NumericGetDatum(PM_TIERS_RATE(t, i)))));
	}
	PG_RETURN_UINT32(h);
}
