/*-------------------------------------------------------------------------
 *
 * ledger_accum.h
 *	  The ledger accumulator: what the ledger aggregates (pm.account_ledger,
 *	  pm.account_ledger_risk, the pm.ledger_risk_<field> aggregates and
 *	  pm.ledger_totals) keep while an account's ledger rows arrive, and the
 *	  functions of its life, one job per file:
 *
 *	  ledger_accum.c	the accumulator, its lists, the error an account keeps
 *	  ledger_rows.c		ledger rows in (the transition functions)
 *	  ledger_scenario.c	a scenario's moves: prices, marks, schedules
 *	  ledger_combine.c	two accumulators into one (parallel plans)
 *	  ledger_codec.c	to bytes and back (parallel plans), through the
 *						checked reader of src/core/wire.c
 *	  ledger_complete.c	balances and orders into margin lines, once the
 *						account's program and leverage are known
 *	  ledger_final.c	the final functions: summary, fields, ledger totals
 *
 * The ledger merge node (ledger_merge_exec.c) runs the same code for
 * pm.account_risk's rows without the aggregate node, through
 * ledger_accum_begin, ledger_accum_add_row and ledger_accum_field.
 *
 *-------------------------------------------------------------------------
 */
#ifndef PM_LEDGER_ACCUM_H
#define PM_LEDGER_ACCUM_H

#include "fmgr.h"

#include "ledger_totals.h"
#include "margin_accum.h"
#include "number.h"
#include "refdata.h"
#include "risk_fields.h"

/* The columns of a ledger row: kind, key, key2, a..f, n. */
#define LEDGER_NCOLUMNS 10

typedef struct LedgerAccum LedgerAccum;

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

/* Why an account cannot be valued: the error its rows or its completion raised. */
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

/*
 * The ledger accumulator of one account.  Positions become margin lines as
 * they arrive (into ms); balances and orders wait in lists until the
 * account's program and leverage are known, when the accumulator is
 * completed (ledger_complete.c).
 */
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
	/* the account's figures, once computed: every field's final reads them */
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

/* ledger_accum.c */
extern void ledger_not_aggregate(void) pg_attribute_noreturn();
extern LedgerAccum *ledger_accum_create(MemoryContext mcxt);
extern LedgerAccum *ledger_accum_begin(MemoryContext mcxt, RefData *cache);
extern bool ledger_is_account_error(int code);
extern void ledger_set_error(LedgerAccum *ls, int code, const char *message,
							 const char *detail, const char *hint);
extern void ledger_catch_error(LedgerAccum *ls, MemoryContext cxt);
extern void ledger_rethrow_error(const LedgerError *e) pg_attribute_noreturn();
extern LedgerBalance *ledger_balance_grow(LedgerAccum *ls);
extern void ledger_add_balance(LedgerAccum *ls, LedgerBalance b);
extern void ledger_add_order(LedgerAccum *ls, LedgerOrder o);
extern void ledger_set_account(LedgerAccum *ls, const char *program, int len, int32 leverage);
extern bool ledger_same_asset(const AssetInfo *a, const AssetInfo *b);
extern AssetInfo **ledger_assets_met(RefData *ref, const LedgerAccum *st, int *n);
extern bool ledger_meets(AssetInfo *const *met, int n, const AssetInfo *a);

/* ledger_rows.c */
extern PmVal ledger_arg_value(FunctionCallInfo fcinfo, int n);
extern void ledger_accum_add_row(LedgerAccum *ls, FunctionCallInfo fcinfo);
extern void ledger_add_kept_position(LedgerAccum *ls, const KeptPosition *p);
extern void ledger_accum_refeed(LedgerAccum *ls, const LedgerAccum *st);
extern TupleDesc ledger_entry_desc(Oid typid, MemoryContext mcxt);
extern void ledger_entry_to_row(Datum entry, TupleDesc desc, FunctionCallInfo row);

