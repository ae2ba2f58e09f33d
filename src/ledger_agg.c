/*-------------------------------------------------------------------------
 *
 * ledger_agg.c
 *	  pm.account_ledger: an account's summary straight from its raw rows.
 *
 *	  pm.account_ledger(kind "char", key text, key2 text,
 *						a numeric, b numeric, c numeric, d numeric,
 *						e numeric, f numeric, n int4)
 *
 * Rows of one account, by kind (what pm.account_margin feeds it):
 *
 *	  'a'  the account:  key = program, n = loan leverage
 *	  'b'  a balance:    key = asset, a..f = cross free, locked, borrowed,
 *						 interest, UM wallet, CM wallet
 *	  'p'  a position:   key = symbol, a = qty, b = entry price, n = leverage
 *	  'o'  an order:     key = sell asset, key2 = buy asset, a = sell qty,
 *						 b = buy qty
 *	  's'  a scenario's move of one asset (pm.stress and friends):
 *						 key = asset, or '*' for every asset not listed;
 *						 a = relative price shock (> -1); key2 = a collateral
 *						 schedule replacing the asset's, or NULL
 *
 * A scenario multiplies the asset's index price, and the mark of every
 * symbol based on it, by 1 + shock; everything downstream (PnL, brackets,
 * collateral tiers, open loss) is evaluated at the moved prices, not
 * linearised.  Scenario rows must come before position rows (positions are
 * valued as they arrive): pm.stress orders them so, which also keeps such
 * aggregates serial -- a state holding a scenario refuses to be combined
 * or serialized, so no plan can mix moved and unmoved prices.
 * It gives exactly the summary pm.margin gives over the account's rows of
 * pm.margin_line -- same lines, same rules (margin_add_line), same digits --
 * but reads no joins: prices, symbols, schedules and loan MMRs come from a
 * the query's reference data (refdata.c), and what depends on the account's program or
 * leverage (loan margin, collateral schedules, PM open loss) is settled in
 * the final function, whatever order the rows arrive in.
 *
 * Balances are kept as (asset, equity, borrowed, interest) until then; the
 * schema's primary key gives one balance per asset, so each is one line,
 * as in pm.margin_line.  Positions become lines at once.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "miscadmin.h"
#include "fmgr.h"
#include "libpq/pqformat.h"
#include "utils/builtins.h"

#include "compat.h"
#include "excerpt.h"
#include "ledger_agg.h"
#include "ledger_totals.h"
#include "line_math.h"
#include "refdata.h"
#include "margin_accum.h"
#include "margin_summary.h"
#include "number.h"
#include "risk_fields.h"

PG_FUNCTION_INFO_V1(pm_ledger_sfunc);
PG_FUNCTION_INFO_V1(pm_ledger_combine);
PG_FUNCTION_INFO_V1(pm_ledger_serialize);
PG_FUNCTION_INFO_V1(pm_ledger_deserialize);
PG_FUNCTION_INFO_V1(pm_ledger_final);
PG_FUNCTION_INFO_V1(pm_ledger_risk_final);
PG_FUNCTION_INFO_V1(pm_ledger_totals_sfunc);
PG_FUNCTION_INFO_V1(pm_ledger_totals_deserialize);
PG_FUNCTION_INFO_V1(pm_ledger_totals_final);

#define PM_LEDGER_BINARY_VERSION 2

typedef struct LedgerBalance
{
	AssetInfo  *asset;
	PmVal		equity;
	PmVal		borrowed;
	PmVal		interest;
} LedgerBalance;

typedef struct LedgerOrder
{
	AssetInfo  *sell;
	AssetInfo  *buy;
	PmVal		sell_qty;
	PmVal		buy_qty;
} LedgerOrder;

/* Why an account cannot be valued: the error its rows or its settling raised. */
typedef struct LedgerError
{
	int			code;			/* SQLSTATE */
	char	   *message;
	char	   *detail;			/* or NULL */
	char	   *hint;			/* or NULL */
} LedgerError;

typedef struct LedgerShock
{
	AssetInfo  *asset;			/* NULL for the default ('*') */
	PmVal		factor;			/* 1 + shock, > 0 */
	PmTiers    *collateral;		/* replaces the asset's schedule, or NULL */
} LedgerShock;

struct LedgerAccum
{
	MarginAccum *ms;			/* positions, then everything at the end */
	RefData *cache;			/* the query's reference tables, read once */
	bool		keep;			/* pm.ledger_totals: positions kept as they are */
	KeptPositions positions;	/* ... those, when keep */
	bool		has_account;
	bool		is_pm;
	int32		leverage;
	bool		completed;		/* balances and orders are in ms: completed */
	/* valued only (pm.account_ledger_risk): balances summed outside ms */
	PmVal		outside[PM_FIGURE_COUNT];
	/* the account's risk totals, once computed: every field's final reads them */
	bool		figures_ready;
	bool		has_uni_mmr;
	PmVal		figures[PM_FIGURE_COUNT];
	int			nbal,
				capbal;
	LedgerBalance *bal;
	int			nord,
				capord;
	LedgerOrder *ord;
	/* a scenario, if any: its moves, and the moved prices used so far */
	bool		has_scenario;
	bool		priced;			/* a position is valued: too late for a scenario */
	int			nshock,
				capshock;
	LedgerShock *shock;
	bool		has_default;
	LedgerShock default_shock;
	int			nmoved,
				capmoved;
	AssetInfo **moved_asset;
	Numeric    *moved_price;
	/* set once the account cannot be valued: its fields are then NULL */
	LedgerError *error;
};

static void add_row(LedgerAccum *ls, FunctionCallInfo fcinfo);
static void combine_values(LedgerAccum *dst, LedgerAccum *src);

static MemoryContext
ledger_context(FunctionCallInfo fcinfo)
{
	MemoryContext aggcontext;

	if (!AggCheckCallContext(fcinfo, &aggcontext))
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("pm.account_ledger called in non-aggregate context")));
	return aggcontext;
}

