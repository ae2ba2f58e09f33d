/*-------------------------------------------------------------------------
 *
 * line_math.c
 *	  The margin formulas of docs/spec.md §2.1-2.8 (see line_math.h).
 *
 *	  UM (linear, settle asset)   pnl = qty * (mark - entry)
 *	                              MM  = tiered(|qty| * mark, brackets)
 *	                              IM  = |qty| * mark / leverage
 *	  CM (inverse, coin)          pnl = contracts * size * (mark - entry) / (entry * mark)
 *	                              MM  = (N * rate_j - cum_j * mark) / mark,  N = |contracts| * size
 *	                              IM  = N / (mark * leverage)
 *	  cross loan (asset units)    MM  = (borrowed + interest) * loanMMR
 *	                              IM  = borrowed / (leverage - 1)
 *	  collateral (USD)            CV  = V when V <= 0, tiered(V) when collateral, else 0
 *	  open order (USD)            max(0, CV(sell) - CV(buy))
 *
 * The CM formulas divide once (no cancellation, one rounding); the CM
 * bracket is chosen exactly, comparing N with floor * mark.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "compat.h"
#include "excerpt.h"
#include "line_math.h"
#include "number.h"

/* A UM position's unrealized PnL in its settle asset: qty * (mark - entry). */
PmVal
pm_um_pnl(PmVal qty, PmVal entry, PmVal mark)
{
	return pmv_mul(qty, pmv_sub(mark, entry));
}

/*
 * A CM position's unrealized PnL in coin:
 * contracts * size * (mark - entry) / (entry * mark).
 */
PmVal
pm_cm_pnl(PmVal contracts, PmVal size, PmVal entry, PmVal mark)
{
	return pmv_div(pmv_mul(pmv_mul(contracts, size), pmv_sub(mark, entry)),
				   pmv_mul(entry, mark));
}

/* A UM position's maintenance margin: tiered(|qty| * mark, brackets). */
PmVal
pm_um_mm(PmVal qty, PmVal mark, PmTiers *brackets)
{
	return pmv_tiers_eval(brackets, pmv_mul(pmv_abs(qty), mark));
}

/* A CM position's bracket (0-based): N compared with floor * mark, exactly. */
int
pm_cm_bracket_of(PmVal contracts, PmVal size, PmVal mark, PmTiers *brackets)
{
	return pmv_tiers_find(brackets, pmv_mul(pmv_abs(contracts), size), &mark);
}

/* A CM position's maintenance margin: (N * rate_j - cum_j * mark) / mark. */
PmVal
pm_cm_mm(PmVal contracts, PmVal size, PmVal mark, PmTiers *brackets)
{
	PmVal		usd = pmv_mul(pmv_abs(contracts), size);
	int			j = pmv_tiers_find(brackets, usd, &mark);

	return pmv_div(pmv_sub(pmv_mul(usd, pmv_tier_rate(brackets, j)),
						   pmv_mul(pmv_tier_cum(brackets, j), mark)),
				   mark);
}

/* A UM position's initial margin: |qty| * mark / leverage. */
PmVal
pm_um_im(PmVal qty, PmVal mark, int32 leverage)
{
	return pmv_div(pmv_mul(pmv_abs(qty), mark), pmv_int(leverage));
}

/*
 * The three UM formulas above for one position at once, in the fast path,
 * the notional formed once for both margins: false when a step does not
 * fit, and then the functions above give the same values.
 */
bool
pm_um_line_dec(pm_dec qty, pm_dec entry, pm_dec mark, PmTiers *brackets, int32 leverage,
			   PmVal *pnl, PmVal *mm, PmVal *im)
{
	pm_dec		move,
				p,
				notional,
				q;
	pm_dec		lev = {leverage, 0};

	if (!pm_fast_path ||
		!pm_dec_sub(mark, entry, &move) || !pm_dec_mul(qty, move, &p) ||
		!pm_dec_mul(pm_dec_abs(qty), mark, &notional) || !pm_dec_div(notional, lev, &q))
		return false;
	*pnl = pmv_dec(p);
	*mm = pmv_tiers_eval(brackets, pmv_dec(notional));
	*im = pmv_dec(q);
	return true;
}

/* A CM position's initial margin in coin: N / (mark * leverage). */
PmVal
pm_cm_im(PmVal contracts, PmVal size, PmVal mark, int32 leverage)
{
	return pmv_div(pmv_mul(pmv_abs(contracts), size), pmv_mul(mark, pmv_int(leverage)));
}

/* A CM position's notional in coin: N / mark. */
PmVal
pm_cm_notional_of(PmVal contracts, PmVal size, PmVal mark)
{
	return pmv_div(pmv_mul(pmv_abs(contracts), size), mark);
}

