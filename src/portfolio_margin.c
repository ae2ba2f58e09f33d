/*-------------------------------------------------------------------------
 *
 * portfolio_margin.c
 *	  Module entry point of the portfolio_margin extension.
 *
 * The extension computes Binance-style portfolio-margin risk exactly in
 * numeric; each concern lives in its own file:
 *
 *	  pm_numeric.c		exact numeric helpers and the one division rule
 *	  dec_numeric.c		numeric <-> scaled-int128 fast path, exact sums
 *	  pm_value.c		values that use the fast path while they fit
 *	  line_math.c		the margin formulas, written once
 *	  tiers_build.c		schedule rules and the pm.tiers layout
 *	  tiers_io.c		pm.tiers text and binary I/O
 *	  tiers_sql.c		pm.tiers constructor, accessors, equality, hash
 *	  tiers_binance.c	pm.tiers from Binance's JSON answers
 *	  tiered.c			marginal sums and collateral value
 *	  futures.c			UM/CM unrealized PnL and maintenance margin
 *	  loans.c			cross-margin loan maintenance margin
 *	  refcache.c		session caches of the reference tables
 *	  access_rules.c	which accounts a role may see (pm.account_access)
 *	  restore.c			quiet state triggers while a dump is restored
 *	  core/				pure C, no PostgreSQL headers (unit-tested alone)
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "fmgr.h"
#include "utils/guc.h"

#include "compat.h"

#include "number.h"
#include "ledger_merge.h"
#include "refcache.h"

PG_MODULE_MAGIC;

void		_PG_init(void);

/*
 * Module load: register our settings, then reserve their prefix, so that
 * a misspelt portfolio_margin.* setting is an error rather than a silent
 * placeholder (one set before the library loaded is removed, with a
 * warning).
 */
void
_PG_init(void)
{
	pm_define_gucs();
	refcache_define_guc();
	ledger_merge_init();
	PM_RESERVE_GUC_PREFIX("portfolio_margin");
}