static LedgerAccum *
ledger_accum_create(MemoryContext mcxt)
{
	LedgerAccum *ls = MemoryContextAllocZero(mcxt, sizeof(LedgerAccum));

	ls->ms = margin_accum_create(mcxt);
	return ls;
}

/*
 * One account that cannot be valued must not stop a read of the others.
 * An error of the data -- a data exception, an integrity or cardinality
 * violation: a missing price, an asset or symbol that is not there, a
 * value out of range -- belongs to the account: it is kept in the state
 * (the first one), the account's fields are NULL and its error field says
 * why, and the next account is valued.  Anything else (a cancel, no memory,
 * a broken state) is thrown on.  Only computation runs under these
 * PG_TRYs -- reading values, the query's caches, arithmetic and palloc; no
 * lock, buffer, SPI or file -- so nothing needs the cleanup a
 * subtransaction would give, and the memory the failed step allocated goes
 * with the state's context.
 */
static bool
account_error(int code)
{
	int			category = ERRCODE_TO_CATEGORY(code);

	return category == ERRCODE_DATA_EXCEPTION ||
		category == ERRCODE_INTEGRITY_CONSTRAINT_VIOLATION ||
		category == ERRCODE_CARDINALITY_VIOLATION;
}

static char *
copy_or_null(MemoryContext mcxt, const char *s)
{
	return s ? MemoryContextStrdup(mcxt, s) : NULL;
}

/* Keep this error as the account's, unless it has one already. */
static void
set_error(LedgerAccum *ls, int code, const char *message, const char *detail, const char *hint)
{
	MemoryContext mcxt = ls->ms->mcxt;
	LedgerError *e;

	if (ls->error != NULL)
		return;
	e = MemoryContextAlloc(mcxt, sizeof(LedgerError));
	e->code = code;
	e->message = copy_or_null(mcxt, message);
	e->detail = copy_or_null(mcxt, detail);
	e->hint = copy_or_null(mcxt, hint);
	ls->error = e;
}

/*
 * In a PG_CATCH: keep the error being thrown as the account's, or throw it
 * on.  cxt is the memory context the PG_TRY began in.
 */
static void
catch_account_error(LedgerAccum *ls, MemoryContext cxt)
{
	ErrorData  *ed;

	MemoryContextSwitchTo(cxt);
	ed = CopyErrorData();
	if (!account_error(ed->sqlerrcode))
	{
		FreeErrorData(ed);
		PG_RE_THROW();
	}
	FlushErrorState();
	set_error(ls, ed->sqlerrcode, ed->message, ed->detail, ed->hint);
	FreeErrorData(ed);
}

/* Throw the account's error again (for pm.ledger_totals, which has no field for it). */
static void
rethrow_account_error(const LedgerError *e)
{
	ereport(ERROR,
			(errcode(e->code),
			 errmsg_internal("%s", e->message),
			 e->detail ? errdetail_internal("%s", e->detail) : 0,
			 e->hint ? errhint("%s", e->hint) : 0));
}

static PmVal
arg_value(FunctionCallInfo fcinfo, int n)
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
	pm_dec		e;
	int			i;

	if (unlikely(!pm_fast_path))
		return false;
	for (i = 0; i < 6; i++)
		if (PG_ARGISNULL(4 + i) ||
			!pm_dec_from_short_numeric((Numeric) DatumGetPointer(PG_GETARG_DATUM(4 + i)), &v[i]))
			return false;
	/* as the general path: free + locked - borrowed - interest + um + cm */
	if (!pm_dec_add(v[0], v[1], &e) || !pm_dec_sub(e, v[2], &e) || !pm_dec_sub(e, v[3], &e) ||
		!pm_dec_add(e, v[4], &e) || !pm_dec_add(e, v[5], &e))
		return false;
	b->equity = pmv_dec(e);
	b->borrowed = pmv_dec(v[2]);
	b->interest = pmv_dec(v[3]);
	return true;
}

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
 * Room for one more balance: the slot it goes in, filled in place by the
 * caller (a balance is 128 bytes), which then counts it.
 */
static LedgerBalance *
balance_slot(LedgerAccum *ls)
{
	if (ls->nbal == ls->capbal)
	{
		ls->capbal = ls->capbal ? ls->capbal * 2 : 8;
		ls->bal = ls->bal
			? repalloc(ls->bal, sizeof(LedgerBalance) * ls->capbal)
			: MemoryContextAlloc(ls->ms->mcxt, sizeof(LedgerBalance) * ls->capbal);
	}
	return &ls->bal[ls->nbal];
}

static void
add_balance(LedgerAccum *ls, LedgerBalance b)
{
	*balance_slot(ls) = b;
	ls->nbal++;
}

static void
add_order(LedgerAccum *ls, LedgerOrder o)
{
	if (ls->nord == ls->capord)
	{
		ls->capord = ls->capord ? ls->capord * 2 : 4;
		ls->ord = ls->ord
			? repalloc(ls->ord, sizeof(LedgerOrder) * ls->capord)
			: MemoryContextAlloc(ls->ms->mcxt, sizeof(LedgerOrder) * ls->capord);
	}
	ls->ord[ls->nord++] = o;
}

static void
set_account(LedgerAccum *ls, const char *program, int len, int32 leverage)
{
	if (ls->has_account)
		ereport(ERROR,
				(errcode(ERRCODE_CARDINALITY_VIOLATION),
				 errmsg("an account ledger has two account rows")));
	ls->has_account = true;
	ls->is_pm = len == 2 && memcmp(program, "PM", 2) == 0;
	ls->leverage = leverage;
}

/*
 * Whether two AssetInfos are one asset.  By name: the transition and final
 * functions each have their own reference data, so pointers may differ.
 */
static bool
same_asset(const AssetInfo *a, const AssetInfo *b)
{
	return a == b || (a->hash == b->hash && a->len == b->len &&
					  memcmp(a->name, b->name, a->len) == 0);
}

