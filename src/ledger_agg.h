/*-------------------------------------------------------------------------
 *
 * ledger_agg.h
 *	  One account's ledger state outside the aggregate machinery: what the
 *	  merge node (ledger_merge_exec.c) calls for pm.account_risk's rows,
 *	  the same code the aggregates pm.ledger_risk_<field> run
 *	  (ledger_agg.c).
 *
 *-------------------------------------------------------------------------
 */
#ifndef PM_LEDGER_AGG_H
#define PM_LEDGER_AGG_H

#include "fmgr.h"

#include "refdata.h"
#include "risk_fields.h"

/* The columns of a ledger row: kind, key, key2, a..f, n (ledger_agg.c). */
#define LEDGER_NCOLUMNS 10

typedef struct LedgerAccum LedgerAccum;

extern LedgerAccum *ledger_accum_begin(MemoryContext mcxt, RefData *cache);
extern void ledger_accum_add_row(LedgerAccum *ls, FunctionCallInfo fcinfo);
extern Datum ledger_accum_field(LedgerAccum *ls, RiskFieldsCache *rc, RiskField field, bool *isnull);

/* The aggregates' functions, known to the planner hook by address. */
extern Datum pm_ledger_sfunc(PG_FUNCTION_ARGS);
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

#endif							/* PM_LEDGER_AGG_H */
