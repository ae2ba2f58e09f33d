/*-------------------------------------------------------------------------
 *
 * ledger_combine.c
 *	  Two ledger accumulators into one: the combine function of the ledger
 *	  aggregates, for parallel plans.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "miscadmin.h"
#include "fmgr.h"

#include "compat.h"
#include "ledger_accum.h"

PG_FUNCTION_INFO_V1(pm_ledger_combine);

static void combine_values(LedgerAccum *dst, LedgerAccum *src);

/*
 * dst += src.  Balances and orders are lists; positions are already summed.
 * An account that cannot be valued in either part cannot be valued: the
 * error is kept and the values are not summed.
 */
void
ledger_accum_combine(LedgerAccum *dst, LedgerAccum *src)
{
	MemoryContext cxt = CurrentMemoryContext;

	if (src->keep != dst->keep)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("cannot combine a ledger accumulator with ledger totals")));
	if (src->error != NULL)
		ledger_set_error(dst, src->error->code, src->error->message, src->error->detail, src->error->hint);
	if (src->has_account && !dst->has_account)
	{
		dst->has_account = true;
		dst->is_pm = src->is_pm;
		dst->leverage = src->leverage;
	}
	else if (src->has_account && dst->error == NULL)
	{
		PG_TRY();
		{
			ledger_set_account(dst, src->is_pm ? "PM" : "PM_PRO", src->is_pm ? 2 : 6, src->leverage);
		}
		PG_CATCH();
		{
			ledger_catch_error(dst, cxt);
		}
		PG_END_TRY();
	}
	if (dst->error != NULL)
		return;
	PG_TRY();
	{
		combine_values(dst, src);
	}
	PG_CATCH();
	{
		ledger_catch_error(dst, cxt);
	}
	PG_END_TRY();
}

/* ledger_accum_combine's sums and lists. */
static void
combine_values(LedgerAccum *dst, LedgerAccum *src)
{
	MemoryContext mcxt = dst->ms->mcxt;
	int			i;

	margin_accum_combine(dst->ms, src->ms);
	kept_positions_combine(mcxt, &dst->positions, &src->positions);
	for (i = 0; i < src->nbal; i++)
	{
		LedgerBalance b = src->bal[i];

		CHECK_FOR_INTERRUPTS();
		b.equity = pmv_copy_in(mcxt, b.equity);
		b.borrowed = pmv_copy_in(mcxt, b.borrowed);
		b.interest = pmv_copy_in(mcxt, b.interest);
		ledger_add_balance(dst, b);
	}
	for (i = 0; i < src->nord; i++)
	{
		LedgerOrder o = src->ord[i];

		CHECK_FOR_INTERRUPTS();
		o.sell_qty = pmv_copy_in(mcxt, o.sell_qty);
		o.buy_qty = pmv_copy_in(mcxt, o.buy_qty);
		ledger_add_order(dst, o);
	}
}

/*
 * pm.ledger_combine(internal, internal): the ledger aggregates' combine
 * function; the second accumulator is added into the first, made in the
 * aggregate context when the first is NULL.
 */
Datum
pm_ledger_combine(PG_FUNCTION_ARGS)
{
	MemoryContext aggcontext = ledger_context(fcinfo);
	LedgerAccum *a = PG_ARGISNULL(0) ? NULL : (LedgerAccum *) PG_GETARG_POINTER(0);
	LedgerAccum *b = PG_ARGISNULL(1) ? NULL : (LedgerAccum *) PG_GETARG_POINTER(1);

	ledger_check_unshared(a);
	ledger_check_unshared(b);
	if (b == NULL)
	{
		if (a == NULL)
			PG_RETURN_NULL();
		PG_RETURN_POINTER(a);
	}
	if (a == NULL)
	{
		a = ledger_accum_create(aggcontext);
		a->keep = b->keep;
	}
	ledger_accum_combine(a, b);
	if (a->cache == NULL)
		a->cache = b->cache;
	PG_RETURN_POINTER(a);
}
