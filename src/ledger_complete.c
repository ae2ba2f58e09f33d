/*-------------------------------------------------------------------------
 *
 * ledger_complete.c
 *	  Completing the ledger accumulator: once the account's program and
 *	  leverage are known, its balances (with their loans) and open orders
 *	  become margin lines, and every asset gets the collateral schedule of
 *	  the account's program (or of the scenario).
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "miscadmin.h"

#include "compat.h"
#include "ledger_accum.h"
#include "line_math.h"

/*
 * A balance without a loan, valued only, whose asset nothing else in the
 * account touches -- it is no position's settle asset, no other balance
 * names it -- is its asset's whole equity: its USD value and collateral
 * value go straight into ls->outside, with the checks add_line
 * (margin_accum.c) makes, and the margin accumulator never holds the
 * asset.  (A second line of the asset would have to be summed before the
 * tiers, so then, or when the margin accumulator holds the asset already,
 * it returns false and the line goes into the margin accumulator.)  Orders
 * are completed after balances and add only open loss, which does not mix
 * with equity.
 */
static bool
value_outside(LedgerAccum *ls, int i, const MarginAssetRef *asset, uint64 shared_bits)
{
	LedgerBalance *b = &ls->bal[i];
	MemoryContext old;
	PmVal		value,
				collateral_value;
	int			j;

	if (margin_accum_find_ref(ls->ms, asset) != NULL)
		return false;
	/* another balance of the asset? only if another shares its hash bit */
	if (shared_bits & (UINT64CONST(1) << (b->asset->hash & 63)))
		for (j = 0; j < ls->nbal; j++)
			if (j != i && ledger_same_asset(ls->bal[j].asset, b->asset))
				return false;
	/*
	 * margin_check_line's tests: with a fast-path equity (finite), a price
	 * and a name of valid length, only "is it zero" is left
	 */
	if (b->equity.is_dec && asset->price != NULL && asset->len > 0 && asset->len <= PM_ASSET_NAME_MAX)
	{
		if (pm_dec_sign(b->equity.d) == 0)
			return true;
	}
	else if (!margin_check_line(asset->name, asset->len, &b->equity, NULL, NULL, NULL, asset->price))
		return true;
	margin_check_price(asset->name, asset->len, asset->price);
	old = MemoryContextSwitchTo(ls->ms->mcxt);
	value = pm_asset_value(b->equity, asset->price_val, ledger_collateral(ls, b->asset),
						   &collateral_value);
	ls->outside[PM_FIGURE_ACCOUNT_EQUITY] =
		pmv_add(ls->outside[PM_FIGURE_ACCOUNT_EQUITY], collateral_value);
	ls->outside[PM_FIGURE_ACTUAL_EQUITY] = pmv_add(ls->outside[PM_FIGURE_ACTUAL_EQUITY], value);
	MemoryContextSwitchTo(old);
	return true;
}

/*
 * Complete the accumulator: what waited for the account's program and
 * leverage -- balances with their loans, open orders -- goes into the
 * per-asset sums, once: a hashed aggregate that is rescanned (the inner
 * side of a nested loop) finalizes the same accumulator again, and must get
 * the same answer.  values_only (pm.account_ledger_risk, whose fields are
 * rounded values): zero margins are not added, and a balance that is its
 * asset's only line is valued outside the margin accumulator
 * (value_outside).
 */
void
ledger_accum_complete(LedgerAccum *ls, RefData *cache, bool values_only)
{
	MarginAccum *ms = ls->ms;
	PmVal		zero = pmv_zero();
	PmVal		mmr;
	Numeric		mmr_num;
	int			i;

	if (ls->completed)
		return;
	{
		/* kept in the accumulator: a rescanned aggregate finalizes it again */
		MemoryContext old = MemoryContextSwitchTo(ms->mcxt);

		for (i = 0; i < PM_FIGURE_COUNT; i++)
			ls->outside[i] = pmv_zero();
		MemoryContextSwitchTo(old);
	}
	if (!ls->has_account)
		ereport(ERROR,
				(errcode(ERRCODE_FOREIGN_KEY_VIOLATION),
				 errmsg("an account ledger has no account row")));

	if (ls->nbal > 0)
	{
		uint64		seen = 0,
					shared_bits = 0;

		/* the hash bits more than one balance has (same asset, same hash) */
		for (i = 0; i < ls->nbal; i++)
		{
			uint64		bit = UINT64CONST(1) << (ls->bal[i].asset->hash & 63);

			shared_bits |= seen & bit;
			seen |= bit;
		}
		mmr_num = refdata_loan_mmr(cache, ls->leverage);
		if (mmr_num == NULL)
			ereport(ERROR,
					(errcode(ERRCODE_FOREIGN_KEY_VIOLATION),
					 errmsg("loan leverage %d is not in pm.loan_mmr", ls->leverage)));
		mmr = pmv_numeric(mmr_num);
		for (i = 0; i < ls->nbal; i++)
		{
			LedgerBalance *b = &ls->bal[i];
			MarginAssetRef asset = ledger_asset_ref(ls, b->asset);
			PmVal		mm,
						im;

			CHECK_FOR_INTERRUPTS();
			/* without a loan both margins are 0: by value, nothing to add */
			if (values_only && pmv_sign(b->borrowed) == 0 && pmv_sign(b->interest) == 0)
			{
				if (!value_outside(ls, i, &asset, shared_bits))
					margin_add_line_ref(ms, &asset, &b->equity, NULL, NULL, NULL);
				continue;
			}
			mm = pm_loan_mm(b->borrowed, b->interest, mmr);
			im = pm_loan_im(b->borrowed, ls->leverage);
			margin_add_line_ref(ms, &asset, &b->equity, &mm, &im, values_only ? NULL : &zero);
		}
	}

	/* open orders lose collateral value in PM only */
	if (ls->is_pm)
	{
		for (i = 0; i < ls->nord; i++)
		{
			LedgerOrder *o = &ls->ord[i];
			MarginAssetRef sell = ledger_asset_ref(ls, o->sell),
						buy = ledger_asset_ref(ls, o->buy);
			PmVal		ol;

			CHECK_FOR_INTERRUPTS();
			pm_check_order_price(o->sell->name, o->sell->len, sell.price, "sells");
			pm_check_order_price(o->buy->name, o->buy->len, buy.price, "buys");
			ol = pm_open_loss_of(o->sell_qty, sell.price_val, ledger_collateral(ls, o->sell),
								 o->buy_qty, buy.price_val, ledger_collateral(ls, o->buy));
			if (values_only)
				margin_add_line_ref(ms, &sell, NULL, NULL, NULL, &ol);
			else
				margin_add_line_ref(ms, &sell, &zero, &zero, &zero, &ol);
		}
	}
	ls->completed = true;
}

/* Every asset's collateral schedule in the account's program (or scenario). */
void
ledger_set_collateral(LedgerAccum *ls, RefData *cache)
{
	MarginAccum *ms = ls->ms;
	int			i;

	for (i = 0; i < ms->nassets; i++)
	{
		/* the query's reference data's record, when the asset came in through it */
		AssetInfo  *a = ms->assets[i].owner ? (AssetInfo *) ms->assets[i].owner
			: refdata_asset(cache, ms->assets[i].name, ms->assets[i].name_len);

		CHECK_FOR_INTERRUPTS();
		ms->assets[i].collateral = a ? ledger_collateral(ls, a) : NULL;
	}
}
