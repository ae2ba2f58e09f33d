/*-------------------------------------------------------------------------
 *
 * margin_summary.h
 *	  pm.margin_summary: an account's (or any portfolio's) risk picture.
 *
 * It stores what the pm.margin aggregate accumulated per asset -- enough to
 * re-aggregate summaries exactly -- and, computed once when it is built,
 * everything derived from it, so the accessors only read:
 *
 *	  per asset  value_usd = equity * price; collateral_value_usd (a debt in
 *	             full, an asset tiered, 0 when not collateral); margins in USD
 *	  figures    account_equity, actual_equity, maint_margin, initial_margin,
 *	             open_loss, adjusted_equity, uni_mmr (absent when MM is 0)
 *
 * Layout: a header, offsets of the figures, PM_FIELD_COUNT offsets per asset,
 * then the values, all int-aligned: names NUL-terminated, schedules as
 * pm.tiers, numbers as stored values -- an int32 scale and the 128-bit
 * coefficient when the number fits the fast path (most do), else -1 and
 * the numeric -- so building a summary makes no numerics at all; accessors
 * make the one they return.  Assets are in byte order of their names.
 *
 *-------------------------------------------------------------------------
 */
#ifndef PM_MARGIN_SUMMARY_H
#define PM_MARGIN_SUMMARY_H

#include "fmgr.h"
#include "utils/numeric.h"

#include "margin_accum.h"
#include "tiers.h"

#define PM_SUMMARY_VERSION		2
#define PM_SUMMARY_HAS_UNI_MMR	0x01

typedef enum PmSummaryFigure
{
	PM_FIGURE_ACCOUNT_EQUITY,
	PM_FIGURE_ACTUAL_EQUITY,
	PM_FIGURE_MAINT_MARGIN,
	PM_FIGURE_INITIAL_MARGIN,
	PM_FIGURE_OPEN_LOSS,
	PM_FIGURE_ADJUSTED_EQUITY,
	PM_FIGURE_UNI_MMR,
	PM_FIGURE_COUNT
} PmSummaryFigure;

typedef enum PmSummaryField
{
	PM_FIELD_NAME,
	PM_FIELD_PRICE,
	PM_FIELD_COLLATERAL,		/* offset 0: not collateral */
	PM_FIELD_EQUITY,
	PM_FIELD_MAINT_MARGIN,
	PM_FIELD_INITIAL_MARGIN,
	PM_FIELD_OPEN_LOSS,
	PM_FIELD_VALUE_USD,
	PM_FIELD_COLLATERAL_VALUE_USD,
	PM_FIELD_MAINT_MARGIN_USD,
	PM_FIELD_INITIAL_MARGIN_USD,
	PM_FIELD_COUNT
} PmSummaryField;

typedef struct PmMarginSummary
{
	int32		vl_len_;
	uint8		version;
	uint8		flags;
	uint16		reserved;
	int32		nassets;
	uint32		figures[PM_FIGURE_COUNT];
	uint32		fields[FLEXIBLE_ARRAY_MEMBER];
} PmMarginSummary;

#define PM_SUMMARY_PTR(s, off)		((void *) ((char *) (s) + (off)))
#define PM_SUMMARY_OFFSET(s, i, f)	((s)->fields[(i) * PM_FIELD_COUNT + (f)])
#define PM_SUMMARY_FIGURE(s, t)		summary_value(PM_SUMMARY_PTR(s, (s)->figures[t]))
#define PM_SUMMARY_VALUE(s, i, f)	summary_value(PM_SUMMARY_PTR(s, PM_SUMMARY_OFFSET(s, i, f)))
#define PM_SUMMARY_NAME(s, i)		((char *) PM_SUMMARY_PTR(s, PM_SUMMARY_OFFSET(s, i, PM_FIELD_NAME)))
#define PM_SUMMARY_COLLATERAL(s, i) \
	(PM_SUMMARY_OFFSET(s, i, PM_FIELD_COLLATERAL) == 0 ? NULL : \
	 (PmTiers *) PM_SUMMARY_PTR(s, PM_SUMMARY_OFFSET(s, i, PM_FIELD_COLLATERAL)))

#define DatumGetPmMarginSummary(d)	((PmMarginSummary *) PG_DETOAST_DATUM(d))
#define PG_GETARG_PMSUMMARY(n)		DatumGetPmMarginSummary(PG_GETARG_DATUM(n))

struct PmVal;
extern struct PmVal summary_value(const void *stored);
extern PmMarginSummary *margin_summary_build(MarginAccum *st);
extern bool margin_finish_figures(struct PmVal *figures);
extern bool margin_accum_figures(MarginAccum *st, struct PmVal *figures, bool values_only,
							  const struct PmVal *outside);
extern void margin_summary_add_to_accum(MarginAccum *st, PmMarginSummary *s);

#endif							/* PM_MARGIN_SUMMARY_H */
