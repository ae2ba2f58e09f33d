/*-------------------------------------------------------------------------
 *
 * status.c
 *	  pm.status(summary, program): the account status of spec section 3.
 *
 * The ladder is data: the enabled rows of pm.status_threshold for the
 * program, each band holding uniMMR > uni_mmr_above (a ratio exactly on a
 * threshold belongs to the riskier band), the bottom band having no bound.
 * An account without maintenance margin is NORMAL, unless its adjusted
 * equity is negative, which is ACTIVE_LIQUIDATION in both programs.
 *
 * The ladder is read once per query and call site (cached in fn_extra).
 * The read is a plain scan with no operators, so nothing in the caller's
 * search_path can change it; it runs with the caller's privileges.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "executor/spi.h"
#include "fmgr.h"
#include "utils/builtins.h"
#include "utils/memutils.h"

#include "compat.h"
#include "margin_summary.h"
#include "numeric_raw.h"
#include "pm_numeric.h"
#include "pm_value.h"

PG_FUNCTION_INFO_V1(pm_summary_status);

#define PM_MAX_BANDS 16

typedef struct StatusBand
{
	char	   *status;
	Numeric		above;			/* NULL: the bottom band */
} StatusBand;

typedef struct StatusLadder
{
	char	   *program;
	int			nbands;
	StatusBand	bands[PM_MAX_BANDS];	/* highest threshold first */
} StatusLadder;

static int
band_cmp(const void *x, const void *y)
{
	const StatusBand *a = x;
	const StatusBand *b = y;

	if (a->above == NULL || b->above == NULL)
		return (a->above == NULL) - (b->above == NULL);
	return -pm_cmp(a->above, b->above);
}

/* Read and check the program's ladder into mcxt. */
static StatusLadder *
load_ladder(const char *program, MemoryContext mcxt)
{
	StatusLadder *ladder = MemoryContextAllocZero(mcxt, sizeof(StatusLadder));
	uint64		i;
	int			bottoms = 0;
	int			b;

	ladder->program = MemoryContextStrdup(mcxt, program);
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	if (SPI_execute("SELECT program, status, uni_mmr_above, enabled FROM pm.status_threshold",
					true, 0) != SPI_OK_SELECT)
		elog(ERROR, "could not read pm.status_threshold");
	for (i = 0; i < SPI_processed; i++)
	{
		HeapTuple	tup = SPI_tuptable->vals[i];
		TupleDesc	desc = SPI_tuptable->tupdesc;
		char	   *prog = SPI_getvalue(tup, desc, 1);
		bool		isnull;
		Datum		enabled = SPI_getbinval(tup, desc, 4, &isnull);
		Datum		above;
		StatusBand *band;
		MemoryContext old;

		if (prog == NULL || strcmp(prog, program) != 0 || isnull || !DatumGetBool(enabled))
			continue;
		if (ladder->nbands == PM_MAX_BANDS)
			ereport(ERROR,
					(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
					 errmsg("the status ladder of %s has too many bands", program)));
		band = &ladder->bands[ladder->nbands++];
		old = MemoryContextSwitchTo(mcxt);
		band->status = pstrdup(SPI_getvalue(tup, desc, 2));
		above = SPI_getbinval(tup, desc, 3, &isnull);
		band->above = isnull ? NULL : pm_numeric_copy_plain(DatumGetNumeric(above));
		MemoryContextSwitchTo(old);
		bottoms += isnull;
	}
	SPI_finish();

	if (ladder->nbands == 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("no status ladder for program \"%s\"", program),
				 errhint("Programs are PM and PM_PRO; their bands are the enabled rows of pm.status_threshold.")));
	if (bottoms != 1)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("the status ladder of %s needs exactly one bottom band", program),
				 errdetail("It has %d enabled bands without a threshold.", bottoms),
				 errhint("Give every enabled band of pm.status_threshold a uni_mmr_above but the riskiest one.")));
	qsort(ladder->bands, ladder->nbands, sizeof(StatusBand), band_cmp);
	for (b = 1; b < ladder->nbands - 1; b++)
		if (pm_cmp(ladder->bands[b].above, ladder->bands[b - 1].above) == 0)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("the status ladder of %s has two bands at the same threshold", program),
					 errdetail("%s and %s both start above %s.", ladder->bands[b - 1].status,
							   ladder->bands[b].status, pm_numeric_out(ladder->bands[b].above))));
	return ladder;
}

/* The status for a uniMMR (NULL when there is no margin) and adjusted equity. */
static const char *
ladder_status(StatusLadder *ladder, const PmVal *uni_mmr, PmVal adjusted_equity)
{
	int			b;

	if (uni_mmr == NULL)
		return pmv_sign(adjusted_equity) < 0 ? "ACTIVE_LIQUIDATION" : "NORMAL";
	for (b = 0; b < ladder->nbands; b++)
	{
		StatusBand *band = &ladder->bands[b];

		if (band->above == NULL || pmv_cmp(*uni_mmr, pmv_numeric(band->above)) > 0)
			return band->status;
	}
	return ladder->bands[ladder->nbands - 1].status;	/* not reached */
}

/* pm.status(summary, program) */
Datum
pm_summary_status(PG_FUNCTION_ARGS)
{
	PmMarginSummary *s = PG_GETARG_PMSUMMARY(0);
	char	   *program = text_to_cstring(PG_GETARG_TEXT_PP(1));
	StatusLadder **cache = (StatusLadder **) fcinfo->flinfo->fn_extra;
	StatusLadder *ladder = NULL;
	int			i;

	/* fn_extra holds one ladder per program seen, for this query */
	if (cache == NULL)
	{
		cache = MemoryContextAllocZero(fcinfo->flinfo->fn_mcxt, sizeof(StatusLadder *) * 8);
		fcinfo->flinfo->fn_extra = cache;
	}
	for (i = 0; i < 8 && cache[i] != NULL; i++)
		if (strcmp(cache[i]->program, program) == 0)
		{
			ladder = cache[i];
			break;
		}
	if (ladder == NULL)
	{
		ladder = load_ladder(program, fcinfo->flinfo->fn_mcxt);
		if (i < 8)
			cache[i] = ladder;
	}
	{
		PmVal		uni;
		bool		has_uni = (s->flags & PM_SUMMARY_HAS_UNI_MMR) != 0;

		if (has_uni)
			uni = PM_SUMMARY_TOTAL(s, PM_TOTAL_UNI_MMR);
		PG_RETURN_TEXT_P(cstring_to_text(
			ladder_status(ladder, has_uni ? &uni : NULL,
						  PM_SUMMARY_TOTAL(s, PM_TOTAL_ADJUSTED_EQUITY))));
	}
}