/* The scenario's move of asset a, or NULL when it does not move. */
static LedgerShock *
shock_for(LedgerAccum *ls, AssetInfo *a)
{
	int			i;

	for (i = 0; i < ls->nshock; i++)
		if (same_asset(ls->shock[i].asset, a))
			return &ls->shock[i];
	return ls->has_default ? &ls->default_shock : NULL;
}

/* Asset a's index price under the scenario (NULL when it has none). */
static Numeric
ledger_price(LedgerAccum *ls, AssetInfo *a)
{
	LedgerShock *sh;
	Numeric		p;
	MemoryContext old;
	int			i;

	if (!ls->has_scenario || a->price == NULL)
		return a->price;
	for (i = 0; i < ls->nmoved; i++)
		if (same_asset(ls->moved_asset[i], a))
			return ls->moved_price[i];
	sh = shock_for(ls, a);
	if (sh == NULL)
		return a->price;
	old = MemoryContextSwitchTo(ls->ms->mcxt);
	p = pm_numeric_copy_plain(pmv_to_numeric(pmv_mul(pmv_numeric(a->price), sh->factor)));
	if (ls->nmoved == ls->capmoved)
	{
		ls->capmoved = ls->capmoved ? ls->capmoved * 2 : 8;
		ls->moved_asset = ls->moved_asset
			? repalloc(ls->moved_asset, sizeof(AssetInfo *) * ls->capmoved)
			: palloc(sizeof(AssetInfo *) * ls->capmoved);
		ls->moved_price = ls->moved_price
			? repalloc(ls->moved_price, sizeof(Numeric) * ls->capmoved)
			: palloc(sizeof(Numeric) * ls->capmoved);
	}
	ls->moved_asset[ls->nmoved] = a;
	ls->moved_price[ls->nmoved++] = p;
	MemoryContextSwitchTo(old);
	return p;
}

/* Asset a as the state takes it, at its price under the scenario. */
static MarginAssetRef
asset_ref(LedgerAccum *ls, AssetInfo *a)
{
	MarginAssetRef ref;

	ref.name = a->name;
	ref.len = a->len;
	ref.hash = a->hash;
	ref.price = ledger_price(ls, a);
	if (ref.price == a->price)
		ref.price_val = a->price_val;
	else
		ref.price_val = ref.price ? pmv_numeric(ref.price) : pmv_zero();
	ref.owner = a;
	return ref;
}

/* Symbol s's mark under the scenario: it moves with its base asset. */
static PmVal
ledger_mark(LedgerAccum *ls, SymbolInfo *s)
{
	LedgerShock *sh;

	if (!ls->has_scenario || s->base == NULL)
		return s->mark;
	sh = shock_for(ls, s->base);
	return sh ? pmv_mul(s->mark, sh->factor) : s->mark;
}

/* Asset a's collateral schedule in the account's program, or the scenario's. */
static PmTiers *
ledger_collateral(LedgerAccum *ls, AssetInfo *a)
{
	LedgerShock *sh = ls->has_scenario ? shock_for(ls, a) : NULL;

	if (sh != NULL && sh->collateral != NULL)
		return sh->collateral;
	return asset_collateral(a, ls->is_pm);
}

/* A row of kind 's': one move of the scenario. */
static void
add_shock(LedgerAccum *ls, RefData *cache, FunctionCallInfo fcinfo)
{
	text	   *key = PG_GETARG_TEXT_PP(2);
	int			len = VARSIZE_ANY_EXHDR(key);
	bool		is_default = len == 1 && VARDATA_ANY(key)[0] == '*';
	AssetInfo  *a = is_default ? NULL : refdata_asset(cache, VARDATA_ANY(key), len);
	PmVal		shock = arg_value(fcinfo, 4);
	LedgerShock sh;
	MemoryContext old;

	if (ls->priced)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("a scenario row of pm.account_ledger came after a position row"),
				 errdetail("Positions are valued as they arrive, so the scenario must be known first."),
				 errhint("Aggregate with ORDER BY so that rows of kind s come first, as pm.stress does.")));
	if (!shock.is_dec)
		pm_check_finite(shock.n, "price_shock");
	if (pmv_cmp(shock, pmv_int(-1)) <= 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("price_shock of %s must be above -1", pm_text_excerpt(key)),
				 errdetail("The shock given is %s; a price cannot fall to zero or below.",
						   pm_numeric_excerpt(pmv_to_numeric(shock)))));
	ls->has_scenario = true;
	/* a move of an asset nobody prices changes nothing */
	if (!is_default && a == NULL)
		return;
	if (is_default ? ls->has_default
		: shock_for(ls, a) != NULL && shock_for(ls, a)->asset != NULL)
		ereport(ERROR,
				(errcode(ERRCODE_UNIQUE_VIOLATION),
				 errmsg("a scenario moves %s twice", pm_text_excerpt(key))));

	old = MemoryContextSwitchTo(ls->ms->mcxt);
	sh.asset = a;
	sh.factor = pmv_add(pmv_int(1), shock);
	if (!sh.factor.is_dec)
		sh.factor.n = pm_numeric_copy_plain(sh.factor.n);
	sh.collateral = NULL;
	if (!PG_ARGISNULL(3))
	{
		sh.collateral = pm_tiers_from_cstring(text_to_cstring(PG_GETARG_TEXT_PP(3)));
		pm_check_collateral_schedule(sh.collateral);
	}
	if (is_default)
	{
		ls->default_shock = sh;
		ls->has_default = true;
	}
	else
	{
		if (ls->nshock == ls->capshock)
		{
			ls->capshock = ls->capshock ? ls->capshock * 2 : 8;
			ls->shock = ls->shock
				? repalloc(ls->shock, sizeof(LedgerShock) * ls->capshock)
				: palloc(sizeof(LedgerShock) * ls->capshock);
		}
		ls->shock[ls->nshock++] = sh;
	}
	MemoryContextSwitchTo(old);
}

