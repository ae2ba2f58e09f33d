/*-------------------------------------------------------------------------
 *
 * as_of.c
 *	  portfolio_margin.as_of: the moment reference data is read as of
 *	  (see as_of.h).
 *
 * A setting rather than an argument because the readers are the ledger
 * aggregates, whose signatures are the rows they take: the moment reaches
 * them, and every parallel worker, as a setting does.  Reading as of a
 * moment bypasses the session cache (refcache.c): the history tables grow
 * with every price tick, and a read of the past is rare next to a read of
 * the present.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "utils/guc.h"

#include "as_of.h"

static char *as_of_value = NULL;

/* Register portfolio_margin.as_of (called from _PG_init). */
void
as_of_define_guc(void)
{
	DefineCustomStringVariable("portfolio_margin.as_of",
							   "Reads pm's reference data (prices, symbols, collateral, loan rates, the status ladder) as of this moment.",
							   "Empty reads them as they are now.  pm.account_risk_at() and the other as-of functions set it for their call; "
							   "set by hand, it values the present rows with the reference data of that moment.",
							   &as_of_value,
							   "",
							   PGC_USERSET,
							   0,
							   NULL, NULL, NULL);
}

/* Whether reference data is to be read as of a moment. */
bool
as_of_active(void)
{
	return as_of_value != NULL && as_of_value[0] != '\0';
}
