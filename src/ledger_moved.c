/*-------------------------------------------------------------------------
 *
 * ledger_moved.c
 *	  Revaluing only what a move of prices touches: an account's figures
 *	  under a scenario (or a liquidation price's shock) from its figures
 *	  without one, by valuing again only the assets the move touches.
 *
 * An account's figures -- collateral-weighted equity, USD value,
 * maintenance and initial margin, open-order loss -- are exact sums of one
 * term per asset (and per open order, for the open loss), and each term
 * depends only on that asset's lines, price and schedule.  A move of some
 * assets M (their index prices, the marks of symbols based on them, or
 * their schedules) changes the terms of the assets in M and of the assets
 * that positions on symbols based on M settle in -- the touched assets --
 * and the open loss of the orders that sell or buy an asset in M; nothing
 * else.  So
 *
 *	  figures under the move = figures without it
 *							   - the touched terms without it
 *							   + the touched terms under it
 *
 * exactly (the sums are exact), and the touched terms are a handful of
 * products: the touched asset's balances and loans summed once per account,
 * the lines of the positions that do not move (at their marks, computed
 * once per account), and the lines of those that do, at the moved marks.
 * The formulas are the accumulator's own (line_math.h: pm_asset_value,
 * position_line, pm_loan_mm, pm_loan_im, pm_open_loss_of), the moved
 * prices, marks and schedules the scenario accumulator's (ledger_asset_ref,
 * ledger_mark, ledger_collateral), so the values are the ones a full pass
 * would give; the callers keep their own full pass for moves of every
 * asset ('*').
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "miscadmin.h"

#include "compat.h"
#include "ledger_accum.h"
#include "ledger_moved.h"
#include "line_math.h"

/* An asset with lines in the account: its balances' and loans' sums. */
typedef struct MovedAsset
{
	AssetInfo  *asset;
	PmVal		equity;			/* balances, in the asset's units */
	PmVal		mm;				/* loans' maintenance margin, units */
	PmVal		im;				/* loans' initial margin, units */
} MovedAsset;

/* A position: its symbol, its settle asset's slot, its line at the mark. */
typedef struct MovedPosition
{
	const KeptPosition *p;
	SymbolInfo *s;
	int			settle;			/* index into MovedBase.assets */
	PmVal		pnl,
				mm,
				im;
} MovedPosition;

/* The touched terms without a move, for one touched set (a move's). */
typedef struct MovedWithout
{
	bool	   *touched;		/* per asset, then per order */
	PmVal		sums[PM_FIGURE_COUNT];
} MovedWithout;

#define MOVED_WITHOUT_KEPT 8

struct MovedBase
{
	const LedgerAccum *st;
	MemoryContext mcxt;
	LedgerAccum *plain;			/* no scenario: the prices as they are */
	int			nassets;
	MovedAsset *assets;
	int			npositions;
	MovedPosition *positions;
	bool	   *touched;		/* per asset, then per order, for the move
								 * last asked about (moved_touch) */
	int			nwithout;		/* touched sets seen, their terms without a move */
	MovedWithout without[MOVED_WITHOUT_KEPT];
};

/* The slot of asset a, added (with nothing summed) if new. */
static int
asset_slot(MovedBase *b, AssetInfo *a)
{
	for (int i = 0; i < b->nassets; i++)
		if (ledger_same_asset(b->assets[i].asset, a))
			return i;
	b->assets[b->nassets].asset = a;
	b->assets[b->nassets].equity = pmv_zero();
	b->assets[b->nassets].mm = pmv_zero();
	b->assets[b->nassets].im = pmv_zero();
	return b->nassets++;
}

/*
 * What every move of this account starts from, in mcxt: per asset its
 * balances' equity and its loans' margins (as completion makes them), per
 * position its line at its mark.  st is a kept ledger (positions as they
 * are) that values without an error: its program, leverage and loan rate
 * are known.
 */
