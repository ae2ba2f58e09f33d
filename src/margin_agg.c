/*-------------------------------------------------------------------------
 *
 * margin_agg.c
 *	  The aggregates pm.margin(...) and pm.rollup(pm.margin_summary).
 *
 *	  pm.margin(asset, equity, maint_margin, index_price, collateral)
 *	  pm.margin(asset, equity, maint_margin, initial_margin, open_loss,
 *				index_price, collateral)
 *
 * Each row is one margin line of one account: equity and margins in units
 * of the asset, open loss in USD (Binance defines it in USD: it compares
 * two assets).  Lines are netted per asset before any haircut.  A line whose
 * amounts are all zero or NULL changes nothing and needs neither an asset
 * nor a price (so LEFT JOINs from accounts without lines are fine).
 *
 * Transition state: a margin accumulator (MarginAccum) in the aggregate
 * context.  Combine, serialize and deserialize make both aggregates
 * parallel and partitionwise; the accumulator's content does not depend on
 * the order of lines or partial states, so every plan gives the same
 * summary, digit for digit.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "fmgr.h"
#include "libpq/pqformat.h"
#include "utils/builtins.h"

#include "compat.h"
#include "margin_accum.h"
#include "margin_summary.h"
#include "number.h"
#include "tiers.h"

PG_FUNCTION_INFO_V1(pm_margin_sfunc);
PG_FUNCTION_INFO_V1(pm_rollup_sfunc);
PG_FUNCTION_INFO_V1(pm_margin_combine);
PG_FUNCTION_INFO_V1(pm_margin_serialize);
PG_FUNCTION_INFO_V1(pm_margin_deserialize);
PG_FUNCTION_INFO_V1(pm_margin_final);

/* The aggregate's memory context; these functions only work as aggregates. */
static MemoryContext
aggregate_context(FunctionCallInfo fcinfo, const char *fname)
{
	MemoryContext aggcontext;

	if (!AggCheckCallContext(fcinfo, &aggcontext))
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("%s called in non-aggregate context", fname)));
	return aggcontext;
}

/* A numeric argument as a value, read without detoasting when it fits. */
static const PmVal *
value_arg(FunctionCallInfo fcinfo, int n, PmVal *buf)
{
	if (PG_ARGISNULL(n))
		return NULL;
	*buf = pmv_numeric((Numeric) DatumGetPointer(PG_GETARG_DATUM(n)));
	return buf;
}

/*
 * pm.margin_sfunc, the transition function of both pm.margin forms:
 *	 (accumulator, asset, equity, maint_margin, index_price, collateral)
 *	 (accumulator, asset, equity, maint_margin, initial_margin, open_loss,
 *	  index_price, collateral)
 */
Datum
pm_margin_sfunc(PG_FUNCTION_ARGS)
{
	MemoryContext aggcontext = aggregate_context(fcinfo, "pm.margin");
	MarginAccum *st = PG_ARGISNULL(0) ? NULL : (MarginAccum *) PG_GETARG_POINTER(0);
	bool		long_form = PG_NARGS() == 8;
	int			price_arg = long_form ? 6 : 4;
	PmVal		e,
				m,
				i,
				o;
	const PmVal *equity = value_arg(fcinfo, 2, &e);
	const PmVal *mm = value_arg(fcinfo, 3, &m);
	const PmVal *im = long_form ? value_arg(fcinfo, 4, &i) : NULL;
	const PmVal *ol = long_form ? value_arg(fcinfo, 5, &o) : NULL;
	text	   *asset = PG_ARGISNULL(1) ? NULL : PG_GETARG_TEXT_PP(1);

	/* a group that saw rows, even only empty ones, has a (possibly empty) summary */
	if (st == NULL)
		st = margin_accum_create(aggcontext);

	margin_add_line(st,
					asset ? VARDATA_ANY(asset) : NULL,
					asset ? VARSIZE_ANY_EXHDR(asset) : 0,
					equity, mm, im, ol,
					PG_ARGISNULL(price_arg) ? NULL : PG_GETARG_NUMERIC(price_arg),
					PG_ARGISNULL(price_arg + 1) ? NULL : PG_GETARG_PMTIERS(price_arg + 1));
	PG_RETURN_POINTER(st);
}

