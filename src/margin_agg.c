/*-------------------------------------------------------------------------
 *
 * margin_agg.c
 *	  The aggregates pm.margin(...) and pm.rollup(pm.margin_summary).
 *
 *	  pm.margin(asset, equity, maint_margin, index_price, collateral)
 *	  pm.margin(asset, equity, maint_margin, initial_margin, open_loss,
 *				index_price, collateral)
 *
 * Each row is one ledger line of one account: equity and margins in units
 * of the asset, open loss in USD (Binance defines it in USD: it compares
 * two assets).  Lines are netted per asset before any haircut.  A line whose
 * amounts are all zero or NULL changes nothing and needs neither an asset
 * nor a price (so LEFT JOINs from accounts without lines are fine).
 *
 * Transition state: a MarginState in the aggregate context.  Combine,
 * serialize and deserialize make both aggregates parallel and partitionwise;
 * the state's content does not depend on the order of lines or partial
 * states, so every plan gives the same summary, digit for digit.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "fmgr.h"
#include "libpq/pqformat.h"
#include "utils/builtins.h"

#include "compat.h"
#include "margin_state.h"
#include "margin_summary.h"
#include "numeric_raw.h"
#include "pm_numeric.h"
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

/* A numeric argument, or NULL. */
static Numeric
numeric_arg(FunctionCallInfo fcinfo, int n)
{
	return PG_ARGISNULL(n) ? NULL : PG_GETARG_NUMERIC(n);
}

/* NULL or exactly zero: contributes nothing. */
static bool
is_zero(Numeric n)
{
	return n == NULL || (!pm_numeric_is_special(n) && pm_numeric_ndigits(n) == 0);
}

/*
 * Transition function of both pm.margin forms:
 *	 (state, asset, equity, maint_margin, index_price, collateral)
 *	 (state, asset, equity, maint_margin, initial_margin, open_loss, index_price, collateral)
 */
Datum
pm_margin_sfunc(PG_FUNCTION_ARGS)
{
	MemoryContext aggcontext = aggregate_context(fcinfo, "pm.margin");
	MarginState *st = PG_ARGISNULL(0) ? NULL : (MarginState *) PG_GETARG_POINTER(0);
	bool		long_form = PG_NARGS() == 8;
	int			price_arg = long_form ? 6 : 4;
	Numeric		equity = numeric_arg(fcinfo, 2);
	Numeric		mm = numeric_arg(fcinfo, 3);
	Numeric		im = long_form ? numeric_arg(fcinfo, 4) : NULL;
	Numeric		ol = long_form ? numeric_arg(fcinfo, 5) : NULL;
	Numeric		price;
	PmTiers    *collateral;
	text	   *asset;
	const char *name;
	int			name_len;

	/* a group that saw rows, even only empty ones, has a (possibly empty) summary */
	if (st == NULL)
		st = margin_state_create(aggcontext);

	if (is_zero(equity) && is_zero(mm) && is_zero(im) && is_zero(ol))
		PG_RETURN_POINTER(st);

	if (PG_ARGISNULL(1))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("a ledger line with amounts has no asset"),
				 errdetail("The line has equity %s and maintenance margin %s.",
						   equity ? pm_numeric_out(equity) : "NULL",
						   mm ? pm_numeric_out(mm) : "NULL")));
	asset = PG_GETARG_TEXT_PP(1);
	name = VARDATA_ANY(asset);
	name_len = VARSIZE_ANY_EXHDR(asset);
	if (name_len == 0 || name_len > PM_ASSET_NAME_MAX)
		margin_check_asset_name(name, name_len);
	margin_check_amounts(name, name_len, equity, mm, im, ol);

	if (PG_ARGISNULL(price_arg))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("missing index price for asset %.*s", name_len, name),
				 errdetail("A line of %.*s with equity %s and maintenance margin %s has no index price.",
						   name_len, name,
						   equity ? pm_numeric_out(equity) : "NULL",
						   mm ? pm_numeric_out(mm) : "NULL"),
				 errhint("Every asset an account holds, owes or settles in needs an index price.")));
	price = PG_GETARG_NUMERIC(price_arg);
	margin_check_price(name, name_len, price);
	collateral = PG_ARGISNULL(price_arg + 1) ? NULL : PG_GETARG_PMTIERS(price_arg + 1);

	margin_state_add(st, name, name_len, price, collateral, equity, mm, im, ol);
	PG_RETURN_POINTER(st);
}

/* Transition function of pm.rollup: merge a summary into the state. */
Datum
pm_rollup_sfunc(PG_FUNCTION_ARGS)
{
	MemoryContext aggcontext = aggregate_context(fcinfo, "pm.rollup");
	MarginState *st = PG_ARGISNULL(0) ? NULL : (MarginState *) PG_GETARG_POINTER(0);

	if (st == NULL)
		st = margin_state_create(aggcontext);
	if (!PG_ARGISNULL(1))
		margin_summary_add_to_state(st, PG_GETARG_PMSUMMARY(1));
	PG_RETURN_POINTER(st);
}

/*
 * Combine two partial states.  The result lives in the aggregate context;
 * the second state may live elsewhere (deserialized), so it is copied in,
 * never adopted.
 */
Datum
pm_margin_combine(PG_FUNCTION_ARGS)
{
	MemoryContext aggcontext = aggregate_context(fcinfo, "pm.margin");
	MarginState *a = PG_ARGISNULL(0) ? NULL : (MarginState *) PG_GETARG_POINTER(0);
	MarginState *b = PG_ARGISNULL(1) ? NULL : (MarginState *) PG_GETARG_POINTER(1);

	if (b == NULL)
	{
		if (a == NULL)
			PG_RETURN_NULL();
		PG_RETURN_POINTER(a);
	}
	if (a == NULL)
		a = margin_state_create(aggcontext);
	margin_state_merge(a, b);
	PG_RETURN_POINTER(a);
}

/* State to bytes, for parallel workers: the binary form of a summary. */
Datum
pm_margin_serialize(PG_FUNCTION_ARGS)
{
	MarginState *st = (MarginState *) PG_GETARG_POINTER(0);
	StringInfoData buf;

	aggregate_context(fcinfo, "pm.margin");
	pq_begintypsend(&buf);
	margin_state_send(&buf, st);
	PG_RETURN_BYTEA_P(pq_endtypsend(&buf));
}

/* Bytes to state, checking every byte (see margin_state_recv). */
Datum
pm_margin_deserialize(PG_FUNCTION_ARGS)
{
	bytea	   *bytes = PG_GETARG_BYTEA_PP(0);
	StringInfoData buf;
	MarginState *st;

	aggregate_context(fcinfo, "pm.margin");
	initStringInfo(&buf);
	appendBinaryStringInfo(&buf, VARDATA_ANY(bytes), VARSIZE_ANY_EXHDR(bytes));
	st = margin_state_recv(&buf, CurrentMemoryContext, "pm.margin state");
	if (buf.cursor != buf.len)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
				 errmsg("invalid external pm.margin state value"),
				 errdetail("There are %d bytes left over.", buf.len - buf.cursor)));
	PG_RETURN_POINTER(st);
}

/* The summary of the accumulated lines; the state is left as it was. */
Datum
pm_margin_final(PG_FUNCTION_ARGS)
{
	MarginState *st = (MarginState *) PG_GETARG_POINTER(0);

	aggregate_context(fcinfo, "pm.margin");
	PG_RETURN_POINTER(margin_summary_build(st));
}