/* A cross loan's maintenance margin: (borrowed + interest) * loanMMR. */
PmVal
pm_loan_mm(PmVal borrowed, PmVal interest, PmVal mmr)
{
	return pmv_mul(pmv_add(borrowed, interest), mmr);
}

/* A cross loan's initial margin in asset units: borrowed / (leverage - 1). */
PmVal
pm_loan_im(PmVal borrowed, int32 leverage)
{
	return pmv_div(borrowed, pmv_int(leverage - 1));
}

/*
 * The collateral value of a USD value: a liability (<= 0) in full, an asset
 * by its collateral schedule, nothing when it has none.
 */
PmVal
pm_collateral_of(PmVal value_usd, PmTiers *schedule)
{
	if (pmv_sign(value_usd) <= 0)
		return value_usd;
	if (schedule == NULL)
		return pmv_zero();
	return pmv_tiers_eval(schedule, value_usd);
}

/*
 * An open order's open loss in USD: what the collateral value of the sold
 * side exceeds that of the bought side by, or 0.
 */
PmVal
pm_open_loss_of(PmVal sell_qty, PmVal sell_price, PmTiers *sell_collateral,
				PmVal buy_qty, PmVal buy_price, PmTiers *buy_collateral)
{
	PmVal		out = pm_collateral_of(pmv_mul(sell_qty, sell_price), sell_collateral);
	PmVal		in = pm_collateral_of(pmv_mul(buy_qty, buy_price), buy_collateral);
	PmVal		loss = pmv_sub(out, in);

	return pmv_sign(loss) > 0 ? loss : pmv_zero();
}

/* ---------------------------------------------------------------------
 * Argument checks
 * ---------------------------------------------------------------------
 */

/* A finite numeric argument, read without detoasting when it fits. */
PmVal
pm_arg_finite(FunctionCallInfo fcinfo, int argno, const char *what)
{
	PmVal		v = pmv_numeric((Numeric) DatumGetPointer(PG_GETARG_DATUM(argno)));

	if (!v.is_dec)
		pm_check_finite(v.n, what);
	return v;
}

/* A finite numeric argument that must be above 0. */
PmVal
pm_arg_positive(FunctionCallInfo fcinfo, int argno, const char *what)
{
	PmVal		v = pm_arg_finite(fcinfo, argno, what);

	if (pmv_sign(v) <= 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s must be positive", what),
				 errdetail("The value given is %s.", pm_numeric_excerpt(pmv_to_numeric(v)))));
	return v;
}

/* A finite numeric argument that must not be below 0. */
PmVal
pm_arg_not_negative(FunctionCallInfo fcinfo, int argno, const char *what)
{
	PmVal		v = pm_arg_finite(fcinfo, argno, what);

	if (pmv_sign(v) < 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s must not be negative", what),
				 errdetail("The value given is %s.", pm_numeric_excerpt(pmv_to_numeric(v)))));
	return v;
}

/* Refuse a leverage below min; what names it in the message. */
void
pm_check_leverage(int32 leverage, int32 min, const char *what)
{
	if (leverage < min)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s must be at least %d", what, min),
				 errdetail("The value given is %d.", leverage)));
}

/*
 * A position's PnL and maintenance margin in its settle asset at the given
 * mark (docs/spec.md §2.2, §2.5) -- the one place positions are valued, for
 * the rows the accumulator reads and for ledger totals alike.
 */
void
position_values(SymbolInfo *s, PmVal mark, PmVal qty, PmVal entry, PmVal *pnl, PmVal *mm)
{
	if (s->is_cm)
	{
		*pnl = pm_cm_pnl(qty, s->contract_size, entry, mark);
		*mm = pm_cm_mm(qty, s->contract_size, mark, s->brackets);
	}
	else
	{
		*pnl = pm_um_pnl(qty, entry, mark);
		*mm = pm_um_mm(qty, mark, s->brackets);
	}
}

/* The whole line: the same and the initial margin at the given leverage. */
void
position_line(SymbolInfo *s, PmVal mark, PmVal qty, PmVal entry, int32 leverage,
			  PmVal *pnl, PmVal *mm, PmVal *im)
{
	if (!s->is_cm && mark.is_dec && qty.is_dec && entry.is_dec &&
		pm_um_line_dec(qty.d, entry.d, mark.d, s->brackets, leverage, pnl, mm, im))
		return;
	position_values(s, mark, qty, entry, pnl, mm);
	*im = s->is_cm ? pm_cm_im(qty, s->contract_size, mark, leverage)
		: pm_um_im(qty, mark, leverage);
}