/* Scenarios are valued in one pass only (see the header comment). */
static void
ledger_check_unshared(LedgerAccum *ls)
{
	if (ls != NULL && ls->has_scenario)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("pm.account_ledger with scenario rows cannot run in partial aggregation"),
				 errhint("Aggregate with ORDER BY so that rows of kind s come first, as pm.stress does.")));
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
	settle = asset_ref(ls, s->settle);
	margin_add_line_ref(ls->ms, &settle, &pnl, &mm, &im, &ol);
}

/*
 * Transition: one raw row of the account.  The aggregate context is checked
 * when the state is made, as numeric's transitions do: a state can only
 * come from a call that passed that check, so later rows skip it.
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
 * A state for one account outside an aggregate (the merge node of
 * ledger_merge_exec.c): made in mcxt, which the caller resets per account,
 * reading the reference data through cache.
 */
LedgerAccum *
ledger_accum_begin(MemoryContext mcxt, RefData *cache)
{
	LedgerAccum *ls = ledger_accum_create(mcxt);

	ls->cache = cache;
	return ls;
}

/*
 * One raw row into the state: fcinfo's arguments 1 to 10 are the row
 * (argument 0, the aggregate's state, is not read).  Whatever is kept is
 * copied into the state's context; the row may go once this returns.  An
 * error of the row's data is the account's (account_error); once the
 * account has one, only its account row is still read, for the program.
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
		catch_account_error(ls, cxt);
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

				set_account(ls, VARDATA_ANY(program), VARSIZE_ANY_EXHDR(program),
							PG_GETARG_INT32(10));
				break;
			}
		case 'b':
			{
				LedgerBalance *b = balance_slot(ls);

				if (!balance_fast(fcinfo, b))
				{
					PmVal		f = arg_value(fcinfo, 4),
								l = arg_value(fcinfo, 5),
								u = arg_value(fcinfo, 8),
								c = arg_value(fcinfo, 9);

					b->borrowed = arg_value(fcinfo, 6);
					b->interest = arg_value(fcinfo, 7);
					/* as pm.margin_line writes it: free + locked - borrowed - interest + um + cm */
					b->equity = pmv_add(pmv_add(pmv_sub(pmv_sub(pmv_add(f, l), b->borrowed),
														b->interest), u), c);
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
				add_position(ls, s, arg_value(fcinfo, 4), arg_value(fcinfo, 5),
							 PG_GETARG_INT32(10));
				break;
			}
		case 'o':
			{
				LedgerOrder o;

				o.sell = arg_asset(cache, fcinfo, 2);
				o.buy = arg_asset(cache, fcinfo, 3);
				o.sell_qty = pmv_copy_in(aggcontext, arg_value(fcinfo, 4));
				o.buy_qty = pmv_copy_in(aggcontext, arg_value(fcinfo, 5));
				add_order(ls, o);
				break;
			}
		case 's':
			if (ls->keep)
				ereport(ERROR,
						(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
						 errmsg("pm.ledger_totals takes no scenario rows"),
						 errdetail("Ledger totals are kept at the current prices.")));
			add_shock(ls, cache, fcinfo);
			break;
		default:
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("unknown pm.account_ledger row kind \"%c\"", kind),
					 errhint("The kinds are a (account), b (balance), p (position), o (order) and s (scenario).")));
	}
}

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
 * dst += src.  Balances and orders are lists; positions are already summed.
 * An account that cannot be valued in either part cannot be valued: the
 * error is kept and the values are not summed.
 */
static void
ledger_accum_combine(LedgerAccum *dst, LedgerAccum *src)
{
	MemoryContext cxt = CurrentMemoryContext;

	if (src->keep != dst->keep)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("cannot combine a ledger state with ledger totals")));
	if (src->error != NULL)
		set_error(dst, src->error->code, src->error->message, src->error->detail, src->error->hint);
	if (src->has_account && !dst->has_account)
	{
		dst->has_account = true;
		dst->is_pm = src->is_pm;
		dst->leverage = src->leverage;
	}
	else if (src->has_account && dst->error == NULL)
	{
		PG_TRY();
		{
			set_account(dst, src->is_pm ? "PM" : "PM_PRO", src->is_pm ? 2 : 6, src->leverage);
		}
		PG_CATCH();
		{
			catch_account_error(dst, cxt);
		}
		PG_END_TRY();
	}
	if (dst->error != NULL)
		return;
	PG_TRY();
	{
		combine_values(dst, src);
	}
	PG_CATCH();
	{
		catch_account_error(dst, cxt);
	}
	PG_END_TRY();
}

/* ledger_accum_combine's sums and lists. */
static void
combine_values(LedgerAccum *dst, LedgerAccum *src)
{
	MemoryContext mcxt = dst->ms->mcxt;
	int			i;

	margin_accum_combine(dst->ms, src->ms);
	kept_positions_combine(mcxt, &dst->positions, &src->positions);
	for (i = 0; i < src->nbal; i++)
	{
		LedgerBalance b = src->bal[i];

		CHECK_FOR_INTERRUPTS();
		b.equity = pmv_copy_in(mcxt, b.equity);
		b.borrowed = pmv_copy_in(mcxt, b.borrowed);
		b.interest = pmv_copy_in(mcxt, b.interest);
		add_balance(dst, b);
	}
	for (i = 0; i < src->nord; i++)
	{
		LedgerOrder o = src->ord[i];

		CHECK_FOR_INTERRUPTS();
		o.sell_qty = pmv_copy_in(mcxt, o.sell_qty);
		o.buy_qty = pmv_copy_in(mcxt, o.buy_qty);
		add_order(dst, o);
	}
}

