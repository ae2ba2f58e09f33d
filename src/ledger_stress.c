/*-------------------------------------------------------------------------
 *
 * ledger_stress.c
 *	  pm.ledger_stress: an account under every scenario of pm.scenario,
 *	  from one read of its rows (pm.stress_result).
 *
 * The state is pm.ledger_totals' accumulator: the account row, balances and
 * open orders as parsed, positions kept as they are (symbol, quantity, entry
 * price, leverage), so the aggregate combines, serializes and deserializes
 * as pm.ledger_totals does, through the checked reader of src/core/wire.c.
 * The final function values that state once without a scenario, through a
 * fresh ledger accumulator that takes the account's account row, balances,
 * orders and positions -- what pm.stress's accumulator holds after the same
 * rows -- and under each scenario by valuing again only the terms the
 * scenario touches (ledger_moved.c: the moved assets', those of the assets
 * positions on them settle in, the open loss of orders on them), from those
 * figures; a scenario that moves every asset ('*') is a full pass of its
 * own.  So the whole grid
 * reads each account's rows once, instead of once per scenario, and sorts
 * nothing.  An account that cannot be valued has its error under every
 * scenario, as pm.stress gives it.
 *
 * A scenario that moves no asset the account holds, owes, trades or
 * settles in, and replaces no schedule of one, gives the account's row
 * without a scenario: that row is computed once and used for each such
 * scenario (most of the built-in ones, for most accounts, move one asset).
 * Whether a scenario touches the account is decided from the names in its
 * rows against every asset the rows name or reach through a symbol, and
 * '*' touches every account.
 *
 * The scenarios are read once per query (the final function's fn_extra),
 * ordered by name in the "C" collation, as pm.stress_scenarios() returns
 * them: element i of the result is scenario i.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "miscadmin.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/datum.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"

#include "compat.h"
#include "ledger_accum.h"
#include "ledger_moved.h"
#include "refdata.h"
#include "risk_fields.h"

PG_FUNCTION_INFO_V1(pm_ledger_stress_final);
PG_FUNCTION_INFO_V1(pm_stress_scenarios);

/* A scenario's row of kind 's', as pm.stress feeds it: columns 1..10 of a call. */
typedef struct StressRow
{
	Datum		values[LEDGER_NCOLUMNS];
	bool		nulls[LEDGER_NCOLUMNS];
} StressRow;

/* One scenario: a name and its rows of kind 's'. */
typedef struct StressScenario
{
	text	   *name;
	int			first;			/* its rows in StressCache.rows */
	int			count;
	bool		moves_all;		/* a row for '*' */
	LedgerAccum *moves[2];		/* its moves, for PM_PRO and PM accounts (made
								 * at first use, for the query: value_moved) */
} StressScenario;

/* What the final function keeps for the query (fn_extra). */
typedef struct StressCache
{
	int			nscenarios;
	StressScenario *scenarios;
	StressRow  *rows;			/* every scenario's rows, kind 's' */
	AssetInfo **moved;			/* each row's asset in the reference data, NULL for
								 * '*' or one it lacks (resolved at the first account) */
	RiskFieldsCache *rc;		/* pm.ledger_risk's row type, texts, ladder */
	void	   *refdata;		/* the query's reference data */
	MemoryContext valuation;	/* one valuation's memory, reset for each */
	MemoryContext account;		/* one account's memory, reset for each */
	FmgrInfo	row_flinfo;		/* the rows are read by argument number only */
	FunctionCallInfo row;		/* a ledger row as the accumulator reads it */
	Oid			risk_type;		/* pm.ledger_risk */
	int16		risk_len;
	bool		risk_byval;
	char		risk_align;
} StressCache;

/* Whether two texts are the same bytes. */
static bool
same_text(text *x, text *y)
{
	return VARSIZE_ANY_EXHDR(x) == VARSIZE_ANY_EXHDR(y) &&
		memcmp(VARDATA_ANY(x), VARDATA_ANY(y), VARSIZE_ANY_EXHDR(x)) == 0;
}

