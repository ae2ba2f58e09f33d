/*-------------------------------------------------------------------------
 *
 * status.c
 *	  pm.status(summary, program): the account status of docs/spec.md §3.1-3.3.
 *
 * The ladder is data: the enabled rows of pm.status_threshold for the
 * program, each band holding uniMMR > uni_mmr_above (a ratio exactly on a
 * threshold belongs to the riskier band), the bottom band having no bound.
 * An account without maintenance margin is NORMAL, unless its adjusted
 * equity is negative, which is ACTIVE_LIQUIDATION in both programs.
 *
 * Hysteresis: given the status an account had, leaving that band for a
 * safer one needs uniMMR above the band's upper threshold by the band's
 * exit_buffer (pm.status_threshold, default 0), so a ratio hovering at a
 * threshold does not flap.  Entering a riskier band is immediate.
 *
 * The ladder is checked once per query and call site (kept in fn_extra).
 * The read of pm.status_threshold is a plain scan with no operators, so
 * nothing in the caller's search_path can change it; it runs with the
 * caller's privileges, and is the session's while the table does not
 * change (refcache.c).
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "executor/spi.h"
#include "fmgr.h"
#include "utils/builtins.h"
#include "utils/memutils.h"

#include "as_of.h"
#include "compat.h"
#include "excerpt.h"
#include "margin_summary.h"
#include "number.h"
#include "refcache.h"
#include "status.h"

PG_FUNCTION_INFO_V1(pm_summary_status);
PG_FUNCTION_INFO_V1(pm_summary_status_from);
PG_FUNCTION_INFO_V1(pm_value_status);

#define PM_MAX_BANDS 16

typedef struct StatusBand
{
	char	   *status;
	Numeric		above;			/* NULL: the bottom band */
	Numeric		exit_buffer;	/* NULL: none */
} StatusBand;

typedef struct StatusLadder
{
	char	   *program;
	int			nbands;
	StatusBand	bands[PM_MAX_BANDS];	/* highest threshold first */
} StatusLadder;

/* qsort order of bands: highest threshold first, the band without one last. */
static int
band_cmp(const void *x, const void *y)
{
	const StatusBand *a = x;
	const StatusBand *b = y;

	if (a->above == NULL || b->above == NULL)
		return (a->above == NULL) - (b->above == NULL);
	return -pm_cmp(a->above, b->above);
}

/* One row of pm.status_threshold, as read. */
typedef struct ThresholdRow
{
	char	   *program;		/* NULL when NULL */
	char	   *status;
	Numeric		above;			/* NULL when NULL */
	bool		enabled;		/* false when NULL */
	Numeric		exit_buffer;	/* NULL when NULL or no such column */
} ThresholdRow;

typedef struct ThresholdRows
{
	int			n;
	ThresholdRow *rows;
} ThresholdRows;

/*
 * Read pm.status_threshold into mcxt (a refcache loader).  Every column by
 * name: exit_buffer exists from version 0.4.0 on.  The plan is prepared
 * once per backend; each execution reads under the current snapshot.
 */
static void *
read_thresholds(MemoryContext mcxt)
{
	static SPIPlanPtr plans[2];
	bool		past = as_of_active();
	ThresholdRows *t = MemoryContextAllocZero(mcxt, sizeof(ThresholdRows));
	TupleDesc	desc;
	int			col_program,
				col_status,
				col_above,
				col_enabled,
				col_buffer;
	uint64		i;

	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	if (plans[past] == NULL)
	{
		SPIPlanPtr	p = SPI_prepare(past
									? "SELECT * FROM pm.status_threshold_at(pg_catalog.current_setting('portfolio_margin.as_of')::pg_catalog.timestamptz)"
									: "SELECT * FROM pm.status_threshold", 0, NULL);

		if (p == NULL || SPI_keepplan(p) != 0)
			elog(ERROR, "could not prepare the read of pm.status_threshold");
		plans[past] = p;
	}
	if (SPI_execute_plan(plans[past], NULL, NULL, true, 0) != SPI_OK_SELECT)
		elog(ERROR, "could not read pm.status_threshold");
	t->rows = MemoryContextAllocZero(mcxt, sizeof(ThresholdRow) * Max(SPI_processed, 1));
	desc = SPI_tuptable->tupdesc;
	col_program = SPI_fnumber(desc, "program");
	col_status = SPI_fnumber(desc, "status");
	col_above = SPI_fnumber(desc, "uni_mmr_above");
	col_enabled = SPI_fnumber(desc, "enabled");
	col_buffer = SPI_fnumber(desc, "exit_buffer");
	for (i = 0; i < SPI_processed; i++)
	{
		HeapTuple	tup = SPI_tuptable->vals[i];
		ThresholdRow *row = &t->rows[t->n++];
		char	   *program = SPI_getvalue(tup, desc, col_program);
		char	   *status = SPI_getvalue(tup, desc, col_status);
		bool		isnull;
		Datum		d;
		MemoryContext old = MemoryContextSwitchTo(mcxt);

		row->program = program ? pstrdup(program) : NULL;
		row->status = status ? pstrdup(status) : NULL;
		d = SPI_getbinval(tup, desc, col_above, &isnull);
		row->above = isnull ? NULL : pm_numeric_copy_plain(DatumGetNumeric(d));
		d = SPI_getbinval(tup, desc, col_enabled, &isnull);
		row->enabled = !isnull && DatumGetBool(d);
		if (col_buffer > 0)
		{
			d = SPI_getbinval(tup, desc, col_buffer, &isnull);
			row->exit_buffer = isnull ? NULL : pm_numeric_copy_plain(DatumGetNumeric(d));
		}
		MemoryContextSwitchTo(old);
	}
	SPI_finish();
	return t;
}

