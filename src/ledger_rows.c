/*-------------------------------------------------------------------------
 *
 * ledger_rows.c
 *	  Ledger rows into the ledger accumulator: the transition functions of
 *	  the ledger aggregates.
 *
 *	  pm.account_ledger(kind "char", key text, key2 text,
 *						a numeric, b numeric, c numeric, d numeric,
 *						e numeric, f numeric, n int4), and the others of
 *	  ledger_accum.h, take an account's ledger rows, by kind:
 *
 *	  'a'  the account:  key = program, n = loan leverage
 *	  'b'  a balance:    key = asset, a..f = cross free, locked, borrowed,
 *						 interest, UM wallet, CM wallet
 *	  'p'  a position:   key = symbol, a = qty, b = entry price, n = leverage
 *	  'o'  an order:     key = sell asset, key2 = buy asset, a = sell qty,
 *						 b = buy qty
 *	  's'  a scenario's move of one asset (ledger_scenario.c)
 *
 * They give exactly the summary pm.margin gives over the account's rows of
 * pm.margin_line -- same lines, same rules (margin_add_line), same digits
 * -- but read no joins: prices, symbols, schedules and loan MMRs come from
 * the query's reference data (refdata.c), and what depends on the
 * account's program or leverage (loan margin, collateral schedules, PM
 * open loss) waits for the accumulator to be completed, whatever order the
 * rows arrive in.  Balances are kept as (asset, equity, borrowed,
 * interest) until then; the schema's primary key gives one balance per
 * asset, so each is one margin line, as in pm.margin_line.  Positions
 * become margin lines at once (pm.ledger_totals keeps them as they are).
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "miscadmin.h"
#include "fmgr.h"
#include "utils/builtins.h"

#include "compat.h"
#include "excerpt.h"
#include "ledger_accum.h"
#include "line_math.h"

PG_FUNCTION_INFO_V1(pm_ledger_sfunc);
PG_FUNCTION_INFO_V1(pm_ledger_totals_sfunc);

static void add_row(LedgerAccum *ls, FunctionCallInfo fcinfo);

/* Amount n of a ledger row, which must be there. */
PmVal
ledger_arg_value(FunctionCallInfo fcinfo, int n)
{
	if (PG_ARGISNULL(n))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("pm.account_ledger amount %d of a row is NULL", n - 3),
				 errdetail("Balance, position and order rows need every amount of their kind.")));
	return pmv_numeric((Numeric) DatumGetPointer(PG_GETARG_DATUM(n)));
}

/*
 * A balance row's amounts (arguments 4 to 9) straight into the fast path:
 * true when all are stored short numerics that fit and the equity does,
 * so nothing is built twice; false leaves the row to the general path,
 * which gives the same values (and the errors).
 */
static bool
balance_fast(FunctionCallInfo fcinfo, LedgerBalance *b)
{
	pm_dec		v[6];
	PmVal		e;
	int			i;

	if (unlikely(!pm_fast_path))
		return false;
	for (i = 0; i < 6; i++)
		if (PG_ARGISNULL(4 + i) ||
			!pm_dec_from_short_numeric((Numeric) DatumGetPointer(PG_GETARG_DATUM(4 + i)), &v[i]))
			return false;
	e = pm_balance_equity(pmv_dec(v[0]), pmv_dec(v[1]), pmv_dec(v[2]), pmv_dec(v[3]),
						  pmv_dec(v[4]), pmv_dec(v[5]));
	/* a sum that left the fast path was built where it would not last */
	if (!e.is_dec)
		return false;
	b->equity = e;
	b->borrowed = pmv_dec(v[2]);
	b->interest = pmv_dec(v[3]);
	return true;
}

/* The asset argument n names, which must be in the query's reference data. */
static AssetInfo *
arg_asset(RefData *cache, FunctionCallInfo fcinfo, int n)
{
	text	   *t = PG_GETARG_TEXT_PP(n);
	AssetInfo  *a = refdata_asset(cache, VARDATA_ANY(t), VARSIZE_ANY_EXHDR(t));

	if (a == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_FOREIGN_KEY_VIOLATION),
				 errmsg("asset %s is not in pm.asset", pm_text_excerpt(t))));
	return a;
}

/*
 * A position becomes its line at once: nothing in it depends on the account.
 * pm.ledger_totals keeps it as it is, to be valued at whatever marks come.
 */
static void
add_position(LedgerAccum *ls, SymbolInfo *s, PmVal qty, PmVal entry, int32 leverage)
{
	PmVal		pnl,
				mm,
				im,
				ol = pmv_zero();
	MarginAssetRef settle;

	ls->priced = true;
	if (ls->keep)
	{
		kept_position_check(s->name, qty, entry, leverage);
		kept_positions_add(ls->ms->mcxt, &ls->positions, s->name, s->len, qty, entry, leverage);
		return;
	}
	position_line(s, ledger_mark(ls, s), qty, entry, leverage, &pnl, &mm, &im);
	settle = ledger_asset_ref(ls, s->settle);
	margin_add_line_ref(ls->ms, &settle, &pnl, &mm, &im, &ol);
}

/*
 * Transition: one raw row of the account.  The aggregate context is checked
 * when the accumulator is made, as numeric's transitions do: an accumulator
 * can only come from a call that passed that check, so later rows skip it.
 */
