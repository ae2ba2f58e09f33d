/*-------------------------------------------------------------------------
 *
 * as_of.h
 *	  portfolio_margin.as_of: the moment reference data is read as of.
 *
 * Empty (the default): the reference tables as they are now.  Set, to a
 * timestamptz: what they held at that moment, read back from their history
 * (pm.asset_at(), pm.symbol_at(), ...).  pm.account_risk_at() and the other
 * as-of functions set it for the length of their call.
 *
 *-------------------------------------------------------------------------
 */
#ifndef PM_AS_OF_H
#define PM_AS_OF_H

extern void as_of_define_guc(void);
extern bool as_of_active(void);

#endif							/* PM_AS_OF_H */
