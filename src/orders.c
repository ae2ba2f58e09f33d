/*-------------------------------------------------------------------------
 *
 * orders.c
 *	  Open-order loss of a PM cross-margin order (docs/spec.md §2.6):
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
#include "excerpt.h"
#include "line_math.h"
#include "number.h"
#include "tiers.h"

PG_FUNCTION_INFO_V1(pm_order_open_loss);

/*
 * An order's open loss needs both index prices; a missing one is an error
 * naming the asset.  verb is "sells" or "buys".
 */
void
pm_check_order_price(const char *asset, int len, Numeric price, const char *verb)
{
	if (price == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("missing index price for asset %s", pm_excerpt(asset, len)),
				 errdetail("An open order %s %s, and its open loss needs the price.",
						   verb, pm_excerpt(asset, len))));
}

/* One side of the order: quantity, price and schedule, checked. */
static void
order_side(FunctionCallInfo fcinfo, int first, const char *side,
		   PmVal *qty, PmVal *price, PmTiers **schedule)
{
	char	   *asset = PG_ARGISNULL(first) ? "(unknown)" : pm_text_excerpt(PG_GETARG_TEXT_PP(first));

	if (PG_ARGISNULL(first + 1))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("the %s quantity of an order in %s is missing", side, asset)));
	if (PG_ARGISNULL(first + 2))
		pm_check_order_price(asset, strlen(asset), NULL,
							 strcmp(side, "sell") == 0 ? "sells" : "buys");
	*qty = pm_arg_positive(fcinfo, first + 1, psprintf("%s_qty", side));
	*price = pm_arg_positive(fcinfo, first + 2, psprintf("%s_price", side));
	*schedule = PG_ARGISNULL(first + 3) ? NULL : PG_GETARG_PMTIERS(first + 3);
	if (*schedule != NULL)
		pm_check_collateral_schedule(*schedule);
}

/*
 * pm.order_open_loss(sell_asset, sell_qty, sell_price, sell_collateral,
 *					  buy_asset, buy_qty, buy_price, buy_collateral)
 * Not strict: a missing price is an error naming the asset, not a NULL.
 */
Datum
pm_order_open_loss(PG_FUNCTION_ARGS)
{
	PmVal		sell_qty,
				sell_price,
				buy_qty,
				buy_price;
	PmTiers    *sell_coll,
			   *buy_coll;

	order_side(fcinfo, 0, "sell", &sell_qty, &sell_price, &sell_coll);
	order_side(fcinfo, 4, "buy", &buy_qty, &buy_price, &buy_coll);
	PG_RETURN_NUMERIC(pmv_to_numeric(pm_open_loss_of(sell_qty, sell_price, sell_coll,
													 buy_qty, buy_price, buy_coll)));
}
