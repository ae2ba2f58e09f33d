/*-------------------------------------------------------------------------
 *
 * ledger_final.c
 *	  The final functions of the ledger aggregates: an account's summary
 *	  (pm.account_ledger), its pm.account_risk fields (pm.account_ledger_risk
 *	  and the pm.ledger_risk_<field> aggregates) and its ledger totals
 *	  (pm.ledger_totals).
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "fmgr.h"

#include "compat.h"
#include "ledger_accum.h"
#include "ledger_totals.h"
#include "margin_summary.h"

PG_FUNCTION_INFO_V1(pm_ledger_final);
PG_FUNCTION_INFO_V1(pm_ledger_risk_final);
PG_FUNCTION_INFO_V1(pm_ledger_totals_final);

/* The query's reference data: the transition's if it read them (read once). */
static RefData *
final_cache(LedgerAccum *ls, FunctionCallInfo fcinfo)
{
	return ls->cache ? ls->cache : refdata_get(fcinfo->flinfo);
}

/*
 * pm.ledger_final(internal), pm.account_ledger's final function: the
 * account's summary.  Completes the accumulator itself (the aggregate is
 * declared FINALFUNC_MODIFY = READ_WRITE).
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
			ledger_catch_error(ls, cxt);
		}
		PG_END_TRY();
	}
	/* an account that cannot be valued has no summary */
	if (summary == NULL)
		PG_RETURN_NULL();
	PG_RETURN_POINTER(summary);
}

/*
 * The account's figures, from the accumulator completed for values only,
 * kept in the accumulator: the aggregates of single fields share one
 * accumulator (their final functions are SHAREABLE) and each reads the
 * figures the first one computed, and a rescanned hashed aggregate
 * finalizes the same accumulator again.
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
			ledger_catch_error(ls, cxt);
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
 * pm.ledger_risk_final(internal), pm.account_ledger_risk's final function:
 * the account's pm.account_risk fields as a pm.ledger_risk row, from the
 * completed accumulator's figures -- no summary is laid out, nothing per
 * asset is kept.
 */
Datum
pm_ledger_risk_final(PG_FUNCTION_ARGS)
{
	LedgerAccum *ls = (LedgerAccum *) PG_GETARG_POINTER(0);
	RiskFieldsCache *rc;

	ledger_context(fcinfo);
	rc = risk_fields_cache(fcinfo, true);
	/* the cache lives in fn_mcxt, where the row's ladder is kept */
	PG_RETURN_DATUM(ledger_accum_row(ls, rc));
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
 * figures are computed by the first field asked for.  rc is the caller's
 * cache of texts and the status ladder.
 */
Datum
ledger_accum_field(LedgerAccum *ls, RiskFieldsCache *rc, RiskField field, bool *isnull)
{
	ledger_accum_figures(ls, rc);
	return risk_field_datum(rc, rc->mcxt, field, ledger_program(ls), ls->figures, ls->has_uni_mmr,
							ls->error ? ls->error->message : NULL, NULL, isnull);
}

/*
 * The account's risk as one row of rc's row type (pm.ledger_risk), for the
 * ledger merge node's pm.account_ledger_risk.
 */
Datum
ledger_accum_row(LedgerAccum *ls, RiskFieldsCache *rc)
{
	ledger_accum_figures(ls, rc);
	return risk_fields_datum(rc, rc->mcxt, ledger_program(ls), ls->figures, ls->has_uni_mmr,
							 ls->error ? ls->error->message : NULL);
}

/*
 * The final function of one pm.ledger_risk_<field> aggregate: that field of
 * the account's risk (ledger_risk_field).
 */
#define RISK_FIELD_FINAL(name, field) \
PG_FUNCTION_INFO_V1(name); \
Datum \
name(PG_FUNCTION_ARGS) \
{ \
	return ledger_risk_field(fcinfo, field); \
}

/*
 * pm.ledger_risk_<field>_final(internal), one per field: program, uni_mmr,
 * account_equity, actual_equity, account_initial_margin,
 * account_maint_margin, account_status, virtual_max_withdraw_amount,
 * total_available_balance, total_margin_open_loss and error.
 */
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
 * pm.ledger_totals_final(internal), pm.ledger_totals' final function: the
 * ledger totals (ledger_totals.c) as bytes -- the completed sums of
 * everything but positions, and the positions as they are.
 */
Datum
pm_ledger_totals_final(PG_FUNCTION_ARGS)
{
	LedgerAccum *ls = (LedgerAccum *) PG_GETARG_POINTER(0);

	ledger_context(fcinfo);
	/* pm.account_state's keeper records the reason itself (pm.recompute_accounts) */
	if (ls->error != NULL)
		ledger_rethrow_error(ls->error);
	ledger_accum_complete(ls, final_cache(ls, fcinfo), false);
	PG_RETURN_BYTEA_P(ledger_totals_encode(ls->is_pm, ls->ms, &ls->positions));
}
