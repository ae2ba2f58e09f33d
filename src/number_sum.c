/*-------------------------------------------------------------------------
 *
 * number_sum.c
 *	  Exact running sums that stay decs while they can (number.h).
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "utils/memutils.h"

#include "number.h"

/* sum += x, exactly; x is any numeric datum (any header). */
void
pm_sum_add(MemoryContext mcxt, PmSum *acc, Numeric x)
{
	pm_dec		xd;

	if (!acc->is_numeric && pm_dec_from_numeric(x, &xd))
	{
		pm_sum_add_dec(mcxt, acc, xd);
		return;
	}
	x = DatumGetNumeric(PointerGetDatum(x));	/* detoast if it must */
	if (!acc->is_set)
	{
		MemoryContext old = MemoryContextSwitchTo(mcxt);

		acc->num = pm_numeric_copy_plain(x);
		MemoryContextSwitchTo(old);
		acc->is_set = acc->is_numeric = true;
		return;
	}
	if (!acc->is_numeric)
	{
		MemoryContext old = MemoryContextSwitchTo(mcxt);

		acc->num = pm_dec_to_numeric(acc->dec);
		MemoryContextSwitchTo(old);
		acc->is_numeric = true;
	}
	{
		MemoryContext old = MemoryContextSwitchTo(mcxt);
		Numeric		sum = pm_add(acc->num, x);

		MemoryContextSwitchTo(old);
		pfree(acc->num);
		acc->num = sum;
	}
}

/* acc += x for a fast-path value. */
void
pm_sum_add_dec(MemoryContext mcxt, PmSum *acc, pm_dec x)
{
	if (!acc->is_set)
	{
		acc->dec = x;
		acc->is_set = true;
		return;
	}
	if (!acc->is_numeric && pm_dec_add(acc->dec, x, &acc->dec))
		return;
	{
		MemoryContext old = MemoryContextSwitchTo(mcxt);
		Numeric		xn = pm_dec_to_numeric(x);
		Numeric		base = acc->is_numeric ? acc->num : pm_dec_to_numeric(acc->dec);
		Numeric		sum = pm_add(base, xn);

		MemoryContextSwitchTo(old);
		if (acc->is_numeric)
			pfree(acc->num);
		else
			pfree(base);
		pfree(xn);
		acc->num = sum;
		acc->is_numeric = true;
	}
}

/* acc += x for a value of either kind. */
void
pm_sum_add_val(MemoryContext mcxt, PmSum *acc, const PmVal *x)
{
	if (x->is_dec)
		pm_sum_add_dec(mcxt, acc, x->d);
	else
		pm_sum_add(mcxt, acc, x->n);
}

/* acc += other, as if other's values had been added one by one. */
void
pm_sum_combine(MemoryContext mcxt, PmSum *acc, const PmSum *other)
{
	if (!other->is_set)
		return;
	if (other->is_numeric)
		pm_sum_add(mcxt, acc, other->num);
	else
		pm_sum_add_dec(mcxt, acc, other->dec);
}

/* The sum as a numeric (palloc'd in the current context); 0 when unset. */
Numeric
pm_sum_value(const PmSum *acc)
{
	if (!acc->is_set)
		return pm_zero();
	if (acc->is_numeric)
		return pm_numeric_copy_plain(acc->num);
	return pm_dec_to_numeric(acc->dec);
}
