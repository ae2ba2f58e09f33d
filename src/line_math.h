/*-------------------------------------------------------------------------
 *
 * line_math.h
 *	  The margin formulas of spec section 2, written once over PmVal and used
 *	  by the SQL functions and by the account ledger aggregate alike.
 *
 * Inputs are already validated: finite, prices and sizes positive,
 * leverages in range.  Each quotient is rounded once by the engine's rule.
 *
 *-------------------------------------------------------------------------
 */
#ifndef PM_LINE_MATH_H
#define PM_LINE_MATH_H

#include "fmgr.h"

#include "number.h"
#include "tiers.h"

extern PmVal pm_um_pnl(PmVal qty, PmVal entry, PmVal mark);
extern PmVal pm_cm_pnl(PmVal contracts, PmVal size, PmVal entry, PmVal mark);
extern PmVal pm_um_mm(PmVal qty, PmVal mark, PmTiers *brackets);
extern PmVal pm_cm_mm(PmVal contracts, PmVal size, PmVal mark, PmTiers *brackets);
extern int	pm_cm_bracket_of(PmVal contracts, PmVal size, PmVal mark, PmTiers *brackets);
extern PmVal pm_um_im(PmVal qty, PmVal mark, int32 leverage);
extern bool pm_um_line_dec(pm_dec qty, pm_dec entry, pm_dec mark, PmTiers *brackets,
						   int32 leverage, PmVal *pnl, PmVal *mm, PmVal *im);
extern PmVal pm_cm_im(PmVal contracts, PmVal size, PmVal mark, int32 leverage);
extern PmVal pm_cm_notional_of(PmVal contracts, PmVal size, PmVal mark);
extern PmVal pm_loan_mm(PmVal borrowed, PmVal interest, PmVal mmr);
extern PmVal pm_loan_im(PmVal borrowed, int32 leverage);
extern PmVal pm_collateral_of(PmVal value_usd, PmTiers *schedule);
extern PmVal pm_open_loss_of(PmVal sell_qty, PmVal sell_price, PmTiers *sell_collateral,
							 PmVal buy_qty, PmVal buy_price, PmTiers *buy_collateral);

/* orders.c */
extern void pm_check_order_price(const char *asset, int len, Numeric price, const char *verb);

/* Argument checks for SQL functions, reading the datum without detoasting. */
extern PmVal pm_arg_finite(FunctionCallInfo fcinfo, int argno, const char *what);
extern PmVal pm_arg_positive(FunctionCallInfo fcinfo, int argno, const char *what);
extern PmVal pm_arg_not_negative(FunctionCallInfo fcinfo, int argno, const char *what);
extern void pm_check_leverage(int32 leverage, int32 min, const char *what);

#endif							/* PM_LINE_MATH_H */