MovedBase *
moved_base_build(const LedgerAccum *st, RefData *ref, MemoryContext mcxt)
{
	MemoryContext old = MemoryContextSwitchTo(mcxt);
	MovedBase  *b = palloc0(sizeof(MovedBase));
	int			cap = st->nbal + st->positions.n + 1;
	Numeric		mmr_num = NULL;

	b->st = st;
	b->mcxt = mcxt;
	b->plain = ledger_accum_begin(mcxt, ref);
	b->plain->is_pm = st->is_pm;
	b->plain->has_account = st->has_account;
	b->plain->leverage = st->leverage;
	b->assets = palloc(sizeof(MovedAsset) * cap);
	b->touched = palloc(sizeof(bool) * (cap + st->nord));
	b->positions = palloc(sizeof(MovedPosition) * Max(st->positions.n, 1));
	for (int i = 0; i < st->nbal; i++)
	{
		const LedgerBalance *bal = &st->bal[i];
		MovedAsset *a = &b->assets[asset_slot(b, bal->asset)];

		a->equity = pmv_add(a->equity, bal->equity);
		if (pmv_sign(bal->borrowed) != 0 || pmv_sign(bal->interest) != 0)
		{
			if (mmr_num == NULL)
			{
				mmr_num = refdata_loan_mmr(ref, st->leverage);
				if (mmr_num == NULL)
					elog(ERROR, "loan leverage %d is not in pm.loan_mmr", st->leverage);
			}
			a->mm = pmv_add(a->mm, pm_loan_mm(bal->borrowed, bal->interest, pmv_numeric(mmr_num)));
			a->im = pmv_add(a->im, pm_loan_im(bal->borrowed, st->leverage));
		}
	}
	for (int i = 0; i < st->positions.n; i++)
	{
		const KeptPosition *p = &st->positions.items[i];
		MovedPosition *mp = &b->positions[b->npositions++];

		mp->p = p;
		mp->s = refdata_symbol(ref, p->symbol, p->len);
		if (mp->s == NULL)
			elog(ERROR, "symbol %s vanished from the reference data", p->symbol);
		mp->settle = asset_slot(b, mp->s->settle);
		position_line(mp->s, mp->s->mark, p->qty, p->entry, p->leverage, &mp->pnl, &mp->mm, &mp->im);
	}
	MemoryContextSwitchTo(old);
	return b;
}

/*
 * Which assets and orders the move that scn holds (its scenario rows)
 * touches: the assets it moves and those positions on them settle in, the
 * orders selling or buying an asset it moves.
 */
static void
moved_touch(MovedBase *b, LedgerAccum *scn)
{
	const LedgerAccum *st = b->st;

	for (int i = 0; i < b->nassets; i++)
		b->touched[i] = ledger_moves(scn, b->assets[i].asset);
	for (int i = 0; i < b->npositions; i++)
		if (b->positions[i].s->base != NULL && ledger_moves(scn, b->positions[i].s->base))
			b->touched[b->positions[i].settle] = true;
	for (int i = 0; i < st->nord; i++)
		b->touched[b->nassets + i] = st->is_pm &&
			(ledger_moves(scn, st->ord[i].sell) || ledger_moves(scn, st->ord[i].buy));
}

/*
 * The touched terms (moved_touch) of the figures PM_FIGURE_ACCOUNT_EQUITY,
 * _ACTUAL_EQUITY, _MAINT_MARGIN, _INITIAL_MARGIN and _OPEN_LOSS, at the
 * prices of prices (scn, or b->plain for the prices as they are).  If
 * values is given, it receives each touched asset's USD value (equity x
 * price) and *nvalues their number, in the order of values_asset.
 */
static void
terms(MovedBase *b, LedgerAccum *scn, LedgerAccum *prices, PmVal *sums,
	  AssetInfo **values_asset, PmVal *values, int *nvalues)
{
	const LedgerAccum *st = b->st;
	bool		at_base = prices == b->plain;

	for (int f = 0; f < PM_FIGURE_COUNT; f++)
		sums[f] = pmv_zero();
	if (nvalues != NULL)
		*nvalues = 0;
	for (int i = 0; i < b->nassets; i++)
	{
		MovedAsset *a = &b->assets[i];
		PmVal		equity = a->equity,
					mm = a->mm,
					im = a->im,
					value,
					collateral_value;
		MarginAssetRef ref;

		if (!b->touched[i])
			continue;
		CHECK_FOR_INTERRUPTS();
		for (int j = 0; j < b->npositions; j++)
		{
			MovedPosition *mp = &b->positions[j];

			if (mp->settle != i)
				continue;
			if (!at_base && mp->s->base != NULL && ledger_moves(scn, mp->s->base))
			{
				PmVal		pnl,
							pmm,
							pim;

				position_line(mp->s, ledger_mark(prices, mp->s), mp->p->qty, mp->p->entry,
							  mp->p->leverage, &pnl, &pmm, &pim);
				equity = pmv_add(equity, pnl);
				mm = pmv_add(mm, pmm);
				im = pmv_add(im, pim);
			}
			else
			{
				equity = pmv_add(equity, mp->pnl);
				mm = pmv_add(mm, mp->mm);
				im = pmv_add(im, mp->im);
			}
		}
		ref = ledger_asset_ref(prices, a->asset);
		if (ref.price == NULL)
			elog(ERROR, "asset %s has no index price", a->asset->name);
		value = pm_asset_value(equity, ref.price_val, ledger_collateral(prices, a->asset),
							   &collateral_value);
		sums[PM_FIGURE_ACCOUNT_EQUITY] = pmv_add(sums[PM_FIGURE_ACCOUNT_EQUITY], collateral_value);
		sums[PM_FIGURE_ACTUAL_EQUITY] = pmv_add(sums[PM_FIGURE_ACTUAL_EQUITY], value);
		sums[PM_FIGURE_MAINT_MARGIN] = pmv_add(sums[PM_FIGURE_MAINT_MARGIN], pmv_mul(mm, ref.price_val));
		sums[PM_FIGURE_INITIAL_MARGIN] = pmv_add(sums[PM_FIGURE_INITIAL_MARGIN], pmv_mul(im, ref.price_val));
		if (values != NULL)
		{
			values_asset[*nvalues] = a->asset;
			values[(*nvalues)++] = value;
		}
	}

	/* open orders lose collateral value in PM only (moved_touch: PM only) */
	for (int i = 0; i < st->nord; i++)
	{
		const LedgerOrder *o = &st->ord[i];
		MarginAssetRef sell,
					buy;

		if (!b->touched[b->nassets + i])
			continue;
		sell = ledger_asset_ref(prices, o->sell);
		buy = ledger_asset_ref(prices, o->buy);
		sums[PM_FIGURE_OPEN_LOSS] =
			pmv_add(sums[PM_FIGURE_OPEN_LOSS],
					pm_open_loss_of(o->sell_qty, sell.price_val, ledger_collateral(prices, o->sell),
									o->buy_qty, buy.price_val, ledger_collateral(prices, o->buy)));
	}
}

