/*-------------------------------------------------------------------------
 *
 * revalue_at.h
 *	  portfolio_margin.revalue_at: when a price change revalues the
 *	  accounts it moves.
 *
 * 'statement' (the default): at the end of each statement that moved
 * marks or index prices, so pm.account_state inside the writing
 * transaction is as of its last statement.  'commit': once, when the
 * transaction commits, for every price the transaction moved, so an account
 * moved by several rows and statements is revalued once (a price feed's
 * setting).  The triggers read it through current_setting().
 *
 *-------------------------------------------------------------------------
 */
#ifndef PM_REVALUE_AT_H
#define PM_REVALUE_AT_H

extern void revalue_at_define_guc(void);

#endif							/* PM_REVALUE_AT_H */
