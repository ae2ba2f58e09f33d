/*-------------------------------------------------------------------------
 *
 * risk_fields.c
 *	  The fields of pm.account_risk for one account, from its figures.
 *
 * pm.risk_of computes them in SQL from a summary: a dozen function calls,
 * each making a numeric, then round() of each.  Here the same formulas run
 * on the exact figures in the fast path and each field is rounded once, to
 * the same digits (pmv_round_into gives numeric's round, display scale
 * included); the status comes from the same ladder code as pm.status.
 *
 *	  uni_mmr                      round(uniMMR, 8), NULL without margin
 *	  account_equity               round(sum CV, 8)
 *	  actual_equity                round(sum V, 8)
 *	  account_initial_margin       round(sum IM, 8)
 *	  account_maint_margin         round(sum MM, 8)
 *	  account_status               pm.status
 *	  virtual_max_withdraw_amount  round(greatest(sum CV - 1.2 sum MM, 0), 8)
 *	  total_available_balance      round(sum CV - sum IM, 8)
 *	  total_margin_open_loss       round(open loss, 8)
 *	  error                        why the account cannot be valued (then every
 *	                               field but the program is NULL), or NULL
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "catalog/pg_type.h"
#include "funcapi.h"
#include "utils/builtins.h"
#include "utils/typcache.h"

#include "compat.h"
#include "risk_fields.h"
#include "status.h"

/* The columns of pm.ledger_risk, in order (RiskField). */
static const Oid risk_field_types[RISK_NFIELDS] = {
	TEXTOID,					/* program */
	NUMERICOID, NUMERICOID, NUMERICOID, NUMERICOID, NUMERICOID,
	TEXTOID,					/* account_status */
	NUMERICOID, NUMERICOID, NUMERICOID,
	TEXTOID						/* error */
};

/* Digits after the point of every amount pm.account_risk shows. */
#define RISK_SCALE 8

/*
 * A row type's descriptor checked against what this code writes, so a
 * changed type is an error and not a misread row.
 */
static void
check_row_desc(TupleDesc desc)
{
	int			i;

	/* exactly these columns, none dropped: values[] fills them by position */
	for (i = 0; i < desc->natts && i < RISK_NFIELDS; i++)
		if (TupleDescAttr(desc, i)->attisdropped ||
			TupleDescAttr(desc, i)->atttypid != risk_field_types[i])
			break;
	if (desc->natts != RISK_NFIELDS || i < RISK_NFIELDS)
		ereport(ERROR,
				(errcode(ERRCODE_DATATYPE_MISMATCH),
				 errmsg("account risk fields cannot fill row type %s",
						format_type_be(desc->tdtypeid)),
				 errdetail("They fill exactly these columns, in order: program text, uni_mmr, account_equity, actual_equity, account_initial_margin and account_maint_margin numeric, account_status text, virtual_max_withdraw_amount, total_available_balance and total_margin_open_loss numeric, error text.")));
}

/* The caller's result row type, checked (check_row_desc). */
static TupleDesc
checked_row_type(FunctionCallInfo fcinfo)
{
	TupleDesc	desc;

	if (get_call_result_type(fcinfo, NULL, &desc) != TYPEFUNC_COMPOSITE)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("account risk fields must be returned as a row")));
	check_row_desc(desc);
	return desc;
}

/*
 * Row type typid, checked, as the row rc's caller fills (the ledger merge
 * node, which has no call of its own to ask).
 */
void
risk_fields_cache_set_row(RiskFieldsCache *rc, Oid typid)
{
	MemoryContext old = MemoryContextSwitchTo(rc->mcxt);
	TupleDesc	desc = lookup_rowtype_tupdesc_copy(typid, -1);

	check_row_desc(desc);
	rc->desc = BlessTupleDesc(desc);
	MemoryContextSwitchTo(old);
}

/*
 * The call site's cache, with the checked row type for a row caller (a
 * one-field caller returns its column's type, as declared).
 */
RiskFieldsCache *
risk_fields_cache(FunctionCallInfo fcinfo, bool row)
{
	RiskFieldsCache *rc = (RiskFieldsCache *) fcinfo->flinfo->fn_extra;

	if (rc == NULL)
	{
		TupleDesc	desc = row ? checked_row_type(fcinfo) : NULL;
		MemoryContext old;

		rc = risk_fields_cache_new(fcinfo->flinfo->fn_mcxt);
		if (row)
		{
			old = MemoryContextSwitchTo(rc->mcxt);
			rc->desc = BlessTupleDesc(CreateTupleDescCopy(desc));
			MemoryContextSwitchTo(old);
		}
		fcinfo->flinfo->fn_extra = rc;
	}
	return rc;
}

/* An empty cache of single fields kept in mcxt, for callers without a call site. */
RiskFieldsCache *
risk_fields_cache_new(MemoryContext mcxt)
{
	RiskFieldsCache *rc = MemoryContextAllocZero(mcxt, sizeof(RiskFieldsCache));

	rc->mcxt = mcxt;
	return rc;
}