static LedgerAccum *
ledger_transition(FunctionCallInfo fcinfo, bool totals)
{
	LedgerAccum *ls = PG_ARGISNULL(0) ? NULL : (LedgerAccum *) PG_GETARG_POINTER(0);

	if (ls == NULL)
	{
		ls = ledger_accum_begin(ledger_context(fcinfo), refdata_get(fcinfo->flinfo));
		ls->keep = totals;
	}
	ledger_accum_add_row(ls, fcinfo);
	return ls;
}

/*
 * One raw row into the accumulator: fcinfo's arguments 1 to 10 are the row
 * (argument 0, the aggregate's transition state, is not read).  Whatever is
 * kept is copied into the accumulator's context; the row may go once this
 * returns.  An error of the row's data is the account's
 * (ledger_is_account_error); once the account has one, only its account
 * row is still read, for the program.
 */
void
ledger_accum_add_row(LedgerAccum *ls, FunctionCallInfo fcinfo)
{
	MemoryContext cxt = CurrentMemoryContext;

	if (ls->error != NULL &&
		(PG_ARGISNULL(1) || PG_GETARG_CHAR(1) != 'a' || ls->has_account || PG_ARGISNULL(2)))
		return;
	PG_TRY();
	{
		add_row(ls, fcinfo);
	}
	PG_CATCH();
	{
		ledger_catch_error(ls, cxt);
	}
	PG_END_TRY();
}

/* ledger_accum_add_row's work. */
static void
add_row(LedgerAccum *ls, FunctionCallInfo fcinfo)
{
	MemoryContext aggcontext = ls->ms->mcxt;
	RefData *cache = ls->cache;
	char		kind;

	if (PG_ARGISNULL(1) || PG_ARGISNULL(2))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("pm.account_ledger row kind and key must not be NULL")));
	kind = PG_GETARG_CHAR(1);

	switch (kind)
	{
		case 'a':
			{
				text	   *program = PG_GETARG_TEXT_PP(2);

				ledger_set_account(ls, VARDATA_ANY(program), VARSIZE_ANY_EXHDR(program),
							PG_GETARG_INT32(10));
				break;
			}
		case 'b':
			{
				LedgerBalance *b = ledger_balance_slot(ls);

				if (!balance_fast(fcinfo, b))
				{
					PmVal		f = ledger_arg_value(fcinfo, 4),
								l = ledger_arg_value(fcinfo, 5),
								u = ledger_arg_value(fcinfo, 8),
								c = ledger_arg_value(fcinfo, 9);

					b->borrowed = ledger_arg_value(fcinfo, 6);
					b->interest = ledger_arg_value(fcinfo, 7);
					b->equity = pm_balance_equity(f, l, b->borrowed, b->interest, u, c);
					b->equity = pmv_copy_in(aggcontext, b->equity);
					b->borrowed = pmv_copy_in(aggcontext, b->borrowed);
					b->interest = pmv_copy_in(aggcontext, b->interest);
				}
				b->asset = arg_asset(cache, fcinfo, 2);
				ls->nbal++;
				break;
			}
		case 'p':
			{
				text	   *name = PG_GETARG_TEXT_PP(2);
				SymbolInfo *s = refdata_symbol(cache, VARDATA_ANY(name), VARSIZE_ANY_EXHDR(name));

				if (s == NULL)
					ereport(ERROR,
							(errcode(ERRCODE_FOREIGN_KEY_VIOLATION),
							 errmsg("symbol %s is not in pm.symbol", pm_text_excerpt(name))));
				add_position(ls, s, ledger_arg_value(fcinfo, 4), ledger_arg_value(fcinfo, 5),
							 PG_GETARG_INT32(10));
				break;
			}
		case 'o':
			{
				LedgerOrder o;

				o.sell = arg_asset(cache, fcinfo, 2);
				o.buy = arg_asset(cache, fcinfo, 3);
				o.sell_qty = pmv_copy_in(aggcontext, ledger_arg_value(fcinfo, 4));
				o.buy_qty = pmv_copy_in(aggcontext, ledger_arg_value(fcinfo, 5));
				ledger_add_order(ls, o);
				break;
			}
		case 's':
			if (ls->keep)
				ereport(ERROR,
						(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
						 errmsg("pm.ledger_totals takes no scenario rows"),
						 errdetail("Ledger totals are kept at the current prices.")));
			ledger_add_shock(ls, cache, fcinfo);
			break;
		default:
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("unknown pm.account_ledger row kind \"%c\"", kind),
					 errhint("The kinds are a (account), b (balance), p (position), o (order) and s (scenario).")));
	}
}

/*
 * pm.ledger_sfunc(internal, kind, key, key2, a..f, n): the transition
 * function of the ledger aggregates but pm.ledger_totals.
 */
Datum
pm_ledger_sfunc(PG_FUNCTION_ARGS)
{
	PG_RETURN_POINTER(ledger_transition(fcinfo, false));
}

/* The same rows for pm.ledger_totals, which keeps positions by symbol. */
Datum
pm_ledger_totals_sfunc(PG_FUNCTION_ARGS)
{
	PG_RETURN_POINTER(ledger_transition(fcinfo, true));
}