Datum
pm_ledger_combine(PG_FUNCTION_ARGS)
{
	MemoryContext aggcontext = ledger_context(fcinfo);
	LedgerAccum *a = PG_ARGISNULL(0) ? NULL : (LedgerAccum *) PG_GETARG_POINTER(0);
	LedgerAccum *b = PG_ARGISNULL(1) ? NULL : (LedgerAccum *) PG_GETARG_POINTER(1);

	ledger_check_unshared(a);
	ledger_check_unshared(b);
	if (b == NULL)
	{
		if (a == NULL)
			PG_RETURN_NULL();
		PG_RETURN_POINTER(a);
	}
	if (a == NULL)
	{
		a = ledger_accum_create(aggcontext);
		a->keep = b->keep;
	}
	ledger_accum_combine(a, b);
	if (a->cache == NULL)
		a->cache = b->cache;
	PG_RETURN_POINTER(a);
}

static void
send_name(StringInfo buf, AssetInfo *a)
{
	pq_sendint32(buf, a->len);
	pq_sendbytes(buf, a->name, a->len);
}

static AssetInfo *
recv_name(StringInfo buf, RefData *cache)
{
	int			len = pq_getmsgint(buf, 4);
	AssetInfo  *a;

	if (len < 0 || len > buf->len - buf->cursor)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
				 errmsg("invalid external pm.account_ledger state value"),
				 errdetail("An asset name claims %d bytes, but %d remain.", len, buf->len - buf->cursor)));
	a = refdata_asset(cache, pq_getmsgbytes(buf, len), len);
	if (a == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
				 errmsg("invalid external pm.account_ledger state value"),
				 errdetail("It names an asset that is not in pm.asset.")));
	return a;
}

/*
 * Values between workers and the leader: a tag byte, then for a fast-path
 * value its scale (int32) and coefficient (16 bytes), or a framed numeric.
 * Much cheaper than numeric's own binary form, and still checked on read.
 */
#define PM_WIRE_UNSET	0
#define PM_WIRE_DEC		1
#define PM_WIRE_NUMERIC 2

static void
send_value(StringInfo buf, PmVal v)
{
	if (v.is_dec)
	{
		pq_sendbyte(buf, PM_WIRE_DEC);
		pq_sendint32(buf, v.d.scale);
		pq_sendbytes(buf, (const char *) &v.d.coef, sizeof(pm_i128));
	}
	else
	{
		pq_sendbyte(buf, PM_WIRE_NUMERIC);
		pm_send_numeric(buf, v.n);
	}
}

static void
send_acc(StringInfo buf, const PmSum *acc)
{
	if (!acc->is_set)
		pq_sendbyte(buf, PM_WIRE_UNSET);
	else if (acc->is_numeric)
	{
		pq_sendbyte(buf, PM_WIRE_NUMERIC);
		pm_send_numeric(buf, acc->num);
	}
	else
	{
		pq_sendbyte(buf, PM_WIRE_DEC);
		pq_sendint32(buf, acc->dec.scale);
		pq_sendbytes(buf, (const char *) &acc->dec.coef, sizeof(pm_i128));
	}
}

/* A value written by send_value or send_acc; *set is false for unset. */
static PmVal
recv_tagged(StringInfo buf, const char *what, bool *set)
{
	int			tag = pq_getmsgbyte(buf);

	*set = true;
	if (tag == PM_WIRE_DEC)
	{
		pm_dec		d;

		d.scale = pq_getmsgint(buf, 4);
		memcpy(&d.coef, pq_getmsgbytes(buf, sizeof(pm_i128)), sizeof(pm_i128));
		if (d.scale < 0 || d.scale > PM_DEC_MAX_SCALE ||
			d.coef == (pm_i128) (((pm_u128) 1) << 127))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
					 errmsg("invalid external pm.account_ledger state value"),
					 errdetail("The fast-path form of %s is out of range.", what)));
		return pmv_dec(d);
	}
	if (tag == PM_WIRE_NUMERIC)
	{
		Numeric		n = pm_recv_numeric(buf, "pm.account_ledger state", what);

		pm_check_finite(n, what);
		return pmv_numeric(n);
	}
	if (tag == PM_WIRE_UNSET)
	{
		*set = false;
		return pmv_zero();
	}
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
			 errmsg("invalid external pm.account_ledger state value"),
			 errdetail("The tag of %s is %d.", what, tag)));
	return pmv_zero();			/* keep compiler quiet */
}

static PmVal
recv_value(StringInfo buf, const char *what)
{
	bool		set;
	PmVal		v = recv_tagged(buf, what, &set);

	if (!set)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
				 errmsg("invalid external pm.account_ledger state value"),
				 errdetail("%s is missing.", what)));
	return v;
}

/* The positions' per-asset sums (prices come from the cache, by name). */
static void
send_assets(StringInfo buf, MarginAccum *ms)
{
	int			i;

	pq_sendint32(buf, ms->nassets);
	for (i = 0; i < ms->nassets; i++)
	{
		MarginAsset *a = &ms->assets[i];

		pq_sendint32(buf, a->name_len);
		pq_sendbytes(buf, a->name, a->name_len);
		send_acc(buf, &a->equity);
		send_acc(buf, &a->maint_margin);
		send_acc(buf, &a->initial_margin);
		send_acc(buf, &a->open_loss);
	}
}

static void
recv_assets(StringInfo buf, MarginAccum *ms, RefData *cache)
{
	int			n = pq_getmsgint(buf, 4);
	int			i,
				k;

	if (n < 0 || n > buf->len - buf->cursor)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
				 errmsg("invalid external pm.account_ledger state value"),
				 errdetail("It claims %d assets.", n)));
	for (i = 0; i < n; i++)
	{
		AssetInfo  *info = recv_name(buf, cache);
		MarginAsset *a;
		int			before = ms->nassets;

		CHECK_FOR_INTERRUPTS();
		if (info->price == NULL)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
					 errmsg("invalid external pm.account_ledger state value"),
					 errdetail("Asset %s has no index price.", info->name)));
		a = margin_accum_asset(ms, info->name, info->len, info->price, NULL);
		if (ms->nassets == before)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
					 errmsg("invalid external pm.account_ledger state value"),
					 errdetail("Asset %s appears twice.", info->name)));
		for (k = 0; k < 4; k++)
		{
			PmSum	   *acc = k == 0 ? &a->equity : k == 1 ? &a->maint_margin :
				k == 2 ? &a->initial_margin : &a->open_loss;
			bool		set;
			PmVal		v = recv_tagged(buf, "a position sum", &set);

			if (k > 0 && set && pmv_sign(v) < 0)
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
						 errmsg("invalid external pm.account_ledger state value"),
						 errdetail("A margin of %s is negative.", info->name)));
			if (set)
				pm_sum_add_val(ms->mcxt, acc, &v);
		}
	}
}