/*
 * A program or status name as text, made once per call site and name: the
 * names are PM, PM_PRO and the few statuses of pm.status_threshold, so the
 * list stays short.
 */
static text *
cached_text(RiskFieldsCache *rc, const char *name)
{
	size_t		len = strlen(name);
	MemoryContext old;
	int			i;

	for (i = 0; i < rc->ntexts; i++)
		if (VARSIZE_ANY_EXHDR(rc->texts[i]) == len &&
			memcmp(VARDATA_ANY(rc->texts[i]), name, len) == 0)
			return rc->texts[i];
	old = MemoryContextSwitchTo(rc->mcxt);
	if (rc->ntexts == rc->captexts)
	{
		rc->captexts = rc->captexts ? 2 * rc->captexts : 4;
		rc->texts = rc->texts
			? repalloc(rc->texts, sizeof(text *) * rc->captexts)
			: palloc(sizeof(text *) * rc->captexts);
	}
	rc->texts[rc->ntexts] = cstring_to_text(name);
	MemoryContextSwitchTo(old);
	return rc->texts[rc->ntexts++];
}

/*
 * One field for an account in program whose figures (by PmSummaryFigure) are
 * these; has_uni says whether figures[PM_FIGURE_UNI_MMR] is set.  An account
 * that cannot be valued has error set (and no figures): its program and its
 * error, every other field NULL.  A rounded amount is written into buf
 * (PM_DEC_NUMERIC_MAX bytes), or into memory palloc'd here when buf is
 * NULL.  The ladder is cached in mcxt (the call site's).
 */
Datum
risk_field_datum(RiskFieldsCache *rc, MemoryContext mcxt, RiskField field,
				 const char *program, const PmVal *figures, bool has_uni,
				 const char *error, void *buf, bool *isnull)
{
	PmVal		equity;
	PmVal		v;

	*isnull = false;
	if (field == RISK_PROGRAM)
	{
		if (program == NULL)
		{
			*isnull = true;
			return (Datum) 0;
		}
		return PointerGetDatum(cached_text(rc, program));
	}
	if (field == RISK_ERROR || error != NULL)
	{
		if (field != RISK_ERROR || error == NULL)
		{
			*isnull = true;
			return (Datum) 0;
		}
		return PointerGetDatum(cstring_to_text(error));
	}
	equity = figures[PM_FIGURE_ACCOUNT_EQUITY];
	switch (field)
	{
		case RISK_STATUS:
			return PointerGetDatum(cached_text(rc,
				pm_status_of(&rc->ladder, mcxt, program,
							 has_uni ? &figures[PM_FIGURE_UNI_MMR] : NULL,
							 figures[PM_FIGURE_ADJUSTED_EQUITY])));
		case RISK_UNI_MMR:
			if (!has_uni)
			{
				*isnull = true;
				return (Datum) 0;
			}
			v = figures[PM_FIGURE_UNI_MMR];
			break;
		case RISK_ACCOUNT_EQUITY:
			v = equity;
			break;
		case RISK_ACTUAL_EQUITY:
			v = figures[PM_FIGURE_ACTUAL_EQUITY];
			break;
		case RISK_INITIAL_MARGIN:
			v = figures[PM_FIGURE_INITIAL_MARGIN];
			break;
		case RISK_MAINT_MARGIN:
			v = figures[PM_FIGURE_MAINT_MARGIN];
			break;
		case RISK_WITHDRAW:
			{
				pm_dec		one_point_two = {12, 1};

				v = pmv_sub(equity, pmv_mul(pmv_dec(one_point_two), figures[PM_FIGURE_MAINT_MARGIN]));
				if (pmv_sign(v) < 0)
					v = pmv_zero();
				break;
			}
		case RISK_AVAILABLE:
			v = pmv_sub(equity, figures[PM_FIGURE_INITIAL_MARGIN]);
			break;
		case RISK_OPEN_LOSS:
			v = figures[PM_FIGURE_OPEN_LOSS];
			break;
		default:
			elog(ERROR, "unknown account risk field %d", (int) field);
	}
	return NumericGetDatum(pmv_round_into(v, RISK_SCALE, buf ? buf : palloc(PM_DEC_NUMERIC_MAX)));
}

/* The same fields as one pm.ledger_risk row. */
Datum
risk_fields_datum(RiskFieldsCache *rc, MemoryContext mcxt, const char *program,
				  const PmVal *figures, bool has_uni, const char *error)
{
	Datum		values[RISK_NFIELDS];
	bool		nulls[RISK_NFIELDS];
	/* the rounded numerics, written here and copied into the row */
	union
	{
		char		bytes[PM_DEC_NUMERIC_MAX];
		int32		align;
	}			buf[RISK_NFIELDS];
	int			i;

	for (i = 0; i < RISK_NFIELDS; i++)
		values[i] = risk_field_datum(rc, mcxt, (RiskField) i, program, figures, has_uni,
									 error, buf[i].bytes, &nulls[i]);
	return HeapTupleGetDatum(heap_form_tuple(rc->desc, values, nulls));
}