/*
 * Check and order the program's ladder, from the rows as read, into mcxt.
 * The ladder points into the rows.
 */
static StatusLadder *
load_ladder(const ThresholdRows *t, const char *program, MemoryContext mcxt)
{
	StatusLadder *ladder = MemoryContextAllocZero(mcxt, sizeof(StatusLadder));
	int			i;
	int			bottoms = 0;
	int			b;

	ladder->program = MemoryContextStrdup(mcxt, program);
	for (i = 0; i < t->n; i++)
	{
		const ThresholdRow *row = &t->rows[i];
		StatusBand *band;

		if (row->program == NULL || strcmp(row->program, program) != 0 || !row->enabled)
			continue;
		if (ladder->nbands == PM_MAX_BANDS)
			ereport(ERROR,
					(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
					 errmsg("the status ladder of %s has too many bands", program)));
		band = &ladder->bands[ladder->nbands++];
		band->status = row->status;
		band->above = row->above;
		bottoms += row->above == NULL;
		band->exit_buffer = row->exit_buffer;
	}

	if (ladder->nbands == 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("no status ladder for program \"%s\"", pm_excerpt(program, strlen(program))),
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
							   ladder->bands[b].status, pm_numeric_excerpt(ladder->bands[b].above))));
	return ladder;
}

/* Index of the band holding uni_mmr. */
static int
band_of(StatusLadder *ladder, PmVal uni_mmr)
{
	int			b;

	for (b = 0; b < ladder->nbands - 1; b++)
		if (pmv_cmp(uni_mmr, pmv_numeric(ladder->bands[b].above)) > 0)
			return b;
	return ladder->nbands - 1;
}

/* Index of a status in the ladder, or -1. */
static int
band_named(StatusLadder *ladder, const char *status)
{
	int			b;

	for (b = 0; b < ladder->nbands; b++)
		if (strcmp(ladder->bands[b].status, status) == 0)
			return b;
	return -1;
}

/*
 * The status for a uniMMR (NULL when there is no margin) and adjusted
 * equity, given the previous status (NULL: none).  A move to a safer band
 * than the previous one is measured at uniMMR - the previous band's
 * exit_buffer, and happens only if that is still safer.
 */
static const char *
ladder_status(StatusLadder *ladder, const PmVal *uni_mmr, PmVal adjusted_equity,
			  const char *previous)
{
	int			b,
				p;

	if (uni_mmr == NULL)
		return pmv_sign(adjusted_equity) < 0 ? "ACTIVE_LIQUIDATION" : "NORMAL";
	b = band_of(ladder, *uni_mmr);
	if (previous == NULL || (p = band_named(ladder, previous)) < 0 || b >= p ||
		ladder->bands[p].exit_buffer == NULL || pm_numeric_sign(ladder->bands[p].exit_buffer) == 0)
		return ladder->bands[b].status;
	b = band_of(ladder, pmv_sub(*uni_mmr, pmv_numeric(ladder->bands[p].exit_buffer)));
	return ladder->bands[Min(b, p)].status;
}

/* What a call site keeps for the query in fn_extra. */
typedef struct LadderCache
{
	ThresholdRows *rows;		/* the session's read (refcache.c) */
	StatusLadder *ladders[8];	/* checked, by program */
} LadderCache;