/* An optional string: a flag byte, then the string. */
static void
send_opt_string(StringInfo buf, const char *s)
{
	pq_sendbyte(buf, s != NULL);
	if (s != NULL)
		pq_sendstring(buf, s);
}

static char *
recv_opt_string(StringInfo buf)
{
	int			present = pq_getmsgbyte(buf);

	if (present != 0 && present != 1)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
				 errmsg("invalid external pm.account_ledger state value"),
				 errdetail("A string flag is %d.", present)));
	return present ? pstrdup(pq_getmsgstring(buf)) : NULL;
}

/*
 * State to bytes for parallel workers: whether the account can be valued
 * (if not: why, and its account row, nothing else), the positions'
 * per-asset sums, the account, the pending balances and the orders, in
 * the compact wire form.
 */
Datum
pm_ledger_serialize(PG_FUNCTION_ARGS)
{
	LedgerAccum *ls = (LedgerAccum *) PG_GETARG_POINTER(0);
	StringInfoData buf;
	int			i;

	ledger_context(fcinfo);
	ledger_check_unshared(ls);
	pq_begintypsend(&buf);
	pq_sendbyte(&buf, PM_LEDGER_BINARY_VERSION);
	pq_sendbyte(&buf, ls->error != NULL);
	if (ls->error != NULL)
	{
		pq_sendint32(&buf, ls->error->code);
		pq_sendstring(&buf, ls->error->message);
		send_opt_string(&buf, ls->error->detail);
		send_opt_string(&buf, ls->error->hint);
		pq_sendbyte(&buf, ls->has_account ? (ls->is_pm ? 2 : 1) : 0);
		pq_sendint32(&buf, ls->leverage);
		PG_RETURN_BYTEA_P(pq_endtypsend(&buf));
	}
	send_assets(&buf, ls->ms);
	pq_sendbyte(&buf, ls->has_account ? (ls->is_pm ? 2 : 1) : 0);
	pq_sendint32(&buf, ls->leverage);
	pq_sendint32(&buf, ls->nbal);
	for (i = 0; i < ls->nbal; i++)
	{
		CHECK_FOR_INTERRUPTS();
		send_name(&buf, ls->bal[i].asset);
		send_value(&buf, ls->bal[i].equity);
		send_value(&buf, ls->bal[i].borrowed);
		send_value(&buf, ls->bal[i].interest);
	}
	pq_sendint32(&buf, ls->nord);
	for (i = 0; i < ls->nord; i++)
	{
		CHECK_FOR_INTERRUPTS();
		send_name(&buf, ls->ord[i].sell);
		send_name(&buf, ls->ord[i].buy);
		send_value(&buf, ls->ord[i].sell_qty);
		send_value(&buf, ls->ord[i].buy_qty);
	}
	if (ls->keep)
		kept_positions_send(&buf, &ls->positions);
	PG_RETURN_BYTEA_P(pq_endtypsend(&buf));
}

/* Bytes to state, checking every byte. */
static LedgerAccum *
ledger_deserialize(FunctionCallInfo fcinfo, bool totals)
{
	bytea	   *bytes = PG_GETARG_BYTEA_PP(0);
	RefData *cache = refdata_get(fcinfo->flinfo);
	StringInfoData buf;
	LedgerAccum *ls;
	int			version,
				failed,
				account,
				n,
				i;

	ledger_context(fcinfo);
	initStringInfo(&buf);
	appendBinaryStringInfo(&buf, VARDATA_ANY(bytes), VARSIZE_ANY_EXHDR(bytes));
	version = pq_getmsgbyte(&buf);
	if (version != PM_LEDGER_BINARY_VERSION)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
				 errmsg("invalid external pm.account_ledger state value"),
				 errdetail("Format version %d is not supported.", version)));
	ls = ledger_accum_create(CurrentMemoryContext);
	ls->cache = cache;
	ls->keep = totals;
	failed = pq_getmsgbyte(&buf);
	if (failed != 0 && failed != 1)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
				 errmsg("invalid external pm.account_ledger state value"),
				 errdetail("The error flag is %d.", failed)));
	if (failed)
	{
		int			code = pq_getmsgint(&buf, 4);
		char	   *message = pstrdup(pq_getmsgstring(&buf));
		char	   *detail = recv_opt_string(&buf);
		char	   *hint = recv_opt_string(&buf);

		if (!account_error(code) || message[0] == '\0')
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
					 errmsg("invalid external pm.account_ledger state value"),
					 errdetail("It holds an error that is not an account's.")));
		set_error(ls, code, message, detail, hint);
	}
	else
		recv_assets(&buf, ls->ms, cache);
	account = pq_getmsgbyte(&buf);
	if (account < 0 || account > 2)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
				 errmsg("invalid external pm.account_ledger state value"),
				 errdetail("The account flag is %d.", account)));
	ls->has_account = account > 0;
	ls->is_pm = account == 2;
	ls->leverage = pq_getmsgint(&buf, 4);
	if (failed)
	{
		if (buf.cursor != buf.len)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
					 errmsg("invalid external pm.account_ledger state value"),
					 errdetail("There are %d bytes left over.", buf.len - buf.cursor)));
		return ls;
	}
	n = pq_getmsgint(&buf, 4);
	if (n < 0 || n > buf.len - buf.cursor)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
				 errmsg("invalid external pm.account_ledger state value"),
				 errdetail("It claims %d balances.", n)));
	for (i = 0; i < n; i++)
	{
		LedgerBalance b;

		CHECK_FOR_INTERRUPTS();
		b.asset = recv_name(&buf, cache);
		b.equity = recv_value(&buf, "a balance's equity");
		b.borrowed = recv_value(&buf, "a balance's loan");
		b.interest = recv_value(&buf, "a balance's interest");
		add_balance(ls, b);
	}
	n = pq_getmsgint(&buf, 4);
	if (n < 0 || n > buf.len - buf.cursor)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
				 errmsg("invalid external pm.account_ledger state value"),
				 errdetail("It claims %d orders.", n)));
	for (i = 0; i < n; i++)
	{
		LedgerOrder o;

		CHECK_FOR_INTERRUPTS();
		o.sell = recv_name(&buf, cache);
		o.buy = recv_name(&buf, cache);
		o.sell_qty = recv_value(&buf, "an order's sell quantity");
		o.buy_qty = recv_value(&buf, "an order's buy quantity");
		add_order(ls, o);
	}
	if (totals)
		kept_positions_recv(&buf, ls->ms->mcxt, &ls->positions);
	if (buf.cursor != buf.len)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
				 errmsg("invalid external pm.account_ledger state value"),
				 errdetail("There are %d bytes left over.", buf.len - buf.cursor)));
	return ls;
}