/* The scenarios, in the order of their names ("C" collation), read once. */
static void
read_scenarios(StressCache *sc, MemoryContext mcxt)
{
	const char *query =
		"SELECT s.scenario, s.asset, s.collateral::pg_catalog.text, s.price_shock"
		"  FROM pm.scenario s"
		" ORDER BY s.scenario COLLATE \"C\", s.asset COLLATE \"C\"";
	MemoryContext old;
	uint64		i;
	int			ns = 0;

	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	if (SPI_execute(query, true, 0) != SPI_OK_SELECT)
		elog(ERROR, "reading pm.scenario failed");
	old = MemoryContextSwitchTo(mcxt);
	sc->rows = palloc0(sizeof(StressRow) * Max(SPI_processed, 1));
	sc->scenarios = palloc0(sizeof(StressScenario) * Max(SPI_processed, 1));
	for (i = 0; i < SPI_processed; i++)
	{
		HeapTuple	tup = SPI_tuptable->vals[i];
		TupleDesc	desc = SPI_tuptable->tupdesc;
		bool		isnull;
		Datum		name = SPI_getbinval(tup, desc, 1, &isnull);
		Datum		asset = SPI_getbinval(tup, desc, 2, &isnull);
		bool		collateral_null;
		Datum		collateral = SPI_getbinval(tup, desc, 3, &collateral_null);
		bool		shock_null;
		Datum		shock = SPI_getbinval(tup, desc, 4, &shock_null);
		StressRow  *r = &sc->rows[i];
		text	   *asset_text = DatumGetTextPP(asset);

		if (ns == 0 || !same_text(sc->scenarios[ns - 1].name, DatumGetTextPP(name)))
		{
			sc->scenarios[ns].name = DatumGetTextPCopy(name);
			sc->scenarios[ns].first = (int) i;
			ns++;
		}
		sc->scenarios[ns - 1].count++;
		if (VARSIZE_ANY_EXHDR(asset_text) == 1 && VARDATA_ANY(asset_text)[0] == '*')
			sc->scenarios[ns - 1].moves_all = true;

		/* as pm.stress feeds it: ('s', asset, collateral, shock, NULL...) */
		memset(r->nulls, true, sizeof(r->nulls));
		r->values[0] = CharGetDatum('s');
		r->nulls[0] = false;
		r->values[1] = PointerGetDatum(DatumGetTextPCopy(asset));
		r->nulls[1] = false;
		if (!collateral_null)
		{
			r->values[2] = PointerGetDatum(DatumGetTextPCopy(collateral));
			r->nulls[2] = false;
		}
		if (!shock_null)
		{
			r->values[3] = datumCopy(shock, false, -1);
			r->nulls[3] = false;
		}
	}
	sc->nscenarios = ns;
	MemoryContextSwitchTo(old);
	SPI_finish();
}

/* The call site's cache: scenarios, row type, reference data slot. */
static StressCache *
stress_cache(FunctionCallInfo fcinfo)
{
	StressCache *sc = (StressCache *) fcinfo->flinfo->fn_extra;
	MemoryContext mcxt = fcinfo->flinfo->fn_mcxt;
	MemoryContext old;

	if (sc != NULL)
		return sc;
	sc = MemoryContextAllocZero(mcxt, sizeof(StressCache));
	read_scenarios(sc, mcxt);
	sc->risk_type = get_element_type(get_fn_expr_rettype(fcinfo->flinfo));
	if (!OidIsValid(sc->risk_type))
		elog(ERROR, "pm.ledger_stress must return an array of pm.ledger_risk");
	get_typlenbyvalalign(sc->risk_type, &sc->risk_len, &sc->risk_byval, &sc->risk_align);
	sc->rc = risk_fields_cache_new(mcxt);
	risk_fields_cache_set_row(sc->rc, sc->risk_type);
	sc->valuation = AllocSetContextCreate(mcxt, "pm.ledger_stress valuation",
										  ALLOCSET_DEFAULT_SIZES);
	sc->account = AllocSetContextCreate(mcxt, "pm.ledger_stress account",
										ALLOCSET_DEFAULT_SIZES);
	old = MemoryContextSwitchTo(mcxt);
	sc->row_flinfo.fn_nargs = LEDGER_NCOLUMNS + 1;
	sc->row_flinfo.fn_mcxt = mcxt;
	sc->row = palloc0(SizeForFunctionCallInfo(LEDGER_NCOLUMNS + 1));
	InitFunctionCallInfoData(*sc->row, &sc->row_flinfo, LEDGER_NCOLUMNS + 1, InvalidOid,
							 NULL, NULL);
	sc->row->args[0].isnull = true;
	MemoryContextSwitchTo(old);
	fcinfo->flinfo->fn_extra = sc;
	return sc;
}