/*
 * The program's ladder, read and checked once per query and call site: the
 * site keeps its LadderCache in *slot, allocated in mcxt.
 */
static StatusLadder *
ladder_in(void **slot, MemoryContext mcxt, const char *program)
{
	LadderCache *cache = (LadderCache *) *slot;
	int			i;

	if (cache == NULL)
	{
		cache = MemoryContextAllocZero(mcxt, sizeof(LadderCache));
		cache->rows = refcache_get(REFCACHE_LADDER, mcxt, read_thresholds);
		*slot = cache;
	}
	for (i = 0; i < 8 && cache->ladders[i] != NULL; i++)
		if (strcmp(cache->ladders[i]->program, program) == 0)
			return cache->ladders[i];
	if (i == 8)
		return load_ladder(cache->rows, program, CurrentMemoryContext);
	cache->ladders[i] = load_ladder(cache->rows, program, mcxt);
	return cache->ladders[i];
}

/* The ladder of program, kept per call site (fn_extra). */
static StatusLadder *
ladder_for(FunctionCallInfo fcinfo, const char *program)
{
	return ladder_in(&fcinfo->flinfo->fn_extra, fcinfo->flinfo->fn_mcxt, program);
}

/*
 * The status of an account in program with this uniMMR (NULL: no margin)
 * and adjusted equity, for C callers that keep the ladder cache in *slot.
 */
const char *
pm_status_of(void **slot, MemoryContext mcxt, const char *program,
			 const PmVal *uni_mmr, PmVal adjusted_equity)
{
	return ladder_status(ladder_in(slot, mcxt, program), uni_mmr, adjusted_equity, NULL);
}

/* Status of a summary, with hysteresis against previous (may be NULL). */
static Datum
summary_status(FunctionCallInfo fcinfo, const char *previous)
{
	PmMarginSummary *s = PG_GETARG_PMSUMMARY(0);
	StatusLadder *ladder = ladder_for(fcinfo, text_to_cstring(PG_GETARG_TEXT_PP(1)));
	bool		has_uni = (s->flags & PM_SUMMARY_HAS_UNI_MMR) != 0;
	PmVal		uni;

	if (has_uni)
		uni = PM_SUMMARY_FIGURE(s, PM_FIGURE_UNI_MMR);
	PG_RETURN_TEXT_P(cstring_to_text(
		ladder_status(ladder, has_uni ? &uni : NULL,
					  PM_SUMMARY_FIGURE(s, PM_FIGURE_ADJUSTED_EQUITY), previous)));
}

/* pm.status(summary, program) */
Datum
pm_summary_status(PG_FUNCTION_ARGS)
{
	return summary_status(fcinfo, NULL);
}

/* pm.status(summary, program, previous): with hysteresis; not strict in previous. */
Datum
pm_summary_status_from(PG_FUNCTION_ARGS)
{
	if (PG_ARGISNULL(0) || PG_ARGISNULL(1))
		PG_RETURN_NULL();
	return summary_status(fcinfo, PG_ARGISNULL(2) ? NULL : text_to_cstring(PG_GETARG_TEXT_PP(2)));
}

/*
 * pm.status(uni_mmr, adjusted_equity, program, previous): the same from
 * stored values (uni_mmr NULL: no margin); NULL when adjusted_equity or
 * program is NULL.  Re-grades statuses without re-aggregating.
 */
Datum
pm_value_status(PG_FUNCTION_ARGS)
{
	StatusLadder *ladder;
	PmVal		uni,
				adjusted;

	if (PG_ARGISNULL(1) || PG_ARGISNULL(2))
		PG_RETURN_NULL();
	ladder = ladder_for(fcinfo, text_to_cstring(PG_GETARG_TEXT_PP(2)));
	pm_check_finite(PG_GETARG_NUMERIC(1), "adjusted_equity");
	adjusted = pmv_numeric(PG_GETARG_NUMERIC(1));
	if (!PG_ARGISNULL(0))
	{
		pm_check_finite(PG_GETARG_NUMERIC(0), "uni_mmr");
		uni = pmv_numeric(PG_GETARG_NUMERIC(0));
	}
	PG_RETURN_TEXT_P(cstring_to_text(
		ladder_status(ladder, PG_ARGISNULL(0) ? NULL : &uni, adjusted,
					  PG_ARGISNULL(3) ? NULL : text_to_cstring(PG_GETARG_TEXT_PP(3)))));
}