Datum
pm_ledger_deserialize(PG_FUNCTION_ARGS)
{
	PG_RETURN_POINTER(ledger_deserialize(fcinfo, false));
}

Datum
pm_ledger_totals_deserialize(PG_FUNCTION_ARGS)
{
	PG_RETURN_POINTER(ledger_deserialize(fcinfo, true));
}

/*
 * A balance without a loan, valued only, whose asset nothing else in the
 * account touches -- no position settles in it, no other balance names it
 * -- is its asset's whole equity: its value and collateral value go
 * straight into ls->outside, with the checks add_line makes, and the state
 * never holds the asset.  (A second line of the asset would have to be
 * summed before the tiers, so then, or when the state holds the asset
 * already, it returns false and the line goes into the state.)  Orders
 * settle after balances and add only open loss, which does not mix with
 * equity.
 */
static bool
value_outside(LedgerAccum *ls, int i, const MarginAssetRef *asset, uint64 shared_bits)
{
	LedgerBalance *b = &ls->bal[i];
	MemoryContext old;
	PmVal		value;
	int			j;

	if (margin_accum_find_ref(ls->ms, asset) != NULL)
		return false;
	/* another balance of the asset? only if another shares its hash bit */
	if (shared_bits & (UINT64CONST(1) << (b->asset->hash & 63)))
		for (j = 0; j < ls->nbal; j++)
			if (j != i && same_asset(ls->bal[j].asset, b->asset))
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
	value = pmv_mul(b->equity, asset->price_val);
	old = MemoryContextSwitchTo(ls->ms->mcxt);
	ls->outside[PM_FIGURE_ACCOUNT_EQUITY] =
		pmv_add(ls->outside[PM_FIGURE_ACCOUNT_EQUITY],
				pm_collateral_of(value, ledger_collateral(ls, b->asset)));
	ls->outside[PM_FIGURE_ACTUAL_EQUITY] = pmv_add(ls->outside[PM_FIGURE_ACTUAL_EQUITY], value);
	MemoryContextSwitchTo(old);
	return true;
}

/*
 * Settle what waited for the account's program and leverage -- balances with
 * their loans, open orders -- into the state's per-asset sums, once: a
 * hashed aggregate that is rescanned (the inner side of a nested loop)
 * finalizes the same state again, and must get the same answer.
 * values_only (pm.account_ledger_risk, whose fields are rounded values):
 * zero margins are not added, and a balance that is its asset's only line
 * is valued outside the state (value_outside).
 */
static void
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
		/* kept in the state: a rescanned aggregate finalizes it again */
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
			MarginAssetRef asset = asset_ref(ls, b->asset);
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
			MarginAssetRef sell = asset_ref(ls, o->sell),
						buy = asset_ref(ls, o->buy);
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
static void
ledger_set_collateral(LedgerAccum *ls, RefData *cache)
{
	MarginAccum *ms = ls->ms;
	int			i;

	for (i = 0; i < ms->nassets; i++)
	{
		/* the cache's record when the asset came in through it */
		AssetInfo  *a = ms->assets[i].owner ? (AssetInfo *) ms->assets[i].owner
			: refdata_asset(cache, ms->assets[i].name, ms->assets[i].name_len);

		CHECK_FOR_INTERRUPTS();
		ms->assets[i].collateral = a ? ledger_collateral(ls, a) : NULL;
	}
}

/* the transition's cache, when this query filled one: read it once */
static RefData *
final_cache(LedgerAccum *ls, FunctionCallInfo fcinfo)
{
	return ls->cache ? ls->cache : refdata_get(fcinfo->flinfo);
}

/*
 * The account's summary.  Settles balances and orders into the state itself
 * (the aggregate is declared FINALFUNC_MODIFY = READ_WRITE).
 */
Datum
pm_ledger_final(PG_FUNCTION_ARGS)
{
	LedgerAccum *ls = (LedgerAccum *) PG_GETARG_POINTER(0);
	RefData *cache = final_cache(ls, fcinfo);
	MemoryContext cxt = CurrentMemoryContext;
	PmMarginSummary *volatile summary = NULL;

	ledger_context(fcinfo);
	if (ls->error == NULL)
	{
		PG_TRY();
		{
			ledger_accum_complete(ls, cache, false);
			ledger_set_collateral(ls, cache);
			summary = margin_summary_build(ls->ms);
		}
		PG_CATCH();
		{
			catch_account_error(ls, cxt);
		}
		PG_END_TRY();
	}
	/* an account that cannot be valued has no summary */
	if (summary == NULL)
		PG_RETURN_NULL();
	PG_RETURN_POINTER(summary);
}

