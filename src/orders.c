/*-------------------------------------------------------------------------
 *
 * orders.c
 *	  Open-order loss of a PM cross-margin order (spec section 2):
 *
 *	  openLoss = max(0, CV_X(q_out) - CV_Y(q_in))	  USD
 *
 * for an order giving up q_out of X to receive q_in of Y at its limit
 * price, each side valued at its index price and collateral schedule (flat
 * in PM).  An asset that is not collateral counts 0.  Binance describes
 * open loss only in words; this formula is our reading of it.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "fmgr.h"
#include "utils/builtins.h"

#include "compat.h"
#include "numeric_raw.h"
#include "pm_numeric.h"
#include "tiers.h"

PG_FUNCTION_INFO_V1(pm_order_open_loss);

/* Collateral value of a positive quantity of one side of the order. */
static Numeric
side_value(FunctionCallInfo fcinfo, int first, const char *side)
{
	char	   *asset = PG_ARGISNULL(first) ? "(unknown)" : text_to_cstring(PG_GETARG_TEXT_PP(first));
	Numeric		qty,
				price,
				value;
	PmTiers    *schedule;

	if (PG_ARGISNULL(first + 1))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("the %s quantity of an order in %s is missing", side, asset)));
	if (PG_ARGISNULL(first + 2))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("missing index price for asset %s", asset),
				 errdetail("An open order %s %s, and its open loss needs the price.",
						   strcmp(side, "sell") == 0 ? "sells" : "buys", asset)));
	qty = PG_GETARG_NUMERIC(first + 1);
	price = PG_GETARG_NUMERIC(first + 2);
	pm_check_positive(qty, psprintf("%s_qty", side));
	pm_check_positive(price, psprintf("%s_price", side));
	value = pm_mul(qty, price);
	if (PG_ARGISNULL(first + 3))
		return pm_const_zero();
	schedule = PG_GETARG_PMTIERS(first + 3);
	pm_check_collateral_schedule(schedule);
	return pm_tiers_eval(schedule, value);
}

/*
 * pm.order_open_loss(sell_asset, sell_qty, sell_price, sell_collateral,
 *					  buy_asset, buy_qty, buy_price, buy_collateral)
 * Not strict: a missing price is an error naming the asset, not a NULL.
 */
Datum
pm_order_open_loss(PG_FUNCTION_ARGS)
{
	Numeric		out = side_value(fcinfo, 0, "sell");
	Numeric		in = side_value(fcinfo, 4, "buy");
	Numeric		loss = pm_sub(out, in);

	PG_RETURN_NUMERIC(pm_numeric_sign(loss) > 0 ? loss : pm_zero());
}
