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

#include "access/htup_details.h"
#include "catalog/pg_type.h"
#include "miscadmin.h"
#include "fmgr.h"
#include "utils/builtins.h"
#include "utils/typcache.h"

#include "compat.h"
#include "excerpt.h"
#include "ledger_accum.h"
#include "ledger_totals.h"
#include "line_math.h"

PG_FUNCTION_INFO_V1(pm_ledger_sfunc);
PG_FUNCTION_INFO_V1(pm_ledger_totals_sfunc);
PG_FUNCTION_INFO_V1(pm_ledger_entry_sfunc);

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

/* What an amount of a row may be besides finite, as our tables' CHECKs say. */
typedef enum AmountSign
{
	AMOUNT_ANY,
	AMOUNT_NOT_NEGATIVE,
	AMOUNT_POSITIVE
} AmountSign;

/*
 * Amount n of a balance or order row, held to what our table's CHECK holds
 * its column to: finite, and of the sign the rule asks.  Rows of
 * pm.ledger_row always pass; rows of one's own tables may not, and then
 * the account cannot be valued rather than be valued wrongly.  The message
 * names the row by what_fmt with the row's key (len bytes) in it ("a %s
 * balance"), built only when it is needed.
 */
static PmVal
row_amount(FunctionCallInfo fcinfo, int n, const char *column, AmountSign rule,
		   const char *what_fmt, const char *key, int len)
{
	PmVal		v = ledger_arg_value(fcinfo, n);
	int			sign;

	if (!v.is_dec && pm_numeric_is_special(v.n))
		pm_check_finite(v.n, psprintf("%s of %s", column, psprintf(what_fmt, pm_excerpt(key, len))));
	sign = pmv_sign(v);
	if ((rule == AMOUNT_NOT_NEGATIVE && sign < 0) || (rule == AMOUNT_POSITIVE && sign <= 0))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s of %s must be %s", column, psprintf(what_fmt, pm_excerpt(key, len)),
						rule == AMOUNT_POSITIVE ? "positive" : "zero or more")));
	return v;
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
	/* the cross amounts are never negative; the general path says so */
	for (i = 0; i < 4; i++)
		if (pm_dec_sign(v[i]) < 0)
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
		/* checked by add_row, as every position is */
		kept_positions_add(ls->ms->mcxt, &ls->positions, s->name, s->len, qty, entry, leverage);
		return;
	}
	position_line(s, ledger_mark(ls, s), qty, entry, leverage, &pnl, &mm, &im);
	settle = ledger_asset_ref(ls, s->settle);
	margin_add_line_ref(ls->ms, &settle, &pnl, &mm, &im, &ol);
}

/*
 * A position pm.ledger_totals kept, into an accumulator that values
 * positions: pm.ledger_stress values the kept state under each scenario.
 */
void
ledger_add_kept_position(LedgerAccum *ls, const KeptPosition *p)
{
	SymbolInfo *s = refdata_symbol(ls->cache, p->symbol, p->len);

	if (s == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_FOREIGN_KEY_VIOLATION),
				 errmsg("symbol %s is not in pm.symbol", pm_excerpt(p->symbol, p->len))));
	add_position(ls, s, p->qty, p->entry, p->leverage);
}

/*
 * A kept ledger into a fresh accumulator ls: st's account row, balances,
 * orders and kept positions, as the transition took them -- so ls, after
 * any scenario rows fed first, holds what a pass over the account's rows
 * would (pm.ledger_stress, pm.liquidation_price_of).
 */