/*
 * The account's risk totals, from the state settled for values only, kept
 * in the state: the aggregates of single fields share one state (their
 * final functions are SHAREABLE) and each reads the totals the first one
 * computed, and a rescanned hashed aggregate finalizes the same state again.
 */
static void
ledger_accum_figures(LedgerAccum *ls, RiskFieldsCache *rc)
{
	RefData *cache;
	MemoryContext cxt = CurrentMemoryContext;

	if (ls->figures_ready)
		return;
	/* before the PG_TRY: filling a cache may read tables */
	cache = ls->cache ? ls->cache : refdata_get_in(&rc->refdata, rc->mcxt);
	if (ls->error == NULL)
	{
		PG_TRY();
		{
			PmVal		figures[PM_FIGURE_COUNT];

			ledger_accum_complete(ls, cache, true);
			ledger_set_collateral(ls, cache);
			ls->has_uni_mmr = margin_accum_figures(ls->ms, figures, true, ls->outside);
			for (int i = 0; i < PM_FIGURE_COUNT; i++)
				ls->figures[i] = pmv_copy_in(ls->ms->mcxt, figures[i]);
		}
		PG_CATCH();
		{
			catch_account_error(ls, cxt);
		}
		PG_END_TRY();
	}
	ls->figures_ready = true;
}

/* The account's program as the fields show it (NULL without an account row). */
static const char *
ledger_program(LedgerAccum *ls)
{
	if (!ls->has_account)
		return NULL;
	return ls->is_pm ? "PM" : "PM_PRO";
}

/*
 * pm.account_ledger_risk's result: the account's pm.account_risk fields as
 * a pm.ledger_risk row, from the settled state's totals -- no summary is
 * laid out, nothing per asset is kept.
 */
Datum
pm_ledger_risk_final(PG_FUNCTION_ARGS)
{
	LedgerAccum *ls = (LedgerAccum *) PG_GETARG_POINTER(0);
	RiskFieldsCache *rc;

	ledger_context(fcinfo);
	rc = risk_fields_cache(fcinfo, true);
	ledger_accum_figures(ls, rc);
	PG_RETURN_DATUM(risk_fields_datum(rc, fcinfo->flinfo->fn_mcxt, ledger_program(ls),
									  ls->figures, ls->has_uni_mmr,
									  ls->error ? ls->error->message : NULL));
}

/*
 * One field of pm.account_ledger_risk, for the aggregates pm.ledger_risk_<field>:
 * pm.account_risk asks for its ten columns this way, so that no row is
 * formed only to be taken apart again.
 */
static Datum
ledger_risk_field(FunctionCallInfo fcinfo, RiskField field)
{
	LedgerAccum *ls = (LedgerAccum *) PG_GETARG_POINTER(0);
	bool		isnull;
	Datum		result;

	ledger_context(fcinfo);
	result = ledger_accum_field(ls, risk_fields_cache(fcinfo, false), field, &isnull);
	if (isnull)
		PG_RETURN_NULL();
	PG_RETURN_DATUM(result);
}

/*
 * One field of the account's risk, in the current memory context; the
 * totals are computed by the first field asked for.  rc is the caller's
 * cache of texts and the status ladder.
 */
Datum
ledger_accum_field(LedgerAccum *ls, RiskFieldsCache *rc, RiskField field, bool *isnull)
{
	ledger_accum_figures(ls, rc);
	return risk_field_datum(rc, rc->mcxt, field, ledger_program(ls), ls->figures, ls->has_uni_mmr,
							ls->error ? ls->error->message : NULL, NULL, isnull);
}

#define RISK_FIELD_FINAL(name, field) \
PG_FUNCTION_INFO_V1(name); \
Datum \
name(PG_FUNCTION_ARGS) \
{ \
	return ledger_risk_field(fcinfo, field); \
}

RISK_FIELD_FINAL(pm_ledger_risk_program_final, RISK_PROGRAM)
RISK_FIELD_FINAL(pm_ledger_risk_uni_mmr_final, RISK_UNI_MMR)
RISK_FIELD_FINAL(pm_ledger_risk_account_equity_final, RISK_ACCOUNT_EQUITY)
RISK_FIELD_FINAL(pm_ledger_risk_actual_equity_final, RISK_ACTUAL_EQUITY)
RISK_FIELD_FINAL(pm_ledger_risk_initial_margin_final, RISK_INITIAL_MARGIN)
RISK_FIELD_FINAL(pm_ledger_risk_maint_margin_final, RISK_MAINT_MARGIN)
RISK_FIELD_FINAL(pm_ledger_risk_status_final, RISK_STATUS)
RISK_FIELD_FINAL(pm_ledger_risk_withdraw_final, RISK_WITHDRAW)
RISK_FIELD_FINAL(pm_ledger_risk_available_final, RISK_AVAILABLE)
RISK_FIELD_FINAL(pm_ledger_risk_open_loss_final, RISK_OPEN_LOSS)
RISK_FIELD_FINAL(pm_ledger_risk_error_final, RISK_ERROR)

/*
 * pm.ledger_totals' result: the settled sums of everything but positions,
 * and the positions as they are (ledger_totals.c), as bytes.
 */
Datum
pm_ledger_totals_final(PG_FUNCTION_ARGS)
{
	LedgerAccum *ls = (LedgerAccum *) PG_GETARG_POINTER(0);

	ledger_context(fcinfo);
	/* the state keeper records the reason itself (pm.recompute_accounts) */
	if (ls->error != NULL)
		rethrow_account_error(ls->error);
	ledger_accum_complete(ls, final_cache(ls, fcinfo), false);
	PG_RETURN_BYTEA_P(ledger_totals_encode(ls->is_pm, ls->ms, &ls->positions));
}

