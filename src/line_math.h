/*-------------------------------------------------------------------------
 *
 * line_math.h
 *	  The margin formulas of docs/spec.md §2.1-2.8, written once over PmVal and used
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
#include "refdata.h"
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

/*
 * An asset's USD value, equity x index price, and what it counts for as
 * collateral (docs/spec.md §2.3).  The one place an asset is valued: the
 * summary's per-asset fields, the account figures and the balances valued
 * outside the accumulator all come here.  Inline: once per asset of every
 * account.
 */
static inline PmVal
pm_asset_value(PmVal equity, PmVal price, PmTiers *schedule, PmVal *collateral_value)
{
	PmVal		value = pmv_mul(equity, price);

	*collateral_value = pm_collateral_of(value, schedule);
	return value;
}

/* A position valued at a mark, by its symbol's terms (line_math.c). */
extern void position_line(SymbolInfo *s, PmVal mark, PmVal qty, PmVal entry,
						  int32 leverage, PmVal *pnl, PmVal *mm, PmVal *im);
extern void position_values(SymbolInfo *s, PmVal mark, PmVal qty, PmVal entry,
							PmVal *pnl, PmVal *mm);

/*
 * A balance's equity in units of its asset (docs/spec.md §2.1): the wallets
 * less the loan and its interest.  Every C path sums a balance row here;
 * the pm.margin_line view writes the same sum in SQL for readers, and the
 * differential tests hold the two equal.
 */
static inline PmVal
pm_balance_equity(PmVal cross_free, PmVal cross_locked, PmVal borrowed, PmVal interest,
				  PmVal um_wallet, PmVal cm_wallet)
{
	return pmv_add(pmv_add(pmv_sub(pmv_sub(pmv_add(cross_free, cross_locked), borrowed),
								   interest), um_wallet), cm_wallet);
}

/* orders.c */
extern void pm_check_order_price(const char *asset, int len, Numeric price, const char *verb);

/* Argument checks for SQL functions, reading the datum without detoasting. */
extern PmVal pm_arg_finite(FunctionCallInfo fcinfo, int argno, const char *what);
extern PmVal pm_arg_positive(FunctionCallInfo fcinfo, int argno, const char *what);
extern PmVal pm_arg_not_negative(FunctionCallInfo fcinfo, int argno, const char *what);
extern void pm_check_leverage(int32 leverage, int32 min, const char *what);

#endif							/* PM_LINE_MATH_H */