void
ledger_accum_refeed(LedgerAccum *ls, const LedgerAccum *st)
{
	int			i;

	if (st->has_account)
		ledger_set_account(ls, st->is_pm ? "PM" : "PM_PRO", st->is_pm ? 2 : 6, st->leverage);
	for (i = 0; i < st->nbal; i++)
		ledger_add_balance(ls, st->bal[i]);
	for (i = 0; i < st->nord; i++)
		ledger_add_order(ls, st->ord[i]);
	for (i = 0; i < st->positions.n; i++)
		ledger_add_kept_position(ls, &st->positions.items[i]);
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

				if (PG_ARGISNULL(10))
					ereport(ERROR,
							(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
							 errmsg("loan_leverage of an account row is NULL")));
				ledger_set_account(ls, VARDATA_ANY(program), VARSIZE_ANY_EXHDR(program),
							PG_GETARG_INT32(10));
				break;
			}
		case 'b':
			{
				LedgerBalance *b = ledger_balance_slot(ls);

				if (!balance_fast(fcinfo, b))
				{
					text	   *asset = PG_GETARG_TEXT_PP(2);
					const char *key = VARDATA_ANY(asset);
					int			len = VARSIZE_ANY_EXHDR(asset);
					PmVal		f = row_amount(fcinfo, 4, "cross_free", AMOUNT_NOT_NEGATIVE, "a %s balance", key, len),
								l = row_amount(fcinfo, 5, "cross_locked", AMOUNT_NOT_NEGATIVE, "a %s balance", key, len),
								u = row_amount(fcinfo, 8, "um_wallet", AMOUNT_ANY, "a %s balance", key, len),
								c = row_amount(fcinfo, 9, "cm_wallet", AMOUNT_ANY, "a %s balance", key, len);

					b->borrowed = row_amount(fcinfo, 6, "cross_borrowed", AMOUNT_NOT_NEGATIVE, "a %s balance", key, len);
					b->interest = row_amount(fcinfo, 7, "cross_interest", AMOUNT_NOT_NEGATIVE, "a %s balance", key, len);
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
				PmVal		qty,
							entry;
				int32		leverage;

				if (s == NULL)
					ereport(ERROR,
							(errcode(ERRCODE_FOREIGN_KEY_VIOLATION),
							 errmsg("symbol %s is not in pm.symbol", pm_text_excerpt(name))));
				qty = ledger_arg_value(fcinfo, 4);
				entry = ledger_arg_value(fcinfo, 5);
				if (PG_ARGISNULL(10))
					ereport(ERROR,
							(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
							 errmsg("leverage of a %s position is NULL", pm_excerpt(s->name, s->len))));
				leverage = PG_GETARG_INT32(10);
				/* what pm.position's CHECKs hold (kept_position_check says why not) */
				if (unlikely(!qty.is_dec || !entry.is_dec || pm_dec_sign(entry.d) <= 0 ||
							 leverage < 1 || leverage > PM_WIRE_LEVERAGE_MAX))
					kept_position_check(s->name, qty, entry, leverage);
				add_position(ls, s, qty, entry, leverage);
				break;
			}
		case 'o':
			{
				LedgerOrder o;

				o.sell = arg_asset(cache, fcinfo, 2);
				o.buy = arg_asset(cache, fcinfo, 3);
				if (ledger_same_asset(o.sell, o.buy))
					ereport(ERROR,
							(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
							 errmsg("an order selling %s buys the asset it sells",
									pm_excerpt(o.sell->name, o.sell->len))));
				o.sell_qty = pmv_copy_in(aggcontext, row_amount(fcinfo, 4, "sell_qty", AMOUNT_POSITIVE,
																"an order selling %s", o.sell->name, o.sell->len));
				o.buy_qty = pmv_copy_in(aggcontext, row_amount(fcinfo, 5, "buy_qty", AMOUNT_POSITIVE,
															   "an order selling %s", o.sell->name, o.sell->len));
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

/*
 * Ledger entries: pm.ledger_entry values, the ledger row's ten columns
 * without the account, as pm.account_entry, pm.balance_entry,
 * pm.position_entry and pm.order_entry build them over one's own tables.
 * Taken apart here into a row's arguments 1 to 10 and read as any row.
 */

/* The column types of pm.ledger_entry, which the ten arguments are. */
static const Oid entry_types[LEDGER_NCOLUMNS] = {
	CHAROID, TEXTOID, TEXTOID,
	NUMERICOID, NUMERICOID, NUMERICOID, NUMERICOID, NUMERICOID, NUMERICOID,
	INT4OID
};

/*
 * The descriptor of row type typid, copied into mcxt and checked to be the
 * ten columns a ledger row has (a changed type is an error, not a misread
 * row).
 */
TupleDesc
ledger_entry_desc(Oid typid, MemoryContext mcxt)
{
	MemoryContext old = MemoryContextSwitchTo(mcxt);
	TupleDesc	desc = lookup_rowtype_tupdesc_copy(typid, -1);
	int			i;

	MemoryContextSwitchTo(old);
	for (i = 0; i < desc->natts && i < LEDGER_NCOLUMNS; i++)
		if (TupleDescAttr(desc, i)->attisdropped ||
			TupleDescAttr(desc, i)->atttypid != entry_types[i])
			break;
	if (desc->natts != LEDGER_NCOLUMNS || i < LEDGER_NCOLUMNS)
		ereport(ERROR,
				(errcode(ERRCODE_DATATYPE_MISMATCH),
				 errmsg("row type %s is not a ledger entry", format_type_be(typid)),
				 errdetail("A ledger entry has exactly these columns, in order: kind \"char\", key and key2 text, a to f numeric, n integer.")));
	return desc;
}

/*
 * Entry, a pm.ledger_entry datum, as arguments 1 to 10 of row.  The values
 * point into the entry, which must outlive the row's use.
 */
void
ledger_entry_to_row(Datum entry, TupleDesc desc, FunctionCallInfo row)
{
	HeapTupleHeader th = DatumGetHeapTupleHeader(entry);
	HeapTupleData tuple;
	Datum		values[LEDGER_NCOLUMNS];
	bool		nulls[LEDGER_NCOLUMNS];
	int			c;

	tuple.t_len = HeapTupleHeaderGetDatumLength(th);
	ItemPointerSetInvalid(&tuple.t_self);
	tuple.t_tableOid = InvalidOid;
	tuple.t_data = th;
	heap_deform_tuple(&tuple, desc, values, nulls);
	for (c = 0; c < LEDGER_NCOLUMNS; c++)
	{
		row->args[c + 1].value = values[c];
		row->args[c + 1].isnull = nulls[c];
	}
}

/* What an entry transition keeps for the query (in its fn_extra). */
typedef struct EntryCallCache
{
	void	   *refdata;		/* the query's reference data (refdata.c) */
	TupleDesc	desc;			/* pm.ledger_entry, checked */
} EntryCallCache;

/*
 * pm.ledger_entry_sfunc(internal, pm.ledger_entry): the transition of the
 * ledger aggregates over entries.  A NULL entry is no row (as a NULL is to
 * any aggregate), but the accumulator is made all the same, so that an
 * account with only NULL entries gives what the ledger merge node gives.
 */
Datum
pm_ledger_entry_sfunc(PG_FUNCTION_ARGS)
{
	LedgerAccum *ls = PG_ARGISNULL(0) ? NULL : (LedgerAccum *) PG_GETARG_POINTER(0);
	EntryCallCache *cc = (EntryCallCache *) fcinfo->flinfo->fn_extra;

	if (cc == NULL)
	{
		cc = MemoryContextAllocZero(fcinfo->flinfo->fn_mcxt, sizeof(EntryCallCache));
		fcinfo->flinfo->fn_extra = cc;
	}
	if (ls == NULL)
		ls = ledger_accum_begin(ledger_context(fcinfo),
								refdata_get_in(&cc->refdata, fcinfo->flinfo->fn_mcxt));
	if (!PG_ARGISNULL(1))
	{
		LOCAL_FCINFO(row, LEDGER_NCOLUMNS + 1);

		if (cc->desc == NULL)
			cc->desc = ledger_entry_desc(get_fn_expr_argtype(fcinfo->flinfo, 1),
										 fcinfo->flinfo->fn_mcxt);
		InitFunctionCallInfoData(*row, fcinfo->flinfo, LEDGER_NCOLUMNS + 1, InvalidOid, NULL, NULL);
		row->args[0].isnull = true;
		ledger_entry_to_row(PG_GETARG_DATUM(1), cc->desc, row);
		ledger_accum_add_row(ls, row);
	}
	PG_RETURN_POINTER(ls);
}