/* One kept row into the accumulator. */
static void
feed(StressCache *sc, LedgerAccum *ls, const StressRow *r)
{
	int			c;

	for (c = 0; c < LEDGER_NCOLUMNS; c++)
	{
		sc->row->args[c + 1].value = r->values[c];
		sc->row->args[c + 1].isnull = r->nulls[c];
	}
	ledger_accum_add_row(ls, sc->row);
}

/*
 * Whether scenario s can change the values of an account that meets the
 * assets met[0..n): it moves every asset, or one of those.  A move of an
 * asset the reference data lacks changes nothing, in pm.stress as here.
 */
static bool
touches(StressCache *sc, const StressScenario *s, AssetInfo **met, int n)
{
	int			i;

	if (s->moves_all || met == NULL)
		return true;
	for (i = 0; i < s->count; i++)
		if (ledger_meets(met, n, sc->moved[s->first + i]))
			return true;
	return false;
}

/*
 * The account's pm.ledger_risk row under scenario s (NULL: none): a fresh
 * accumulator takes the scenario, then the state's account, balances,
 * orders and positions.  An error of the account's data under the scenario
 * is its error, as in pm.stress.  If figures is given, it receives the
 * account's figures (in sc->account) and *valued whether there are any
 * (not when the account cannot be valued).
 */
static Datum
value_under(StressCache *sc, RefData *ref, const StressScenario *s, const LedgerAccum *st,
			MemoryContext result_cxt, PmVal *figures, bool *valued)
{
	LedgerAccum *ls;
	MemoryContext old;
	Datum		d;
	int			i;

	MemoryContextReset(sc->valuation);
	ls = ledger_accum_begin(sc->valuation, ref);
	old = MemoryContextSwitchTo(sc->valuation);
	if (s != NULL)
		for (i = 0; i < s->count; i++)
			feed(sc, ls, &sc->rows[s->first + i]);
	PG_TRY();
	{
		ledger_accum_refeed(ls, st);
	}
	PG_CATCH();
	{
		ledger_catch_error(ls, sc->valuation);
	}
	PG_END_TRY();
	d = ledger_accum_row(ls, sc->rc);
	/* the figures the moves start from, when asked and there are some */
	if (figures != NULL)
	{
		*valued = ls->error == NULL;
		if (*valued)
			for (i = 0; i < PM_FIGURE_COUNT; i++)
				figures[i] = pmv_copy_in(sc->account, ls->figures[i]);
	}
	MemoryContextSwitchTo(result_cxt);
	d = datumCopy(d, sc->risk_byval, sc->risk_len);
	MemoryContextSwitchTo(old);
	return d;
}

/*
 * The account's pm.ledger_risk row under scenario s, which moves some of
 * its assets but not every asset: its figures without a scenario (base)
 * with the terms the scenario touches valued again (ledger_moved.c) --
 * the values of value_under's full pass, for a few products.
 */
static Datum
value_moved(StressCache *sc, RefData *ref, StressScenario *s, const LedgerAccum *st,
			MovedBase *moved, const PmVal *base, MemoryContext result_cxt)
{
	LedgerAccum *scn;
	PmVal		without[PM_FIGURE_COUNT],
				under[PM_FIGURE_COUNT],
				figures[PM_FIGURE_COUNT];
	bool		has_uni;
	MemoryContext old;
	Datum		d;
	int			i;

	MemoryContextReset(sc->valuation);
	/* the scenario's moves: the same for every account of the program */
	scn = s->moves[st->is_pm];
	if (scn == NULL)
	{
		MemoryContext mcxt = GetMemoryChunkContext(sc);

		old = MemoryContextSwitchTo(mcxt);
		scn = ledger_accum_begin(mcxt, ref);
		for (i = 0; i < s->count; i++)
			feed(sc, scn, &sc->rows[s->first + i]);
		scn->is_pm = st->is_pm;
		s->moves[st->is_pm] = scn;
		MemoryContextSwitchTo(old);
	}
	old = MemoryContextSwitchTo(sc->valuation);
	moved_terms(moved, scn, without, under, NULL, NULL, NULL, NULL);
	has_uni = moved_figures(base, without, under, true, figures);
	d = risk_fields_datum(sc->rc, sc->rc->mcxt, st->is_pm ? "PM" : "PM_PRO", figures, has_uni, NULL);
	MemoryContextSwitchTo(result_cxt);
	d = datumCopy(d, sc->risk_byval, sc->risk_len);
	MemoryContextSwitchTo(old);
	return d;
}