/*
 * pm.rollup_sfunc(internal, pm.margin_summary), the transition function of
 * pm.rollup: combine a summary's assets into the accumulator.
 */
Datum
pm_rollup_sfunc(PG_FUNCTION_ARGS)
{
	MemoryContext aggcontext = aggregate_context(fcinfo, "pm.rollup");
	MarginAccum *st = PG_ARGISNULL(0) ? NULL : (MarginAccum *) PG_GETARG_POINTER(0);

	if (st == NULL)
		st = margin_accum_create(aggcontext);
	if (!PG_ARGISNULL(1))
		margin_summary_add_to_accum(st, PG_GETARG_PMSUMMARY(1));
	PG_RETURN_POINTER(st);
}

/*
 * pm.margin_combine(internal, internal): combine two accumulators.  The
 * result lives in the aggregate context; the second accumulator may live
 * elsewhere (deserialized), so it is copied in, never adopted.
 */
Datum
pm_margin_combine(PG_FUNCTION_ARGS)
{
	MemoryContext aggcontext = aggregate_context(fcinfo, "pm.margin");
	MarginAccum *a = PG_ARGISNULL(0) ? NULL : (MarginAccum *) PG_GETARG_POINTER(0);
	MarginAccum *b = PG_ARGISNULL(1) ? NULL : (MarginAccum *) PG_GETARG_POINTER(1);

	if (b == NULL)
	{
		if (a == NULL)
			PG_RETURN_NULL();
		PG_RETURN_POINTER(a);
	}
	if (a == NULL)
		a = margin_accum_create(aggcontext);
	margin_accum_combine(a, b);
	PG_RETURN_POINTER(a);
}

/*
 * pm.margin_serialize(internal): the accumulator to bytes, its partial state
 * for parallel workers: the binary form of a summary.
 */
Datum
pm_margin_serialize(PG_FUNCTION_ARGS)
{
	MarginAccum *st = (MarginAccum *) PG_GETARG_POINTER(0);
	StringInfoData buf;

	aggregate_context(fcinfo, "pm.margin");
	pq_begintypsend(&buf);
	margin_accum_send(&buf, st);
	PG_RETURN_BYTEA_P(pq_endtypsend(&buf));
}

/*
 * pm.margin_deserialize(bytea, internal): the partial state back to an
 * accumulator, checking every byte (see margin_accum_recv).
 */
Datum
pm_margin_deserialize(PG_FUNCTION_ARGS)
{
	bytea	   *bytes = PG_GETARG_BYTEA_PP(0);
	StringInfoData buf;
	MarginAccum *st;

	aggregate_context(fcinfo, "pm.margin");
	initStringInfo(&buf);
	appendBinaryStringInfo(&buf, VARDATA_ANY(bytes), VARSIZE_ANY_EXHDR(bytes));
	st = margin_accum_recv(&buf, CurrentMemoryContext, "pm.margin state");
	if (buf.cursor != buf.len)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
				 errmsg("invalid external pm.margin state value"),
				 errdetail("There are %d bytes left over.", buf.len - buf.cursor)));
	PG_RETURN_POINTER(st);
}

/*
 * pm.margin_final(internal), the final function of pm.margin and pm.rollup:
 * the summary of the accumulated lines; the accumulator is left as it was.
 */
Datum
pm_margin_final(PG_FUNCTION_ARGS)
{
	MarginAccum *st = (MarginAccum *) PG_GETARG_POINTER(0);

	aggregate_context(fcinfo, "pm.margin");
	PG_RETURN_POINTER(margin_summary_build(st));
}