/* ledger_scenario.c */
extern void ledger_add_shock(LedgerAccum *ls, RefData *cache, FunctionCallInfo fcinfo);
extern bool ledger_moves(LedgerAccum *ls, AssetInfo *a);
extern MarginAssetRef ledger_asset_ref(LedgerAccum *ls, AssetInfo *a);
extern PmVal ledger_mark_shocked(LedgerAccum *ls, SymbolInfo *s);
extern PmTiers *ledger_collateral_shocked(LedgerAccum *ls, AssetInfo *a);
extern void ledger_check_unshared(LedgerAccum *ls);

/* ledger_codec.c */
extern LedgerAccum *ledger_accum_decode(bytea *bytes, RefData *cache, MemoryContext mcxt,
										bool totals);

/* ledger_combine.c */
extern void ledger_accum_combine(LedgerAccum *dst, LedgerAccum *src);

/* ledger_complete.c */
extern void ledger_accum_complete(LedgerAccum *ls, RefData *cache, bool values_only);
extern void ledger_set_collateral(LedgerAccum *ls, RefData *cache);

/* ledger_final.c */
extern Datum ledger_accum_field(LedgerAccum *ls, RiskFieldsCache *rc, RiskField field, bool *isnull);
extern Datum ledger_accum_row(LedgerAccum *ls, RiskFieldsCache *rc);

/*
 * Called once per row or per asset, so inline (the files of the accumulator
 * are compiled apart, and a call per row costs a few percent of a scan);
 * the rare paths stay out of line.
 */

/* The aggregate's memory context; an error outside an aggregate. */
static inline MemoryContext
ledger_context(FunctionCallInfo fcinfo)
{
	MemoryContext aggcontext;

	if (unlikely(!AggCheckCallContext(fcinfo, &aggcontext)))
		ledger_not_aggregate();
	return aggcontext;
}

/* The next free balance slot, growing the array when it is full. */
static inline LedgerBalance *
ledger_balance_slot(LedgerAccum *ls)
{
	if (unlikely(ls->nbal == ls->capbal))
		return ledger_balance_grow(ls);
	return &ls->bal[ls->nbal];
}

/* Symbol s's mark, moved with its base asset under a scenario. */
static inline PmVal
ledger_mark(LedgerAccum *ls, SymbolInfo *s)
{
	if (likely(!ls->has_scenario) || s->base == NULL)
		return s->mark;
	return ledger_mark_shocked(ls, s);
}

/* Asset a's collateral schedule in the account's program, or the scenario's. */
static inline PmTiers *
ledger_collateral(LedgerAccum *ls, AssetInfo *a)
{
	if (likely(!ls->has_scenario))
		return asset_collateral(a, ls->is_pm);
	return ledger_collateral_shocked(ls, a);
}

/* The aggregates' functions, known to the planner hook by address. */
extern Datum pm_ledger_sfunc(PG_FUNCTION_ARGS);
extern Datum pm_ledger_entry_sfunc(PG_FUNCTION_ARGS);
extern Datum pm_ledger_risk_final(PG_FUNCTION_ARGS);
extern Datum pm_ledger_risk_program_final(PG_FUNCTION_ARGS);
extern Datum pm_ledger_risk_uni_mmr_final(PG_FUNCTION_ARGS);
extern Datum pm_ledger_risk_account_equity_final(PG_FUNCTION_ARGS);
extern Datum pm_ledger_risk_actual_equity_final(PG_FUNCTION_ARGS);
extern Datum pm_ledger_risk_initial_margin_final(PG_FUNCTION_ARGS);
extern Datum pm_ledger_risk_maint_margin_final(PG_FUNCTION_ARGS);
extern Datum pm_ledger_risk_status_final(PG_FUNCTION_ARGS);
extern Datum pm_ledger_risk_withdraw_final(PG_FUNCTION_ARGS);
extern Datum pm_ledger_risk_available_final(PG_FUNCTION_ARGS);
extern Datum pm_ledger_risk_open_loss_final(PG_FUNCTION_ARGS);
extern Datum pm_ledger_risk_error_final(PG_FUNCTION_ARGS);

#endif							/* PM_LEDGER_ACCUM_H */