/*
 * pm.ledger_stress's final: the account's pm.ledger_risk row under each
 * scenario, in the order of pm.stress_scenarios().
 */
Datum
pm_ledger_stress_final(PG_FUNCTION_ARGS)
{
	LedgerAccum *st;
	StressCache *sc;
	RefData    *ref;
	MemoryContext result_cxt = CurrentMemoryContext;
	Datum	   *elems;
	Datum		unmoved = (Datum) 0;
	bool		have_unmoved = false;
	int			i;

	ledger_context(fcinfo);
	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
	st = (LedgerAccum *) PG_GETARG_POINTER(0);
	sc = stress_cache(fcinfo);
	ref = refdata_get_in(&sc->refdata, fcinfo->flinfo->fn_mcxt);
	if (sc->moved == NULL)
	{
		int			nrows = sc->nscenarios ? sc->scenarios[sc->nscenarios - 1].first +
			sc->scenarios[sc->nscenarios - 1].count : 0;

		sc->moved = MemoryContextAllocZero(fcinfo->flinfo->fn_mcxt,
										   sizeof(AssetInfo *) * Max(nrows, 1));
		for (i = 0; i < nrows; i++)
		{
			text	   *t = DatumGetTextPP(sc->rows[i].values[1]);

			sc->moved[i] = refdata_asset(ref, VARDATA_ANY(t), VARSIZE_ANY_EXHDR(t));
		}
	}
	elems = palloc(sizeof(Datum) * Max(sc->nscenarios, 1));
	if (st->error != NULL)
	{
		/* its data's error, under every scenario (program and error only) */
		unmoved = datumCopy(ledger_accum_row(st, sc->rc), sc->risk_byval, sc->risk_len);
		for (i = 0; i < sc->nscenarios; i++)
			elems[i] = unmoved;
	}
	else
	{
		int			nmet;
		AssetInfo **met;
		PmVal		base[PM_FIGURE_COUNT];
		bool		have_base = false;
		MovedBase  *moved = NULL;

		MemoryContextReset(sc->account);
		met = ledger_assets_met(ref, st, &nmet);
		for (i = 0; i < sc->nscenarios; i++)
		{
			StressScenario *s = &sc->scenarios[i];
			bool		touched = touches(sc, s, met, nmet);

			CHECK_FOR_INTERRUPTS();
			/* a move of every asset (or symbols missing): a pass of its own */
			if (touched && (s->moves_all || met == NULL))
			{
				elems[i] = value_under(sc, ref, s, st, result_cxt, NULL, NULL);
				continue;
			}
			if (!have_unmoved)
			{
				/* its figures, which the moves start from (none: in error) */
				unmoved = value_under(sc, ref, NULL, st, result_cxt, base, &have_base);
				have_unmoved = true;
			}
			if (!touched)
				elems[i] = unmoved;
			else if (!have_base)
				elems[i] = value_under(sc, ref, s, st, result_cxt, NULL, NULL);
			else
			{
				if (moved == NULL)
					moved = moved_base_build(st, ref, sc->account);
				elems[i] = value_moved(sc, ref, s, st, moved, base, result_cxt);
			}
		}
	}
	PG_RETURN_ARRAYTYPE_P(construct_array(elems, sc->nscenarios, sc->risk_type,
										  sc->risk_len, sc->risk_byval, sc->risk_align));
}

/*
 * pm.stress_scenarios(): the scenarios' names in the order of
 * pm.ledger_stress's elements.
 */
Datum
pm_stress_scenarios(PG_FUNCTION_ARGS)
{
	StressCache sc;
	Datum	   *names;
	int			i;

	memset(&sc, 0, sizeof(sc));
	read_scenarios(&sc, CurrentMemoryContext);
	names = palloc(sizeof(Datum) * Max(sc.nscenarios, 1));
	for (i = 0; i < sc.nscenarios; i++)
		names[i] = PointerGetDatum(sc.scenarios[i].name);
	PG_RETURN_ARRAYTYPE_P(construct_array(names, sc.nscenarios, TEXTOID, -1, false, TYPALIGN_INT));
}