/*
 * The terms the move that scn holds touches, without the move (into
 * without) and under it (into under).  The terms without a move depend on
 * the touched set only, so they are kept for the account's last few sets
 * (a scenario schedule moves one asset by several shocks).  values, when
 * given, receive the touched assets' USD values without the move (values1)
 * and under it (values2), in the same order (values_asset).
 */
void
moved_terms(MovedBase *b, LedgerAccum *scn, PmVal *without, PmVal *under,
			AssetInfo **values_asset, PmVal *values1, PmVal *values2, int *nvalues)
{
	int			n = b->nassets + b->st->nord;
	int			k;

	moved_touch(b, scn);
	for (k = 0; k < b->nwithout; k++)
		if (memcmp(b->without[k].touched, b->touched, sizeof(bool) * n) == 0)
			break;
	if (values1 != NULL || k == b->nwithout)
	{
		MemoryContext old = MemoryContextSwitchTo(b->mcxt);

		terms(b, scn, b->plain, without, values_asset, values1, nvalues);
		if (k == b->nwithout && k < MOVED_WITHOUT_KEPT)
		{
			b->without[k].touched = palloc(sizeof(bool) * Max(n, 1));
			memcpy(b->without[k].touched, b->touched, sizeof(bool) * n);
			for (int f = 0; f < PM_FIGURE_COUNT; f++)
				b->without[k].sums[f] = pmv_copy_in(b->mcxt, without[f]);
			b->nwithout++;
		}
		MemoryContextSwitchTo(old);
	}
	else
		memcpy(without, b->without[k].sums, sizeof(PmVal) * PM_FIGURE_COUNT);
	terms(b, scn, scn, under, values_asset, values2, nvalues);
}

/*
 * The account's figures under the move: base (its figures without one)
 * less the touched terms without it (without) plus those under it (under),
 * for the five sums; adjusted equity and uniMMR follow from them as in a
 * full pass -- uniMMR only if with_uni (a division; the liquidation walk
 * needs the gap only).  Returns whether there is a uniMMR.
 */
bool
moved_figures(const PmVal *base, const PmVal *without, const PmVal *under, bool with_uni,
			  PmVal *figures)
{
	static const int sums[] = {PM_FIGURE_ACCOUNT_EQUITY, PM_FIGURE_ACTUAL_EQUITY,
	PM_FIGURE_MAINT_MARGIN, PM_FIGURE_INITIAL_MARGIN, PM_FIGURE_OPEN_LOSS};

	for (int f = 0; f < PM_FIGURE_COUNT; f++)
		figures[f] = pmv_zero();
	for (int k = 0; k < lengthof(sums); k++)
	{
		int			f = sums[k];

		figures[f] = pmv_add(pmv_sub(base[f], without[f]), under[f]);
	}
	if (with_uni)
		return margin_finish_figures(figures);
	figures[PM_FIGURE_ADJUSTED_EQUITY] = pmv_sub(figures[PM_FIGURE_ACCOUNT_EQUITY],
												 figures[PM_FIGURE_OPEN_LOSS]);
	return false;
}
