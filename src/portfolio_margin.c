/*-------------------------------------------------------------------------
 *
 * portfolio_margin.c
 *	  Module entry point of the portfolio_margin extension.
 *
 * The extension computes Binance-style portfolio-margin risk exactly in
 * numeric.  One job per file; docs/internals.md lists every file.  From the
 * bottom layer up:
 *
 *	  core/				pure C, no PostgreSQL headers: the decimal, the
 *						schedule lexer, the checked reader of every binary form
 *	  number*.c			the number layer, one header number.h: numeric, dec,
 *						value, sum
 *	  tiers_*.c			pm.tiers: rules, I/O, SQL, Binance answers, evaluation
 *	  refdata.c			assets and symbols a query reads; refcache.c keeps
 *						them between queries; as_of.c reads them as of a moment
 *	  line_math.c		every margin formula, written once
 *	  margin_accum.c	per-asset sums of one account; margin_summary.c the
 *						figures and uniMMR from them; margin_agg.c pm.margin
 *	  ledger_*.c		pm.account_ledger_risk: rows in, scenarios, combine,
 *						codec, complete, final; ledger_totals.c the stored
 *						ledger totals; ledger_merge_*.c the custom node
 *	  risk_fields.c, status.c, risk_split.c	what the views show
 *	  state_trigger.c, row_check.c, access_rules.c, restore.c
 *						keeping pm.account_state, checks, row security, restores
 *	  tiered.c, futures.c, loans.c, orders.c	SQL functions over the formulas
 *	  wire_pg.c, excerpt.c, json_keys.c	the glue to PostgreSQL
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "fmgr.h"
#include "utils/guc.h"

#include "compat.h"

#include "as_of.h"
#include "number.h"
#include "ledger_merge.h"
#include "refcache.h"
#include "revalue_at.h"

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
	as_of_define_guc();
	revalue_at_define_guc();
	ledger_merge_init();
	PM_RESERVE_GUC_PREFIX("portfolio_margin");
}
