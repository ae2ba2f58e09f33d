/*-------------------------------------------------------------------------
 *
 * portfolio_margin.c
 *	  Module entry point of the portfolio_margin extension.
 *
 * The extension computes Binance-style portfolio-margin risk exactly in
 * numeric; each concern lives in its own file:
 *
 *	  pm_numeric.c		exact arithmetic helpers and the one division rule
 *	  tiers_build.c		schedule rules and the pm.tiers layout
 *	  tiers_io.c		pm.tiers text and binary I/O
 *	  tiers_sql.c		pm.tiers constructor, accessors, equality, hash
 *	  tiers_binance.c	pm.tiers from Binance's JSON answers
 *	  tiered.c			marginal sums and collateral value
 *	  futures.c			UM/CM unrealized PnL and maintenance margin
 *	  loans.c			cross-margin loan maintenance margin
 *	  core/				pure C, no PostgreSQL headers (unit-tested alone)
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "fmgr.h"

PG_MODULE_MAGIC;
