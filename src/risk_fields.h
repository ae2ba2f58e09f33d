/*-------------------------------------------------------------------------
 *
 * risk_fields.h
 *	  The fields of pm.account_risk for one account, one at a time or as a
 *	  pm.ledger_risk row, from its figures (risk_fields.c).
 *
 *-------------------------------------------------------------------------
 */
#ifndef PM_RISK_FIELDS_H
#define PM_RISK_FIELDS_H

#include "fmgr.h"
#include "access/tupdesc.h"

#include "margin_summary.h"
#include "number.h"

/* What a call site keeps for the query (in its fn_extra). */
typedef struct RiskFieldsCache
{
	TupleDesc	desc;			/* pm.ledger_risk, blessed (row callers only) */
	void	   *ladder;			/* status.c's ladder cache */
	void	   *refdata;		/* the query's reference data (refdata.c), for callers that need it */
	MemoryContext mcxt;			/* the call site's */
	int			ntexts,			/* program and status names given so far, */
				captexts;		/* as text (risk_fields.c: cached_text) */
	struct varlena **texts;
} RiskFieldsCache;

/* The fields, in pm.ledger_risk's column order (and pm.account_risk's). */
typedef enum RiskField
{
	RISK_PROGRAM,
	RISK_UNI_MMR,
	RISK_ACCOUNT_EQUITY,
	RISK_ACTUAL_EQUITY,
	RISK_INITIAL_MARGIN,
	RISK_MAINT_MARGIN,
	RISK_STATUS,
	RISK_WITHDRAW,
	RISK_AVAILABLE,
	RISK_OPEN_LOSS,
	RISK_ERROR,					/* why the account cannot be valued, or NULL */
	RISK_NFIELDS
} RiskField;

extern RiskFieldsCache *risk_fields_cache(FunctionCallInfo fcinfo, bool row);
extern RiskFieldsCache *risk_fields_cache_new(MemoryContext mcxt);
extern void risk_fields_cache_set_row(RiskFieldsCache *rc, Oid typid);
extern Datum risk_field_datum(RiskFieldsCache *rc, MemoryContext mcxt, RiskField field,
							  const char *program, const PmVal *figures, bool has_uni,
							  const char *error, void *buf, bool *isnull);
extern Datum risk_fields_datum(RiskFieldsCache *rc, MemoryContext mcxt,
							   const char *program, const PmVal *figures, bool has_uni,
							   const char *error);

#endif							/* PM_RISK_FIELDS_H */
