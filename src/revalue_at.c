/*-------------------------------------------------------------------------
 *
 * revalue_at.c
 *	  portfolio_margin.revalue_at: when a price change revalues the
 *	  accounts it moves (see revalue_at.h).
 *
 * Only the setting lives here: the triggers that act on it are SQL
 * (pm.state_after_symbol_update, pm.state_after_asset_update and
 * pm.revalue_pending_now in the install script).  Registered by the
 * library so that a misspelt value is refused instead of being read as
 * 'statement'.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "utils/guc.h"

#include "revalue_at.h"

/* the two moments, as the setting names them */
static const struct config_enum_entry revalue_at_options[] = {
	{"statement", 0, false},
	{"commit", 1, false},
	{NULL, 0, false}
};

static int	revalue_at_value = 0;

/* Register portfolio_margin.revalue_at (called from _PG_init). */
void
revalue_at_define_guc(void)
{
	DefineCustomEnumVariable("portfolio_margin.revalue_at",
							 "When a change of marks or index prices revalues the accounts it moves: after each statement, or once at commit.",
							 "'commit' revalues every account the transaction's price changes moved once, when it commits, "
							 "whatever number of rows and statements moved it; inside the transaction pm.account_state keeps "
							 "the values of before the price changes.",
							 &revalue_at_value,
							 0,
							 revalue_at_options,
							 PGC_USERSET,
							 0,
							 NULL, NULL, NULL);
}
